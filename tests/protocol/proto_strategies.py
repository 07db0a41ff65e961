"""hypothesis strategies for protocol messages (valid field values, flags, whole messages)."""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from pyemu.protocol import MESSAGES, KIND_RESPONSE, FLAG_REPLAYED
from pyemu.protocol.schema import FieldDef, MessageDef

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))


def field_values(f: FieldDef) -> st.SearchStrategy[Any]:
    """Every value the codec accepts for a field."""
    if f.text_len:
        return st.text(alphabet=PRINTABLE, max_size=f.text_len)
    if f.allowed is not None:
        return st.sampled_from(sorted(f.allowed))
    top = (1 << (8 * f.size)) - 1
    lo = f.min if f.min is not None else 0
    hi = f.max if f.max is not None else top
    # edges matter most: bias towards them
    return st.one_of(st.sampled_from(sorted({lo, hi, min(lo + 1, hi), max(hi - 1, lo)})), st.integers(lo, hi))


def message_fields(m: MessageDef) -> st.SearchStrategy[dict[str, Any]]:
    scalars = st.fixed_dictionaries({f.name: field_values(f) for f in m.fields})
    if m.array is None:
        return scalars
    a = m.array
    elem = st.fixed_dictionaries({f.name: field_values(f) for f in a.fields})
    return st.tuples(scalars, st.lists(elem, min_size=a.min_count, max_size=a.max_count)).map(
        lambda t: dict(t[0], **{a.name: t[1]}))


def message_flags(m: MessageDef) -> st.SearchStrategy[int]:
    kinds = sorted(m.kinds)
    return st.sampled_from(kinds).flatmap(
        lambda k: st.sampled_from([k, k | FLAG_REPLAYED]) if k == KIND_RESPONSE else st.just(k))


@st.composite
def any_message(draw: Any) -> tuple[str, int, int, dict[str, Any]]:
    """(name, seq, flags, fields) of a valid message of any type."""
    m = draw(st.sampled_from(sorted(MESSAGES.values(), key=lambda m: m.id)))
    return m.name, draw(st.integers(0, 0xFFFF)), draw(message_flags(m)), draw(message_fields(m))


def _lowest(f: FieldDef) -> Any:
    if f.text_len:
        return "A"
    if f.allowed is not None:
        return min(f.allowed)
    return f.min if f.min is not None else 0


def minimal_fields(m: MessageDef) -> dict[str, Any]:
    """A fixed valid message: every field at its lowest accepted value, arrays at their minimum length."""
    d = {f.name: _lowest(f) for f in m.fields}
    if m.array is not None:
        d[m.array.name] = [{f.name: _lowest(f) for f in m.array.fields}] * max(m.array.min_count, 1)
    return d
