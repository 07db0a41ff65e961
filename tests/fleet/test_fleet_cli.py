"""`pyemu fleet` on the command line: report on stdout, PNG and JSON files, usage errors."""
from __future__ import annotations

import json

import pytest

from pyemu.cli.main import main


def test_pyemu_fleet_prints_the_report_and_writes_plot_and_json(tmp_path, capsys):
    """Invariant: exit 0, the text report names the population, the files are what they claim."""
    png, js = tmp_path / "f.png", tmp_path / "f.json"
    rc = main(["fleet", "-n", "4", "--span", "30d", "--seed", "9", "-j", "1",
               "--plot", str(png), "--json", str(js)])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "fleet: 4 patients x 30 days" in out and "alarms" in out and "years to ERI" in out
    assert "4/4 patients" in err  # progress went to stderr
    assert png.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(js.read_text())
    assert data["n_patients"] == 4 and len(data["patients"]) == 4 and data["seed"] == 9
    assert data["requests"] == sum(p["requests"] for p in data["patients"])


@pytest.mark.parametrize("span,days", [("30", 30), ("2w", 14), ("1y", 365), ("48h", 2)])
def test_span_accepts_whole_days_in_clinician_units(span, days, tmp_path, capsys):
    """Invariant: the span is read in days, weeks, years or hours that make whole days."""
    rc = main(["fleet", "-n", "1", "--span", span, "-j", "1", "-q", "--plot", ""])
    assert rc == 0
    assert f"x {days} days" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [["--span", "1.5d"], ["--span", "0d"], ["--span", "soon"],
                                  ["-n", "0"], ["-j", "0"]])
def test_bad_arguments_are_usage_errors(argv, capsys):
    """Invariant: a span that is not whole days, no patients or no workers exit with status 2."""
    try:
        rc = main(["fleet", "-q", "--plot", ""] + argv)
    except SystemExit as exc:  # argparse's own usage errors
        rc = exc.code
    assert rc == 2
    assert capsys.readouterr().err.strip()
