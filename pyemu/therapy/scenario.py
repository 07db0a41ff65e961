"""Therapy scenario files: format, parser/validator, and the player.

A scenario is a TOML file (read with the stdlib ``tomllib``) describing a
therapy as timed steps, some of which are expectations::

    [scenario]
    name = "Morphine with patient boluses"

    [[step]]
    at = "0s"                  # simulated time since the scenario started
    do = "refill"
    volume = "20mL"
    drug = "morphine"
    concentration = "10mg/mL"

    [[step]]
    at = "2d"
    every = "1d"               # optional repetition: every 1 d ...
    times = 5                  # ... 5 times in all
    do = "patient_bolus"
    expect_refused = "lockout" # the pump must refuse, with this reason

    [[step]]
    at = "60d"
    do = "check"
    alarms = ["low_reservoir"]           # active now
    raised = ["low_reservoir"]           # rose since the previous check
    reservoir = { min = "1mL", max = "3mL" }

The full list of actions and fields is in ``ACTIONS`` below and in
docs/scenarios.md. Quantities are written as clinicians write them and read
exactly by :mod:`pyemu.units`. Every error names the file, the line and the
field; ``tomllib`` gives no line numbers for values, so :class:`_Lines`
finds the line of the offending key in the text itself.

Playing a scenario is :mod:`pyemu.therapy.player`'s job; the places it plays
(the C core in-process, a pump on a port) and `pyemu run` are in
:mod:`pyemu.therapy.targets`.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterable

from pyemu import units
from pyemu.protocol import vocabulary as V

# The names scenario files use are the vocabulary's user spellings
# (protocol/vocabulary.json; lower case). REASONS: the dosing core's reason
# codes (pump_result_t) in code order, so REASONS[code] is the code's name;
# a scenario's expect_refused uses these.
REASONS = tuple(V.user_name(r) for r in V.Reason if V.REASON_GROUP[int(r)] == "core")
ALARMS = V.choices(V.Alarm)
DRUGS = V.choices(V.Drug, skip=())
FAULTS = V.choices(V.Fault)
STATES = V.choices(V.State, skip=())
CATHETER = V.choices(V.Catheter, skip=())
MRI_STATES = ("none", "scanning", "waiting_recovery")
#: Refill reconciliation verdicts (refill with withdrawn = ..., expect_verdict = ...).
VERDICTS = ("within_tolerance", "possible_over_infusion", "possible_under_infusion")


def _length_mm(text: str) -> int:
    """A catheter length, "60cm" or "600mm" -> whole mm."""
    t = str(text).strip().lower().replace(" ", "")
    for suffix, factor in (("mm", 1), ("cm", 10)):
        if t.endswith(suffix):
            try:
                mm = float(t[:-len(suffix)]) * factor
            except ValueError:
                break
            if mm == int(mm) and mm > 0:
                return int(mm)
            break
    raise units.UnitError(f"{text!r}: a length in whole mm, e.g. 60cm or 600mm")

# action -> (required fields, optional fields). Common to all: at, every,
# times, do, note; command actions also take expect_refused.
ACTIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "prescribe": (frozenset({"drug", "concentration", "max_dose_24h"}),
                  frozenset({"rate", "dose", "schedule", "low_reservoir", "patient_bolus",
                             "confirm_soft_limit"})),
    "bolus": (frozenset({"volume", "duration"}), frozenset()),
    "prime": (frozenset(), frozenset({"volume", "duration"})),
    "bridge": (frozenset(), frozenset({"volume", "duration"})),
    "patient_bolus": (frozenset(), frozenset()),
    "cancel_bolus": (frozenset(), frozenset()),
    "refill": (frozenset({"volume", "drug", "concentration"}), frozenset({"withdrawn", "expect_verdict"})),
    "configure": (frozenset(), frozenset({"dead_volume", "catheter_length", "catheter_ul_per_cm", "tubing"})),
    "resound": (frozenset({"interval"}), frozenset()),
    "fault": (frozenset({"kind"}), frozenset({"percent", "drift_to", "over", "stall_after", "duration",
                                              "recovery", "delay"})),
    "clear_fault": (frozenset({"kind"}), frozenset()),
    "suspend": (frozenset(), frozenset()),
    "resume": (frozenset(), frozenset()),
    "ack": (frozenset(), frozenset({"alarms"})),
    "advance": (frozenset(), frozenset()),
    "check": (frozenset(), frozenset({"alarms", "no_alarms", "raised", "state", "reservoir",
                                      "delivered", "pumped", "battery", "rate"})),
    # the physical plant (test benches): GET_TRUTH, which is not an interrogation
    "truth": (frozenset(), frozenset({"reservoir", "intrathecal", "tissue", "held", "catheter", "mri",
                                      "faults", "no_faults"})),
}
COMMON = frozenset({"at", "every", "times", "do", "note"})
PB_FIELDS = frozenset({"volume", "duration", "lockout", "max_per_24h"})
MAX_EXPANDED_STEPS = 100_000   # a repeated step may not explode the timeline


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the message names line and field."""

    def __init__(self, path: str, line: int | None, where: str, message: str):
        self.path, self.line, self.where = path, line, where
        loc = f"{path}:{line}" if line else path
        super().__init__(f"{loc}: {where}: {message}" if where else f"{loc}: {message}")


@dataclass(frozen=True)
class Step:
    """One timed action after repetition is expanded (times in ms)."""
    index: int            # 1-based position of the [[step]] table in the file
    line: int             # line of its [[step]] header
    at_ms: int
    action: str
    args: dict[str, Any]
    expect_refused: str | None = None   # reason name, or "any"
    note: str = ""
    repeat: int = 0       # which repetition (0 = first)

    def label(self) -> str:
        rep = f" #{self.repeat + 1}" if self.repeat else ""
        return f"step {self.index}{rep} ({self.action} at {format_time(self.at_ms)})"


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    path: str
    steps: tuple[Step, ...]

    @property
    def duration_ms(self) -> int:
        return self.steps[-1].at_ms if self.steps else 0

    @property
    def needs_plant(self) -> bool:
        """True if a step uses the physical plant (a plant fault, a truth check,
        withdrawn = "truth"): it plays on a device with test features, not on the bare core."""
        from pyemu.pump.records import PLANT_FAULTS
        return any(st.action == "truth" or st.args.get("withdrawn_nl") == "truth" or
                   (st.action in ("fault", "clear_fault") and st.args.get("kind") in PLANT_FAULTS)
                   for st in self.steps)


# ------------------------------------------------------------------ lines

class _Lines:
    """Find the line of a key of the n-th [[step]] table in the TOML text."""

    _HEADER = re.compile(r"^\s*\[\[\s*step\s*\]\]")
    _TABLE = re.compile(r"^\s*\[\s*([A-Za-z0-9_.\- ]+?)\s*\]\s*(#.*)?$")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.step_starts = [i + 1 for i, ln in enumerate(self.lines) if self._HEADER.match(ln)]

    def step_line(self, index: int) -> int:
        return self.step_starts[index - 1] if 0 < index <= len(self.step_starts) else 0

    def key_line(self, index: int | None, key: str, item: int | None = None) -> int:
        """Line of `key` (dotted for sub-tables) in step `index` (None: [scenario])."""
        if index is None:
            start = next((i + 1 for i, ln in enumerate(self.lines)
                          if re.match(r"^\s*\[\s*scenario\s*\]", ln)), 1)
            end = self.step_starts[0] - 1 if self.step_starts else len(self.lines)
        else:
            start = self.step_line(index)
            if not start:
                return 0
            nxt = [s for s in self.step_starts if s > start]
            end = nxt[0] - 1 if nxt else len(self.lines)
        head, _, leaf = key.rpartition(".")
        if head:
            # either a [step.head] sub-table or an inline table `head = {...}`
            for n in range(start, end + 1):
                m = self._TABLE.match(self.lines[n - 1])
                if m and m.group(1).replace(" ", "") == f"step.{head}":
                    found = self._find_key(n + 1, end, leaf)
                    return found or n
            return self._find_key(start, end, head) or start
        found = self._find_key(start, end, leaf)
        if found and item is not None:
            # the item-th inline table of a multi-line array
            count = -1
            for n in range(found, end + 1):
                count += self.lines[n - 1].split("#")[0].count("{")
                if count >= item:
                    return n
        return found or start

    def _find_key(self, start: int, end: int, key: str) -> int:
        pat = re.compile(r"^\s*(\"?)" + re.escape(key) + r"\1\s*=")
        for n in range(start, end + 1):
            if self._TABLE.match(self.lines[n - 1]) and n != start:
                break   # a sub-table begins: its keys are not the step's own
            if pat.match(self.lines[n - 1]):
                return n
        return 0


# ------------------------------------------------------------------ parsing

def load_scenario(source: str | Path) -> Scenario:
    """Read a scenario from a path, or by the name of a shipped one ("demo")."""
    path = Path(source)
    if not path.exists() and not str(source).endswith(".toml") and "/" not in str(source):
        shipped = resources.files("pyemu.scenarios") / f"{source}.toml"
        if shipped.is_file():
            return parse_scenario(shipped.read_text(encoding="utf-8"), f"{source}.toml")
        raise ScenarioError(str(source), None, "",
                            f"no such file, and no shipped scenario of that name "
                            f"(shipped: {', '.join(shipped_scenarios())})")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(str(path), None, "", f"not UTF-8 text ({exc.reason})") from None
    return parse_scenario(text, str(path))


def shipped_scenarios() -> list[str]:
    """Names of the scenarios shipped with the package."""
    return sorted(p.name[:-5] for p in resources.files("pyemu.scenarios").iterdir()
                  if p.name.endswith(".toml"))


def parse_scenario(text: str, path: str = "<scenario>") -> Scenario:
    """Parse and validate scenario text; raise ScenarioError naming line and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ScenarioError(path, int(m.group(1)) if m else None, "",
                            f"not valid TOML: {msg}") from None
    lines = _Lines(text)
    p = _Parser(path, lines)
    for key in data:
        if key not in ("scenario", "step"):
            p.fail(None, key, f"unknown top-level table {key!r}; a scenario has "
                   "[scenario] and [[step]] tables")
    head = data.get("scenario", {})
    if not isinstance(head, dict):
        p.fail(None, "scenario", "must be a table: [scenario]")
    for key in head:
        if key not in ("name", "description"):
            p.fail(None, key, "unknown field in [scenario]; allowed: name, description")
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError(path, None, "", "no steps: add [[step]] tables")
    steps: list[Step] = []
    for i, raw in enumerate(raw_steps, start=1):
        steps.extend(p.step(i, raw))
        if len(steps) > MAX_EXPANDED_STEPS:
            p.fail(i, "times", f"repetitions expand to more than {MAX_EXPANDED_STEPS} steps")
    # Steps play in time order; equal times keep file order (stable sort).
    steps.sort(key=lambda s: s.at_ms)
    return Scenario(str(head.get("name", Path(path).stem)), str(head.get("description", "")),
                    path, tuple(steps))


class _Parser:
    def __init__(self, path: str, lines: _Lines):
        self.path, self.lines = path, lines

    def fail(self, index: int | None, key: str, message: str, item: int | None = None):
        line = self.lines.key_line(index, key, item) if key else (
            self.lines.step_line(index) if index else None)
        where = (f"step {index} field {key!r}" if index else f"field {key!r}") if key else (
            f"step {index}" if index else "")
        raise ScenarioError(self.path, line or None, where, message)

    def quantity(self, index: int, key: str, value: Any, conv: Callable[[str], int],
                 item: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, str):
            self.fail(index, key, f"expected a quantity with its unit as text, e.g. "
                      f"\"{_EXAMPLE.get(conv, '1mL')}\", got {value!r}", item)
        try:
            return conv(value)
        except units.UnitError as exc:
            self.fail(index, key, str(exc), item)
        raise AssertionError  # pragma: no cover - fail() raises

    def name(self, index: int, key: str, value: Any, allowed: Iterable[str]) -> str:
        allowed = tuple(allowed)
        if not isinstance(value, str) or value not in allowed:
            self.fail(index, key, f"{value!r} is not one of: {', '.join(allowed)}")
        return value

    def names(self, index: int, key: str, value: Any, allowed: Iterable[str]) -> tuple[str, ...]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list):
            self.fail(index, key, "expected a list of names, e.g. [\"low_reservoir\"]")
        if not value:
            self.fail(index, key, "an empty list checks nothing; name at least one alarm")
        return tuple(self.name(index, key, v, allowed) for v in value)

    def step(self, index: int, raw: Any) -> list[Step]:
        if not isinstance(raw, dict):
            self.fail(index, "", "a step must be a table")
        if "do" not in raw:
            self.fail(index, "", "missing field 'do' (the action: "
                      + ", ".join(ACTIONS) + ")")
        action = self.name(index, "do", raw["do"], ACTIONS)
        required, optional = ACTIONS[action]
        allowed = COMMON | required | optional
        if action not in ("advance", "check", "truth"):
            allowed = allowed | {"expect_refused"}
        for key in raw:
            if key not in allowed:
                self.fail(index, key, f"unknown field for {action!r}; allowed: "
                          + ", ".join(sorted(allowed - {'do'})))
        for key in sorted(required):
            if key not in raw:
                self.fail(index, "", f"{action!r} needs field {key!r}")
        if "at" not in raw:
            self.fail(index, "", "missing field 'at' (when, e.g. at = \"2d\")")
        at = self.quantity(index, "at", raw["at"], duration_ms)
        args = getattr(self, "_" + action, lambda i, r: {})(index, raw)
        expect = raw.get("expect_refused")
        if expect is True:
            expect = "any"
        elif expect is not None:
            expect = self.name(index, "expect_refused", expect, REASONS[1:])
        note = raw.get("note", "")
        if not isinstance(note, str):
            self.fail(index, "note", "must be text")
        times, every = raw.get("times", 1), 0
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            self.fail(index, "times", f"must be a whole number >= 1, got {times!r}")
        if "every" in raw:
            every = self.quantity(index, "every", raw["every"], duration_ms)
            if every == 0:
                self.fail(index, "every", "must be longer than 0")
        elif times > 1:
            self.fail(index, "times", "repeating a step needs 'every' as well")
        line = self.lines.step_line(index)
        return [Step(index, line, at + k * every, action, args, expect, note, k)
                for k in range(times)]

    # one method per action with arguments: raw TOML -> exact integers

    def _prescribe(self, i: int, r: dict) -> dict:
        drug = self.name(i, "drug", r["drug"], DRUGS[1:])
        conc = self.quantity(i, "concentration", r["concentration"], units.concentration_ug_per_ml)
        given = [k for k in ("rate", "dose", "schedule") if k in r]
        if len(given) != 1:
            self.fail(i, given[1] if len(given) > 1 else "",
                      "give exactly one of 'rate', 'dose' or 'schedule'")
        if "rate" in r:
            steps = [(0, self.quantity(i, "rate", r["rate"], units.rate_nl_per_day))]
        elif "dose" in r:
            dose = self.quantity(i, "dose", r["dose"], units.dose_ug_per_day)
            steps = [(0, self._dose_to_rate(i, "dose", dose, conc))]
        else:
            steps = self._schedule(i, r["schedule"], conc)
        rx = {
            "drug": drug, "conc_ug_ml": conc, "steps": steps,
            "max_dose_ug_24h": self.quantity(i, "max_dose_24h", r["max_dose_24h"], units.mass_ug),
            "low_reservoir_nl": self.quantity(i, "low_reservoir", r.get("low_reservoir", "2mL"),
                                              units.volume_nl),
            "pb_enabled": False, "pb_volume_nl": 0, "pb_duration_ms": 0,
            "pb_lockout_ms": 0, "pb_max_per_24h": 0,
            "confirm_soft_limit": self.flag(i, "confirm_soft_limit", r.get("confirm_soft_limit", False)),
        }
        if "patient_bolus" in r:
            pb = r["patient_bolus"]
            if not isinstance(pb, dict):
                self.fail(i, "patient_bolus", "must be a table with " + ", ".join(sorted(PB_FIELDS)))
            for k in pb:
                if k not in PB_FIELDS:
                    self.fail(i, f"patient_bolus.{k}", "unknown field; allowed: "
                              + ", ".join(sorted(PB_FIELDS)))
            for k in sorted(PB_FIELDS):
                if k not in pb:
                    self.fail(i, "patient_bolus", f"missing field {k!r}")
            n = pb["max_per_24h"]
            if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 255:
                self.fail(i, "patient_bolus.max_per_24h", f"must be a whole number 1..255, got {n!r}")
            rx.update(pb_enabled=True,
                      pb_volume_nl=self.quantity(i, "patient_bolus.volume", pb["volume"], units.volume_nl),
                      pb_duration_ms=self.quantity(i, "patient_bolus.duration", pb["duration"],
                                                   units.duration_ms),
                      pb_lockout_ms=self.quantity(i, "patient_bolus.lockout", pb["lockout"],
                                                  units.duration_ms),
                      pb_max_per_24h=n)
        return rx

    def _dose_to_rate(self, i: int, key: str, dose_ug_day: int, conc: int, item=None) -> int:
        if conc == 0:
            self.fail(i, "concentration", "must be above 0 to program a dose")
        # nL/day = (µg/day) / (µg/mL) x 1e6 nL/mL, rounded to nearest (as the core does)
        return (dose_ug_day * 2_000_000 + conc) // (2 * conc)

    def _schedule(self, i: int, sched: Any, conc: int) -> list[tuple[int, int]]:
        if not isinstance(sched, list) or not sched:
            self.fail(i, "schedule", "must be a non-empty list of "
                      "{ start = \"HH:MM\", rate = \"...\" } (or dose = \"...\")")
        out = []
        for n, item in enumerate(sched):
            if not isinstance(item, dict) or "start" not in item or \
                    len([k for k in ("rate", "dose") if k in item]) != 1 or \
                    set(item) - {"start", "rate", "dose"}:
                self.fail(i, "schedule", f"entry {n + 1} must be {{ start = \"HH:MM\", "
                          "rate = \"...\" }} or {{ start = ..., dose = \"...\" }}", n)
            m = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(item["start"]))
            if not m:
                self.fail(i, "schedule", f"entry {n + 1}: start {item['start']!r} is not a "
                          "time of day HH:MM", n)
            start = int(m.group(1)) * 60 + int(m.group(2))
            if "rate" in item:
                rate = self.quantity(i, "schedule", item["rate"], units.rate_nl_per_day, n)
            else:
                rate = self._dose_to_rate(i, "schedule", self.quantity(
                    i, "schedule", item["dose"], units.dose_ug_per_day, n), conc, n)
            out.append((start, rate))
        # order and count are the pump's to judge (it refuses with 'steps'),
        # so a scenario can test that refusal; only the shape is checked here.
        return out

    def _bolus(self, i: int, r: dict) -> dict:
        return {"volume_nl": self.quantity(i, "volume", r["volume"], units.volume_nl),
                "duration_ms": self.quantity(i, "duration", r["duration"], units.duration_ms)}

    def _prime(self, i: int, r: dict) -> dict:
        return {"volume_nl": self.quantity(i, "volume", r["volume"], units.volume_nl)
                if "volume" in r else 0,
                "duration_ms": self.quantity(i, "duration", r["duration"], units.duration_ms)
                if "duration" in r else 0}

    _bridge = _prime

    def _refill(self, i: int, r: dict) -> dict:
        out = {"volume_nl": self.quantity(i, "volume", r["volume"], units.volume_nl),
               "drug": self.name(i, "drug", r["drug"], DRUGS[1:]),
               "conc_ug_ml": self.quantity(i, "concentration", r["concentration"],
                                           units.concentration_ug_per_ml),
               "withdrawn_nl": None}
        if "withdrawn" in r:
            # "truth": what the physical plant's reservoir really holds (test benches)
            out["withdrawn_nl"] = ("truth" if r["withdrawn"] == "truth" else
                                   self.quantity(i, "withdrawn", r["withdrawn"], units.volume_nl))
        if "expect_verdict" in r:
            if "withdrawn" not in r:
                self.fail(i, "expect_verdict", "a verdict needs the volume withdrawn (withdrawn = \"...\")")
            out["expect_verdict"] = self.name(i, "expect_verdict", r["expect_verdict"], VERDICTS)
        return out

    def _configure(self, i: int, r: dict) -> dict:
        if ("dead_volume" in r) == ("catheter_length" in r):
            self.fail(i, "", "give 'dead_volume', or 'catheter_length' with 'catheter_ul_per_cm'")
        if "dead_volume" in r:
            if "catheter_ul_per_cm" in r or "tubing" in r:
                self.fail(i, "dead_volume", "is the whole volume: no catheter fields with it")
            return {"dead_volume_nl": self.quantity(i, "dead_volume", r["dead_volume"], units.volume_nl)}
        if "catheter_ul_per_cm" not in r:
            self.fail(i, "catheter_length", "needs 'catheter_ul_per_cm' (e.g. 2.6)")
        length = self.quantity(i, "catheter_length", r["catheter_length"], _length_mm)
        per_cm = r["catheter_ul_per_cm"]
        if isinstance(per_cm, bool) or not isinstance(per_cm, (int, float)) or not 0 < per_cm <= 10:
            self.fail(i, "catheter_ul_per_cm", f"must be a number of uL per cm, 0..10, got {per_cm!r}")
        return {"catheter_length_mm": length, "catheter_nl_per_cm": round(per_cm * 1000),
                "tubing_nl": self.quantity(i, "tubing", r.get("tubing", "0uL"), units.volume_nl)}

    def _resound(self, i: int, r: dict) -> dict:
        return {"interval_ms": self.quantity(i, "interval", r["interval"], duration_ms)}

    def flag(self, index: int, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            self.fail(index, key, f"must be true or false, got {value!r}")
        return value

    def _fault(self, i: int, r: dict) -> dict:
        from pyemu.pump.records import PLANT_FAULTS, plant_fault_fields
        kind = self.name(i, "kind", r["kind"], FAULTS)
        options = {"percent": self._percent(i, "percent", r["percent"]) if "percent" in r else None,
                   "drift_to": self._percent(i, "drift_to", r["drift_to"]) if "drift_to" in r else None,
                   "over": self.quantity(i, "over", r["over"], duration_ms) if "over" in r else None,
                   "stall_after": r.get("stall_after"),
                   "duration": self.quantity(i, "duration", r["duration"], duration_ms) if "duration" in r else None,
                   "recovery": (self.name(i, "recovery", r["recovery"], V.choices(V.MriRecovery, skip=()))
                                if "recovery" in r else None),
                   "delay": self.quantity(i, "delay", r["delay"], duration_ms) if "delay" in r else None}
        sa = options["stall_after"]
        if sa is not None and (isinstance(sa, bool) or not isinstance(sa, int) or sa < 0):
            self.fail(i, "stall_after", f"must be a whole number of strokes, got {sa!r}")
        if kind not in PLANT_FAULTS:
            given = [k for k, v in options.items() if v is not None]
            if given:
                self.fail(i, given[0], f"does not apply to {kind}")
            return {"kind": kind}
        try:
            return {"kind": kind, "plant": plant_fault_fields(kind, **options)}
        except ValueError as exc:
            self.fail(i, "kind", str(exc))
            raise  # pragma: no cover - fail raises

    def _clear_fault(self, i: int, r: dict) -> dict:
        return {"kind": self.name(i, "kind", r["kind"], FAULTS)}

    def _percent(self, i: int, key: str, value: Any):
        """``"+20%"``, ``"-5 %"`` or a number -> Fraction of a percent (exact)."""
        from fractions import Fraction
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.fail(i, key, f"must be a percentage like \"+20%\", got {value!r}")
        try:
            return Fraction(str(value).strip().rstrip("%").strip())
        except (ValueError, ZeroDivisionError):
            self.fail(i, key, f"{value!r} is not a percentage (e.g. \"+20%\")")
            raise  # pragma: no cover

    def _truth(self, i: int, r: dict) -> dict:
        out: dict[str, Any] = {}
        for key, conv in (("reservoir", units.volume_nl), ("intrathecal", units.mass_ng),
                          ("tissue", units.mass_ng), ("held", units.mass_ng)):
            if key in r:
                out[key] = self._bounds(i, key, r[key], conv)
        if "catheter" in r:
            out["catheter"] = self.name(i, "catheter", r["catheter"], CATHETER)
        if "mri" in r:
            out["mri"] = self.name(i, "mri", r["mri"], MRI_STATES)
        for key in ("faults", "no_faults"):
            if key in r:
                out[key] = self.names(i, key, r[key], FAULTS)
        if not out:
            self.fail(i, "", "a truth check needs at least one of: " + ", ".join(ACTIONS["truth"][1]))
        return out

    def _ack(self, i: int, r: dict) -> dict:
        return {"alarms": self.names(i, "alarms", r["alarms"], ALARMS) if "alarms" in r
                else ALARMS}

    def _check(self, i: int, r: dict) -> dict:
        out: dict[str, Any] = {}
        for key in ("alarms", "no_alarms", "raised"):
            if key in r:
                out[key] = self.names(i, key, r[key], ALARMS)
        if "state" in r:
            out["state"] = self.name(i, "state", r["state"], STATES)
        for key, conv in (("reservoir", units.volume_nl), ("pumped", units.volume_nl),
                          ("delivered", units.mass_ng), ("rate", units.rate_nl_per_day)):
            if key in r:
                out[key] = self._bounds(i, key, r[key], conv)
        if "battery" in r:
            b = r["battery"]
            if not isinstance(b, dict) or not b or set(b) - {"min", "max"} or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) for v in b.values()):
                self.fail(i, "battery", "must be { min = PERCENT, max = PERCENT } (numbers)")
            out["battery"] = (b.get("min"), b.get("max"))
        if not out:
            self.fail(i, "", "a check needs at least one of: " + ", ".join(sorted(ACTIONS["check"][1])))
        return out

    def _bounds(self, i: int, key: str, b: Any, conv) -> tuple[int | None, int | None]:
        if not isinstance(b, dict) or not b or set(b) - {"min", "max"}:
            self.fail(i, key, "must be a table { min = \"...\", max = \"...\" } "
                      "(either may be left out)")
        lo = self.quantity(i, f"{key}.min", b["min"], conv) if "min" in b else None
        hi = self.quantity(i, f"{key}.max", b["max"], conv) if "max" in b else None
        if lo is not None and hi is not None and lo > hi:
            self.fail(i, key, "min is above max")
        return lo, hi


def format_time(ms: int) -> str:
    """35 d 1 h -> "35d 1h": the largest units first, zero parts left out."""
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("min", 60_000), ("s", 1000)):
        if ms >= size:
            parts.append(f"{ms // size}{unit}")
            ms %= size
    if ms:
        parts.append(f"{ms}ms")
    elif not parts:
        parts.append("0s")
    return " ".join(parts)


def duration_ms(text: str) -> int:
    """A duration, possibly in parts: "35d", "35d 1h", "1h30min", "1.5y" (units.duration_ms)."""
    return units.duration_ms(text)


_EXAMPLE = {duration_ms: "2d", units.duration_ms: "2d", units.volume_nl: "1.5mL",
            units.rate_nl_per_day: "0.5mL/day", units.dose_ug_per_day: "300ug/day",
            units.concentration_ug_per_ml: "2mg/mL", units.mass_ug: "600ug",
            units.mass_ng: "600ug"}
