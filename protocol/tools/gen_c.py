"""C side of the code generator: firmware/proto/proto_msgs.{h,c} and pyemu/_cdef/proto.cdef.

Each message gets a struct, a check function for its codec-checked fields
(spec 1.4, checks 13 and 15), an encoder and a decoder with the checks in
the spec's order; generated code obeys the firmware's warning flags.
"""
from __future__ import annotations

from pyemu.protocol.schema import FieldDef, MessageDef, Schema

BANNER = "GENERATED from protocol/messages.json by `python protocol/tools/gen.py`: do not edit."

_CTYPE = {"u8": "uint8_t", "u16": "uint16_t", "u32": "uint32_t", "u64": "uint64_t"}
TYPE_MAX = {"u8": 0xFF, "u16": 0xFFFF, "u32": 0xFFFFFFFF, "u64": 0xFFFFFFFFFFFFFFFF}


def _lc(m: MessageDef) -> str:
    return m.name.lower()


def _c_member(f: FieldDef) -> str:
    if f.text_len:
        return f"    char {f.name}[{f.text_len + 1}];"
    return f"    {_CTYPE[f.type]} {f.name};"


def _c_structs(s: Schema) -> list[str]:
    out: list[str] = []
    for m in sorted(s.messages.values(), key=lambda m: m.id):
        if not m.fields and m.array is None:
            continue
        if m.array is not None:
            a = m.array
            out.append(f"typedef struct {{  /* {m.name}.{a.name}[] element */")
            out += [_c_member(f) for f in a.fields]
            out.append(f"}} proto_{a.element}_t;\n")
        out.append(f"typedef struct {{  /* {m.name} (id {m.id}) */")
        out += [_c_member(f) for f in m.fields]
        if m.array is not None:
            a = m.array
            out.append(f"    uint8_t {a.count_name};")
            out.append(f"    proto_{a.element}_t {a.name}[{a.max_count}];")
        out.append(f"}} proto_{_lc(m)}_t;\n")
    return out


def has_body(m: MessageDef) -> bool:
    return bool(m.fields) or m.array is not None


def _c_value_check(expr: str, f: FieldDef) -> list[str]:
    """C conditions that are true when the value is bad (none for unchecked fields)."""
    if f.text_len:
        return [f"proto_text_ok({expr}, {f.text_len}u) == 0"]
    conds: list[str] = []
    if f.allowed is not None:
        vals = sorted(f.allowed)
        if vals == list(range(vals[0], vals[-1] + 1)):
            if vals[0] > 0:
                conds.append(f"{expr} < {vals[0]}u")
            if vals[-1] < TYPE_MAX[f.type]:
                conds.append(f"{expr} > {vals[-1]}u")
        else:
            conds.append("(" + " && ".join(f"({expr} != {v}u)" for v in vals) + ")")
    if f.min is not None and f.min > 0:
        conds.append(f"{expr} < {f.min}u")
    if f.max is not None and f.max < TYPE_MAX[f.type]:
        conds.append(f"{expr} > {f.max}u")
    return conds


def _c_put(f: FieldDef, expr: str) -> str:
    if f.text_len:
        return f"    proto_put_text(buf, &pos, {expr}, {f.text_len}u);"
    return f"    proto_put_{f.type}(buf, &pos, {expr});"


def _c_get(f: FieldDef, expr: str, indent: str = "    ") -> list[str]:
    if f.text_len:
        return [f"{indent}if (proto_get_text(buf, &pos, {expr}, {f.text_len}u) != PROTO_OK) {{ return PROTO_NAK_BAD_FIELD; }}"]
    return [f"{indent}{expr} = proto_get_{f.type}(buf, &pos);"]


def _c_check(m: MessageDef) -> list[str]:
    n = _lc(m)
    a = m.array
    o: list[str] = [f"static int check_{n}(const proto_{n}_t *m)\n{{"]
    if a is not None:
        o.append("    size_t i;")
        cond = [f"m->{a.count_name} > {a.max_count}u"]
        if a.min_count > 0:
            cond.insert(0, f"m->{a.count_name} < {a.min_count}u")
        o.append(f"    if (({') || ('.join(cond)})) {{ return PROTO_NAK_BAD_FIELD; }}")
    for f in m.fields:
        conds = _c_value_check(f"m->{f.name}", f)
        if conds:
            o.append(f"    if (({') || ('.join(conds)})) {{ return PROTO_NAK_BAD_FIELD; }}")
    if a is not None:
        inner = [(f, _c_value_check(f"m->{a.name}[i].{f.name}", f)) for f in a.fields]
        if any(c for _, c in inner):
            o.append(f"    for (i = 0u; (i < (size_t)m->{a.count_name}) && (i < {a.max_count}u); i++) {{")
            for f, conds in inner:
                if conds:
                    o.append(f"        if (({') || ('.join(conds)})) {{ return PROTO_NAK_BAD_FIELD; }}")
            o.append("    }")
        else:
            o.append("    (void)i;")
    o.append("    return PROTO_OK;\n}\n")
    return o


def _c_functions(m: MessageDef) -> list[str]:
    n = _lc(m)
    a = m.array
    o: list[str] = []
    checked = a is not None or any(f.checked for f in m.fields)
    if a is not None and any(f.text_len for f in m.fields):
        raise ValueError(f"{m.name}: char[N] fields and an array in one message are not supported")
    # check: array count first, then fields in wire order (spec 1.4, 13 and 15)
    if checked:
        o += _c_check(m)

    # encode
    o.append(f"int proto_encode_{n}(const proto_{n}_t *m, uint8_t *buf, size_t cap, size_t *len)\n{{")
    o.append("    size_t pos = 0u;")
    o.append("    size_t need;")
    if a is not None:
        o.append("    size_t i;")
    if checked:
        o.append("    int rc;")
    o.append("    if ((m == NULL) || (buf == NULL) || (len == NULL)) { return PROTO_ERR_ARG; }")
    if checked:
        o.append(f"    rc = check_{n}(m);")
        o.append("    if (rc != PROTO_OK) { return rc; }")

    if a is not None:
        o.append(f"    need = {m.fixed_size}u + ((size_t)m->{a.count_name} * {a.elem_size}u);")
    else:
        o.append(f"    need = {m.fixed_size}u;")
    o.append("    if (cap < need) { return PROTO_ERR_NOSPACE; }")
    for f in m.fields:
        o.append(_c_put(f, f"m->{f.name}"))
    if a is not None:
        o.append(f"    proto_put_u8(buf, &pos, m->{a.count_name});")
        o.append(f"    for (i = 0u; (i < (size_t)m->{a.count_name}) && (i < {a.max_count}u); i++) {{")
        for f in a.fields:
            o.append("    " + _c_put(f, f"m->{a.name}[i].{f.name}"))
        o.append("    }")
    o.append("    *len = pos;")
    o.append("    return PROTO_OK;\n}\n")

    # decode
    o.append(f"int proto_decode_{n}(const uint8_t *buf, size_t len, proto_{n}_t *m)\n{{")
    o.append("    size_t pos = 0u;")
    if a is not None:
        o.append("    size_t i;")
    o.append("    if ((m == NULL) || (buf == NULL)) { return PROTO_ERR_ARG; }")
    if a is None:
        o.append(f"    if (len != {m.fixed_size}u) {{ return PROTO_NAK_BAD_LENGTH; }}")
    else:
        o.append(f"    if (len < {m.fixed_size}u) {{ return PROTO_NAK_BAD_LENGTH; }}")
    for f in m.fields:
        o += _c_get(f, f"m->{f.name}")
    if a is not None:
        o.append(f"    m->{a.count_name} = proto_get_u8(buf, &pos);")
        cond = [f"m->{a.count_name} > {a.max_count}u"]
        if a.min_count > 0:
            cond.insert(0, f"m->{a.count_name} < {a.min_count}u")
        o.append(f"    if (({') || ('.join(cond)})) {{ return PROTO_NAK_BAD_FIELD; }}")
        o.append(f"    if (len != ({m.fixed_size}u + ((size_t)m->{a.count_name} * {a.elem_size}u))) {{ return PROTO_NAK_BAD_LENGTH; }}")
        o.append(f"    for (i = 0u; (i < (size_t)m->{a.count_name}) && (i < {a.max_count}u); i++) {{")
        for f in a.fields:
            o += _c_get(f, f"m->{a.name}[i].{f.name}", "        ")
        o.append("    }")
    o.append(f"    return {'check_' + n + '(m)' if checked else 'PROTO_OK'};\n}}\n")
    return o


def _c_enum_defines(s: Schema) -> list[str]:
    out = []
    for ename, vals in s.enums.items():
        for k, v in vals.items():
            out.append(f"#define PROTO_{ename.upper()}_{k} {v}u")
    return out


def gen_msgs_h(s: Schema) -> str:
    msgs = sorted(s.messages.values(), key=lambda m: m.id)
    o = [f"/* proto_msgs.h — message payloads of the wire protocol. {BANNER}",
         " *",
         " * Every message with fields has a struct proto_<name>_t and",
         " *   proto_encode_<name>(msg, buf, cap, &len): PROTO_OK, PROTO_NAK_BAD_FIELD (a codec-checked",
         " *     field out of range), PROTO_ERR_NOSPACE or PROTO_ERR_ARG;",
         " *   proto_decode_<name>(buf, len, msg): PROTO_OK, PROTO_NAK_BAD_LENGTH or PROTO_NAK_BAD_FIELD",
         " *     (spec 1.4 checks 12-15, in that order); *msg is undefined on error.",
         " * char[N] fields are NUL-terminated strings of N+1 bytes in the structs.",
         " */",
         "#ifndef PYEMU_PROTO_MSGS_H", "#define PYEMU_PROTO_MSGS_H", "",
         '#include "proto.h"', "",
         f"#define PROTO_SCHEMA_CRC 0x{s.schema_crc:08X}u",
         f"#define PROTO_MSG_COUNT {len(msgs)}u", "",
         "/* message types */"]
    o += [f"#define PROTO_MSG_{m.name} {m.id}u" for m in msgs]
    o += ["", "/* tables from vocabulary.json and messages.json \"enums\" */"] + _c_enum_defines(s) + [""]
    o += _c_structs(s)
    o.append("/* Every message with fields; the member is named after the message. */")
    o.append("typedef union {")
    o += [f"    proto_{_lc(m)}_t {_lc(m)};" for m in msgs if has_body(m)]
    o.append("} proto_msg_t;\n")
    for m in msgs:
        if has_body(m):
            n = _lc(m)
            o.append(f"int proto_encode_{n}(const proto_{n}_t *m, uint8_t *buf, size_t cap, size_t *len);")
            o.append(f"int proto_decode_{n}(const uint8_t *buf, size_t len, proto_{n}_t *m);")
    o += ["",
          "/* By type: m may be NULL for messages without fields. Unknown type: PROTO_ERR_UNKNOWN_TYPE. */",
          "int proto_msg_encode(uint8_t msg_type, const proto_msg_t *m, uint8_t *buf, size_t cap, size_t *len);",
          "int proto_msg_decode(uint8_t msg_type, const uint8_t *buf, size_t len, proto_msg_t *m);",
          "",
          "/* Spec 1.4 checks 8-15 on an intact frame, decoding its payload into *out.",
          " * Returns PROTO_OK or the NAK reason (BAD_FLAGS, UNEXPECTED_MESSAGE, UNSUPPORTED,",
          " * BAD_LENGTH, BAD_FIELD). */",
          "int proto_frame_decode(const proto_frame_t *f, proto_msg_t *out);",
          "",
          "/* Bulk decode (recordings, event logs): feed len bytes to d as proto_decoder_feed",
          " * does and, for each intact frame, fill frames[i] (header, payload copy) and",
          " * msgs[i] (proto_frame_decode; its result in frames[i].result), i < max_frames.",
          " * Stops when frames is full or data is used up and returns the bytes consumed:",
          " * call again with the rest. *count = frames filled, *ok = those with PROTO_OK.",
          " * Same frames, drops and counters as the stream decoder given the same bytes.",
          " * With a NULL pointer or max_frames 0 nothing is consumed (returns 0). */",
          "size_t proto_decode_bulk(proto_decoder_t *d, const uint8_t *data, size_t len,",
          "                         proto_bulk_frame_t *frames, proto_msg_t *msgs, size_t max_frames,",
          "                         size_t *count, size_t *ok);",
          "",
          "/* Encode a message (m NULL for messages without fields) as one wire frame into out",
          " * (PROTO_MAX_WIRE bytes suffice). Refuses flags the message cannot have (PROTO_ERR_ARG). */",
          "int proto_encode(uint8_t msg_type, uint16_t seq, uint8_t flags, const proto_msg_t *m,",
          "                 uint8_t *out, size_t cap, size_t *out_len);",
          "",
          "/* Name of a NAK reason (core or protocol), \"?\" if unknown; never NULL. */",
          "const char *proto_nak_name(int reason);",
          "", "#endif /* PYEMU_PROTO_MSGS_H */", ""]
    return "\n".join(o)


def gen_msgs_c(s: Schema) -> str:
    msgs = sorted(s.messages.values(), key=lambda m: m.id)
    o = [f"/* proto_msgs.c — message payload codec. {BANNER} */",
         '#include "proto_msgs.h"', "", "static const proto_msg_info_t k_info[PROTO_MSG_COUNT] = {"]
    for m in msgs:
        kinds = sum(1 << k for k in m.kinds)
        o.append(f"    {{ {m.id}u, 0x{kinds:02X}u, 0x{m.def_crc:08X}u, \"{m.name}\" }},")
    o.append("};\n")
    o.append("const proto_msg_info_t *proto_msg_info(uint8_t msg_type)\n{\n    switch (msg_type) {")
    for i, m in enumerate(msgs):
        o.append(f"    case {m.id}u: return &k_info[{i}];")
    o.append("    default: return NULL;\n    }\n}\n")
    o.append("uint32_t proto_schema_crc(void)\n{\n    return PROTO_SCHEMA_CRC;\n}\n")
    o.append("const char *proto_nak_name(int reason)\n{\n    switch (reason) {")
    for name, v in sorted(s.nak_reasons.items(), key=lambda kv: kv[1]):
        o.append(f"    case {v}: return \"{name}\";")
    o.append("    default: return \"?\";\n    }\n}\n")
    for m in msgs:
        if has_body(m):
            o += _c_functions(m)
    o.append("int proto_msg_encode(uint8_t msg_type, const proto_msg_t *m, uint8_t *buf, size_t cap, size_t *len)\n{")
    o.append("    if (len == NULL) { return PROTO_ERR_ARG; }")
    o.append("    switch (msg_type) {")
    for m in msgs:
        if has_body(m):
            o.append(f"    case {m.id}u: return (m == NULL) ? PROTO_ERR_ARG : proto_encode_{_lc(m)}(&m->{_lc(m)}, buf, cap, len);")
    o += [f"    case {m.id}u:" for m in msgs if not has_body(m)]
    o.append("        *len = 0u;\n        return PROTO_OK;")
    o.append("    default: return PROTO_ERR_UNKNOWN_TYPE;\n    }\n}\n")
    o.append("int proto_msg_decode(uint8_t msg_type, const uint8_t *buf, size_t len, proto_msg_t *m)\n{")
    o.append("    switch (msg_type) {")
    for m in msgs:
        if has_body(m):
            o.append(f"    case {m.id}u: return (m == NULL) ? PROTO_ERR_ARG : proto_decode_{_lc(m)}(buf, len, &m->{_lc(m)});")
    o += [f"    case {m.id}u:" for m in msgs if not has_body(m)]
    o.append("        return (len == 0u) ? PROTO_OK : PROTO_NAK_BAD_LENGTH;")
    o.append("    default: return PROTO_ERR_UNKNOWN_TYPE;\n    }\n}\n")
    return "\n".join(o)


def gen_cdef(s: Schema) -> str:
    msgs = sorted(s.messages.values(), key=lambda m: m.id)
    o = [f"/* proto.cdef — cffi view of firmware/proto. {BANNER} */"]
    for name in ["PROTO_VERSION", "PROTO_MAX_PAYLOAD", "PROTO_MAX_RAW", "PROTO_MAX_ENCODED", "PROTO_MAX_WIRE",
                 "PROTO_OK", "PROTO_NAK_BAD_LENGTH", "PROTO_NAK_BAD_FIELD", "PROTO_ERR_UNKNOWN_TYPE",
                 "PROTO_ERR_ARG", "PROTO_ERR_NOSPACE", "PROTO_SCHEMA_CRC", "PROTO_MSG_COUNT"]:
        o.append(f"#define {name} ...")
    o += [
        "typedef enum { PROTO_DROP_OVERSIZE, PROTO_DROP_COBS, PROTO_DROP_SHORT, PROTO_DROP_VERSION,",
        "    PROTO_DROP_LENGTH, PROTO_DROP_UNKNOWN_TYPE, PROTO_DROP_CRC, PROTO_DROP_COUNT } proto_drop_t;",
        "const char *proto_drop_name(int reason);",
        "typedef struct { uint8_t msg_type; uint8_t kinds; uint32_t def_crc; const char *name; } proto_msg_info_t;",
        "const proto_msg_info_t *proto_msg_info(uint8_t msg_type);",
        "uint32_t proto_schema_crc(void);",
        "uint32_t proto_crc32(uint32_t crc, const uint8_t *data, size_t len);",
        "typedef struct { uint8_t version; uint8_t msg_type; uint16_t seq; uint8_t flags; uint8_t payload_len;",
        "    const uint8_t *payload; const uint8_t *auth; } proto_frame_t;",
        "typedef struct { uint8_t msg_type; uint8_t flags; uint16_t seq; uint8_t payload_len; uint8_t result;",
        "    uint8_t auth_len; uint8_t payload[...]; uint8_t auth[...]; } proto_bulk_frame_t;",
        "typedef struct { uint16_t len; uint32_t discarding; uint32_t frames;",
        "    uint32_t dropped_chunks[...]; uint32_t dropped_bytes[...]; ...; } proto_decoder_t;",
        "void proto_decoder_init(proto_decoder_t *d);",
        "size_t proto_decoder_feed(proto_decoder_t *d, const uint8_t *data, size_t len, proto_frame_t *frame, int *ready);",
        "int proto_decoder_push(proto_decoder_t *d, uint8_t byte, proto_frame_t *frame);",
        "int proto_frame_encode(uint8_t msg_type, uint16_t seq, uint8_t flags, const uint8_t *payload,",
        "    size_t payload_len, uint8_t *out, size_t cap, size_t *out_len);",
    ]
    o += _c_structs(s)
    o.append("typedef union {")
    o += [f"    proto_{_lc(m)}_t {_lc(m)};" for m in msgs if has_body(m)]
    o.append("} proto_msg_t;")
    for m in msgs:
        if has_body(m):
            n = _lc(m)
            o.append(f"int proto_encode_{n}(const proto_{n}_t *m, uint8_t *buf, size_t cap, size_t *len);")
            o.append(f"int proto_decode_{n}(const uint8_t *buf, size_t len, proto_{n}_t *m);")
    o += [
        "int proto_msg_encode(uint8_t msg_type, const proto_msg_t *m, uint8_t *buf, size_t cap, size_t *len);",
        "int proto_msg_decode(uint8_t msg_type, const uint8_t *buf, size_t len, proto_msg_t *m);",
        "int proto_frame_decode(const proto_frame_t *f, proto_msg_t *out);",
        "size_t proto_decode_bulk(proto_decoder_t *d, const uint8_t *data, size_t len,",
        "    proto_bulk_frame_t *frames, proto_msg_t *msgs, size_t max_frames, size_t *count, size_t *ok);",
        "int proto_encode(uint8_t msg_type, uint16_t seq, uint8_t flags, const proto_msg_t *m,",
        "    uint8_t *out, size_t cap, size_t *out_len);",
        "const char *proto_nak_name(int reason);",
        "",
    ]
    return "\n".join(o)
