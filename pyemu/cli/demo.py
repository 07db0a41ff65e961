"""``pyemu demo`` (what ``make run`` runs): six months of intrathecal baclofen on an emulated pump.

The therapy is the scenario file shipped as ``pyemu/scenarios/demo.toml``
(``pyemu run demo`` plays the same file and only checks it). The demo starts
the emulator in a child process on a pseudo-terminal with a manual clock,
connects to it through the pty like any programmer would (real bytes through
the kernel) and hands the file to the scenario player
(:func:`pyemu.therapy.player.play` on a :class:`~pyemu.therapy.targets.PumpTarget`,
which drives the pump only through :class:`pyemu.pump.interface.PumpInterface`).

What it prints comes from the pump itself: :class:`_DemoTarget` is the
player's target with two additions, it reads every entry of the pump's event
log as the player follows it (timeline, patient boluses and refusals, refill
volumes) and it stops at each month's end on the way to take the pump's
STATUS (the month table). The scenario's expectations (low reservoir, then
empty, refill clears them, lockout refusals ...) are checked as it plays,
and the demo says how many were met.
"""
from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from pyemu import units
from pyemu.cli.common import EXIT_LINK, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, error
from pyemu.host.emulator import ServeProcess
from pyemu.pump.client import Client, ClientError
from pyemu.pump.names import alarm_names, short_reason

from pyemu.therapy.scenario import Scenario, load_scenario
from pyemu.therapy.player import Outcome, RunResult, play
from pyemu.therapy.targets import PumpTarget

__all__ = ["register", "SCENARIO", "run_demo", "DemoResult", "Month", "render"]

SCENARIO = "demo"   # pyemu/scenarios/demo.toml

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MIN_MS = 60_000
MONTH_MS = DAY_MS * 365 // 12

# Event kinds a clinician wants on the timeline (routine granted boluses are
# counted in the monthly table instead).
_TIMELINE_KINDS = {
    "INIT", "RESET", "PRESCRIBED", "PRESCRIBE_REFUSED", "BOLUS_REFUSED", "PATIENT_DENIED",
    "SUSPENDED", "RESUMED", "REFILL", "REFILL_REFUSED", "ALARM_RAISED", "ALARM_CLEARED",
    "ALARM_ACKED", "FAULT_INJECTED", "FAULT_CLEARED",
}
_PATIENT_BOLUS = 3   # pump.h bolus kind of a patient bolus (BOLUS_START data0)


@dataclass
class Month:
    pumped_nl: int = 0
    delivered_pg: int = 0
    granted: int = 0
    denied: Dict[str, int] = field(default_factory=dict)
    reservoir_end_nl: int = 0
    battery_permille: int = 0


@dataclass
class DemoResult:
    """What the demo saw, for printing and for tests."""

    scenario: Scenario
    run: Optional[RunResult] = None          # one Outcome per command and expectation
    hello: Any = None
    port: str = ""
    own_emulator: bool = True                # False: the pump at --port (a board, another emulator)
    timeline: List[Tuple[int, str, str]] = field(default_factory=list)  # (time_ms, text, style)
    months: List[Month] = field(default_factory=list)
    final: Any = None
    filled_nl: int = 0
    discarded_nl: int = 0
    alarms_seen: List[str] = field(default_factory=list)
    round_trips_us: List[float] = field(default_factory=list)
    requests: int = 0
    wall_s: float = 0.0


class PumpNotReady(ValueError):
    """The pump given with --port cannot play the demo (not new, or no manual clock)."""


class _TimedClient:
    """The client, with the wall time of each request noted (for the closing line)."""

    def __init__(self, client: Any, sink: List[float]) -> None:
        self._client = client
        self._sink = sink

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                out = attr(*args, **kwargs)
                # read_events pages lazily: time the reading, not the generator
                return list(out) if name == "read_events" else out
            finally:
                self._sink.append((time.perf_counter() - start) * 1e6)
        return timed


class _DemoTarget(PumpTarget):
    """The player's target on the emulator, following the log and the months for the demo."""

    def __init__(self, client: Any, result: DemoResult) -> None:
        super().__init__(client)
        self.result = result
        self.t0 = self.now_ms()
        n_months = max(1, math.ceil(result.scenario.duration_ms / MONTH_MS))
        result.months = [Month() for _ in range(n_months)]
        self.months_closed = 0
        self.month_start: Any = None
        self.next_seq = 1

    def advance_to(self, t_ms: int) -> None:
        # stop at each month's end on the way (the last month ends with the scenario)
        while (self.months_closed < len(self.result.months) - 1
               and self.t0 + (self.months_closed + 1) * MONTH_MS <= t_ms):
            super().advance_to(self.t0 + (self.months_closed + 1) * MONTH_MS)
            self.close_month()
        super().advance_to(t_ms)

    def close_month(self) -> None:
        status = self.client.status()
        month = self.result.months[self.months_closed]
        before = self.month_start
        month.pumped_nl = status.pumped_nl - (before.pumped_nl if before else 0)
        month.delivered_pg = status.delivered_pg - (before.delivered_pg if before else 0)
        month.reservoir_end_nl = status.reservoir_nl
        month.battery_permille = status.battery_permille
        self.month_start = status
        self.months_closed += 1

    def events_after(self, since: int) -> list:
        events = super().events_after(since)
        for event in events:
            if event.seq >= self.next_seq:
                self._follow(event)
                self.next_seq = event.seq + 1
        return events

    def _month(self, t_ms: int) -> Month:
        index = max(0, (t_ms - self.t0) // MONTH_MS)
        return self.result.months[min(index, len(self.result.months) - 1)]

    def _follow(self, event: Any) -> None:

        r = self.result
        kind = event.kind_name
        if kind == "REFILL":
            r.filled_nl += event.data0
            r.discarded_nl += event.data1
        elif kind == "PATIENT_GRANTED":
            self._month(event.time_ms).granted += 1
        elif kind == "PATIENT_DENIED":
            denied = self._month(event.time_ms).denied
            reason = short_reason(event.data1)
            denied[reason] = denied.get(reason, 0) + 1
        elif kind == "ALARM_RAISED":
            r.alarms_seen.extend(n for n in alarm_names(event.data0) if n not in r.alarms_seen)
        if kind == "BOLUS_START" and event.data0 != _PATIENT_BOLUS:  # patient ones are routine
            r.timeline.append((event.time_ms, event.describe(), ""))
        elif kind in _TIMELINE_KINDS:
            style = {"ALARM_RAISED": "bold red", "ALARM_CLEARED": "green"}.get(kind, "")
            r.timeline.append((event.time_ms, event.describe(), style))


def run_demo(port: Optional[str] = None, scenario: str = SCENARIO,
             on_outcome: Optional[Callable[[Outcome], None]] = None) -> DemoResult:
    """Play the demo scenario on an emulator in a child process (or on ``port`` if given).

    A pump on ``port`` must run a manual clock; the scenario's times count
    from its time when the demo starts.
    """

    result = DemoResult(load_scenario(scenario))
    start = time.perf_counter()
    if port is None:
        # the demo injects no faults: a pump as a clinic would have it
        with ServeProcess.manual_pty(test_features=False) as emulator:
            _play(emulator.port, result, on_outcome)
    else:
        result.own_emulator = False
        _play(port, result, on_outcome)
    result.wall_s = time.perf_counter() - start
    return result


def _play(port: str, result: DemoResult, on_outcome: Optional[Callable[[Outcome], None]]) -> None:

    result.port = port
    sc = result.scenario
    with Client.connect(port, timeout=2.0) as raw:
        client = _TimedClient(raw, result.round_trips_us)
        result.hello = client.hello()
        if not result.own_emulator:
            _check_new(port, result.hello, client.status())
        target = _DemoTarget(client, result)

        def noted(o: Outcome) -> None:
            # a step's note says why it happens (the clinic visits): on the timeline
            st = o.step
            if st.note and st.repeat == 0 and st.action != "check":
                result.timeline.append((target.t0 + st.at_ms, st.note, "cyan"))
            if not o.passed:
                result.timeline.append((target.t0 + st.at_ms,
                                        f"UNEXPECTED: {o.what} -- {o.detail}", "bold magenta"))
            if on_outcome is not None:
                on_outcome(o)

        result.run = play(sc, target, on_outcome=noted)
        target.advance_to(target.t0 + sc.duration_ms)
        target.events_after(target.next_seq - 1)
        target.close_month()
        result.final = client.status()
        result.requests = raw.stats.requests


def _check_new(port: str, hello: Any, status: Any) -> None:
    """Refuse, before anything is sent, a pump the demo's expectations cannot hold on.

    The scenario starts at implant: an empty reservoir, nothing pumped, no drug;
    and it moves time, so the clock must be manual. Playing anyway would report
    the pump's history as failed expectations."""
    if hello.clock_name != "manual":
        raise PumpNotReady(f"the pump at {port} runs a {hello.clock_name} clock; the demo moves "
                           "time itself and needs a manual clock (pyemu serve --clock manual, "
                           "the QEMU board, a board's test build)")
    history = []
    if status.reservoir_nl:
        history.append(f"{status.reservoir_nl / 1e6:g} mL in the reservoir")
    if status.pumped_nl:
        history.append(f"{status.pumped_nl / 1e6:g} mL pumped")
    if status.drug:
        history.append(f"drug {status.to_json()['drug']}")
    if history:
        raise PumpNotReady(f"the pump at {port} is not new ({', '.join(history)}); the demo "
                           "starts at implant: give a new pump (pyemu serve --port pty --clock "
                           "manual), or play your own scenario on it with pyemu run FILE --target URL")


# -- printing ----------------------------------------------------------------------------

def _when(t_ms: int) -> Tuple[str, str]:
    day, rest = divmod(t_ms, DAY_MS)
    return str(day), f"{rest // HOUR_MS:02d}:{rest % HOUR_MS // MIN_MS:02d}"


def _therapy_line(sc: Scenario) -> str:
    """The first prescription of the scenario, as a clinician writes it."""

    rx = next((s.args for s in sc.steps if s.action == "prescribe"), None)
    if rx is None:
        return "therapy: no prescription"
    rate = rx["steps"][0][1]
    dose_ug = rate * rx["conc_ug_ml"] / 1_000_000
    text = (f"therapy: {rx['drug']} {units.format_mass(rx['conc_ug_ml'] * 1000, 'mg')}/mL at "
            f"{units.format_rate(rate)} ({dose_ug:g} ug/day), limit "
            f"{units.format_mass(rx['max_dose_ug_24h'] * 1000)}/24 h")
    if rx["pb_enabled"]:
        text += (f"; patient bolus {units.format_volume(rx['pb_volume_nl'], 'uL')}, lockout "
                 f"{units.format_duration(rx['pb_lockout_ms'])}, up to {rx['pb_max_per_24h']}/24 h")
    return text


def render(result: DemoResult) -> None:
    # deferred: rich is an optional extra, needed only to print the tables
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    sc = result.scenario
    h = result.hello
    console.print(f"[bold]pyemu demo[/bold] — {sc.name}, on an emulated pump "
                  f"(scenario {sc.path}: `pyemu run demo` checks the same file)")
    where = (f"emulator in a child process on {result.port}" if result.own_emulator
             else f"on the pump at {result.port}")
    console.print(f"pump {h.model} serial {h.serial}, firmware {h.firmware}, "
                  f"{h.reservoir_capacity_nl / 1e6:g} mL reservoir; ", end="")
    console.print(f"{where} (manual clock)", soft_wrap=True)
    console.print(_therapy_line(sc) + "\n")

    timeline = Table(title="Timeline (the pump's event log, and why each visit happened)",
                     title_justify="left")
    timeline.add_column("day", justify="right")
    timeline.add_column("time")
    timeline.add_column("event")
    for t_ms, text, style in sorted(result.timeline, key=lambda row: row[0]):
        day, clock = _when(t_ms)
        timeline.add_row(day, clock, text, style=style or None)
    console.print(timeline)

    # headers broken by hand so the table fits 80 columns (a pipe, a CI log)
    months = Table(title="Month by month", title_justify="left", pad_edge=False)
    for name in ("month", "pumped\nmL", "delivered\nmg", "patient\nboluses", "refused",
                 "reservoir\nat end mL", "battery\n%"):
        months.add_column(name, justify="right" if name != "refused" else "left",
                          no_wrap=True)
    for i, m in enumerate(result.months, start=1):
        refused = "\n".join(f"{n} {reason}" for reason, n in sorted(m.denied.items())) or "-"
        months.add_row(str(i), f"{m.pumped_nl / 1e6:.3f}", f"{m.delivered_pg / 1e9:.3f}", str(m.granted),
                       refused, f"{m.reservoir_end_nl / 1e6:.3f}", f"{m.battery_permille / 10:.1f}")
    console.print(months)

    f = result.final
    balance = result.filled_nl - result.discarded_nl - f.pumped_nl - f.reservoir_nl
    console.print(
        f"[bold]Volumes[/bold]  filled {result.filled_nl / 1e6:.3f} mL = pumped {f.pumped_nl / 1e6:.3f} mL"
        f" + discarded at refills {result.discarded_nl / 1e6:.3f} mL + in the reservoir "
        f"{f.reservoir_nl / 1e6:.3f} mL  (difference {balance} nL)")
    console.print(f"         drug delivered at the catheter tip: {f.delivered_pg / 1e9:.3f} mg")
    years = f.days_to_eri / 365.25
    console.print(
        f"[bold]Battery[/bold]  {f.battery_permille / 10:.1f} % left; at this therapy the elective "
        f"replacement indicator is {f.days_to_eri} days away (about {years:.1f} years)")
    alarms = ", ".join(f.alarm_names) or "none"
    console.print(f"[bold]Now[/bold]      {f.state_name}, alarms: {alarms}")
    run = result.run
    if run is not None:
        n, bad = len(run.outcomes), len(run.failures)
        style = "green" if not bad else "bold red"
        console.print(f"[bold]Checked[/bold]  [{style}]{n - bad} of {n} expectations of the scenario "
                      f"met[/{style}]" + (f", {bad} failed (marked UNEXPECTED above)" if bad else ""))
    rt = sorted(result.round_trips_us)
    if rt:
        console.print(f"\n{result.requests} requests over the pty in {result.wall_s:.1f} s wall time "
                      f"(median round trip {statistics.median(rt):.0f} us, incl. ADVANCE)")
    console.print("Try it yourself: [bold]pyemu serve --port pty --clock manual[/bold] and, with the "
                  "path it prints, [bold]pyemu ctl --port PATH status[/bold]; or write your own "
                  "therapy file and [bold]pyemu run FILE[/bold] (docs/scenarios.md)")


def register(subparsers: Any) -> None:
    """Add ``pyemu demo``."""
    p = subparsers.add_parser(
        "demo", help="watch a 6-month therapy on an emulated pump (what `make run` shows)",
        description="Start the emulator on a pty in a child process, connect to it through the "
                    "pty, and play the shipped scenario 'demo' (six months of intrathecal "
                    "baclofen): implant and prime, prescription, daily patient boluses (some "
                    "refused for lockout), refills about every two months and one late refill "
                    "that runs the reservoir low, then empty. Exit status 1 if an expectation "
                    "of the scenario is not met.")
    p.add_argument("--port", metavar="URL",
                   help="play on this pump instead (a board, another emulator); it must run a "
                        "manual clock and be new, else the demo refuses it before sending anything")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    try:
        result = run_demo(port=args.port)
    except PumpNotReady as exc:
        error(str(exc))
        return EXIT_USAGE
    except (ClientError, OSError, RuntimeError) as exc:
        error(str(exc))
        return EXIT_LINK
    render(result)
    return EXIT_OK if result.run is not None and result.run.passed else EXIT_REFUSED
