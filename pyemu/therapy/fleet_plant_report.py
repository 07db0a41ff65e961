"""The plant fleet's detection table (:mod:`pyemu.therapy.fleet_plant`): rows, text, JSON, plot.

One row per combination of faults a patient had: ``none`` (the healthy control:
any check firing there is a false alarm), each fault alone, and, when a patient
drew several, the combination (``occlusion+mri``), so no patient is counted
twice and a single fault's row is not blurred by another fault's signs. A row
says, of its patients, the share each check caught at or after the first onset
(a check may catch a patient another also catches), the share no check caught
within the span, the median days from the first onset to the first catch, and
the mean days without drug at the spine. Beside the observed patients is the
count the rates predict, so a reader sees each rate was honoured.

The report is a pure function of the chunks taken in patient order, so it is
identical however the patients were spread over workers.
"""
from __future__ import annotations

import dataclasses
import json
import math
import statistics
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from pyemu.protocol import vocabulary as V

__all__ = ["FAULTS", "CHECKS", "DetectionRow", "PlantPatient", "PlantReport", "row_key"]

#: The faults the fleet draws, in table order, spelled as the vocabulary spells them.
FLOW_ERROR, OCCLUSION, POCKET_FILL, MRI = FAULTS = tuple(
    V.user_name(f) for f in (V.Fault.FLOW_ERROR, V.Fault.OCCLUSION, V.Fault.POCKET_FILL, V.Fault.MRI))
#: The clinic's checks: the refill reconciliation and two of the pump's alarms.
CHECKS = ("refill_reconciliation", V.user_name(V.Alarm.LOW_RESERVOIR), V.user_name(V.Alarm.MOTOR_STALL))
CHECK_LABELS = {c: "reconciliation" if c == CHECKS[0] else c.replace("_", " ") for c in CHECKS}
DAYS_PER_YEAR = 365.25


def row_key(faults: Iterable[str]) -> str:
    """The row of a patient with these faults: ``none``, ``mri``, ``occlusion+mri``..."""
    have = set(faults)
    return "+".join(f for f in FAULTS if f in have) or "none"


@dataclasses.dataclass(frozen=True)
class PlantPatient:
    """One patient's outcome: each fault's onset day, and the first day each check fired."""

    index: int
    onsets: Dict[str, int]            # fault -> onset day (pocket_fill: the day of the refill)
    detail: str                       # the flow error's size, in words
    span_days: int
    first: Dict[str, Optional[int]]   # check -> first day it fired (None: never)
    dry_days: int
    stalled_days: int
    intrathecal_ug: float
    tissue_ug: float
    held_ug: float

    @property
    def key(self) -> str:
        return row_key(self.onsets)

    @property
    def days_without_drug(self) -> int:
        """The real reservoir empty, the motor stalled, or (an occlusion, never cleared in
        the fleet) every day from its onset; at most the span (days may count twice)."""
        blocked = self.span_days - self.onsets[OCCLUSION] if OCCLUSION in self.onsets else 0
        return min(self.span_days, self.dry_days + self.stalled_days + blocked)


@dataclasses.dataclass
class DetectionRow:
    """The tally of one row; ``days_without_drug`` is the row's total. In the ``none``
    row a catch is a false alarm, and ``missed`` counts the patients without one."""

    fault: str
    patients: int = 0
    expected: float = 0.0
    caught_by: Dict[str, int] = dataclasses.field(default_factory=lambda: {c: 0 for c in CHECKS})
    missed: int = 0
    days_to_catch: List[int] = dataclasses.field(default_factory=list)
    days_without_drug: int = 0

    def add(self, start: int, first: Sequence[Optional[int]], without_drug: int) -> None:
        """One patient: the checks' first days (in CHECKS order), counted from ``start`` on."""
        self.patients += 1
        self.days_without_drug += without_drug
        caught = [d for d in first if d is not None and d >= start]
        for c, d in zip(CHECKS, first):
            if d is not None and d >= start:
                self.caught_by[c] += 1
        if caught:
            self.days_to_catch.append(min(caught) - start)
        else:
            self.missed += 1

    def merge(self, other: "DetectionRow") -> None:
        self.patients += other.patients
        self.missed += other.missed
        self.days_without_drug += other.days_without_drug
        self.days_to_catch.extend(other.days_to_catch)
        for c in CHECKS:
            self.caught_by[c] += other.caught_by[c]

    @property
    def median_days(self) -> Optional[float]:
        return statistics.median(self.days_to_catch) if self.days_to_catch else None

    @property
    def mean_days_without_drug(self) -> Optional[float]:
        return self.days_without_drug / self.patients if self.patients else None

    def record(self) -> Dict[str, Any]:
        return {**dataclasses.asdict(self), "median_days": self.median_days,
                "mean_days_without_drug": self.mean_days_without_drug}


def _order(key: str) -> Tuple[int, Tuple[int, ...]]:
    parts = () if key == "none" else tuple(FAULTS.index(f) for f in key.split("+"))
    return len(parts), parts


@dataclasses.dataclass
class PlantReport:
    """The detection table of one plant-fleet run."""

    seed: int
    n_patients: int
    span_days: int
    refill_days: int
    requests_max: int
    patient_years: float
    rates: List[Dict[str, Any]]      # fault, rate, per, in_span (probability), expected, observed
    rows: List[DetectionRow]
    patients: List[PlantPatient] = dataclasses.field(repr=False)   # the patients with a fault
    elapsed_s: float = dataclasses.field(default=0.0, compare=False)
    workers: str = dataclasses.field(default="", compare=False)

    @classmethod
    def from_chunks(cls, *, seed: int, n_patients: int, span_days: int, refill_days: int, requests_max: int,
                    rates: Sequence[Any], probabilities: Mapping[str, float],
                    parts: Sequence[Tuple[DetectionRow, List[PlantPatient]]],
                    elapsed_s: float = 0.0, workers: str = "") -> "PlantReport":
        """``rates``: the Rate of each fault drawn; ``probabilities``: fault -> chance of an
        onset inside the span; ``parts``: (healthy tally, faulted patients) per chunk, in order."""
        rows: Dict[str, DetectionRow] = {"none": DetectionRow("none")}
        patients: List[PlantPatient] = []
        for healthy, faulted in parts:
            rows["none"].merge(healthy)
            patients.extend(faulted)
        for r in rates:
            if r.value > 0:
                rows.setdefault(r.fault, DetectionRow(r.fault))
        for p in patients:
            row = rows.setdefault(p.key, DetectionRow(p.key))
            row.add(min(p.onsets.values()), [p.first[c] for c in CHECKS], p.days_without_drug)
        for key, row in rows.items():
            have = set() if key == "none" else set(key.split("+"))
            expected = float(n_patients)
            for f in FAULTS:
                q = probabilities.get(f, 0.0)
                expected *= q if f in have else 1.0 - q
            row.expected = expected
        table = [{"fault": r.fault, "rate": r.value, "per": r.per, "in_span": probabilities[r.fault],
                  "expected": n_patients * probabilities[r.fault],
                  "observed": sum(1 for p in patients if r.fault in p.onsets)} for r in rates]
        return cls(seed=seed, n_patients=n_patients, span_days=span_days, refill_days=refill_days,
                   requests_max=requests_max, patient_years=n_patients * span_days / DAYS_PER_YEAR,
                   rates=table, rows=[rows[k] for k in sorted(rows, key=_order)], patients=patients,
                   elapsed_s=elapsed_s, workers=workers)

    @property
    def patient_years_per_s(self) -> float:
        return self.patient_years / self.elapsed_s if self.elapsed_s else 0.0

    def figures(self) -> Dict[str, Any]:
        """The table and its inputs (no patient records, no wall time): what 'same report' means."""
        return {"seed": self.seed, "n_patients": self.n_patients, "span_days": self.span_days,
                "refill_days": self.refill_days, "requests_max": self.requests_max,
                "patient_years": self.patient_years, "rates": self.rates,
                "rows": [r.record() for r in self.rows]}

    def to_json(self, with_patients: bool = False) -> str:
        d = self.figures()
        d["elapsed_s"] = round(self.elapsed_s, 3)
        d["workers"] = self.workers
        d["patient_years_per_s"] = round(self.patient_years_per_s, 1)
        if with_patients:
            d["patients"] = [dataclasses.asdict(p) for p in self.patients]
        return json.dumps(d, indent=2)

    def format_text(self) -> str:
        """The header, the rates honoured, the table and the throughput."""
        lines = [f"fleet with the physical plant: {self.n_patients} patients x {self.span_days} days = "
                 f"{self.patient_years:,.1f} patient-years (seed {self.seed}), refills every "
                 f"{self.refill_days} days, 0..{self.requests_max} patient requests a day", "",
                 "fault rates: patients with the fault within the span, expected from the rate and observed"]
        for r in self.rates:
            spec = f"{r['fault']}={r['rate']:g}/{r['per']}"
            lines.append(f"  {spec:<32} {r['expected']:>10.1f} expected {r['observed']:>8} observed")
        width = max(12, *(len(r.fault) for r in self.rows))
        lines += ["", "share of each row's patients caught by each check (at or after the first onset), "
                  "missed within the span,", "median days from the first onset to the first catch, "
                  "mean days without drug (none: the healthy control, a catch there is a false alarm)", "",
                  f"{'fault':<{width}} {'patients':>8} {'expected':>9} "
                  + " ".join(f"{CHECK_LABELS[c]:>14}" for c in CHECKS)
                  + f" {'missed':>7} {'median days':>11} {'days without drug':>17}"]
        for r in self.rows:
            def pct(k: int) -> str:
                return f"{100 * k / r.patients:.1f}%" if r.patients else "-"
            missed = "-" if r.fault == "none" else pct(r.missed)
            med = "-" if r.median_days is None else f"{r.median_days:g}"
            dry = "-" if r.mean_days_without_drug is None else f"{r.mean_days_without_drug:.1f}"
            lines.append(f"{r.fault:<{width}} {r.patients:>8} {r.expected:>9.1f} "
                         + " ".join(f"{pct(r.caught_by[c]):>14}" for c in CHECKS)
                         + f" {missed:>7} {med:>11} {dry:>17}")
        if self.elapsed_s:
            lines += ["", f"wall time {self.elapsed_s:.2f} s on {self.workers}: "
                          f"{self.patient_years_per_s:,.0f} patient-years/s"]
        return "\n".join(lines)

    def plot(self, path: str) -> str:
        """Write the PNG of :meth:`figure`."""
        self.figure().savefig(path, dpi=100)
        return path

    def figure(self) -> Any:
        """Per row with a fault: the share each check caught and missed (left); the days
        from the first onset to the first catch (right)."""
        from pyemu.therapy.plotting import new_figure

        rows = [r for r in self.rows if r.fault != "none"]
        names = [f"{r.fault.replace('+', ' + ')}\n({r.patients:,} patients)" for r in rows]
        fig = new_figure(figsize=(13, 2.2 + 0.85 * max(2, len(rows))))
        left, right = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [1.15, 1]})
        series = [(CHECK_LABELS[c], "tab:" + col, lambda r, c=c: r.caught_by[c])
                  for c, col in zip(CHECKS, ("blue", "orange", "green"))]
        series.append(("missed", "tab:red", lambda r: r.missed))
        height = 0.8 / len(series)
        for k, (label, color, count) in enumerate(series):
            ys = [i - 0.4 + height * (k + 0.5) for i in range(len(rows))]
            shares = [100 * count(r) / r.patients if r.patients else 0 for r in rows]
            left.barh(ys, shares, height=height, color=color, label=label)
            for y, v in zip(ys, shares):
                if v >= 88:     # inside the bar's end, where a label outside would leave the axes
                    left.text(v - 1, y, f"{v:.0f} %", ha="right", va="center", fontsize="x-small", color="white")
                elif v:
                    left.text(v + 1, y, f"{v:.0f} %", va="center", fontsize="x-small")
        left.set_yticks(range(len(rows)), names)
        left.set_xlim(0, 100)
        left.set_xlabel("% of the row's patients caught by each check, or missed")
        left.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize="small", frameon=False)
        left.set_ylim(len(rows) - 0.5, -0.5)      # the first row on top (shared with the right)
        singles = sum(1 for r in rows if "+" not in r.fault)
        for ax in (left, right):
            if 0 < singles < len(rows):            # the rows of patients with several faults below
                ax.axhline(singles - 0.5, color="gray", linewidth=0.8, linestyle="--")
        for i, r in enumerate(rows):
            if not r.days_to_catch:
                right.text(0.02, i, "none caught", va="center", transform=right.get_yaxis_transform())
                continue
            q = _nearest_rank(r.days_to_catch, (0.05, 0.25, 0.5, 0.75, 0.95))
            right.hlines(i, q[0], q[4], color="black", linewidth=1)
            right.barh(i, max(q[3] - q[1], 0.6), left=q[1] - (0.3 if q[3] == q[1] else 0), height=0.45,
                       color="lightsteelblue", edgecolor="black", zorder=3)
            right.vlines(q[2], i - 0.3, i + 0.3, color="black", linewidth=2.5, zorder=4)
            right.text(q[2], i - 0.32, f"median {q[2]:g} d", va="bottom", fontsize="small")
        lo, hi = right.get_xlim()
        right.set_xlim(min(-5.0, lo), hi + 0.1 * (hi - lo))
        if 0 < singles < len(rows):
            right.text(0.99, singles - 0.45, "patients with several faults", ha="right", va="top",
                       fontsize="x-small", color="gray", transform=right.get_yaxis_transform())
        right.set_xlabel("days from the first onset to the first catch")
        right.set_title("median (bar), quartiles (box), 5-95 % (line)", fontsize="small")
        right.tick_params(axis="y", labelleft=False)
        healthy = self.rows[0]
        false_alarms = healthy.patients - healthy.missed
        rates = ", ".join(f"{r['fault']} {r['rate']:g}/{r['per']}" for r in self.rates)
        fig.suptitle(f"pyemu fleet --plant: {self.n_patients:,} patients x {self.span_days} days, "
                     f"seed {self.seed}\nrates: {rates}; healthy control: {healthy.patients:,} patients, "
                     f"{false_alarms} false alarm(s)", fontsize="medium")
        fig.tight_layout()
        return fig


def _nearest_rank(values: Sequence[int], qs: Sequence[float]) -> List[float]:
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))] for q in qs]
