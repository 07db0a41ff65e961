"""Typed view of the message table: messages, fields, enums, reason codes and definition CRCs.

The table is ``protocol/messages.json`` plus the pump's vocabulary
``protocol/vocabulary.json`` (states, drugs, alarms, event kinds, reason
codes...), whose tables it takes as enums and NAK reasons; the package carries
both verbatim in ``_schema.py`` (generated, so an installed package needs no
repository). ``load(dict)`` builds the view from any copy of the table; the
module-level names are the view of the embedded one.
"""
from __future__ import annotations

import enum
import zlib
from dataclasses import dataclass
from typing import Any, Optional

from ._schema import SCHEMA as _EMBEDDED
from ._schema import VOCABULARY as _EMBEDDED_VOCABULARY

# Wire types: size in bytes and stdlib struct code (little-endian frame).
INT_TYPES: dict[str, tuple[int, str]] = {"u8": (1, "B"), "u16": (2, "H"), "u32": (4, "I"), "u64": (8, "Q")}


@dataclass(frozen=True)
class FieldDef:
    """One scalar field. ``text_len`` > 0 for ``char[N]`` fields."""

    name: str
    type: str
    unit: str
    size: int
    doc: str
    enum: Optional[str]          # codec-checked table name
    names: Optional[str]         # documentation-only table name
    min: Optional[int]
    max: Optional[int]
    allowed: Optional[frozenset[int]]  # values of ``enum``
    text_len: int

    @property
    def checked(self) -> bool:
        """True when the codec checks this field's value beyond its type."""
        return self.allowed is not None or self.min is not None or self.max is not None or self.text_len > 0


@dataclass(frozen=True)
class ArrayDef:
    """The one trailing array of a message; on the wire a u8 count precedes it."""

    name: str
    element: str
    min_count: int
    max_count: int
    fields: tuple[FieldDef, ...]
    elem_size: int
    doc: str

    @property
    def count_name(self) -> str:
        return "n_" + self.name


@dataclass(frozen=True)
class MessageDef:
    id: int
    name: str
    kinds: frozenset[int]
    replies: tuple[str, ...]
    doc: str
    test_only: str
    fields: tuple[FieldDef, ...]
    array: Optional[ArrayDef]
    fixed_size: int              # scalar fields (+1 count byte if there is an array)
    canonical: str
    def_crc: int

    @property
    def max_size(self) -> int:
        if self.array is None:
            return self.fixed_size
        return self.fixed_size + self.array.max_count * self.array.elem_size


def _field(d: dict[str, Any], enums: dict[str, dict[str, int]]) -> FieldDef:
    t = d["type"]
    text_len = 0
    if t.startswith("char[") and t.endswith("]"):
        text_len = int(t[5:-1])
        size = text_len
    elif t in INT_TYPES:
        size = INT_TYPES[t][0]
    else:
        raise ValueError(f"field {d['name']}: unknown type {t!r}")
    allowed = frozenset(enums[d["enum"]].values()) if "enum" in d else None
    return FieldDef(
        name=d["name"], type=t, unit=d.get("unit", ""), size=size, doc=d.get("doc", ""),
        enum=d.get("enum"), names=d.get("names"), min=d.get("min"), max=d.get("max"),
        allowed=allowed, text_len=text_len,
    )


def _canon(f: FieldDef) -> str:
    return f"{f.name}:{f.type}:{f.unit}"


_KIND_VALUES = {"request": 0, "response": 1, "unsolicited": 2}


def _message(d: dict[str, Any], enums: dict[str, dict[str, int]]) -> MessageDef:
    scalars: list[FieldDef] = []
    array: Optional[ArrayDef] = None
    parts = [f"{d['name']} {d['id']}"]
    for i, fd in enumerate(d["fields"]):
        if fd["type"] == "array":
            if i != len(d["fields"]) - 1:
                raise ValueError(f"{d['name']}: the array must be the last field")
            inner = tuple(_field(x, enums) for x in fd["fields"])
            array = ArrayDef(
                name=fd["name"], element=fd["element"], min_count=fd["min_count"],
                max_count=fd["max_count"], fields=inner, elem_size=sum(x.size for x in inner),
                doc=fd.get("doc", ""),
            )
            parts.append(f"{fd['name']}:array(" + " ".join(_canon(x) for x in inner) + ")")
        else:
            f = _field(fd, enums)
            scalars.append(f)
            parts.append(_canon(f))
    canonical = " ".join(parts)
    fixed = sum(f.size for f in scalars) + (1 if array is not None else 0)
    return MessageDef(
        id=d["id"], name=d["name"], kinds=frozenset(_KIND_VALUES[k] for k in d["kinds"]),
        replies=tuple(d.get("replies", ())), doc=d.get("doc", ""), test_only=d.get("test_only", ""),
        fields=tuple(scalars), array=array, fixed_size=fixed, canonical=canonical,
        def_crc=zlib.crc32(canonical.encode("utf-8")),
    )


@dataclass(frozen=True)
class Schema:
    raw: dict[str, Any]
    version: int
    frame: dict[str, int]
    flags: dict[str, int]
    enums: dict[str, dict[str, int]]
    messages: dict[str, MessageDef]
    by_id: dict[int, MessageDef]
    nak_reasons: dict[str, int]          # core + protocol + reserved auth, name -> value
    nak_docs: dict[str, str]
    drop_reasons: dict[str, int]
    drop_docs: dict[str, str]
    schema_crc: int
    vocabulary: dict[str, Any]           # the parsed vocabulary.json the enums came from


def vocabulary_tables(vocab: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The tables of a vocabulary (the parsed vocabulary.json), by key, in file order."""
    return {k: v for k, v in vocab.items() if isinstance(v, dict) and "values" in v}


def wire_reason_name(entry: dict[str, Any]) -> str:
    """A reason's name on the wire and in the spec: E_<name> for the core's refusals (not OK)."""
    core = entry["group"] == "core" and entry["name"] != "OK"
    return ("E_" if core else "") + entry["name"]


def load(raw: dict[str, Any], vocab: Optional[dict[str, Any]] = None) -> Schema:
    """Build the typed view of a message table (the parsed messages.json).

    ``vocab`` is the parsed vocabulary.json (default: the embedded one); its
    tables become enums under their ``wire`` names, its reasons the NAK reasons.
    """
    vocab = _EMBEDDED_VOCABULARY if vocab is None else vocab
    tables = vocabulary_tables(vocab)
    enums: dict[str, dict[str, int]] = {
        t["wire"]: {v["name"]: v["value"] for v in t["values"]} for k, t in tables.items() if k != "reason"}
    enums.update({k: v for k, v in raw["enums"].items() if k != "comment"})
    msgs = [_message(m, enums) for m in raw["messages"]]
    by_id = {m.id: m for m in msgs}
    if len(by_id) != len(msgs):
        raise ValueError("duplicate message id")
    for m in msgs:
        if m.max_size > raw["frame"]["max_payload"]:
            raise ValueError(f"{m.name}: payload can reach {m.max_size} > max_payload")
    naks: dict[str, int] = {}
    nak_docs: dict[str, str] = {}
    for v in tables["reason"]["values"]:
        naks[wire_reason_name(v)] = v["value"]
        if v["group"] != "core":
            nak_docs[wire_reason_name(v)] = v["doc"]
    drops = {k: v["value"] for k, v in raw["drop_reasons"].items() if k != "comment"}
    drop_docs = {k: v["doc"] for k, v in raw["drop_reasons"].items() if k != "comment"}
    acc = 0
    for m in sorted(msgs, key=lambda m: m.id):
        acc = zlib.crc32(bytes([m.id]) + m.def_crc.to_bytes(4, "little"), acc)
    return Schema(
        raw=raw, version=raw["protocol_version"], frame=dict(raw["frame"]), flags=dict(raw["flags"]),
        enums={k: dict(v) for k, v in enums.items()}, messages={m.name: m for m in msgs}, by_id=by_id,
        nak_reasons=naks, nak_docs=nak_docs, drop_reasons=drops, drop_docs=drop_docs, schema_crc=acc,
        vocabulary=vocab,
    )


SCHEMA = load(_EMBEDDED)

PROTOCOL_VERSION: int = SCHEMA.version
MAX_PAYLOAD: int = SCHEMA.frame["max_payload"]
KIND_MASK: int = SCHEMA.flags["KIND_MASK"]
KIND_REQUEST: int = SCHEMA.flags["KIND_REQUEST"]
KIND_RESPONSE: int = SCHEMA.flags["KIND_RESPONSE"]
KIND_UNSOLICITED: int = SCHEMA.flags["KIND_UNSOLICITED"]
FLAG_REPLAYED: int = SCHEMA.flags["REPLAYED"]
FLAG_AUTH: int = SCHEMA.flags["AUTH"]
FLAG_RESERVED: int = SCHEMA.flags["RESERVED_MASK"]
ENUMS = SCHEMA.enums
MESSAGES = SCHEMA.messages
MESSAGES_BY_ID = SCHEMA.by_id
SCHEMA_CRC: int = SCHEMA.schema_crc

MsgType = enum.IntEnum("MsgType", {m.name: m.id for m in sorted(MESSAGES.values(), key=lambda m: m.id)})  # type: ignore[misc]
NakReason = enum.IntEnum("NakReason", SCHEMA.nak_reasons)  # type: ignore[misc]
DropReason = enum.IntEnum("DropReason", SCHEMA.drop_reasons)  # type: ignore[misc]
DROP_COUNT = len(SCHEMA.drop_reasons)
