"""Virtual patients: seeded per (seed, index), and always within what the core accepts."""
from __future__ import annotations

from pyemu.therapy.fleet_plan import DRUGS, NL_PER_ML, make_plan, patient_rng

CONC = {d.name: d.concentrations for d in DRUGS}


def test_a_patient_depends_only_on_seed_and_index():
    """Invariant: drawing other patients first does not change patient 9."""
    alone = make_plan(3, 9)
    for i in range(9):
        make_plan(3, i)
    assert make_plan(3, 9) == alone
    assert make_plan(4, 9) != alone
    assert patient_rng(3, 9).random() == patient_rng(3, 9).random()


def test_plans_are_clinically_plausible_and_within_the_core_ranges():
    """Invariant: every drawn prescription is one the core's prescribe() must accept:
    steps from minute 0 ascending, rates 0.048-24 mL/day, basal day under the dose limit,
    patient-bolus settings in range, refill interval 14-90 days."""
    drugs = set()
    for i in range(300):
        p = make_plan(1, i)
        drugs.add(p.drug)
        assert p.conc_ug_ml in CONC[p.drug]
        assert p.reservoir_nl in (20 * NL_PER_ML, 40 * NL_PER_ML)
        starts = [s for s, _ in p.steps]
        assert starts[0] == 0 and starts == sorted(set(starts)) and starts[-1] < 1440
        assert 1 <= len(p.steps) <= 6
        assert all(48_000 <= r <= 24_000_000 for _, r in p.steps)
        assert 90_000 <= p.basal_nl_day <= 2_500_000
        basal_ug = p.basal_nl_day * p.conc_ug_ml / NL_PER_ML
        assert basal_ug * 1.05 < p.max_dose_ug_24h
        assert p.low_reservoir_nl in (2 * NL_PER_ML, 3 * NL_PER_ML)
        assert 14 <= p.refill_interval_days <= 90
        if p.pb_enabled:
            assert 1_000 <= p.pb_volume_nl <= p.reservoir_nl
            assert p.pb_duration_ms <= p.pb_lockout_ms <= 86_400_000
            assert 1 <= p.pb_max_per_24h <= 24
            assert p.requests_per_day > 0
        else:
            assert p.requests_per_day == 0
    assert drugs == {d.name for d in DRUGS}
