"""The pump's vocabulary: every enum of the pump, its user spelling and texts.

The enums and tables (states, drugs, bolus kinds, faults, alarms, event kinds,
reason codes with the sentence a user reads) are generated from
protocol/vocabulary.json into :mod:`pyemu.protocol._vocab_tables` and re-exported
here; this module adds how users write them. What users see is always
:func:`user_name` (the name in lower case); :func:`lookup` also takes the older
spellings in ``ALIASES``. The C core's enums (firmware/core/pump_vocab.h) and
the wire's tables are generated from the same file.
"""
from __future__ import annotations

import enum
from typing import Optional, TypeVar

from pyemu.protocol._vocab_tables import *  # noqa: F401,F403 - the generated tables, re-exported
from pyemu.protocol._vocab_tables import ALIASES, REASON_SHORT, REASON_TEXT, WIRE_REASON_NAME, Reason
from pyemu.protocol._vocab_tables import __all__ as _TABLES

__all__ = [*_TABLES, "choices", "lookup", "reason_name", "reason_short", "reason_text", "user_name",
           "wire_reason_name"]

_E = TypeVar("_E", bound=enum.Enum)


def user_name(member: enum.Enum) -> str:
    """The one spelling users see (CLI, JSON, scenarios, events, plots): the name in lower case."""
    return str(member.name).lower()


def choices(table: type[_E], *, skip: tuple[str, ...] = ("NONE",)) -> tuple[str, ...]:
    """User spellings of a table's values in value order (NONE left out by default)."""
    return tuple(user_name(m) for m in table if m.name not in skip)


def lookup(table: type[_E], text: str) -> tuple[_E, Optional[str]]:
    """A value from what a user typed: its user spelling (any case) or an older alias.

    Returns (value, note): note is None for the user spelling, else a deprecation
    note naming the spelling to use. Raises ValueError naming the valid spellings.
    """
    key = text.strip()
    for m in table:
        if key.lower() == user_name(m):
            return m, None
    for alias, name in ALIASES.get(table.__name__, {}).items():
        if key.lower() == alias.lower():
            m = table[name]
            return m, f"{text!r} is deprecated, write {user_name(m)!r}"
    raise ValueError(f"unknown {table.__name__.lower()} {text!r}; one of: {', '.join(choices(table))}")


def reason_name(code: int) -> str:
    """The user spelling of a reason code (15 -> ``lockout``); unknown codes as ``reason_N``."""
    try:
        return user_name(Reason(code))
    except ValueError:
        return f"reason_{code}"


def reason_text(code: int) -> str:
    """The sentence a user reads for a reason code."""
    return REASON_TEXT.get(code, "reason unknown to this pyemu")


def reason_short(code: int) -> str:
    """A few words for a reason code, for log lines and tables."""
    return REASON_SHORT.get(code) or reason_name(code).replace("_", " ")


def wire_reason_name(code: int) -> str:
    """A reason's name in the protocol spec and NakReason (E_LOCKOUT, BAD_FIELD)."""
    return WIRE_REASON_NAME.get(code, f"REASON_{code}")
