"""Code generation from protocol/messages.json and protocol/vocabulary.json: ``python protocol/tools/gen.py [--check]``.

A tool of the checkout, not of the installed package: it imports the
checkout's ``pyemu`` (the codec builds the vectors) and writes into the tree.

Writes (or with --check, compares and lists the stale ones):
  pyemu/protocol/_schema.py        both tables embedded in the package
  firmware/core/pump_vocab.h       the core's enums and reason texts (gen_vocab)
  firmware/device/vocab_check.h    compile-time checks PROTO_* == PUMP_* (gen_vocab)
  pyemu/_cdef/_vocab.cdef          cffi declarations of pump_vocab.h (gen_vocab)
  pyemu/protocol/_vocab_tables.py  the Python enums and texts (gen_vocab; vocabulary.py adds spellings)
  firmware/proto/proto_msgs.h/.c   C payload structs, checks, encoders, decoders
  pyemu/_cdef/proto.cdef           cffi declarations of the C codec
  protocol/vectors/*.json          golden vectors (the cases are in gen_vectors.py)
  firmware/tests/proto_vectors.h   the golden vectors as C data
  protocol/spec.md                 the generated message reference section
One table, generated code everywhere: a field added in the JSON cannot be
forgotten by one of the codecs, and a test fails while any output is stale.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
TOOLS = Path(__file__).resolve().parent
# The checkout's pyemu and this folder's modules, whoever runs the script (or
# a test imports it): the generator describes this tree, not an installed copy.
for _path in (str(ROOT), str(TOOLS)):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from gen_c import BANNER, TYPE_MAX, gen_cdef, gen_msgs_c, gen_msgs_h, has_body  # noqa: E402
from gen_vocab import (gen_pump_vocab_h, gen_spec_tables, gen_vocab_cdef,  # noqa: E402
                       gen_vocab_check_h, gen_vocab_tables_py)
from pyemu.protocol.schema import FieldDef, Schema, load  # noqa: E402
TABLE = ROOT / "protocol" / "messages.json"
VOCABULARY = ROOT / "protocol" / "vocabulary.json"


def load_table() -> Schema:
    with open(TABLE, encoding="utf-8") as f, open(VOCABULARY, encoding="utf-8") as g:
        return load(json.load(f), json.load(g))


# ---------------------------------------------------------------- _schema.py
def gen_schema_py(_: Schema) -> str:
    text = TABLE.read_text(encoding="utf-8")
    vocab = VOCABULARY.read_text(encoding="utf-8")
    for name, body in (("messages.json", text), ("vocabulary.json", vocab)):
        if '"""' in body or "\\" in body:
            raise ValueError(f"{name} must not contain triple quotes or backslashes")
    return (f'"""The message table (protocol/messages.json) and the pump\'s vocabulary '
            f'(protocol/vocabulary.json), embedded. {BANNER}"""\n'
            "import json\n\n"
            f'SCHEMA = json.loads(r"""{text}""")\n\n'
            f'VOCABULARY = json.loads(r"""{vocab}""")\n')


# ---------------------------------------------------------------- spec reference
def _md_field(f: FieldDef, prefix: str = "") -> str:
    check = ""
    if f.enum:
        check = f"one of `{f.enum}`"
    elif f.min is not None or f.max is not None:
        check = f"{f.min if f.min is not None else 0}..{f.max if f.max is not None else TYPE_MAX.get(f.type, '')}"
    elif f.text_len:
        check = "printable ASCII"
    doc = f.doc
    if f.names:
        doc = (doc + "; " if doc else "") + f"values: `{f.names}`"
    return f"| `{prefix}{f.name}` | {f.type} | {f.unit} | {check} | {doc} |"


def _worked_example(s: Schema) -> list[str]:
    """CLINICIAN_BOLUS seq 7, step by step, from the codec itself (so it cannot go stale)."""
    import zlib
    # deferred: the codec is built from _schema.py, current only after write_all restarted
    from pyemu.protocol.framing import encode, wire_to_raw
    m = s.messages["CLINICIAN_BOLUS"]
    wire = encode("CLINICIAN_BOLUS", 7, 0, volume_nl=500_000, duration_ms=600_000)
    raw = wire_to_raw(wire)
    assert raw is not None
    hx = lambda b: " ".join(f"{x:02X}" for x in b)  # noqa: E731
    body = raw[:-4]
    return [
        "### Worked example", "",
        "CLINICIAN_BOLUS (id 4), 0.5 mL over 10 min, request, seq 7:", "",
        f"- payload: `volume_nl` 500000 = `{hx(raw[6:10])}`, `duration_ms` 600000 = `{hx(raw[10:14])}`",
        f"- header: version `01`, type `04`, seq `07 00`, flags `00`, payload_len `08`",
        f"- def_crc = CRC-32(`\"{m.canonical}\"`) = `0x{m.def_crc:08X}`",
        f"- crc = CRC-32 of the 14 bytes above seeded with def_crc = `0x{zlib.crc32(body, m.def_crc):08X}`, "
        f"stored `{hx(raw[-4:])}`",
        f"- raw frame (18 bytes): `{hx(raw)}`",
        f"- whitened (XOR A5): `{hx(bytes(b ^ 0xA5 for b in raw))}`",
        f"- on the wire (21 bytes): `{hx(wire)}`", "",
    ]


def gen_reference(s: Schema) -> str:
    kinds = {0: "request", 1: "response", 2: "unsolicited"}
    o = ["## 8. Message reference (generated from messages.json)", ""]
    o += _worked_example(s)
    o += ["### Messages", ""]
    o.append("| id | message | kinds | replies | payload bytes | def_crc |")
    o.append("|---|---|---|---|---|---|")
    for m in sorted(s.messages.values(), key=lambda m: m.id):
        size = str(m.fixed_size) if m.array is None else f"{m.fixed_size}+{m.array.elem_size}×n ≤ {m.max_size}"
        o.append(f"| {m.id} (0x{m.id:02X}) | {m.name} | {', '.join(kinds[k] for k in sorted(m.kinds))} | "
                 f"{' or '.join(m.replies) or '—'} | {size} | `0x{m.def_crc:08X}` |")
    o += ["", f"`schema_crc` = `0x{s.schema_crc:08X}`.", ""]
    for m in sorted(s.messages.values(), key=lambda m: m.id):
        o.append(f"#### {m.name} ({m.id})")
        o.append("")
        o.append(m.doc + (f" *Test only: {m.test_only}.*" if m.test_only else ""))
        o.append("")
        o.append(f"Canonical definition: `{m.canonical}`")
        o.append("")
        if not has_body(m):
            o += ["No payload.", ""]
            continue
        o.append("| field | type | unit | codec check | meaning |")
        o.append("|---|---|---|---|---|")
        o += [_md_field(f) for f in m.fields]
        if m.array is not None:
            a = m.array
            o.append(f"| `{a.count_name}` | u8 | count | {a.min_count}..{a.max_count} | elements of `{a.name}` that follow |")
            o += [_md_field(f, f"{a.name}[].") for f in a.fields]
        o.append("")
    o.append("### Tables")
    o.append("")
    for ename, vals in s.enums.items():
        o.append(f"- `{ename}`: " + ", ".join(f"{k} = {v}" for k, v in vals.items()))
    o.append("- `nak_reasons`: " + ", ".join(f"{k} = {v}" for k, v in sorted(s.nak_reasons.items(), key=lambda kv: kv[1])))
    o.append("- `drop_reasons`: " + ", ".join(f"{k} = {v}" for k, v in s.drop_reasons.items()))
    o.append("")
    o += gen_spec_tables(s)
    return "\n".join(o)


def gen_spec(s: Schema) -> str:
    path = ROOT / "protocol" / "spec.md"
    text = path.read_text(encoding="utf-8")
    begin, end = "<!-- BEGIN GENERATED REFERENCE -->", "<!-- END GENERATED REFERENCE -->"
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return head + begin + "\n" + gen_reference(s) + end + tail


# ---------------------------------------------------------------- driver
def outputs(s: Schema) -> dict[Path, Callable[[Schema], str]]:
    import gen_vectors as vectors  # imports the codec, so only after _schema.py is current

    outs: dict[Path, Callable[[Schema], str]] = {
        ROOT / "firmware" / "proto" / "proto_msgs.h": gen_msgs_h,
        ROOT / "firmware" / "proto" / "proto_msgs.c": gen_msgs_c,
        ROOT / "pyemu" / "_cdef" / "proto.cdef": gen_cdef,
        ROOT / "firmware" / "core" / "pump_vocab.h": gen_pump_vocab_h,
        ROOT / "firmware" / "device" / "vocab_check.h": gen_vocab_check_h,
        ROOT / "pyemu" / "_cdef" / "_vocab.cdef": gen_vocab_cdef,
        ROOT / "pyemu" / "protocol" / "_vocab_tables.py": gen_vocab_tables_py,
        ROOT / "protocol" / "spec.md": gen_spec,
    }
    for path, fn in vectors.outputs(ROOT).items():
        outs[path] = fn
    return outs


def stale() -> list[Path]:
    """Generated files whose content differs from what the table gives now."""
    s = load_table()
    bad = []
    p = ROOT / "pyemu" / "protocol" / "_schema.py"
    if not p.exists() or p.read_text(encoding="utf-8") != gen_schema_py(s):
        bad.append(p)
        return bad  # everything else depends on the embedded table
    for path, fn in outputs(s).items():
        if not path.exists() or path.read_text(encoding="utf-8") != fn(s):
            bad.append(path)
    return bad


def write_all() -> list[Path]:
    s = load_table()
    p = ROOT / "pyemu" / "protocol" / "_schema.py"
    text = gen_schema_py(s)
    written = []
    if not p.exists() or p.read_text(encoding="utf-8") != text:
        p.write_text(text, encoding="utf-8")
        # The codec in this process was built from the old table: start afresh.
        print(f"wrote {p.relative_to(ROOT)}; restarting with the new table", flush=True)
        os.execv(sys.executable, [sys.executable, str(Path(__file__).resolve())])
    for path, fn in outputs(s).items():
        text = fn(s)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    if "--check" in argv:
        bad = stale()
        for p in bad:
            print(f"stale: {p.relative_to(ROOT)}")
        return 1 if bad else 0
    for p in write_all():
        print(f"wrote {p.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
