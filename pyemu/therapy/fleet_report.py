"""Fleet results: one PatientResult per virtual patient, and the population FleetReport.

The report is a pure function of the per-patient results taken in patient
order, so it comes out identical however the patients were spread over
workers. Wall time is kept beside it and left out of comparisons.
"""
from __future__ import annotations

import dataclasses
import json
import math
from typing import Any, Iterable

from pyemu.protocol import vocabulary as V
from pyemu.therapy.plotting import new_figure

DAYS_PER_YEAR = 365.25
MS_PER_DAY = 86_400_000

ALARM_KINDS = V.choices(V.Alarm)   # in bit order, from protocol/vocabulary.json


@dataclasses.dataclass
class PatientResult:
    """What happened to one virtual patient over the span."""

    index: int
    drug: str
    span_days: int
    requests: int = 0                 # patient-bolus requests made
    granted: int = 0
    denied: dict[str, int] = dataclasses.field(default_factory=dict)   # reason -> count
    alarms: dict[str, int] = dataclasses.field(default_factory=dict)   # kind -> times raised
    dose_limit_hits: int = 0          # boluses refused because of the 24-h dose limit
    empty_ms: int = 0                 # time spent with the reservoir-empty alarm up
    refills: int = 0
    late_refills: int = 0
    eri_days: float = 0.0             # days from implant to ERI (seen or projected)
    eri_observed: bool = False        # True when ERI was reached inside the span
    delivered_ug: float = 0.0         # drug mass out of the catheter tip
    pumped_ml: float = 0.0
    events_missed: int = 0            # log entries overwritten before being read (should be 0)

    @property
    def years(self) -> float:
        return self.span_days / DAYS_PER_YEAR


def _quantiles(values: list[float], qs: Iterable[float]) -> dict[str, float]:
    """Nearest-rank quantiles; deterministic and exact on the given values."""
    ordered = sorted(values)
    out = {}
    for q in qs:
        k = min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))
        out[f"p{round(q * 100)}"] = ordered[k] if ordered else 0.0
    return out


@dataclasses.dataclass
class FleetReport:
    """Population figures over every patient of one fleet run."""

    seed: int
    n_patients: int
    span_days: int
    patient_years: float
    alarms: dict[str, int]
    alarms_per_patient_year: dict[str, float]
    requests: int
    granted: int
    denied: dict[str, int]
    dose_limit_hits: int
    days_empty: float
    patients_ever_empty: int
    refills: int
    late_refills: int
    years_to_eri: dict[str, float]
    eri_observed: int
    drugs: dict[str, int]
    events_missed: int
    patients: list[PatientResult] = dataclasses.field(repr=False)
    elapsed_s: float = dataclasses.field(default=0.0, compare=False)
    workers: str = dataclasses.field(default="", compare=False)

    @classmethod
    def from_patients(cls, seed: int, span_days: int, results: Iterable[PatientResult],
                      elapsed_s: float = 0.0, workers: str = "") -> "FleetReport":
        patients = sorted(results, key=lambda r: r.index)
        if [p.index for p in patients] != list(range(len(patients))):
            raise ValueError("fleet results are not one per patient index 0..n-1")
        years = sum(p.years for p in patients)
        alarms = {k: sum(p.alarms.get(k, 0) for p in patients) for k in ALARM_KINDS}
        denied: dict[str, int] = {}
        for p in patients:
            for reason, n in p.denied.items():
                denied[reason] = denied.get(reason, 0) + n
        drugs: dict[str, int] = {}
        for p in patients:
            drugs[p.drug] = drugs.get(p.drug, 0) + 1
        eri_years = [p.eri_days / DAYS_PER_YEAR for p in patients]
        quant = _quantiles(eri_years, (0.0, 0.1, 0.5, 0.9, 1.0)) if patients else {}
        return cls(
            seed=seed, n_patients=len(patients), span_days=span_days,
            patient_years=years,
            alarms=alarms,
            alarms_per_patient_year={k: (v / years if years else 0.0) for k, v in alarms.items()},
            requests=sum(p.requests for p in patients),
            granted=sum(p.granted for p in patients),
            denied=dict(sorted(denied.items())),
            dose_limit_hits=sum(p.dose_limit_hits for p in patients),
            days_empty=sum(p.empty_ms for p in patients) / MS_PER_DAY,
            patients_ever_empty=sum(1 for p in patients if p.empty_ms > 0),
            refills=sum(p.refills for p in patients),
            late_refills=sum(p.late_refills for p in patients),
            years_to_eri={("min" if k == "p0" else "max" if k == "p100" else k): v
                          for k, v in quant.items()},
            eri_observed=sum(1 for p in patients if p.eri_observed),
            drugs=dict(sorted(drugs.items())),
            events_missed=sum(p.events_missed for p in patients),
            patients=patients, elapsed_s=elapsed_s, workers=workers,
        )

    def figures(self) -> dict[str, Any]:
        """The population figures (no per-patient list, no wall time): what 'same report' means."""
        d = dataclasses.asdict(self)
        for k in ("patients", "elapsed_s", "workers"):
            d.pop(k)
        return d

    def to_json(self, with_patients: bool = False) -> str:
        d = self.figures()
        d["elapsed_s"] = round(self.elapsed_s, 3)
        d["workers"] = self.workers
        if with_patients:
            d["patients"] = [dataclasses.asdict(p) for p in self.patients]
        return json.dumps(d, indent=2)

    def format_text(self) -> str:
        """The report a risk analyst reads: rates per patient-year first."""
        py = self.patient_years
        lines = [
            f"fleet: {self.n_patients} patients x {self.span_days} days = {py:.1f} patient-years"
            f" (seed {self.seed})",
            "drugs: " + ", ".join(f"{k} {v}" for k, v in self.drugs.items()),
            "",
            "alarms                 raised   per patient-year",
        ]
        for k in ALARM_KINDS:
            lines.append(f"  {k:<20} {self.alarms[k]:>7}   {self.alarms_per_patient_year[k]:.3f}")
        refused = sum(self.denied.values())
        lines += [
            "",
            f"patient boluses: {self.requests} requested, {self.granted} granted, {refused} refused",
        ]
        for reason, n in sorted(self.denied.items(), key=lambda kv: (-kv[1], kv[0])):
            share = n / self.requests if self.requests else 0.0
            lines.append(f"  refused: {reason:<18} {n:>7}   {share:6.1%} of requests")
        lines += [
            f"dose-limit hits: {self.dose_limit_hits}"
            f" ({self.dose_limit_hits / py if py else 0.0:.2f} per patient-year)",
            f"days spent empty: {self.days_empty:.1f} in total, {self.patients_ever_empty} patients"
            f" ever empty",
            f"refills: {self.refills}, of which late: {self.late_refills}",
            "battery, years to ERI: " + ", ".join(
                f"{k} {v:.2f}" for k, v in self.years_to_eri.items())
            + f" (reached within the span: {self.eri_observed})",
        ]
        if self.events_missed:
            lines.append(f"WARNING: {self.events_missed} log entries were overwritten before being read")
        if self.elapsed_s:
            lines.append(f"wall time {self.elapsed_s:.2f} s on {self.workers}: "
                         f"{py / self.elapsed_s:.1f} patient-years/s")
        return "\n".join(lines)

    def plot(self, path: str) -> str:
        """Write a 2x2 PNG: alarm rates, refusal reasons, years to ERI, days empty."""
        self.figure().savefig(path, dpi=100)
        return path

    def figure(self) -> Any:
        """The 2x2 figure of :meth:`plot` (a matplotlib Figure)."""
        # matplotlib is the optional plot extra: imported only when a plot is drawn
        from matplotlib.ticker import FuncFormatter, MaxNLocator

        # counts are whole and get thousands separators; at most 5 ticks an axis,
        # so labels of large counts never run into each other
        whole = MaxNLocator(nbins=5, integer=True)
        thousands = FuncFormatter(lambda v, _: f"{v:,.0f}")
        fig = new_figure(figsize=(11, 7.5))
        axes = fig.subplots(2, 2)
        ax = axes[0][0]
        kinds = list(ALARM_KINDS)
        ax.barh([k.upper() if k in ("eri", "eos") else k.replace("_", " ") for k in kinds],
                [self.alarms_per_patient_year[k] for k in kinds], color="tab:red")
        ax.set_xlabel("alarms per patient-year")
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        ax.invert_yaxis()
        ax = axes[0][1]
        reasons = sorted(self.denied, key=lambda r: -self.denied[r])
        ax.barh([r.replace("_", " ") for r in reasons] or ["(none)"],
                [self.denied[r] for r in reasons] or [0], color="tab:orange")
        ax.set_xlabel(f"refused patient boluses (of {self.requests:,} requests)")
        ax.xaxis.set_major_locator(whole)
        ax.xaxis.set_major_formatter(thousands)
        ax.invert_yaxis()
        ax = axes[1][0]
        ax.hist([p.eri_days / DAYS_PER_YEAR for p in self.patients], bins=30, color="tab:blue")
        ax.set_xlabel("years from implant to ERI (seen or projected)")
        ax.set_ylabel("patients")
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.yaxis.set_major_formatter(thousands)
        ax = axes[1][1]
        empty = [p.empty_ms / MS_PER_DAY for p in self.patients if p.empty_ms > 0]
        ax.hist(empty or [0.0], bins=20, color="tab:gray")
        ax.set_xlabel(f"days spent empty ({len(empty):,} of {self.n_patients:,} patients ever empty)")
        ax.set_ylabel("patients")
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.yaxis.set_major_formatter(thousands)
        fig.suptitle(f"pyemu fleet: {self.n_patients} patients x {self.span_days} days, seed {self.seed}")
        fig.tight_layout()
        return fig


def load_patients(rows: list[dict[str, Any]]) -> list[PatientResult]:
    """Inverse of ``to_json(with_patients=True)``'s patient list."""
    return [PatientResult(**row) for row in rows]
