"""The pump's names as users see them: alarms, reasons, drugs, from the vocabulary.

Every name and number comes from :mod:`pyemu.protocol.vocabulary` (generated
from protocol/vocabulary.json); code that only needs names imports this
module, not the client.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple, Union

from pyemu.protocol import vocabulary as V
from pyemu.protocol.schema import SCHEMA as _SCHEMA

__all__ = ["ALARM_NAMES", "alarm_names", "alarm_bits", "drug_code", "drug_name",
           "reason_text", "short_reason", "state_name", "bolus_name", "event_kind_name", "format_volume"]

# -- names -----------------------------------------------------------------------

# Every name and number comes from the pump's vocabulary (protocol/vocabulary.json,
# generated into pyemu.protocol.vocabulary); users see V.user_name() spellings.

#: Alarm names as the CLI and JSON show them, in bit order.
ALARM_NAMES: Dict[int, str] = {int(a): V.user_name(a) for a in V.Alarm if a}
_CRITICAL_ALARMS = int(V.CRITICAL_ALARMS)
_STATE_NAMES = {int(s): V.user_name(s) for s in V.State}
_BOLUS_KINDS = {int(b): V.user_name(b) for b in V.BolusKind}
_EVENT_KINDS = {int(k): k.name for k in V.EventKind}
_REASON_NAMES = {value: name for name, value in _SCHEMA.nak_reasons.items()}
def reason_text(code: int) -> Tuple[str, str]:
    """(protocol name, explanation) for a NAK reason code (``("E_LOCKOUT", "inside the ...")``);
    unknown codes keep their number. Users see the name as ``V.reason_name(code)`` (``lockout``)."""
    name = _REASON_NAMES.get(code, f"REASON_{code}")
    return name, V.reason_text(code)


def short_reason(code: int) -> str:
    """A few words for a reason code (``lockout``), falling back to its user spelling."""
    return V.reason_short(code)


def _number(value: float) -> str:
    """At most 3 decimals, trailing zeros dropped."""
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _volume(nl: int) -> str:
    """Readable volume: ``2.934 mL`` or ``20 uL``."""
    if nl >= 1_000_000 or nl == 0:
        return _number(nl / 1_000_000) + " mL"
    return _number(nl / 1000) + " uL"


def alarm_names(bits: int) -> List[str]:
    """Alarm bit set -> names in bit order; unknown bits as ``bit_N``."""
    names = []
    for bit in range(32):
        if bits & (1 << bit):
            names.append(ALARM_NAMES.get(1 << bit, f"bit_{bit}"))
    return names


def alarm_bits(names: Sequence[str]) -> int:
    """Names (``low_reservoir``, ``all``) -> bit set; raises ValueError on unknown names."""
    by_name = {name: bit for bit, name in ALARM_NAMES.items()}
    bits = 0
    for name in names:
        key = name.lower().replace("-", "_")
        if key == "all":
            bits |= sum(by_name.values())
        elif key in by_name:
            bits |= by_name[key]
        else:
            raise ValueError(f"unknown alarm {name!r}; alarms are: all, {', '.join(by_name)}")
    return bits


def drug_code(drug: Union[str, int]) -> int:
    """``'baclofen'`` -> 4; ints pass through."""
    if isinstance(drug, int):
        return drug
    return int(V.lookup(V.Drug, drug)[0])


def drug_name(code: int) -> str:
    try:
        return V.user_name(V.Drug(code))
    except ValueError:
        return f"drug_{code}"


def state_name(code: int) -> str:
    """State code -> user spelling (``running``); unknown codes as ``state_N``."""
    return _STATE_NAMES.get(code, f"state_{code}")


def bolus_name(code: int) -> str:
    """Bolus kind code -> user spelling (``patient``); unknown codes as ``kind_N``."""
    return _BOLUS_KINDS.get(code, f"kind_{code}")


def event_kind_name(code: int) -> str:
    """Event kind code -> its vocabulary name (``BOLUS_START``); unknown as ``EVENT_N``."""
    return _EVENT_KINDS.get(code, f"EVENT_{code}")


format_volume = _volume
