"""Plots: the therapy timeline and the IEC 60601-2-24 trumpet curve.

Plot functions take plain data (status samples as the dicts `pyemu ctl
--json status` prints, alarm marks, TrumpetResult) and write PNG and SVG
through matplotlib's Agg canvas (pyemu.therapy.plotting: no global backend switch), so
they run headless in CI. matplotlib is the ``plot`` extra; without it the plot
functions raise PlotUnavailable. `pyemu report` (registered by `register`)
feeds them from a scenario run or a recording.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from typing import TYPE_CHECKING

from pyemu.therapy.plotting import PlotUnavailable, new_figure, require_matplotlib
from pyemu.protocol import vocabulary as V
from pyemu.therapy.timeline import Timeline
from pyemu.therapy.trumpet import TrumpetResult

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CRITICAL_ALARMS = frozenset(V.user_name(a) for a in V.Alarm if a & V.CRITICAL_ALARMS)   # from protocol/vocabulary.json
FORMATS = ("png", "svg")



def save_figure(fig: Figure, base: Path, formats: Sequence[str] = FORMATS) -> list[Path]:
    """Write fig as base.<fmt> for each format; return the paths written."""
    base.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for fmt in formats:
        path = base.with_suffix("." + fmt)
        # metadata without dates keeps the SVG byte-identical run to run
        meta = {"Date": None} if fmt == "svg" else {}
        fig.savefig(path, format=fmt, dpi=110, metadata=meta)
        out.append(path)
    return out


def timeline_figure(tl: Timeline) -> Figure:
    """Four stacked panels over days: reservoir, dose at tip, rate, battery."""
    if not tl.samples:
        raise ValueError("a timeline needs at least one status sample")
    s = sorted(tl.samples, key=lambda d: d["sim_time_s"])
    days = [d["sim_time_s"] / 86400 for d in s]
    fig = new_figure(figsize=(10, 8.5))
    axes = fig.subplots(4, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2, 2, 1.4]})
    ax_res, ax_dose, ax_rate, ax_bat = axes
    end_s = s[-1]["sim_time_s"]
    # few samples (a recording's STATUS replies): dots show where the data is,
    # the lines between them are only joins
    dots = {"marker": ".", "ms": 4} if len(s) < 200 else {}
    ax_res.plot(days, [d["reservoir_ul"] / 1000 for d in s], color="tab:blue", **dots)
    if tl.programs:
        # the alarm threshold as programmed, changing only where a prescription changed it
        tx = [t / 86400 for t, _, _ in tl.programs] + [end_s / 86400]
        ty = [low / 1e6 for _, _, low in tl.programs]
        ax_res.step(tx, ty + ty[-1:], where="post", color="tab:orange", lw=1, ls=(0, (4, 3)),
                    label="low-reservoir threshold")
    ax_res.set_ylabel("reservoir\n(mL)")
    ax_res.set_ylim(bottom=0)
    dose = [d["delivered_ug"] for d in s]
    unit, scale = ("mg", 1000.0) if max(dose) >= 10_000 else ("µg", 1.0)
    ax_dose.plot(days, [v / scale for v in dose], color="tab:green", **dots)
    ax_dose.set_ylabel(f"dose at tip\n({unit}, cumulative)")
    _mark_patient_boluses(ax_dose, tl.patient_boluses)
    if tl.programs:
        # the prescription's daily schedule at its exact step times: samples a
        # few hours apart would draw a 6-step day as one flat line
        rx, ry = _programmed_rate(tl.programs, s[0]["sim_time_s"], end_s)
        ax_rate.step(rx, ry, where="post", color="tab:purple", lw=1)
    else:
        # the programmed (basal) rate; a sample without it falls back to the
        # momentary rate, which includes any bolus running at that instant
        ax_rate.step(days, [d.get("basal_ul_per_h", d["rate_ul_per_h"]) * 24 / 1000 for d in s],
                     where="post", color="tab:purple")
    ax_rate.set_ylabel("programmed\nrate (mL/day)")
    ax_rate.set_ylim(bottom=0)
    ax_bat.plot(days, [d["battery_pct"] for d in s], color="tab:gray")
    ax_bat.set_ylabel("battery\n(%)")
    ax_bat.set_ylim(0, 103)      # the whole charge (a 7 % drop looks like one); a full
                                 # battery's line stays clear of the frame
    ax_bat.set_yticks([0, 50, 100])
    ax_bat.set_xlabel("days since implant")
    _mark_alarms(ax_res, tl.alarm_marks)
    for t, text in tl.notes:
        ax_res.axvline(t / 86400, color="tab:green", alpha=0.45, lw=1, ls=":")
    for label in sorted({text for _, text in tl.notes}):
        ax_res.plot([], [], color="tab:green", alpha=0.6, lw=1, ls=":", label=label)
    for ax in axes:
        ax.grid(True, alpha=0.3)
    handles, labels = ax_res.get_legend_handles_labels()
    if handles:
        # above the plot, so it never hides the curve or the alarm marks
        ax_res.legend(loc="lower center", bbox_to_anchor=(0.5, 1.04), fontsize=8,
                      ncols=min(len(handles), 4), frameon=False)
    if tl.patient_boluses:
        ax_dose.legend(loc="upper left", fontsize=8, frameon=True, framealpha=0.9)
    fig.suptitle(tl.title)
    fig.align_ylabels(axes)
    fig.tight_layout()
    return fig


def alarm_words(name: str) -> str:
    """low_reservoir -> "low reservoir alarm": the name a reader of the plot says."""
    return name.replace("_", " ") + " alarm"


def _programmed_rate(programs, start_s: float, end_s: float) -> tuple[list[float], list[float]]:
    """(days, mL/day) of the programmed rate: each accepted prescription's daily
    steps at their minute of day, from its time until the next prescription."""
    xs: list[float] = [start_s / 86400]
    ys: list[float] = [0.0]
    for i, (t0, steps, _) in enumerate(programs):
        t1 = programs[i + 1][0] if i + 1 < len(programs) else end_s
        if t1 <= t0:
            continue
        day = int(t0 // 86400) * 86400
        # the step running at t0 (steps ascend from minute 0)
        minute = (t0 - day) / 60
        current = [v for start, v in steps if start <= minute][-1]
        xs.append(t0 / 86400)
        ys.append(current / 1e6)
        while day < t1 and len(steps) > 1:
            for start, v in steps:
                t = day + start * 60
                if t0 < t < t1:
                    xs.append(t / 86400)
                    ys.append(v / 1e6)
            day += 86400
    xs.append(end_s / 86400)
    ys.append(ys[-1])
    return xs, ys


def _mark_patient_boluses(ax, boluses: Iterable[tuple[float, bool]]) -> None:
    """Patient bolus requests as ticks along the bottom: granted up, refused down (red)."""
    boluses = list(boluses)
    granted = [t / 86400 for t, ok in boluses if ok]
    refused = [t / 86400 for t, ok in boluses if not ok]
    trans = ax.get_xaxis_transform()
    if not boluses:
        return
    # a strip below the curve: room made under zero so the ticks never sit on the data
    low, high = ax.get_ylim()
    ticks = [t for t in ax.get_yticks() if low <= t <= high]
    ax.set_ylim(low - 0.3 * (high - low), high)
    ax.set_yticks([t for t in ticks if t >= 0])    # no negative dose on the axis
    if granted:
        ax.plot(granted, [0.07] * len(granted), ls="none", marker="|", ms=7, mew=1,
                color="tab:green", alpha=0.6, transform=trans,
                label=f"patient bolus granted ({len(granted)})")
    if refused:
        ax.plot(refused, [0.17] * len(refused), ls="none", marker="x", ms=5, color="tab:red",
                transform=trans, label=f"patient bolus refused ({len(refused)})")


def _mark_alarms(ax, marks: Iterable[tuple[float, str]]) -> None:
    """Alarm onsets as triangles on the top edge, labelled once per name (in words)."""
    seen: set[str] = set()
    for t, name in sorted(marks):
        crit = name in CRITICAL_ALARMS
        ax.axvline(t / 86400, color="tab:red" if crit else "tab:orange", ls="--", lw=0.8)
        ax.plot([t / 86400], [1.0], marker="v", ms=9, clip_on=False,
                transform=ax.get_xaxis_transform(),
                color="tab:red" if crit else "tab:orange",
                label=None if name in seen else alarm_words(name))
        seen.add(name)


def trumpet_figure(results: Sequence[TrumpetResult], title: str = "") -> Figure:
    """Flow in the first two hours (top) and trumpet curve (bottom), one column per rate."""
    if not results:
        raise ValueError("no trumpet results to plot")
    fig = new_figure(figsize=(5.6 * len(results), 7.6))
    axes = fig.subplots(2, len(results), squeeze=False)
    for col, r in enumerate(results):
        ax_f, ax_t = axes[0][col], axes[1][col]
        flow = r.flow_ul_per_h()
        minutes = [0.5 * (i + 1) for i in range(len(flow))]
        set_ul_h = r.rate_nl_day / 24 / 1000
        # a pulsatile pump's 0.5-min samples jump between "no stroke" and "one
        # stroke": drawn as dots, with their 5-min mean as the line people read
        ax_f.plot(minutes, flow, ls="none", marker=".", ms=3, color="tab:blue", alpha=0.35,
                  label="flow per 0.5 min")
        k = 10                      # 10 samples of 0.5 min = 5 min
        if len(flow) >= k:
            mean = [sum(flow[i - k + 1:i + 1]) / k for i in range(k - 1, len(flow))]
            ax_f.plot(minutes[k - 1:], mean, color="tab:blue", lw=1.8, label="mean over 5 min")
        ax_f.axhline(set_ul_h, color="k", ls=":", lw=1.2, label="set rate")
        ax_f.axvspan(60, 120, color="tab:green", alpha=0.08, label="analysis period (2nd hour)")
        lo, hi = min(min(flow), set_ul_h), max(max(flow), set_ul_h)
        span = (hi - lo) or max(hi, 1.0)
        # headroom above the data for the legend, so it never covers a sample
        ax_f.set_ylim(lo - 0.05 * span, hi + 0.6 * span)
        ax_f.set_xlabel("time (min)")
        ax_f.set_ylabel("flow (µL/h)")
        stroke = f", stroke {r.stroke_nl} nL" if r.stroke_nl else ""
        ax_f.set_title(f"set rate {r.rate_nl_day / 1e6:g} mL/day ({set_ul_h:.4g} µL/h){stroke}",
                       fontsize=10)
        ax_f.legend(fontsize=7, loc="upper center", ncols=2, framealpha=0.95)
        w = [p.window_min for p in r.points]
        ax_t.plot(w, [p.max_pct for p in r.points], "o-", color="tab:red", label="E_P(max)")
        ax_t.plot(w, [p.min_pct for p in r.points], "o-", color="tab:blue", label="E_P(min)")
        ax_t.axhline(r.overall_pct, color="k", ls="--", lw=1,
                     label=f"A = {r.overall_pct:+.2f} %")
        ax_t.axhline(0, color="k", lw=0.5)
        ax_t.set_xticks(w)
        ax_t.set_xlabel("observation window P (min)")
        ax_t.set_ylabel("deviation from set rate (%)")
        # below the axis: the curves reach every corner of the panel
        ax_t.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=3,
                    frameon=False)
        for a in (ax_f, ax_t):
            a.grid(True, alpha=0.3)
    fig.suptitle(title or "Flow accuracy, IEC 60601-2-24 trumpet curve (second hour)")
    fig.tight_layout()
    return fig


def trumpet_table(results: Sequence[TrumpetResult]) -> str:
    """The trumpet numbers as a text table (what `pyemu report --trumpet` prints)."""
    lines = []
    for r in results:
        lines.append(f"set rate {r.rate_nl_day / 1e6:g} mL/day: overall mean error A = "
                     f"{r.overall_pct:+.3f} %")
        lines.append("  window (min)   E_P(max) %   E_P(min) %   windows")
        for p in r.points:
            lines.append(f"  {p.window_min:>12}   {p.max_pct:>+10.3f}   {p.min_pct:>+10.3f}"
                         f"   {p.n_windows:>7}")
    return "\n".join(lines)
