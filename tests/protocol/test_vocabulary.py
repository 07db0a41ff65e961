"""The pump's vocabulary (protocol/vocabulary.json) is the one source of every name and number.

The C core's values (through cffi), the wire's tables, the Python enums and
what users see (CLI choices, scenario names, JSON) all come from it.
"""
from __future__ import annotations

import json

from pyemu._core import lib
import gen  # protocol/tools/gen.py, on the path by conftest.py
from pyemu.protocol import ENUMS, NakReason
from pyemu.protocol import vocabulary as V

_VOCAB = json.loads((gen.ROOT / "protocol" / "vocabulary.json").read_text(encoding="utf-8"))


def _c_values(key: str) -> dict[str, int]:
    """{name: value} of one C enum as the compiled core has it (lib.PUMP_*)."""
    t = _VOCAB[key]
    if key == "reason":
        return {v["name"]: int(getattr(lib, "PUMP_OK" if v["name"] == "OK" else "PUMP_E_" + v["name"]))
                for v in t["values"] if v["group"] == "core"}
    return {v["name"]: int(getattr(lib, t["c_prefix"] + v["name"])) for v in t["values"]}


def test_every_c_core_value_equals_the_vocabulary() -> None:
    """Invariant: each PUMP_* constant of the compiled core has its vocabulary value; no C value is missing."""
    for key in ("state", "drug", "bolus_kind", "fault", "catheter", "mri_recovery", "alarm", "event_kind",
                "reason"):
        want = {v["name"]: v["value"] for v in _VOCAB[key]["values"]
                if key != "reason" or v["group"] == "core"}
        assert _c_values(key) == want, key
    assert int(lib.PUMP_RESULT_COUNT) == len(_c_values("reason"))
    assert int(lib.PUMP_DRUG_COUNT) == len(_VOCAB["drug"]["values"])
    # Event kinds may leave a gap (25..29 are another change's): the count is the largest + 1.
    assert int(lib.PUMP_EV_KIND_COUNT) == max(v["value"] for v in _VOCAB["event_kind"]["values"]) + 1
    crit = sum(v["value"] for v in _VOCAB["alarm"]["values"] if v["critical"])
    assert int(lib.PUMP_ALARM_CRITICAL_MASK) == crit == int(V.CRITICAL_ALARMS)
    assert int(lib.PUMP_ALARM_ALL_MASK) == sum(v["value"] for v in _VOCAB["alarm"]["values"])


def test_c_reason_texts_are_the_vocabularys() -> None:
    """Invariant: pump_result_name/text (C) say what the vocabulary says, code by code."""
    from pyemu._core import ffi
    for v in _VOCAB["reason"]["values"]:
        if v["group"] != "core":
            continue
        assert ffi.string(lib.pump_result_name(v["value"])).decode() == v["name"]
        assert ffi.string(lib.pump_result_text(v["value"])).decode() == v["text"] == V.reason_text(v["value"])


def test_wire_tables_and_python_enums_follow_the_vocabulary() -> None:
    """Invariant: ENUMS (the codec's tables), NakReason and the generated Python enums hold the same values."""
    classes = {"state": V.State, "drug": V.Drug, "bolus_kind": V.BolusKind, "fault": V.Fault,
               "catheter": V.Catheter, "mri_recovery": V.MriRecovery,
               "alarm": V.Alarm, "event_kind": V.EventKind, "reason": V.Reason}
    for key, cls in classes.items():
        t = _VOCAB[key]
        want = {v["name"]: v["value"] for v in t["values"]}
        assert {m.name: int(m) for m in cls if m.name in want} == want, key
        if key != "reason":
            assert ENUMS[t["wire"]] == want, key
    for v in _VOCAB["reason"]["values"]:
        assert int(NakReason[V.wire_reason_name(v["value"])]) == v["value"]


def test_the_state_the_device_sends_when_halted_is_known() -> None:
    """HALTED (3) is sent by the device; the wire table and the spec name it (they stopped at SUSPENDED)."""
    assert ENUMS["state"]["HALTED"] == 3 == int(lib.PUMP_STATE_HALTED)
    spec = (gen.ROOT / "protocol" / "spec.md").read_text(encoding="utf-8")
    assert "| 3 | HALTED | `halted` |" in spec


def test_the_generator_covers_every_vocabulary_output() -> None:
    """The staleness test (test_generated.py) checks these files too, so none can drift."""
    outs = {p.relative_to(gen.ROOT).as_posix() for p in gen.outputs(gen.load_table())}
    assert {"firmware/core/pump_vocab.h", "firmware/device/vocab_check.h", "pyemu/_cdef/_vocab.cdef",
            "pyemu/protocol/_vocab_tables.py", "protocol/spec.md"} <= outs


def test_lookup_takes_the_user_spelling_and_notes_old_aliases() -> None:
    """User spelling in any case: no note; an alias (motor-stall) works with a deprecation note; junk is refused."""
    assert V.lookup(V.Fault, "motor_stall") == (V.Fault.MOTOR_STALL, None)
    assert V.lookup(V.Drug, "Baclofen") == (V.Drug.BACLOFEN, None)
    fault, note = V.lookup(V.Fault, "motor-stall")
    assert fault is V.Fault.MOTOR_STALL and note and "motor_stall" in note
    try:
        V.lookup(V.Drug, "aspirin")
    except ValueError as exc:
        assert "morphine" in str(exc) and "none" not in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown drug was accepted")
    assert V.reason_name(15) == "lockout" and V.reason_name(131) == "bad_field" and V.reason_name(99) == "reason_99"
