"""The plant fleet's fault rates (issue 13): per patient-year (flow_error, occlusion,
mri) or per refill (pocket_fill), each patient's onsets drawn from (seed, index)
alone, the table the same on one worker, two, or a Dask cluster.

Small fleets without patient requests keep these quick; dask is a test
dependency, so a missing dask fails here rather than skipping.
"""
from __future__ import annotations

import json
import math

import pytest
from dask.distributed import LocalCluster

from pyemu.therapy.fleet_plant import (
    DEFAULT_RATES, Rate, onset_probability, parse_rate, run_plant_fleet, simulate)
from tool_check import need_module

SPAN, REFILL = 365, 30


def test_rate_zero_gives_no_fault_and_only_the_healthy_row() -> None:
    """Invariant: a rate of 0 draws no onset; every patient is in the control row."""
    rates = {f: 0.0 for f in DEFAULT_RATES}
    patients = simulate(12, seed=4, rates=rates, requests_max=0)
    assert all(p.onsets == {} for p in patients)
    report = run_plant_fleet(12, seed=4, rates=rates, requests_max=0, workers=1)
    assert [r.fault for r in report.rows if r.patients] == ["none"]
    assert all(r["expected"] == 0 and r["observed"] == 0 for r in report.rates)


def test_pocket_fill_rate_one_per_refill_hits_every_patient_at_the_first_refill() -> None:
    """Invariant: a Bernoulli of 1 per refill fires at refill 1, and the next reconciliation flags it."""
    patients = simulate(8, seed=6, rates={"pocket_fill": 1.0}, requests_max=0)
    for p in patients:
        assert p.onsets == {"pocket_fill": REFILL}
        assert p.first["refill_reconciliation"] == 2 * REFILL
    report = run_plant_fleet(8, seed=6, rates={"pocket_fill": 1.0}, requests_max=0, workers=1)
    row = {r.fault: r for r in report.rows}["pocket_fill"]
    assert row.patients == 8 and row.expected == pytest.approx(8)
    assert row.caught_by["refill_reconciliation"] == 8 and row.days_to_catch == [REFILL] * 8


def test_a_per_patient_year_rate_is_honoured_within_a_binomial_bound() -> None:
    """Invariant: with exponential onsets at rate r per patient-year, the number of patients
    whose fault starts within the span is Binomial(n, 1 - exp(-r * years)); the count for a
    fixed seed lies within 4 standard deviations of its mean, and the report's expected
    count is that mean."""
    n, rate = 600, 0.4
    p = 1 - math.exp(-rate * SPAN / 365.25)
    report = run_plant_fleet(n, seed=21, span_days=SPAN, rates={"occlusion": rate}, requests_max=0,
                             workers=1)
    seen = {r["fault"]: r for r in report.rates}["occlusion"]
    mean, sd = n * p, math.sqrt(n * p * (1 - p))
    assert seen["expected"] == pytest.approx(mean, rel=1e-9)
    assert abs(seen["observed"] - mean) <= 4 * sd, (seen, mean, sd)
    # onsets spread over the span, not bunched at its start: about half in each half
    onsets = [pt.onsets["occlusion"] for pt in report.patients]
    assert len(onsets) == seen["observed"]
    early = sum(d < SPAN // 2 for d in onsets)
    q = (1 - math.exp(-rate * (SPAN // 2) / 365.25)) / p   # P(onset in the first half | onset)
    assert abs(early - len(onsets) * q) <= 4 * math.sqrt(len(onsets) * q * (1 - q))


def test_onset_probability_is_exponential_per_patient_year_and_bernoulli_per_refill() -> None:
    """Invariant: the in-span probability is 1 - exp(-r years) per patient-year and
    1 - (1 - p) ** refills per refill (refills at day 30, 60, ... inside the span)."""
    assert onset_probability("occlusion", 0.02, 730) == pytest.approx(1 - math.exp(-0.02 * 730 / 365.25))
    assert onset_probability("pocket_fill", 1e-4, 365, 30) == pytest.approx(1 - (1 - 1e-4) ** 12)
    assert onset_probability("pocket_fill", 0.5, 30, 30) == 0     # no refill inside 30 days
    assert onset_probability("mri", 0.0, 365) == 0


def test_a_patient_can_have_several_faults_and_gets_a_combined_row() -> None:
    """Invariant: faults are drawn independently; a patient with two is counted in the row
    named by both, and its expected count is n x P(a) x P(b) x P(neither other)."""
    rates = {"mri": 50.0, "pocket_fill": 1.0}
    report = run_plant_fleet(6, seed=3, rates=rates, requests_max=0, workers=1)
    rows = {r.fault: r for r in report.rows}
    assert rows["pocket_fill+mri"].patients == 6
    assert rows["pocket_fill+mri"].expected == pytest.approx(6 * onset_probability("mri", 50.0, SPAN))
    assert all(set(p.onsets) == {"pocket_fill", "mri"} for p in report.patients)


def test_healthy_patients_are_tallied_not_kept() -> None:
    """Invariant: the report keeps records of patients with a fault only; the healthy
    control row still counts every healthy patient."""
    report = run_plant_fleet(20, seed=8, rates={"occlusion": 0.5}, requests_max=0, workers=1)
    healthy = {r.fault: r for r in report.rows}["none"]
    assert healthy.patients + len(report.patients) == 20
    assert all(p.onsets for p in report.patients)


@pytest.fixture(scope="module")
def one_worker():
    return run_plant_fleet(60, seed=17, requests_max=1, workers=1)


def test_the_table_is_the_same_on_one_and_two_workers(one_worker) -> None:
    """Invariant: onsets and requests come from (seed, index) alone, so the pool layout
    cannot change the table or any patient's record."""
    two = run_plant_fleet(60, seed=17, requests_max=1, workers=2)
    assert two.workers == "2 local processes"
    assert two.figures() == one_worker.figures()
    assert run_plant_fleet(60, seed=18, requests_max=1, workers=1).figures() != one_worker.figures()


def test_the_table_is_the_same_on_a_local_dask_cluster(one_worker) -> None:
    """Invariant: the Dask path runs the same chunks and gives the same table."""
    seen = []
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        report = run_plant_fleet(60, seed=17, requests_max=1, scheduler=cluster.scheduler_address,
                                 progress=lambda done, total: seen.append((done, total)))
    assert "2 Dask worker(s)" in report.workers
    assert report.figures() == one_worker.figures()
    assert seen[-1] == (60, 60)


@pytest.mark.parametrize("text,rate", [
    ("pocket_fill=1e-4/refill", Rate("pocket_fill", 1e-4)),
    ("occlusion=0.02/patient-year", Rate("occlusion", 0.02)),
    ("mri=0.1", Rate("mri", 0.1)),                               # the fault's own unit
    (" flow_error = 0.05 / patient-years ", Rate("flow_error", 0.05)),
])
def test_rate_specs_parse(text, rate) -> None:
    assert parse_rate(text) == (rate, None)


def test_the_hyphen_spelling_is_accepted_with_a_note() -> None:
    rate, note = parse_rate("pocket-fill=1e-4/refill")
    assert rate == Rate("pocket_fill", 1e-4)
    assert note and "pocket_fill" in note


@pytest.mark.parametrize("text,hint", [
    ("occlusion", "occlusion=0.02/patient-year"),
    ("occlusion=lots/patient-year", "occlusion=0.02/patient-year"),
    ("gremlins=0.1/patient-year", "flow_error, occlusion, pocket_fill, mri"),
    ("motor_stall=0.1/patient-year", "flow_error, occlusion, pocket_fill, mri"),
    ("pocket_fill=0.1/patient-year", "pocket_fill=0.0001/refill"),
    ("occlusion=0.1/refill", "occlusion=0.02/patient-year"),
    ("occlusion=-1/patient-year", "occlusion=0.02/patient-year"),
    ("pocket_fill=2/refill", "at most 1"),
])
def test_bad_rate_specs_say_the_right_form(text, hint) -> None:
    with pytest.raises(ValueError) as exc:
        parse_rate(text)
    assert hint in str(exc.value)


def _cli(argv, capsys):
    from pyemu.cli.main import main
    try:
        rc = main(argv)
    except SystemExit as exc:   # argparse's own usage errors
        rc = exc.code
    return rc, *capsys.readouterr()


@pytest.mark.parametrize("spec", ["occlusion", "pocket_fill=0.1/patient-year", "gremlins=1/refill"])
def test_cli_bad_rate_is_a_usage_error_showing_the_right_form(spec, capsys) -> None:
    rc, out, err = _cli(["fleet", "--plant", "-q", "--plot", "", "-n", "2", "--rate", spec], capsys)
    assert rc == 2
    assert "/patient-year" in err or "/refill" in err


@pytest.mark.parametrize("argv,says", [(["--rate", "mri=0.1/patient-year"], "--plant"),
                                       (["--plant", "--span", "101y"], "100 years")])
def test_cli_rate_without_plant_and_a_span_beyond_the_batch_are_usage_errors(argv, says, capsys) -> None:
    rc, out, err = _cli(["fleet", "-q", "--plot", "", "-n", "2"] + argv, capsys)
    assert rc == 2 and says in err


def test_cli_rates_table_json_and_throughput(tmp_path, capsys) -> None:
    """Invariant: the given rates (and only they) are drawn, the table shows expected beside
    observed, the throughput is printed and the JSON holds the same rows."""
    js = tmp_path / "plant.json"
    rc, out, err = _cli(["fleet", "--plant", "-n", "30", "--seed", "2", "-j", "1", "--plot", "",
                         "--rate", "pocket-fill=1/refill", "--rate", "mri=0/patient-year",
                         "--json", str(js)], capsys)
    assert rc == 0, err
    assert "pocket_fill" in err and "deprecated" in err       # the hyphen spelling's note
    assert "30/30 patients" in err                             # progress on stderr
    assert "patient-years/s" in out and "expected" in out
    assert "pocket_fill=1/refill" in out
    data = json.loads(js.read_text())
    rows = {r["fault"]: r for r in data["rows"]}
    assert rows["pocket_fill"]["patients"] == 30 and rows["pocket_fill"]["expected"] == pytest.approx(30)
    assert {r["fault"]: r["observed"] for r in data["rates"]} == {"pocket_fill": 30, "mri": 0}
    assert len(data["patients"]) == 30


def test_cli_writes_the_plot(tmp_path, capsys) -> None:
    need_module("matplotlib", "plot")
    png = tmp_path / "plant.png"
    rc, out, err = _cli(["fleet", "--plant", "-n", "40", "--seed", "5", "-j", "1", "-q",
                         "--plot", str(png)], capsys)
    assert rc == 0, err
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert f"plot: {png}" in out


@pytest.mark.parametrize("plant", [["--plant"], []])
@pytest.mark.parametrize("option", ["--plot", "--json"])
def test_cli_an_output_file_that_cannot_be_written_is_a_usage_error_before_the_run(
        plant, option, tmp_path, capsys) -> None:
    """A --plot or --json in a missing folder is refused before any patient is simulated
    (exit 2, naming the file), not a traceback after the whole run."""
    target = tmp_path / "no-such-folder" / ("out.png" if option == "--plot" else "out.json")
    argv = ["fleet", "-n", "2", "-j", "1"] + plant + (["--plot", ""] if option == "--json" else [])
    rc, out, err = _cli(argv + [option, str(target)], capsys)
    assert rc == 2, err
    assert str(target) in err and "patients (" not in err and out == ""


def test_cli_the_same_fault_given_twice_is_a_usage_error(capsys) -> None:
    """Two --rate for one fault would silently keep the last: refused, naming both."""
    rc, out, err = _cli(["fleet", "--plant", "-q", "--plot", "", "-n", "2", "--rate", "occlusion=0.02/patient-year",
                         "--rate", "occlusion=0.05/patient-year"], capsys)
    assert rc == 2 and "occlusion" in err and "twice" in err, err
