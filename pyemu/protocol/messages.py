"""Message bodies: one construct ``Struct`` per message, built from the table, and the fast codec derived from it.

``BODIES[name]`` is the declarative definition (construct), ``COMPILED[name]``
its compiled form. The hot path (``encode_payload`` / ``decode_payload``) packs
and unpacks with a stdlib ``struct.Struct`` whose format is read off the
construct Struct's own fields, so construct stays the single definition while
a STATUS body decodes in well under a microsecond (a compiled construct body
takes ~8 µs: it builds a context Container per field). Compiled construct code
skips checks, and so does ``struct``: lengths, array counts and codec-checked
fields are validated here by hand, in the order of spec section 1.4.
"""
from __future__ import annotations

import struct
from operator import itemgetter
from typing import Any, Optional, Union

from construct import (
    Array,
    FormatField,
    Int8ul,
    Int16ul,
    Int32ul,
    Int64ul,
    PaddedString,
    Rebuild,
    Renamed,
    StringEncoded,
    Struct,
    len_,
    this,
)

from .schema import FieldDef, MESSAGES, MESSAGES_BY_ID, MessageDef, MsgType, NakReason

_CONSTRUCT = {"u8": Int8ul, "u16": Int16ul, "u32": Int32ul, "u64": Int64ul}
_PRINTABLE = bytes(range(0x20, 0x7F))


class EncodeError(ValueError):
    """A message cannot be built: missing/unknown field, value outside its type or codec limit."""

    def __init__(self, message: str, field: Optional[str] = None) -> None:
        super().__init__(message)
        self.field = field


class DecodeError(ValueError):
    """A payload is not a valid body of its message; ``reason`` is the NAK reason it earns.

    ``reason`` is None only when the message type itself is unknown.
    """

    def __init__(self, message: str, reason: Optional[NakReason], field: Optional[str] = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.field = field


def _sub(f: FieldDef) -> Any:
    return f.name / (PaddedString(f.text_len, "ascii") if f.text_len else _CONSTRUCT[f.type])


def _body(m: MessageDef) -> Struct:
    subs = [_sub(f) for f in m.fields]
    if m.array is not None:
        a = m.array
        elem = Struct(*[_sub(f) for f in a.fields])
        subs.append(a.count_name / Rebuild(Int8ul, len_(this[a.name])))
        subs.append(a.name / Array(this[a.count_name], elem))
    return Struct(*subs)


BODIES: dict[str, Struct] = {m.name: _body(m) for m in MESSAGES.values()}
COMPILED: dict[str, Any] = {name: body.compile() for name, body in BODIES.items()}


def _fmt(sc: Any) -> str:
    """The struct format code of one construct field (lowering the definition)."""
    while isinstance(sc, Renamed):
        sc = sc.subcon
    if isinstance(sc, FormatField):
        return sc.fmtstr.lstrip("<")
    if isinstance(sc, Rebuild):
        return _fmt(sc.subcon)
    if isinstance(sc, StringEncoded):
        return f"{sc.sizeof()}s"
    raise TypeError(f"cannot lower {sc!r} to a struct format")


def _checks(fields: tuple[FieldDef, ...]) -> tuple[tuple[int, FieldDef], ...]:
    return tuple((i, f) for i, f in enumerate(fields) if f.checked and not f.text_len)


def _bad_value(f: FieldDef, v: int) -> bool:
    if f.allowed is not None and v not in f.allowed:
        return True
    if f.min is not None and v < f.min:
        return True
    return f.max is not None and v > f.max


def _limits(f: FieldDef) -> str:
    if f.allowed is not None:
        return f"one of {sorted(f.allowed)} ({f.enum})"
    return f"{f.min if f.min is not None else 0}..{f.max if f.max is not None else (1 << (8 * f.size)) - 1}"


def _text_decode(raw: bytes) -> Optional[str]:
    """char[N] wire bytes -> str, or None when not printable ASCII + NUL padding."""
    end = raw.find(0)
    head = raw if end < 0 else raw[:end]
    if end >= 0 and raw.count(0) != len(raw) - end:
        return None
    if head.translate(None, _PRINTABLE):
        return None
    return head.decode("ascii")


class _Codec:
    """Fast encoder/decoder of one message body (struct formats lowered from its construct Struct)."""

    def __init__(self, m: MessageDef, body: Struct) -> None:
        self.m = m
        self.names = tuple(f.name for f in m.fields)
        n_scalar = len(m.fields)
        subs = body.subcons
        fmt = "<" + "".join(_fmt(sc) for sc in subs[:n_scalar]) + ("B" if m.array is not None else "")
        self.fixed = struct.Struct(fmt)
        if self.fixed.size != m.fixed_size:
            raise AssertionError(f"{m.name}: lowered size {self.fixed.size} != table {m.fixed_size}")
        self.checks = _checks(m.fields)
        self.texts = tuple((i, f) for i, f in enumerate(m.fields) if f.text_len)
        self.elem: Optional[struct.Struct] = None
        if m.array is not None:
            elem_struct = subs[-1].subcon.subcon  # Renamed -> Array -> element Struct
            self.elem = struct.Struct("<" + "".join(_fmt(sc) for sc in elem_struct.subcons))
            if self.elem.size != m.array.elem_size:
                raise AssertionError(f"{m.name}: lowered element size mismatch")
            self.elem_names = tuple(f.name for f in m.array.fields)
            self.elem_checks = _checks(m.array.fields)
            self.elem_getter = itemgetter(*self.elem_names)  # a tuple when there are 2+ names
            # all elements of a count in one pack call
            self.elems_by_count = [struct.Struct("<" + self.elem.format.lstrip("<") * k)
                                   for k in range(m.array.max_count + 1)]
        self.n_keys = n_scalar + (1 if m.array is not None else 0)
        self.def_crc = m.def_crc
        # fast path: a flat body without text or checks packs straight from the kwargs dict
        self.flat = m.array is None and not self.texts and not self.checks
        self.getter = itemgetter(*self.names) if len(self.names) > 1 else None

    # ---------------------------------------------------------------- decode
    def _fail(self, text: str, reason: NakReason, field: Optional[str] = None) -> DecodeError:
        return DecodeError(f"{self.m.name}: {text}", reason, field)

    def decode(self, p: bytes) -> dict[str, Any]:
        m = self.m
        n = len(p)
        size = self.fixed.size
        if self.elem is None:
            if n != size:
                raise self._fail(f"payload is {n} bytes, must be {size}", NakReason.BAD_LENGTH)
            vals = self.fixed.unpack(p)
        else:
            a = m.array
            assert a is not None
            if n < size:
                raise self._fail(f"payload is {n} bytes, at least {size} needed", NakReason.BAD_LENGTH)
            vals = self.fixed.unpack_from(p)
            count = vals[-1]
            if count < a.min_count or count > a.max_count:
                raise self._fail(f"{a.count_name} = {count}, must be {a.min_count}..{a.max_count}",
                                 NakReason.BAD_FIELD, a.count_name)
            if n != size + count * a.elem_size:
                raise self._fail(f"payload is {n} bytes, {size + count * a.elem_size} for {count} "
                                 f"{a.name}", NakReason.BAD_LENGTH)
        for i, f in self.checks:
            if _bad_value(f, vals[i]):
                raise self._fail(f"{f.name} = {vals[i]}, must be {_limits(f)}", NakReason.BAD_FIELD, f.name)
        d = dict(zip(self.names, vals))
        for i, f in self.texts:
            text = _text_decode(vals[i])
            if text is None:
                raise self._fail(f"{f.name} is not printable ASCII with NUL padding", NakReason.BAD_FIELD, f.name)
            d[f.name] = text
        if self.elem is not None:
            a = m.array
            assert a is not None
            names = self.elem_names
            elems = [dict(zip(names, ev)) for ev in self.elem.iter_unpack(p[size:])]
            for k, e in enumerate(elems if self.elem_checks else ()):
                for _, f in self.elem_checks:
                    if _bad_value(f, e[f.name]):
                        raise self._fail(f"{a.name}[{k}].{f.name} = {e[f.name]}, must be {_limits(f)}",
                                         NakReason.BAD_FIELD, f.name)
            d[a.name] = elems
        return d

    # ---------------------------------------------------------------- encode
    def _values(self, fields: dict[str, Any], names: tuple[str, ...], where: str) -> list[Any]:
        try:
            return [fields[k] for k in names]
        except KeyError as e:
            raise EncodeError(f"{where}: missing field {e.args[0]!r}", e.args[0]) from None

    def _check_build(self, vals: list[Any], fields: tuple[FieldDef, ...], checks: tuple[tuple[int, FieldDef], ...],
                     where: str) -> None:
        for i, f in checks:
            v = vals[i]
            if isinstance(v, int) and _bad_value(f, v):
                raise EncodeError(f"{where}.{f.name} = {v}, must be {_limits(f)}", f.name)

    def _pack(self, st: struct.Struct, vals: list[Any], fields: tuple[FieldDef, ...], where: str) -> bytes:
        try:
            return st.pack(*vals)
        except struct.error:
            pass
        for f, v in zip(fields, vals):  # say which field did not fit
            if f.text_len:
                continue
            if isinstance(v, bool) or not isinstance(v, int):
                raise EncodeError(f"{where}.{f.name} = {v!r}: an integer is required", f.name)
            top = (1 << (8 * f.size)) - 1
            if not 0 <= v <= top:
                raise EncodeError(f"{where}.{f.name} = {v} does not fit {f.type} (0..{top})", f.name)
        raise EncodeError(f"{where}: cannot pack {vals!r}")

    def encode(self, fields: dict[str, Any]) -> bytes:
        m = self.m
        if self.flat and self.getter is not None and len(fields) == self.n_keys:
            try:
                return self.fixed.pack(*self.getter(fields))
            except (KeyError, struct.error):
                pass  # the slow path below says what is wrong
        if len(fields) != self.n_keys:
            known = set(self.names) | ({m.array.name} if m.array is not None else set())
            unknown = sorted(set(fields) - known)
            if unknown:
                raise EncodeError(f"{m.name}: unknown field(s) {unknown}; fields are {sorted(known)}", unknown[0])
        vals = self._values(fields, self.names, m.name)
        for i, f in self.texts:
            vals[i] = self._text(vals[i], f)
        self._check_build(vals, m.fields, self.checks, m.name)
        if self.elem is None:
            return self._pack(self.fixed, vals, m.fields, m.name)
        a = m.array
        assert a is not None
        items = fields.get(a.name) if a.name in fields else None
        if items is None:
            raise EncodeError(f"{m.name}: missing field {a.name!r}", a.name)
        if not isinstance(items, (list, tuple)):
            raise EncodeError(f"{m.name}.{a.name}: a list of {a.element} dicts is required", a.name)
        if not a.min_count <= len(items) <= a.max_count:
            raise EncodeError(f"{m.name}.{a.name}: {len(items)} elements, must be {a.min_count}..{a.max_count}",
                              a.name)
        vals.append(len(items))
        head = self._pack(self.fixed, vals, m.fields, m.name)
        if not self.elem_checks and len(self.elem_names) > 1:
            try:
                k = len(self.elem_names)
                if all(type(item) is dict and len(item) == k for item in items):
                    get = self.elem_getter
                    flat = [v for item in items for v in get(item)]
                    return head + self.elems_by_count[len(items)].pack(*flat)
            except (KeyError, TypeError, struct.error):
                pass  # the loop below says which element is wrong
        parts = [head]
        for k, item in enumerate(items):
            where = f"{m.name}.{a.name}[{k}]"
            if not isinstance(item, dict):
                raise EncodeError(f"{where}: a dict is required", a.name)
            if len(item) != len(self.elem_names):
                unknown = sorted(set(item) - set(self.elem_names))
                if unknown:
                    raise EncodeError(f"{where}: unknown field(s) {unknown}", unknown[0])
            ev = self._values(item, self.elem_names, where)
            self._check_build(ev, a.fields, self.elem_checks, where)
            assert self.elem is not None
            parts.append(self._pack(self.elem, ev, a.fields, where))
        return b"".join(parts)

    def _text(self, v: Any, f: FieldDef) -> bytes:
        where = f"{self.m.name}.{f.name}"
        if not isinstance(v, str):
            raise EncodeError(f"{where}: a str is required, got {type(v).__name__}", f.name)
        raw = v.encode("ascii", "replace")
        if len(raw) > f.text_len or raw.translate(None, _PRINTABLE) or not v.isascii():
            raise EncodeError(f"{where} = {v!r}: at most {f.text_len} printable ASCII characters", f.name)
        return raw


CODECS: dict[int, _Codec] = {m.id: _Codec(m, BODIES[m.name]) for m in MESSAGES.values()}
_BY_NAME: dict[str, int] = {m.name: m.id for m in MESSAGES.values()}


def message_id(msg: Union[str, int]) -> int:
    """A message name, MsgType or id -> its id; EncodeError if it is not in the table."""
    if isinstance(msg, str):
        try:
            return _BY_NAME[msg.upper()]
        except KeyError:
            raise EncodeError(f"unknown message {msg!r}") from None
    mid = int(msg)
    if mid not in MESSAGES_BY_ID:
        raise EncodeError(f"unknown message type {mid}")
    return mid


def encode_payload(msg: Union[str, int, MsgType], **fields: Any) -> bytes:
    """The payload bytes of one message; EncodeError names the field that is wrong."""
    return CODECS[message_id(msg)].encode(fields)


def decode_payload(msg_type: int, payload: bytes) -> dict[str, Any]:
    """The fields of one payload; DecodeError(.reason = BAD_LENGTH or BAD_FIELD) if it is not valid."""
    codec = CODECS.get(msg_type)
    if codec is None:
        raise DecodeError(f"unknown message type {msg_type}", None)
    return codec.decode(bytes(payload))
