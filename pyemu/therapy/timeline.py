"""A therapy timeline: status samples over time with alarm and refill marks,
from a scenario played on the in-process core or from a recording."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pyemu.host.recording import RecordingError, messages, read_recording, status_dict
from pyemu.protocol import ENUMS
from pyemu.pump.names import alarm_names as names_of
from pyemu.therapy.player import Refused, play
from pyemu.therapy.scenario import Scenario, load_scenario
from pyemu.therapy.targets import CoreTarget, PumpTarget

__all__ = ["Timeline", "timeline_of", "timeline_from_recording", "load_timeline"]


@dataclass
class Timeline:
    """Status samples over a therapy plus the moments alarms rose.

    samples: dicts with at least sim_time_s, reservoir_ul, delivered_ug,
    rate_ul_per_h, battery_pct (the `status --json` shape).
    alarm_marks: (sim_time_s, alarm name) for each alarm that rose.
    notes: (sim_time_s, text) for clinician actions worth marking (refills).
    programs: (sim_time_s, steps, low_reservoir_nl) of each prescription the
    pump accepted; steps are (start minute of day, nL/day). The plot draws the
    programmed rate and the low-reservoir threshold from these, as steps at
    their exact times, not from samples that may fall between them.
    patient_boluses: (sim_time_s, granted) of each patient bolus request.
    """
    title: str
    samples: list[dict] = field(default_factory=list)
    alarm_marks: list[tuple[float, str]] = field(default_factory=list)
    notes: list[tuple[float, str]] = field(default_factory=list)
    programs: list[tuple[float, list[tuple[int, int]], int]] = field(default_factory=list)
    patient_boluses: list[tuple[float, bool]] = field(default_factory=list)


class _WatchedCore(PumpTarget):
    """The core target, noting accepted prescriptions and patient bolus answers."""

    def __init__(self) -> None:
        super().__init__(CoreTarget().pump)
        self.programs: list[tuple[float, list[tuple[int, int]], int]] = []
        self.patient_boluses: list[tuple[float, bool]] = []

    def do(self, action: str, args: dict) -> None:
        t = self.now_ms() / 1000
        try:
            super().do(action, args)
        except Refused:
            if action == "patient_bolus":
                self.patient_boluses.append((t, False))
            raise
        if action == "patient_bolus":
            self.patient_boluses.append((t, True))
        elif action == "prescribe":
            self.programs.append((t, [tuple(x) for x in args["steps"]], args["low_reservoir_nl"]))


def timeline_of(sc: Scenario, points: int = 600):
    """Play a scenario on the in-process C core, sampling status for a plot."""
    target = _WatchedCore()
    samples: list[dict] = []
    every = max(sc.duration_ms // points, 60_000)
    # samples are plain data for the plots, in the one JSON shape of a status
    # (the records' to_json(), as a recording's samples are)
    samples.append(target.status().to_json())
    res = play(sc, target, sample=lambda st: samples.append(st.to_json()), sample_every_ms=every)
    marks = res.alarms_raised
    notes = [(s.at_ms / 1000, s.action) for s in sc.steps if s.action == "refill"]
    failed = len(res.failures)
    title = sc.name + (f"  ({failed} expectation(s) failed)" if failed else "")
    return Timeline(title, samples, [(t / 1000, n) for t, n in marks], notes,
                    target.programs, target.patient_boluses)


def timeline_from_recording(path: str | os.PathLike):
    """A Timeline of the STATUS frames the pump sent, alarms as they rose."""
    kinds = ENUMS["event_kind"]
    rec = read_recording(path)
    samples: list[dict] = []
    seen_marks: list[tuple[float, str]] = []     # alarm onsets as STATUS showed them
    # exact onsets from the event log, by (seq, alarm): each entry once however often read
    logged: dict[tuple[int, str], tuple[float, str]] = {}
    refills: dict[int, float] = {}
    active: set[str] = set()
    # requests by seq, to pair with their ACK/NAK: what the pump accepted
    asked: dict[int, object] = {}
    answered: set[int] = set()
    programs: list[tuple[float, list[tuple[int, int]], int]] = []
    boluses: list[tuple[float, bool]] = []
    for m in messages(rec):
        if m.dir == "rx" and m.name in ("PRESCRIBE", "PATIENT_BOLUS"):
            asked[m.seq] = m
            continue
        if m.dir == "tx" and m.name in ("ACK", "NAK") and m.seq in asked and m.seq not in answered:
            answered.add(m.seq)   # a retry's second answer (replayed) is the same answer
            req = asked[m.seq]
            t = (m.sim_ms if m.sim_ms is not None else req.sim_ms or 0) / 1000
            if req.name == "PATIENT_BOLUS":
                boluses.append((t, m.name == "ACK"))
            elif m.name == "ACK":
                programs.append((t, _rate_steps(req.fields), req.fields["low_reservoir_nl"]))
            continue
        if m.dir != "tx":
            continue
        if m.name == "EVENTS":
            for ev in m.fields.get("events", ()):
                if ev["kind"] == kinds["ALARM_RAISED"]:
                    for a in names_of(ev["data0"]):
                        logged[ev["seq"], a] = (ev["time_ms"] / 1000, a)
                elif ev["kind"] == kinds["REFILL"]:
                    refills[ev["seq"]] = ev["time_ms"] / 1000
            continue
        st = status_dict(m.name, m.fields)
        if st is None:
            continue
        samples.append(st)
        now = set(st["alarms"])
        seen_marks.extend((st["sim_time_s"], a) for a in sorted(now - active))
        active = now
    if not samples:
        raise RecordingError(f"{path}: no STATUS frames in this recording to plot")
    # The event log knows when an alarm rose to the ms; STATUS only when it was
    # next looked at. Prefer the log when the session read it.
    marks = sorted(logged.values()) if logged else seen_marks
    notes = [(t, "refill") for t in sorted(refills.values())]
    return Timeline(f"Recording {Path(path).name}", samples, marks, notes, programs, boluses)


def _rate_steps(f: dict) -> list[tuple[int, int]]:
    """A PRESCRIBE's steps as (start minute, nL/day); doses converted as the core does."""
    steps = [(s["start_min"], s["value"]) for s in f["steps"]]
    if f["step_unit"] == ENUMS["step_unit"]["DOSE_UG_DAY"] and f["conc_ug_ml"]:
        conc = f["conc_ug_ml"]
        steps = [(start, (v * 2_000_000 + conc) // (2 * conc)) for start, v in steps]
    return steps


def load_timeline(source: str) -> Timeline:
    """A Timeline from a recording (.jsonl) or by playing a scenario on the core."""
    if source.endswith(".jsonl") or _looks_like_recording(source):
        return timeline_from_recording(Path(source))
    return timeline_of(load_scenario(source))


def _looks_like_recording(source: str) -> bool:
    """A recording starts with its JSON header, whatever the file is called."""
    try:
        with open(source, "rb") as f:
            return f.read(40).replace(b" ", b"").startswith(b'{"format":"pyemu-recording"')
    except OSError:
        return False
