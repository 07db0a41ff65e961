"""Play a conformance scenario on one target and record what the pump said after each step.

The record of a step holds everything a host can observe: the outcome
(``ok`` or the NAK reason), the reply's fields (HELLO_INFO, ADVANCE's
STATUS, whether it was REPLAYED), then a fresh GET_STATUS, the event-log
entries added since the previous step (with the ring's first available
seq), and the unsolicited STATUS/ALARM frames that arrived. Two targets
conform when their records are equal, step by step.

The client starts at a fixed sequence number so the bytes sent are the same
on every target (the battery model charges every byte, so even the request
sizes must agree).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from pyemu.pump.client import Client, DeviceRefused

from conformance_scenarios import Scenario, Step

#: How the conformance tests start the emulator side. Here, not in conftest.py:
#: tests/hil has a conftest module too, and `from conftest import` can get either.
EMULATOR_ARGS = ("--port", "tcp-listen://127.0.0.1:0", "--clock", "manual", "--test-features",
                 "--telemetry-period", "60s", "-q")

FIRST_SEQ = 1000
READ_PAGE = 9          # READ_EVENTS entries per request (fits one frame)
MAX_PAGES = 64         # per step: 576 entries, more than the ring holds


@dataclass
class StepRecord:
    step: str
    outcome: str
    reply: Any
    status: Dict[str, int]
    first_available: int
    events: List[Tuple[int, int, int, int, int]]
    unsolicited: List[Tuple[str, Dict[str, int]]] = field(default_factory=list)


def _fields(obj: Any, drop: Tuple[str, ...] = ("seq", "unsolicited")) -> Dict[str, Any]:
    return {k: v for k, v in dataclasses.asdict(obj).items() if k not in drop}


def _do(client: Client, step: Step, previous: Any) -> Tuple[str, Any]:
    """Run one step; returns (outcome, observable reply).

    ``previous`` is the request of the previous step (the client's
    ``last_request`` right after it), which ``repeat_last`` sends again:
    the runner's own GET_STATUS/READ_EVENTS came after it.
    """
    try:
        if step.action == "garbage":
            client.transport.write(step.args["data"])
            return "ok", None
        if step.action == "repeat_last":
            if previous is None:
                raise ValueError("repeat_last needs a request in the step before it")
            client.last_request = previous
            frame = client.repeat_last()
            reply: Any = getattr(frame, "fields", None)
            outcome = "replayed" if client.last_replayed else "ok"
            return outcome, {"replayed": client.last_replayed, "fields": _plain(reply)}
        if step.action == "ack_active":
            active = client.status().alarms
            if active == 0:
                return "none active", None
            client.ack_alarm(active)
            return "ok", {"acked": active}
        result = getattr(client, step.action)(**step.args)
        if dataclasses.is_dataclass(result):
            return "ok", _fields(result)
        return "ok", {"replayed": client.last_replayed}
    except DeviceRefused as refusal:
        return refusal.reason_name, {"replayed": client.last_replayed}


def _plain(value: Any) -> Any:
    """Frame fields as plain, comparable Python values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k != "seq"}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value):
        return _fields(value)
    return value


def _new_events(client: Client, from_seq: int) -> Tuple[int, List[Tuple[int, int, int, int, int]]]:
    events: List[Tuple[int, int, int, int, int]] = []
    first_available = 0
    for _ in range(MAX_PAGES):
        frame = client.request("READ_EVENTS", from_seq=from_seq, max_count=READ_PAGE)
        f = frame.fields
        first_available = f["first_available"]
        page = [(e["seq"], e["time_ms"], e["kind"], e["data0"], e["data1"]) for e in f["events"]]
        events += page
        if not page or page[-1][0] >= f["newest_seq"]:
            break
        from_seq = page[-1][0] + 1
    return first_available, events


def play(url: str, scenario: Scenario, timeout: float = 2.0) -> List[StepRecord]:
    """Play ``scenario`` on the pump at ``url`` (fresh, manual clock); one record per step."""
    records: List[StepRecord] = []
    next_event = 1
    with Client.connect(url, timeout=timeout, retries=3, seq=FIRST_SEQ) as client:
        client.poll(0.0)
        client.drain_unsolicited()
        previous = None
        for step in scenario.steps:
            client.last_request = None
            outcome, reply = _do(client, step, previous)
            previous = client.last_request
            status = _fields(client.status())
            first_available, events = _new_events(client, next_event)
            if events:
                next_event = events[-1][0] + 1
            unsolicited = [(type(u).__name__, _fields(u, drop=("unsolicited",)))
                           for u in client.drain_unsolicited()]
            records.append(StepRecord(step.describe(), outcome, reply, status,
                                      first_available, events, unsolicited))
    return records


def first_difference(a: List[StepRecord], b: List[StepRecord]) -> Optional[str]:
    """None if the records agree, else a readable account of the first step that differs."""
    for i, (ra, rb) in enumerate(zip(a, b)):
        if ra == rb:
            continue
        lines = [f"step {i + 1} ({ra.step}) differs:"]
        for name in ("outcome", "reply", "status", "first_available", "events", "unsolicited"):
            va, vb = getattr(ra, name), getattr(rb, name)
            if va == vb:
                continue
            if isinstance(va, dict) and isinstance(vb, dict):
                keys = sorted(set(va) | set(vb))
                diffs = [f"{k}: {va.get(k)!r} != {vb.get(k)!r}" for k in keys if va.get(k) != vb.get(k)]
                lines.append(f"  {name}: " + "; ".join(diffs))
            else:
                lines.append(f"  {name}: {va!r}\n     != {vb!r}")
        return "\n".join(lines)
    if len(a) != len(b):
        return f"record lengths differ: {len(a)} != {len(b)}"
    return None
