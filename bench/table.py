"""The benchmark's one table: rows of (figure, value, goal, met) and their JSON form."""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import sys
import time
from typing import Any


@dataclasses.dataclass
class Row:
    """One measured figure. ``met`` is None when the figure has no goal."""

    section: str
    figure: str
    value: float | None
    unit: str
    goal: str = ""
    met: bool | None = None
    note: str = ""

    def value_text(self) -> str:
        if self.value is None:
            return "n/a"
        v = self.value
        if self.unit == "x":
            return f"{v:.2f}x"
        if abs(v) >= 1e6:
            text = f"{v / 1e6:.2f} M"
        elif abs(v) >= 1e4:
            text = f"{v / 1e3:.1f} k"
        elif abs(v) >= 100:
            text = f"{v:.0f}"
        elif abs(v) >= 1:
            text = f"{v:.2f}"
        else:
            text = f"{v:.3g}"
        return f"{text} {self.unit}".replace("  ", " ").strip()

    def met_text(self) -> str:
        return {True: "met", False: "UNMET", None: "-"}[self.met]


def goal_at_least(value: float | None, bound: float) -> bool | None:
    return None if value is None else value >= bound


def goal_at_most(value: float | None, bound: float) -> bool | None:
    return None if value is None else value <= bound


def render(rows: list[Row]) -> str:
    """Plain-text table, one line per figure, notes after the table."""
    heads = ("figure", "value", "goal", "met")
    cells = [(r.figure, r.value_text(), r.goal or "-", r.met_text()) for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) if cells else len(h) for i, h in enumerate(heads)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip(), line]
    section = None
    for r, c in zip(rows, cells):
        if r.section != section and section is not None:
            out.append("")
        section = r.section
        out.append("  ".join(x.ljust(w) for x, w in zip(c, widths)).rstrip())
    notes = [f"  {r.figure.strip()}: {r.note}" for r in rows if r.note]
    if notes:
        out += ["", "notes:"] + notes
    return "\n".join(out)


def to_json(rows: list[Row], elapsed_s: float, errors: dict[str, str]) -> dict[str, Any]:
    """Machine-readable form, for comparing two commits' runs."""
    return {
        "generated_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "python": sys.version.split()[0],
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "elapsed_s": round(elapsed_s, 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "errors": errors,
        "rows": [dataclasses.asdict(r) for r in rows],
    }


def write_json(path: str, payload: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


def compare(rows: list[Row], old: dict[str, Any]) -> str:
    """Each figure beside the same figure of an earlier run's JSON (by figure name)."""
    before = {r["figure"]: r for r in old.get("rows", [])}
    out = [f"compared with the run of {old.get('generated_utc', '?')} "
           f"(load average then {old.get('load_average', '?')}):"]
    for r in rows:
        b = before.get(r.figure)
        if r.value is None or not b or b.get("value") in (None, 0):
            continue
        change = r.value / b["value"] - 1
        out.append(f"  {r.figure.strip():<52} {b['value']:>12.4g} -> {r.value:<12.4g} {change:+7.1%}")
    return "\n".join(out)
