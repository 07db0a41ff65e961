"""Vocabulary side of the code generator: everything written from protocol/vocabulary.json.

* firmware/core/pump_vocab.h      the core's enums, alarm bits and reason texts (pump.h includes it)
* firmware/device/vocab_check.h   compile-time checks: wire PROTO_* values == core PUMP_* values
* pyemu/protocol/_vocab_tables.py the Python enums and texts (pyemu/protocol/vocabulary.py
                                  adds the user spellings)
* the vocabulary tables of protocol/spec.md (gen.py puts them in the reference section)

One rule for what users see: a value's user spelling is ``name.lower()``.
"""
from __future__ import annotations

from typing import Any

from pyemu.protocol.schema import Schema, vocabulary_tables, wire_reason_name

BANNER = "GENERATED from protocol/vocabulary.json by `python protocol/tools/gen.py`: do not edit."

# vocabulary key -> Python class name
_PY_CLASS = {"state": "State", "drug": "Drug", "bolus_kind": "BolusKind", "fault": "Fault",
             "alarm": "Alarm", "event_kind": "EventKind", "reason": "Reason",
             "catheter": "Catheter", "mri_recovery": "MriRecovery"}


def _c_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _c_comment(text: str) -> str:
    return text.replace("*/", "* /")


def _reason_c_name(v: dict[str, Any]) -> str:
    if v["group"] == "core":
        return "PUMP_OK" if v["name"] == "OK" else "PUMP_E_" + v["name"]
    return "PROTO_NAK_" + v["name"]


def _tables(s: Schema) -> dict[str, dict[str, Any]]:
    return vocabulary_tables(s.vocabulary)


# ---------------------------------------------------------------- C: pump_vocab.h
def gen_pump_vocab_h(s: Schema) -> str:
    t = _tables(s)
    o = [f"/* pump_vocab.h — the dosing core's names and numbers. {BANNER}",
         " *",
         " * Included by pump.h. Values are part of the wire protocol and of saved",
         " * state: append, never renumber (edit protocol/vocabulary.json).",
         " */",
         "#ifndef PYEMU_PUMP_VOCAB_H", "#define PYEMU_PUMP_VOCAB_H", ""]

    def enum(key: str, values: list[dict[str, Any]], names: list[str], count: str | None) -> None:
        tab = t[key]
        if key != "reason":   # the reasons' heading is written by the caller
            o.append(f"/* {_c_comment(tab['doc'])} */")
        o.append("typedef enum {")
        width = max(len(n) for n in names) + 6
        for v, n in zip(values, names):
            line = f"    {n} = {v['value']},"
            if v.get("doc"):
                line = line.ljust(width + 4) + f"/* {_c_comment(v['doc'])} */"
            o.append(line)
        if count:
            o.append(f"    {count}")
        o.append(f"}} {tab['c_type']};")
        o.append("")

    core = [v for v in t["reason"]["values"] if v["group"] == "core"]
    if [v["value"] for v in core] != list(range(len(core))):
        raise ValueError("core reason codes must be 0, 1, 2, ... in order (pump.c indexes its tables by code)")
    o.append("/* Reason codes. 0 is success; every other value names what was wrong.")
    o.append(" * Values are part of the wire protocol (NAK reason): append, never renumber. */")
    enum("reason", core, [_reason_c_name(v) for v in core], t["reason"]["c_count"])
    o.append("/* X(code, name, text) for every reason code, in value order (pump.c's tables). */")
    o.append("#define PUMP_RESULT_TABLE(X) \\")
    for v in core:
        o.append(f"    X({_reason_c_name(v)}, {_c_string(v['name'])}, {_c_string(v['text'])}) \\")
    o.append("")
    o.append("")
    for key in ("state", "drug"):
        tab = t[key]
        enum(key, tab["values"], [tab["c_prefix"] + v["name"] for v in tab["values"]], tab.get("c_count"))
    a = t["alarm"]
    o.append(f"/* {_c_comment(a['doc'])} */")
    width = max(len(v["name"]) for v in a["values"]) + len(a["c_prefix"]) + 1
    for v in a["values"]:
        bit = v["value"].bit_length() - 1
        crit = " critical:" if v["critical"] else ""
        o.append(f"#define {(a['c_prefix'] + v['name']).ljust(width)} (1u << {bit})  /*{crit} {_c_comment(v['doc'])} */")
    all_mask = sum(v["value"] for v in a["values"])
    o.append(f"#define {(a['c_prefix'] + 'ALL_MASK').ljust(width)} 0x{all_mask:02X}u")
    crit = [a["c_prefix"] + v["name"] for v in a["values"] if v["critical"]]
    o.append(f"#define {(a['c_prefix'] + 'CRITICAL_MASK').ljust(width)} ({' | '.join(crit)})")
    o.append("")
    e = t["event_kind"]
    o.append("/* data0 / data1 per kind:")
    for v in e["values"]:
        o.append(f" *   {v['name']}: {_c_comment(v['data0'])} / {_c_comment(v['data1'])}")
    o.append(" */")
    enum("event_kind", e["values"], [e["c_prefix"] + v["name"] for v in e["values"]], e.get("c_count"))
    for key in ("bolus_kind", "fault", "catheter", "mri_recovery"):
        tab = t[key]
        enum(key, tab["values"], [tab["c_prefix"] + v["name"] for v in tab["values"]], tab.get("c_count"))
    o += _c_drug_library(s)
    o.append("#endif /* PYEMU_PUMP_VOCAB_H */")
    o.append("")
    return "\n".join(o)


def drug_library_rows(s: Schema) -> list[dict[str, Any]]:
    """The drug library's rows indexed by drug code (NONE and drugs without a row: no limits)."""
    drugs = _tables(s)["drug"]["values"]
    by_name = {e["drug"]: e for e in s.vocabulary["drug_library"]["entries"]}
    unknown = set(by_name) - {v["name"] for v in drugs}
    if unknown:
        raise ValueError(f"drug_library names unknown drugs: {sorted(unknown)}")
    none = {"max_conc_ug_ml": 0, "dose_hard_ug_24h": 0, "dose_soft_ug_24h": 0, "stability_days": 0,
            "patient_bolus": True, "source": "no limits"}
    rows = []
    for v in drugs:
        e = dict(by_name.get(v["name"], none), drug=v["name"])
        if e["dose_soft_ug_24h"] > e["dose_hard_ug_24h"] or (e["dose_hard_ug_24h"] and not e["dose_soft_ug_24h"]):
            raise ValueError(f"drug_library {v['name']}: soft limit must be 1..hard limit")
        rows.append(e)
    return rows


def _c_drug_library(s: Schema) -> list[str]:
    o = ["/* The drug library (vocabulary.json drug_library), indexed by pump_drug_t.",
         " * 0 = no limit. pump_rx.c refuses concentrations and 24-h dose limits above",
         " * the hard figures (PUMP_E_DRUG_LIMIT), asks a confirmation above the soft",
         " * limit (PUMP_E_SOFT_LIMIT) and raises DRUG_EXPIRED after stability_days. */",
         "typedef struct {",
         "    uint32_t max_conc_ug_ml;",
         "    uint32_t dose_hard_ug_24h;",
         "    uint32_t dose_soft_ug_24h;",
         "    uint32_t stability_days;",
         "    uint8_t  patient_bolus;     /* 1: patient boluses allowed */",
         "} pump_drug_limits_t;",
         "#define PUMP_DRUG_LIBRARY_INIT { \\"]
    rows = drug_library_rows(s)
    for i, e in enumerate(rows):
        sep = "," if i + 1 < len(rows) else " "
        o.append(f"    {{{e['max_conc_ug_ml']}u, {e['dose_hard_ug_24h']}u, {e['dose_soft_ug_24h']}u, "
                 f"{e['stability_days']}u, {int(e['patient_bolus'])}u}}{sep}  /* {e['drug']} */ \\")
    o += ["}", ""]
    return o


# ---------------------------------------------------------------- cffi: _vocab.cdef
def gen_vocab_cdef(s: Schema) -> str:
    """cffi declarations of pump_vocab.h. Explicit values: cffi's API mode checks
    each against the compiler when the extension is built."""
    t = _tables(s)
    o = [f"/* _vocab.cdef — cffi view of firmware/core/pump_vocab.h. {BANNER} */"]
    a = t["alarm"]
    o += [f"#define {a['c_prefix']}{v['name']} ..." for v in a["values"]]
    o += [f"#define {a['c_prefix']}ALL_MASK ...", f"#define {a['c_prefix']}CRITICAL_MASK ...", ""]
    core = [v for v in t["reason"]["values"] if v["group"] == "core"]
    entries = {"reason": [(_reason_c_name(v), v["value"]) for v in core]}
    for key in ("state", "drug", "event_kind", "bolus_kind", "fault", "catheter", "mri_recovery"):
        tab = t[key]
        entries[key] = [(tab["c_prefix"] + v["name"], v["value"]) for v in tab["values"]]
    for key, items in entries.items():
        tab = t[key]
        lines = [f"    {n} = {v}" for n, v in items]
        if tab.get("c_count"):
            lines.append(f"    {tab['c_count']} = {items[-1][1] + 1}")
        o.append("typedef enum {")
        o.append(",\n".join(lines))
        o.append(f"}} {tab['c_type']};")
        o.append("")
    return "\n".join(o)


# ---------------------------------------------------------------- C: vocab_check.h
def gen_vocab_check_h(s: Schema) -> str:
    t = _tables(s)
    o = [f"/* vocab_check.h — the wire's values are the core's. {BANNER}",
         " *",
         " * Included by device.c: compiling it proves, for every value both layers",
         " * name, that proto_msgs.h / proto.h (PROTO_*) and pump_vocab.h (PUMP_*) agree,",
         " * and that the core's reason codes stay below the protocol's (128..).",
         " * C99 has no _Static_assert: a negative array size stops the build.",
         " */",
         "#ifndef PYEMU_VOCAB_CHECK_H", "#define PYEMU_VOCAB_CHECK_H", "",
         '#include "pump.h"', '#include "proto_msgs.h"', "",
         "#define VOCAB_CHECK(tag, cond) typedef char vocab_check_##tag[(cond) ? 1 : -1]", ""]
    for key in ("state", "drug", "bolus_kind", "fault", "alarm", "event_kind"):
        tab = t[key]
        for v in tab["values"]:
            proto = f"PROTO_{tab['wire'].upper()}_{v['name']}"
            pump = tab["c_prefix"] + v["name"]
            o.append(f"VOCAB_CHECK({key}_{v['name'].lower()}, (uint32_t){proto} == (uint32_t){pump});")
        if tab.get("c_count"):
            last = tab["values"][-1]
            o.append(f"VOCAB_CHECK({key}_count, (uint32_t)PROTO_{tab['wire'].upper()}_{last['name']} + 1u "
                     f"== (uint32_t){tab['c_count']});")
    o.append("VOCAB_CHECK(alarm_all, (uint32_t)PUMP_ALARM_ALL_MASK == "
             f"{sum(v['value'] for v in t['alarm']['values'])}u);")
    for v in t["reason"]["values"]:
        name = _reason_c_name(v)
        o.append(f"VOCAB_CHECK(reason_{v['name'].lower()}, (uint32_t){name} == {v['value']}u);")
    o.append("VOCAB_CHECK(reason_core_below_protocol, (uint32_t)PUMP_RESULT_COUNT <= 128u);")
    o += ["", "#endif /* PYEMU_VOCAB_CHECK_H */", ""]
    return "\n".join(o)


# ---------------------------------------------------------------- Python: _vocab_tables.py
def gen_vocab_tables_py(s: Schema) -> str:
    t = _tables(s)
    o = [f'"""The pump\'s vocabulary as data: its enums and tables. {BANNER}',
         "",
         "States, drugs, bolus kinds, faults, alarms (critical or not), event kinds (with",
         "what data0/data1 mean) and reason codes (core pump_result_t and the protocol's",
         "NAK reasons, with the sentence a user reads). Import them from",
         ":mod:`pyemu.protocol.vocabulary`, which adds the user spellings (user_name, lookup).",
         '"""',
         "from __future__ import annotations", "",
         "import enum",
         "from typing import NamedTuple", "",
         '__all__ = [',
         '    "ALIASES", "Alarm", "BolusKind", "CRITICAL_ALARMS", "Catheter", "DRUG_LIBRARY", "Drug", "DrugLimits", "EVENT_DATA", "EventKind", "Fault",',
         '    "MriRecovery",',
         '    "REASON_GROUP", "REASON_SHORT", "REASON_TEXT", "Reason", "State", "WIRE_REASON_NAME",',
         "]", ""]
    for key, cls in _PY_CLASS.items():
        tab = t[key]
        base = "enum.IntFlag" if tab.get("bits") else "enum.IntEnum"
        o.append("")
        o.append(f"class {cls}({base}):")
        o.append(f'    """{tab["doc"]}"""')
        o.append("")
        if tab.get("bits"):
            o.append("    NONE = 0")
        for v in tab["values"]:
            doc = v.get("doc") or v.get("text")
            o.append(f"    {v['name']} = {v['value']}" + (f"  # {doc}" if doc and key != "reason" else ""))
        if key == "alarm":
            o += ["",
                  "    @property",
                  '    def critical(self) -> "Alarm":',
                  '        """The critical bits of this set (they halt delivery)."""',
                  "        return self & CRITICAL_ALARMS"]
        o.append("")
    a = t["alarm"]
    crit = " | ".join(f"Alarm.{v['name']}" for v in a["values"] if v["critical"])
    o += ["", "#: The alarms that halt delivery and sound the full tone.",
          f"CRITICAL_ALARMS: Alarm = {crit}", ""]
    o.append("#: Reason code -> the sentence a user reads.")
    o.append("REASON_TEXT: dict[int, str] = {")
    for v in t["reason"]["values"]:
        o.append(f"    {v['value']}: {v['text']!r},")
    o.append("}")
    o.append("#: Reason code -> a few words for log lines (others: the user spelling in words).")
    o.append("REASON_SHORT: dict[int, str] = {")
    for v in t["reason"]["values"]:
        if v.get("short"):
            o.append(f"    {v['value']}: {v['short']!r},")
    o.append("}")
    o.append("#: Reason code -> core, protocol or auth.")
    o.append("REASON_GROUP: dict[int, str] = {")
    o += [f"    {v['value']}: {v['group']!r}," for v in t["reason"]["values"]]
    o.append("}")
    o.append("#: Reason code -> its name in the protocol spec (E_<name> for the core's refusals).")
    o.append("WIRE_REASON_NAME: dict[int, str] = {")
    o += [f"    {v['value']}: {wire_reason_name(v)!r}," for v in t["reason"]["values"]]
    o.append("}")
    o.append("#: Event kind -> (meaning of data0, meaning of data1).")
    o.append("EVENT_DATA: dict[EventKind, tuple[str, str]] = {")
    o += [f"    EventKind.{v['name']}: ({v['data0']!r}, {v['data1']!r})," for v in t["event_kind"]["values"]]
    o.append("}")
    o.append("")
    o.append("")
    o.append("class DrugLimits(NamedTuple):")
    o.append('    """One row of the drug library (0 = no limit); the C core checks the same figures."""')
    o.append("")
    o += ["    max_conc_ug_ml: int", "    dose_hard_ug_24h: int", "    dose_soft_ug_24h: int",
          "    stability_days: int", "    patient_bolus: bool", "    source: str", ""]
    o.append("")
    o.append("#: Drug -> its drug-library row (vocabulary.json drug_library; NONE has no limits).")
    o.append("DRUG_LIBRARY: dict[Drug, DrugLimits] = {")
    for e in drug_library_rows(s):
        o.append(f"    Drug.{e['drug']}: DrugLimits({e['max_conc_ug_ml']}, {e['dose_hard_ug_24h']}, "
                 f"{e['dose_soft_ug_24h']}, {e['stability_days']}, {bool(e['patient_bolus'])}, {e['source']!r}),")
    o.append("}")
    o.append("#: Table class name -> {older spelling: name}: accepted by lookup() with a deprecation note.")
    o.append("ALIASES: dict[str, dict[str, str]] = {")
    for key, cls in _PY_CLASS.items():
        al = {x: v["name"] for v in t[key]["values"] for x in v.get("aliases", ())}
        if al:
            o.append(f"    {cls!r}: {al!r},")
    o.append("}")
    return "\n".join(o) + "\n"


# ---------------------------------------------------------------- spec tables
def gen_spec_tables(s: Schema) -> list[str]:
    t = _tables(s)
    o = ["### Vocabulary (generated from vocabulary.json)", "",
         "Every enum of the pump, shared by the dosing core (pump.h), the wire and the host. "
         "Users see each value spelled as its name in lower case (`motor_stall`, `lockout`) "
         "on the command line, in JSON, scenario files, event texts and plots.", ""]
    for key in ("state", "drug", "bolus_kind", "fault", "catheter", "mri_recovery", "alarm"):
        tab = t[key]
        o += [f"#### `{tab['wire']}` ({key})", "", tab["doc"], ""]
        crit = key == "alarm"
        o.append("| value | name | user spelling |" + (" critical |" if crit else "") + " meaning |")
        o.append("|---|---|---|" + ("---|" if crit else "") + "---|")
        for v in tab["values"]:
            value = f"0x{v['value']:02X}" if crit else str(v["value"])
            extra = f" {'yes' if v['critical'] else 'no'} |" if crit else ""
            aliases = "".join(f" (formerly also `{x}`)" for x in v.get("aliases", ()))
            o.append(f"| {value} | {v['name']} | `{v['name'].lower()}`{aliases} |{extra} {v.get('doc', '')} |")
        o.append("")
    lib = s.vocabulary["drug_library"]
    o += ["#### Drug library", "", lib["doc"], "",
          "| drug | max concentration ug/mL | 24-h dose soft limit ug | 24-h dose hard limit ug | "
          "stability days | patient boluses | source |", "|---|---|---|---|---|---|---|"]
    for e in drug_library_rows(s)[1:]:
        def lim(x: int) -> str:
            return f"{x:,}" if x else "none"
        o.append(f"| {e['drug'].lower()} | {lim(e['max_conc_ug_ml'])} | {lim(e['dose_soft_ug_24h'])} | "
                 f"{lim(e['dose_hard_ug_24h'])} | {lim(e['stability_days'])} | "
                 f"{'yes' if e['patient_bolus'] else 'no'} | {e['source']} |")
    o.append("")
    e = t["event_kind"]
    o += [f"#### `{e['wire']}`", "", e["doc"], "", "| value | name | data0 | data1 | note |", "|---|---|---|---|---|"]
    for v in e["values"]:
        o.append(f"| {v['value']} | {v['name']} | {v['data0']} | {v['data1']} | {v.get('doc', '')} |")
    o.append("")
    r = t["reason"]
    o += [f"#### `{r['wire']}` (reason)", "", r["doc"], "",
          "| value | wire name | user spelling | group | what the user reads |", "|---|---|---|---|---|"]
    for v in r["values"]:
        o.append(f"| {v['value']} | {wire_reason_name(v)} | `{v['name'].lower()}` | {v['group']} | {v['text']} |")
    o.append("")
    return o
