"""Flow accuracy after IEC 60601-2-24: the "trumpet curve" from a stroke record.

The method, as the standard lays it out for infusion pumps:

* the delivered volume is sampled every S = 0.5 min from the start of the
  infusion; the flow of interval i is the volume of that interval over S;
* the analysis period is the second hour (T1 = 60 min to T2 = 120 min), so
  it holds 120 intervals;
* the overall mean error A is the percentage deviation of the mean flow over
  the whole analysis period from the set rate r;
* for each observation window P in (2, 5, 11, 19, 31) min, every run of P/S
  consecutive intervals inside the analysis period is a window (120 - P/S + 1
  of them); E_P(max) and E_P(min) are the largest and smallest percentage
  deviation of a window's mean flow from r.

A window's mean flow is its volume over P, so every figure reduces to "volume
in a span against r x span". Volumes are integer nanolitres from the stroke
record and rates integer nL/day, so the arithmetic is done exactly with
fractions and converted to float percentages only at the end.

An implantable pump delivers in strokes, so at low rates a short window may
hold zero or one stroke and its deviation is large: that is the point of
showing the curve at a low and a high rate.
"""
from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

SAMPLE_MS = 30_000                  # S = 0.5 min
WINDOWS_MIN: tuple[int, ...] = (2, 5, 11, 19, 31)
ANALYSIS_START_MS = 60 * 60_000     # T1: start of the second hour
ANALYSIS_END_MS = 120 * 60_000      # T2: end of the second hour
MS_PER_DAY = 86_400_000


@dataclass(frozen=True)
class TrumpetPoint:
    """E_P(max) and E_P(min) for one observation window, in percent."""
    window_min: int
    max_pct: float
    min_pct: float
    n_windows: int


@dataclass(frozen=True)
class TrumpetResult:
    """Everything a trumpet-curve report shows for one set rate."""
    rate_nl_day: int
    stroke_nl: int | None
    overall_pct: float                  # A: mean error over the analysis period
    points: tuple[TrumpetPoint, ...]
    samples_nl: tuple[int, ...]         # cumulative volume at t = k*S, k = 0..240

    def flow_ul_per_h(self) -> list[float]:
        """Flow of each 0.5-min interval (µL/h), for the flow-versus-time graph."""
        per_h = 3_600_000 / SAMPLE_MS
        return [(b - a) * per_h / 1000.0
                for a, b in zip(self.samples_nl, self.samples_nl[1:])]


def samples_from_strokes(stroke_times_ms: Iterable[int], stroke_nl: int,
                         start_ms: int = 0, end_ms: int = ANALYSIS_END_MS,
                         sample_ms: int = SAMPLE_MS) -> list[int]:
    """Cumulative volume (nL) at start_ms + k*sample_ms for k = 0..end/sample.

    A stroke at exactly a sample instant counts in that sample (the volume
    has left by then). Strokes before start_ms are ignored.
    """
    if stroke_nl <= 0 or sample_ms <= 0 or end_ms < 0:
        raise ValueError("stroke volume, sample interval and duration must be positive")
    times = sorted(t - start_ms for t in stroke_times_ms if t >= start_ms)
    n = end_ms // sample_ms
    return [stroke_nl * bisect_right(times, k * sample_ms) for k in range(n + 1)]


def _deviation(volume_nl: int, span_ms: int, rate_nl_day: int) -> Fraction:
    """Percent deviation of volume over span from what rate would deliver."""
    expected = Fraction(rate_nl_day * span_ms, MS_PER_DAY)
    return 100 * (Fraction(volume_nl) - expected) / expected


def trumpet(samples_nl: Sequence[int], rate_nl_day: int,
            windows_min: Sequence[int] = WINDOWS_MIN,
            sample_ms: int = SAMPLE_MS,
            analysis_start_ms: int = ANALYSIS_START_MS,
            analysis_end_ms: int = ANALYSIS_END_MS,
            stroke_nl: int | None = None) -> TrumpetResult:
    """Compute A and E_P(max)/E_P(min) from cumulative volume samples.

    samples_nl[k] is the volume delivered by k*sample_ms after the start.
    """
    if rate_nl_day <= 0:
        raise ValueError("the set rate must be positive")
    k1, k2 = analysis_start_ms // sample_ms, analysis_end_ms // sample_ms
    if len(samples_nl) <= k2:
        raise ValueError(f"need {k2 + 1} samples to cover the analysis period, got {len(samples_nl)}")
    if any(b < a for a, b in zip(samples_nl, samples_nl[1:])):
        raise ValueError("cumulative volume samples must not decrease")
    overall = _deviation(samples_nl[k2] - samples_nl[k1], (k2 - k1) * sample_ms, rate_nl_day)
    points = []
    for p in windows_min:
        m = (p * 60_000) // sample_ms          # intervals per window
        if m <= 0 or m > k2 - k1:
            raise ValueError(f"window {p} min does not fit the analysis period")
        devs = [_deviation(samples_nl[j + m] - samples_nl[j], m * sample_ms, rate_nl_day)
                for j in range(k1, k2 - m + 1)]
        points.append(TrumpetPoint(p, float(max(devs)), float(min(devs)), len(devs)))
    return TrumpetResult(rate_nl_day, stroke_nl, float(overall), tuple(points),
                         tuple(samples_nl))


def trumpet_from_strokes(stroke_times_ms: Iterable[int], stroke_nl: int,
                         rate_nl_day: int, start_ms: int = 0) -> TrumpetResult:
    """Trumpet curve of a stroke record (times in ms, every stroke stroke_nl)."""
    samples = samples_from_strokes(stroke_times_ms, stroke_nl, start_ms)
    return trumpet(samples, rate_nl_day, stroke_nl=stroke_nl)


def stroke_record(rate_nl_day: int, duration_ms: int = ANALYSIS_END_MS) -> tuple[list[int], int]:
    """Run the C dosing core at a constant rate and list its stroke times.

    Returns (stroke times in ms from the start of the infusion, stroke volume
    in nL). The pump is filled and programmed at t=0; no bolus, so only the
    basal strokes are in the record.
    """
    from pyemu.pump import core  # the cffi extension: imported only when needed

    pump = core.Pump()
    pump_start = _program_constant_rate(pump, rate_nl_day)
    stroke_nl = int(pump.config.stroke_nl)
    end = pump_start + duration_ms
    times: list[int] = []
    # Bounded: at most one stroke per iteration, and the count of strokes in
    # duration_ms at the maximum rate is finite (24 mL/day / stroke volume).
    limit = (duration_ms * 24_000_000) // (MS_PER_DAY * max(stroke_nl, 1)) + 2
    for _ in range(limit + 1):
        nxt = pump.next_stroke_ms()
        if nxt is None or nxt > end:
            break
        t = int(nxt)
        pump.advance(t)
        times.append(t - pump_start)
    else:
        raise RuntimeError("stroke record did not end: more strokes than the rate allows")
    # The record must account for every nanolitre the core says it pumped.
    pumped = pump.status().pumped_nl
    if pumped != len(times) * stroke_nl:
        raise RuntimeError(f"stroke record holds {len(times)} strokes of {stroke_nl} nL "
                           f"but the core pumped {pumped} nL")
    return times, stroke_nl


def _program_constant_rate(pump, rate_nl_day: int) -> int:
    """Fill the reservoir and prescribe rate_nl_day; return the start time (ms).

    A 20 mL reservoir outlasts the two hours at any rate (24 mL/day x 2 h =
    2 mL). The drug is saline-like in effect: a low concentration and a
    24-h limit far above what the rate delivers, so only the rate matters.
    """
    from pyemu.pump import core  # deferred: the C extension, only when a curve is computed

    conc = 1000      # µg/mL
    limit = rate_nl_day * conc // 1_000_000 + 1000   # µg per 24 h, with headroom
    pump.refill(20_000_000, core.Drug.MORPHINE, conc)
    pump.prescribe(core.Prescription.simple(core.Drug.MORPHINE, conc, rate_nl_day, limit))
    return int(pump.now_ms)


def trumpet_at_rate(rate_nl_day: int) -> TrumpetResult:
    """Trumpet curve of the C core's stroke record at one constant rate."""
    times, stroke_nl = stroke_record(rate_nl_day)
    return trumpet_from_strokes(times, stroke_nl, rate_nl_day)
