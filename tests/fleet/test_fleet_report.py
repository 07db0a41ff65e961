"""The fleet report agrees with the per-patient results it summarises, and those with the log."""
from __future__ import annotations

import json
import math

import pytest

from pyemu.therapy.fleet import run_fleet, simulate_patient
from pyemu.therapy.fleet_report import ALARM_KINDS, DAYS_PER_YEAR, MS_PER_DAY

N, SPAN, SEED = 20, 365, 5


@pytest.fixture(scope="module")
def report():
    return run_fleet(N, SPAN, SEED, workers=1)


def test_population_figures_are_the_sums_of_the_patients(report):
    """Invariant: every population figure is recomputed from the patient rows and matches."""
    ps = report.patients
    assert [p.index for p in ps] == list(range(N))
    assert report.n_patients == N
    assert math.isclose(report.patient_years, N * SPAN / DAYS_PER_YEAR)
    for kind in ALARM_KINDS:
        total = sum(p.alarms.get(kind, 0) for p in ps)
        assert report.alarms[kind] == total
        assert math.isclose(report.alarms_per_patient_year[kind], total / report.patient_years)
    reasons = {r for p in ps for r in p.denied}
    assert report.denied == {r: sum(p.denied.get(r, 0) for p in ps) for r in sorted(reasons)}
    assert report.requests == sum(p.requests for p in ps)
    assert report.granted == sum(p.granted for p in ps)
    assert report.dose_limit_hits == sum(p.dose_limit_hits for p in ps)
    assert math.isclose(report.days_empty, sum(p.empty_ms for p in ps) / MS_PER_DAY)
    assert report.patients_ever_empty == sum(1 for p in ps if p.empty_ms)
    assert report.refills == sum(p.refills for p in ps)
    assert report.late_refills == sum(p.late_refills for p in ps)
    assert sum(report.drugs.values()) == N
    eri = sorted(p.eri_days / DAYS_PER_YEAR for p in ps)
    assert report.years_to_eri["min"] == eri[0] and report.years_to_eri["max"] == eri[-1]
    assert eri[0] <= report.years_to_eri["p50"] <= eri[-1]


def test_every_request_is_logged_as_granted_or_denied(report):
    """Invariant: the requests the script made equal the log's granted + denied entries
    (counted independently: one from the script, the other from the pump's log)."""
    for p in report.patients:
        assert p.events_missed == 0
        assert p.granted + sum(p.denied.values()) == p.requests, p
        assert p.dose_limit_hits >= p.denied.get("dose_limit", 0)
        assert 0 <= p.empty_ms <= SPAN * MS_PER_DAY
        assert p.late_refills <= p.refills


def test_the_population_exercises_what_the_report_counts(report):
    """Invariant: a year of 20 plausible patients produces lockout refusals, granted
    boluses, refills and low-reservoir alarms: the report is not vacuously zero."""
    assert report.granted > 0
    assert report.denied.get("lockout", 0) > 0 and report.denied.get("count", 0) > 0
    assert report.refills >= N
    assert report.alarms["low_reservoir"] > 0
    # Nobody reaches ERI in the first year, and projections sit in a plausible battery life.
    assert report.eri_observed == 0
    assert 2.0 < report.years_to_eri["min"] <= report.years_to_eri["max"] < 30.0


def test_a_patient_is_the_same_alone_or_in_a_fleet(report):
    """Invariant: simulate_patient(seed, i) reproduces row i of the fleet."""
    assert simulate_patient(SEED, 7, SPAN) == report.patients[7]


def test_report_renders_as_text_json_and_png(report, tmp_path):
    """Invariant: the text names every alarm kind, JSON round-trips the figures, the PNG exists."""
    text = report.format_text()
    for kind in ALARM_KINDS:
        assert kind in text
    data = json.loads(report.to_json(with_patients=True))
    assert data["alarms"] == report.alarms and len(data["patients"]) == N
    png = report.plot(str(tmp_path / "fleet.png"))
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_report_alarm_kinds_are_the_cores_alarms_in_bit_order():
    """Invariant: the report's alarm names are the core's alarm bits, lower-cased, in bit order
    (the report module stays free of the C extension, so it keeps its own copy)."""
    from pyemu.pump import core

    assert ALARM_KINDS == tuple(a.name.lower() for a in sorted(core.Alarm, key=int))
