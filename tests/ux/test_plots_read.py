"""Plots people read at a glance: what each figure draws, checked on the figure's
artists (the PNGs were also looked at; see the commit)."""
import itertools

import pytest

from tool_check import need_module

need_module("matplotlib", "plot")

from pyemu.therapy.fleet import run_fleet
from pyemu.therapy.report import timeline_figure, trumpet_figure
from pyemu.therapy.scenario import load_scenario
from pyemu.therapy.timeline import timeline_from_recording, timeline_of
from pyemu.therapy.trumpet import trumpet_at_rate


def texts_overlap(fig):
    """Pairs of visible, non-empty texts of the figure whose boxes intersect."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [fig._suptitle] if fig._suptitle is not None else []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            # the labels drawn: ticks inside the view (matplotlib keeps others unseen)
            texts += [label for loc, label in zip(axis.get_majorticklocs(), axis.get_majorticklabels())
                      if lo - 1e-9 * abs(hi - lo) <= loc <= hi + 1e-9 * abs(hi - lo)]
            texts.append(axis.label)
        texts.append(ax.title)
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts
             if t.get_visible() and t.get_text().strip()]
    return [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes, 2)
            if ba.overlaps(bb) and ba.width > 0 and bb.width > 0]


def by_label(ax, label):
    return [line for line in ax.get_lines() if line.get_label() == label]


@pytest.fixture(scope="module")
def morphine():
    return timeline_of(load_scenario("morphine_pca"))


def test_timeline_draws_the_low_reservoir_threshold(morphine):
    fig = timeline_figure(morphine)
    ax_res = fig.axes[0]
    (line,) = by_label(ax_res, "low-reservoir threshold")
    assert set(line.get_ydata()) == {3.0}              # morphine_pca: low_reservoir = "3mL"


def test_timeline_draws_patient_boluses_granted_and_refused(morphine):
    granted = sum(ok for _, ok in morphine.patient_boluses)
    refused = len(morphine.patient_boluses) - granted
    assert granted > 0 and refused > 0
    fig = timeline_figure(morphine)
    ax_dose = fig.axes[1]
    labels = [t.get_text() for t in ax_dose.get_legend().get_texts()]
    assert labels == [f"patient bolus granted ({granted})", f"patient bolus refused ({refused})"]
    assert min(ax_dose.get_yticks()) >= 0              # the strip below zero has no ticks


def test_timeline_names_alarms_in_words_and_battery_spans_0_to_100():
    tl = timeline_of(load_scenario("demo"))
    fig = timeline_figure(tl)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "low reservoir alarm" in labels and "reservoir empty alarm" in labels
    assert not any("_" in label for label in labels)
    low, high = fig.axes[3].get_ylim()
    assert low == 0 and 100 <= high <= 105
    assert list(fig.axes[3].get_yticks()) == [0, 50, 100]
    assert texts_overlap(fig) == []


@pytest.fixture(scope="module")
def flex_recording(tmp_path_factory):
    from pyemu.cli.main import main
    path = tmp_path_factory.mktemp("flex") / "flex.jsonl"
    assert main(["run", "baclofen_flex", "--record", str(path)]) == 0
    return path


def test_a_recording_draws_the_daily_schedule_as_steps(flex_recording, capsys):
    capsys.readouterr()
    tl = timeline_from_recording(flex_recording)
    steps = tl.programs[0][1]
    assert len(steps) == 6                             # baclofen_flex: a 6-step schedule
    fig = timeline_figure(tl)
    (rate,) = fig.axes[2].get_lines()
    assert rate.get_drawstyle() == "steps-post"
    x, y = rate.get_xdata(), rate.get_ydata()
    t0 = tl.programs[0][0] / 86400
    day2 = [(xi, yi) for xi, yi in zip(x, y) if t0 + 1 <= xi < t0 + 2]
    # every step of the day drawn at its minute, with its rate (mL/day)
    assert sorted({round((xi % 1) * 1440) for xi, _ in day2}) == sorted(s for s, _ in steps)
    assert {yi for _, yi in day2} == {v / 1e6 for _, v in steps}


def _overlaps_data(ax, legend):
    fig = ax.figure
    fig.canvas.draw()
    box = legend.get_window_extent(fig.canvas.get_renderer())
    hits = 0
    for line in ax.get_lines():
        if line.get_label().startswith("_") or line.get_transform() != ax.transData:
            continue      # axhline (set rate, zero) spans the axes width: not data points
        pts = ax.transData.transform(list(zip(line.get_xdata(), line.get_ydata())))
        hits += sum(box.contains(px, py) for px, py in pts)
    return hits


def test_trumpet_flow_panel_is_readable_and_legends_clear_of_the_data():
    results = [trumpet_at_rate(500_000), trumpet_at_rate(24_000_000)]
    fig = trumpet_figure(results)
    for col in range(2):
        ax_f, ax_t = fig.axes[col], fig.axes[2 + col]
        labels = [t.get_text() for t in ax_f.get_legend().get_texts()]
        assert "mean over 5 min" in labels
        (dots,) = by_label(ax_f, "flow per 0.5 min")
        assert dots.get_linestyle() == "None"          # samples as dots, not a wall of steps
        for ax in (ax_f, ax_t):
            assert _overlaps_data(ax, ax.get_legend()) == 0
    assert texts_overlap(fig) == []


def test_fleet_plot_counts_are_whole_and_labels_do_not_overlap(tmp_path):
    report = run_fleet(40, 365, 7, workers=1)
    fig = report.figure()
    for ax in (fig.axes[2], fig.axes[3]):              # the two histograms: patients
        ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
        assert all(float(t).is_integer() for t in ticks), ticks
    ax = fig.axes[1]
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "low reservoir" in labels and not any("_" in label for label in labels)
    assert texts_overlap(fig) == []
