"""Playing a scenario: steps in time order on a Target, one Outcome per expectation.

The player reaches each step's time with ADVANCE (so the pump must run a
manual clock), sends the command or reads the status a check needs, and
follows the pump's event log to know which alarms rose between checks.
Targets (the C core in-process, a client on a port) are in
:mod:`pyemu.therapy.targets`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

from pyemu import units
from pyemu.pump.records import Status, plant_fault_accepts
from pyemu.therapy.scenario import Scenario, Step


class Refused(Exception):
    """The pump refused a command; .reason is a name from REASONS."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(detail or reason)
        self.reason = reason


class Target(Protocol):
    """What the player needs from a pump: a manual clock and the commands.

    status() returns the pump's Status record (pyemu.pump.records: exact
    integers, names through properties); alarms_raised(since)
    lists (time_ms, alarm) that rose after the event-log cursor `since` and
    returns the new cursor.
    Commands raise Refused on a refusal; a refill with a withdrawn volume
    returns its :class:`pyemu.pump.records.Reconciliation` (verdict_name:
    within_tolerance, possible_over_infusion, possible_under_infusion), other
    commands None.
    truth() returns the physical plant's :class:`pyemu.pump.records.Truth` (a
    target without a plant raises Refused("unsupported")).
    """
    def now_ms(self) -> int: ...
    def advance_to(self, t_ms: int) -> None: ...
    def status(self) -> Status: ...
    def alarms_raised(self, since: int) -> tuple[list[tuple[int, str]], int]: ...
    def do(self, action: str, args: dict) -> Any: ...   # a refill with withdrawn: its Reconciliation
    def truth(self) -> Any: ...


@dataclass
class Outcome:
    step: Step
    passed: bool
    what: str           # what was expected, in words
    detail: str = ""    # what happened, when it failed


@dataclass
class RunResult:
    scenario: Scenario
    outcomes: list[Outcome] = field(default_factory=list)
    alarms_raised: list[tuple[int, str]] = field(default_factory=list)  # (pump ms, alarm)
    # (pump ms, Reconciliation) of every refill that gave the withdrawn volume
    reconciliations: list[tuple[int, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(o.passed for o in self.outcomes)

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]

    def __repr__(self) -> str:
        # What `assert result.passed` shows in pytest: the failed expectations
        # with their values, not the whole scenario.
        bad = self.failures
        head = (f"RunResult({self.scenario.name!r}: {len(self.outcomes) - len(bad)} of "
                f"{len(self.outcomes)} expectations met")
        if not bad:
            return head + ")"
        return head + "; failed:\n" + "\n".join("  " + format_outcome(o) for o in bad) + "\n)"


def play(sc: Scenario, target: Target,
         on_outcome: Callable[[Outcome], None] | None = None,
         sample: Callable[[Status], None] | None = None,
         sample_every_ms: int = 0) -> RunResult:
    """Play every step on target; one Outcome per command and per expectation.

    Scenario times are relative to the target's time when play starts. If
    `sample` is given it receives the Status before and after each step,
    and every `sample_every_ms` during the time between steps (for plots).
    """
    result = RunResult(sc)
    t0 = target.now_ms()
    _, cursor = target.alarms_raised(0)
    raised_since_check: list[tuple[int, str]] = []

    def report(o: Outcome) -> None:
        result.outcomes.append(o)
        if on_outcome:
            on_outcome(o)

    for st in sc.steps:
        goal = t0 + st.at_ms
        if sample is not None and sample_every_ms > 0:
            t = target.now_ms()
            while t + sample_every_ms < goal:
                t += sample_every_ms
                target.advance_to(t)
                sample(target.status())
        if goal > target.now_ms():
            target.advance_to(goal)
        new, cursor = target.alarms_raised(cursor)
        raised_since_check.extend(new)
        result.alarms_raised.extend(new)
        if st.action == "check":
            for o in _checks(st, target.status(), raised_since_check):
                report(o)
            raised_since_check = []
        elif st.action == "truth":
            try:
                truth = target.truth()
            except Refused as exc:
                report(Outcome(st, False, "the physical plant read", f"refused: {exc.reason} {exc}"))
            else:
                for o in _truth_checks(st, truth):
                    report(o)
        elif st.action != "advance":
            for o in _command(st, target, result):
                report(o)
            new, cursor = target.alarms_raised(cursor)
            raised_since_check.extend(new)
            result.alarms_raised.extend(new)
        if sample is not None:
            sample(target.status())
    return result


def _accepts(st: Step, reason: str) -> str:
    """Beside a plant fault's bad_field (which names no field): what the pump accepts."""
    plant = st.args.get("plant") if st.action == "fault" else None
    if reason != "bad_field" or plant is None:
        return ""
    return f" ({st.args['kind']} takes {plant_fault_accepts(st.args['kind'])})"


def _command(st: Step, target: Target, result: RunResult) -> list[Outcome]:
    expect = st.expect_refused
    try:
        rec = target.do(st.action, st.args)
    except Refused as exc:
        if expect is None:
            return [Outcome(st, False, "accepted", f"refused: {exc.reason}{_accepts(st, exc.reason)}")]
        if expect not in ("any", exc.reason):
            return [Outcome(st, False, f"refused with {expect}", f"refused with {exc.reason}")]
        return [Outcome(st, True, f"refused with {exc.reason}")]
    if expect is not None:
        return [Outcome(st, False, f"refused with {expect}", "accepted")]
    out = [Outcome(st, True, "accepted")]
    if rec is not None:
        result.reconciliations.append((target.now_ms(), rec))
        want = st.args.get("expect_verdict")
        if want is not None:
            out.append(Outcome(st, rec.verdict_name == want, f"reconciliation verdict {want}",
                               f"verdict {rec.verdict_name}: expected {rec.expected_nl / 1000:g} uL, "
                               f"withdrawn {rec.withdrawn_nl / 1000:g} uL, tolerance "
                               f"{rec.tolerance_nl / 1000:g} uL"))
    return out


def _truth_checks(st: Step, t: Any) -> list[Outcome]:
    """A ``truth`` step: the physical plant's state (a Truth record) against its bounds (exact integers)."""
    a = st.args
    out = []
    for key, field_, scale, unit in (("reservoir", "reservoir_nl", 1, "µL"),
                                     ("intrathecal", "intrathecal_pg", 1000, "µg"),
                                     ("tissue", "tissue_pg", 1000, "µg"),
                                     ("held", "held_pg", 1000, "µg")):
        if key not in a:
            continue
        lo, hi = a[key]
        exact = getattr(t, field_)
        ok = (lo is None or exact >= lo * scale) and (hi is None or exact <= hi * scale)
        rng = " and ".join(x for x in (f"at least {_num(lo / 1000)} {unit}" if lo is not None else "",
                                       f"at most {_num(hi / 1000)} {unit}" if hi is not None else "") if x)
        out.append(Outcome(st, ok, f"truth: {key} {rng}", f"{key} is {_num(exact / scale / 1000)} {unit}"))
    for key, value in (("catheter", t.catheter_name), ("mri", t.mri_name)):
        if key in a:
            out.append(Outcome(st, value == a[key], f"truth: {key} {a[key]}", f"{key} {value}"))
    faults = t.fault_names
    for name in a.get("faults", ()):
        out.append(Outcome(st, name in faults, f"truth: fault {name} present",
                           f"present: {', '.join(faults) or 'none'}"))
    for name in a.get("no_faults", ()):
        out.append(Outcome(st, name not in faults, f"truth: fault {name} absent", f"{name} present"))
    return out


def _checks(st: Step, status: Status, raised: list[tuple[int, str]]) -> list[Outcome]:
    a = st.args
    out = []
    active = set(status.alarm_names)
    for name in a.get("alarms", ()):
        out.append(Outcome(st, name in active, f"alarm {name} active",
                           f"active: {', '.join(sorted(active)) or 'none'}"))
    for name in a.get("no_alarms", ()):
        out.append(Outcome(st, name not in active, f"alarm {name} not active",
                           f"{name} is active"))
    rose = {n for _, n in raised}
    for name in a.get("raised", ()):
        out.append(Outcome(st, name in rose, f"alarm {name} raised since the previous check",
                           f"raised: {', '.join(sorted(rose)) or 'none'}"))
    if "state" in a:
        out.append(Outcome(st, status.state_name == a["state"], f"state {a['state']}",
                           f"state {status.state_name}"))
    # bounds are exact nL / ng / nL/day: compare with the status's exact integers
    # (delivered in pg: a bound in ng x 1000), never with its rounded readable units
    measured = {"reservoir": (status.reservoir_nl, 1, units.format_volume),
                "pumped": (status.pumped_nl, 1, units.format_volume),
                "delivered": (status.delivered_pg, 1000,
                              lambda v: units.format_mass(v, "mg" if v % 1_000_000 == 0 else "ug")),
                "rate": (status.rate_nl_day, 1, units.format_rate)}
    for key, (exact, scale, fmt) in measured.items():
        if key not in a:
            continue
        lo, hi = a[key]
        ok = (lo is None or exact >= lo * scale) and (hi is None or exact <= hi * scale)
        value = exact / scale
        if lo is None:
            rng = f"at most {fmt(hi)}"
        elif hi is None:
            rng = f"at least {fmt(lo)}"
        else:
            rng = f"= {fmt(lo)}" if lo == hi else f"within {fmt(lo)} .. {fmt(hi)}"
        unit = {"reservoir": " µL", "pumped": " µL", "delivered": " µg"}.get(key, " µL/day")
        out.append(Outcome(st, ok, f"{key} {rng}", f"{key} is {_num(value / 1000)}{unit}"))
    if "battery" in a:
        lo, hi = a["battery"]
        v = status.battery_permille / 10     # the percentage `ctl status` shows
        ok = (lo is None or v >= lo) and (hi is None or v <= hi)
        rng = (f"at most {hi}" if lo is None else f"at least {lo}" if hi is None
               else f"within {lo} .. {hi}")
        out.append(Outcome(st, ok, f"battery {rng} %", f"battery {v} %"))
    return out


def _num(v: float) -> str:
    return f"{v:,.3f}".rstrip("0").rstrip(".")


def format_outcome(o: Outcome) -> str:
    mark = "PASS" if o.passed else "FAIL"
    text = f"{mark}  {o.step.label()}: {o.what}"
    if not o.passed and o.detail:
        text += f" -- {o.detail}"
    if o.step.note:
        text += f"  [{o.step.note}]"
    return text
