"""Plots: the files exist and are valid PNG / SVG images."""
import struct
import xml.etree.ElementTree as ET

import pytest

from pyemu.therapy.timeline import Timeline
from pyemu.therapy.report import save_figure, timeline_figure, trumpet_figure, trumpet_table
from pyemu.therapy.trumpet import trumpet_from_strokes

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def assert_png(path, min_w=300, min_h=300):
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    w, h = struct.unpack(">II", data[16:24])
    assert w >= min_w and h >= min_h
    assert data[-8:-4] == b"IEND", f"{path} is truncated"


def assert_svg(path, must_contain=()):
    root = ET.parse(path).getroot()     # raises on malformed XML
    assert root.tag.endswith("svg")
    text = path.read_text()
    for s in must_contain:
        assert s in text, f"{s!r} not in {path}"


def synthetic_timeline():
    samples = []
    for day in range(0, 61):
        res = max(20_000 - 400 * (day % 45), 0)
        samples.append({"sim_time_s": day * 86400, "reservoir_ul": res,
                        "delivered_ug": 200.0 * day, "rate_ul_per_h": 16.7,
                        "battery_pct": 100 - day * 0.05, "alarms": []})
    return Timeline("Synthetic therapy", samples,
                    [(40 * 86400, "low_reservoir"), (50 * 86400, "reservoir_empty")],
                    [(45 * 86400, "refill")])


def test_timeline_png_and_svg(tmp_path):
    paths = save_figure(timeline_figure(synthetic_timeline()), tmp_path / "timeline")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert_png(paths[0])
    assert_svg(paths[1], ["Synthetic therapy"])


def test_timeline_needs_samples():
    with pytest.raises(ValueError):
        timeline_figure(Timeline("empty"))


def test_trumpet_png_and_svg_and_table(tmp_path):
    strokes = [40_000 * k for k in range(1, 200)]
    r = trumpet_from_strokes(strokes, 1000, 2_160_000)
    paths = save_figure(trumpet_figure([r, r]), tmp_path / "trumpet")
    assert_png(paths[0], min_w=600)
    assert_svg(paths[1])
    table = trumpet_table([r])
    assert "+6.667" in table and "-6.667" in table and "A = +0.000 %" in table


def test_report_command_plots_a_scenario_and_the_trumpet_curve(tmp_path):
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "pyemu", "report", "morphine_pca", "--trumpet",
                        "--rates", "0.048mL/day,1.44mL/day", "--out", str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for name in ("timeline", "trumpet"):
        assert_png(tmp_path / f"{name}.png")
        assert_svg(tmp_path / f"{name}.svg")
    assert_svg(tmp_path / "timeline.svg", ["Morphine with patient boluses"])
    # the hand-computed lowest-rate figures (see test_trumpet) and the flat 1.44 mL/day curve
    assert "+275.000" in r.stdout and "-100.000" in r.stdout
    assert "set rate 1.44 mL/day: overall mean error A = +0.000 %" in r.stdout

    r = subprocess.run([sys.executable, "-m", "pyemu", "report", "--trumpet", "--rates", "fast",
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "--rates" in r.stderr
    r = subprocess.run([sys.executable, "-m", "pyemu", "report", str(tmp_path / "none.toml"),
                        "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 2 and "none.toml" in r.stderr
