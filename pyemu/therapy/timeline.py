"""A therapy timeline: status samples over time with alarm and refill marks,
from a scenario played on the in-process core or from a recording."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from pyemu.host.recording import RecordingError, messages, read_recording, status_dict
from pyemu.protocol import ENUMS
from pyemu.pump.names import alarm_names as names_of
from pyemu.therapy.player import play
from pyemu.therapy.scenario import Scenario, load_scenario
from pyemu.therapy.targets import CoreTarget

__all__ = ["Timeline", "timeline_of", "timeline_from_recording", "load_timeline"]


@dataclass
class Timeline:
    """Status samples over a therapy plus the moments alarms rose.

    samples: dicts with at least sim_time_s, reservoir_ul, delivered_ug,
    rate_ul_per_h, battery_pct (the `status --json` shape).
    alarm_marks: (sim_time_s, alarm name) for each alarm that rose.
    notes: (sim_time_s, text) for clinician actions worth marking (refills).
    """
    title: str
    samples: list[dict] = field(default_factory=list)
    alarm_marks: list[tuple[float, str]] = field(default_factory=list)
    notes: list[tuple[float, str]] = field(default_factory=list)


def timeline_of(sc: Scenario, points: int = 600):
    """Play a scenario on the in-process C core, sampling status for a plot."""
    target = CoreTarget()
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
    return Timeline(title, samples, [(t / 1000, n) for t, n in marks], notes)


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
    for m in messages(rec):
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
    return Timeline(f"Recording {Path(path).name}", samples, marks, notes)


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
