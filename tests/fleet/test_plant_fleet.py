"""The fleet with the physical plant (pyemu.therapy.fleet_plant over the C batch
device_fleet_run): which clinical check catches which fault, and when."""
from __future__ import annotations

import pytest

from pyemu.therapy.fleet_plant import run_plant_fleet, simulate

# a rate of 5 per patient-year puts an onset in the year of nearly every patient
NEARLY_ALL = 5.0


def test_healthy_patients_raise_no_check() -> None:
    """Invariant: without a fault no clinical check fires (no false positives)."""
    patients = simulate(15, seed=5, rates={})
    assert all(p.onsets == {} for p in patients)
    assert all(d is None for p in patients for d in p.first.values())
    assert all(p.dry_days == 0 and p.stalled_days == 0 and p.tissue_ug == 0 for p in patients)


def test_flow_error_is_caught_by_the_refill_reconciliation_when_beyond_its_tolerance() -> None:
    """20 % or more over 30 days is beyond the 1 mL tolerance; 5 % (0.75 mL at most) never is."""
    patients = simulate(40, seed=7, rates={"flow_error": NEARLY_ALL})
    seen = set()
    for p in patients:
        if not p.onsets:
            continue
        pct = abs(int(p.detail.split()[1]))
        flagged = p.first["refill_reconciliation"]
        onset = p.onsets["flow_error"]
        if pct >= 20 and 365 - onset > 60:
            assert flagged is not None and flagged - onset <= 60, p
            seen.add("caught")
        if pct == 5:
            assert flagged is None, p
            seen.add("missed")
    assert seen == {"caught", "missed"}


def test_mri_is_caught_at_once_by_the_motor_stall_alarm_and_stops_delivery_until_the_visit() -> None:
    patients = [p for p in simulate(10, seed=9, rates={"mri": NEARLY_ALL}) if p.onsets]
    assert patients
    for p in patients:
        assert p.first["motor_stall"] == p.onsets["mri"]
        # stalled from the scan to the next refill visit (the interrogation), at most 30 days
        assert 1 <= p.stalled_days <= 30 or p.onsets["mri"] >= 360


def test_occlusion_is_caught_by_no_check_and_the_drug_backs_up() -> None:
    patients = [p for p in simulate(10, seed=11, rates={"occlusion": NEARLY_ALL}) if p.onsets]
    assert patients
    for p in patients:
        assert all(d is None or d < p.onsets["occlusion"] for d in p.first.values()), p
        assert p.held_ug > 0 or p.onsets["occlusion"] >= 364


def test_pocket_fill_is_flagged_at_the_next_refill() -> None:
    patients = [p for p in simulate(10, seed=13, rates={"pocket_fill": 0.3}) if p.onsets]
    assert len({p.onsets["pocket_fill"] for p in patients}) > 1   # not always the first refill
    for p in patients:
        assert p.tissue_ug == pytest.approx(20_000)   # the whole 20 mL of 1 mg/mL
        if p.onsets["pocket_fill"] + 30 < 365:
            assert p.first["refill_reconciliation"] == p.onsets["pocket_fill"] + 30
        assert p.dry_days >= 25 or p.onsets["pocket_fill"] + 30 >= 365


def test_the_table_is_the_same_for_a_seed_and_names_every_fault() -> None:
    rates = {"flow_error": 1.0, "occlusion": 1.0, "pocket_fill": 0.1, "mri": 1.0}
    a = run_plant_fleet(30, seed=3, rates=rates, workers=1)
    assert a.figures() == run_plant_fleet(30, seed=3, rates=rates, workers=1).figures()
    text = a.format_text()
    for fault in ("none", "flow_error", "occlusion", "pocket_fill", "mri"):
        assert fault in text


def test_fault_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        simulate(1, rates={"gremlins": 0.1})
    with pytest.raises(ValueError, match="out of range"):
        simulate(1, rates={"pocket_fill": 1.5})
    with pytest.raises(ValueError, match="out of range"):
        simulate(1, rates={"mri": -0.1})


def test_pyemu_fleet_plant_prints_the_table_and_writes_json(tmp_path, capsys) -> None:
    import json

    from pyemu.cli.main import main
    out_json = tmp_path / "plant.json"
    assert main(["fleet", "--plant", "-n", "25", "--seed", "2", "--plot", "", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "reconciliation" in out and "pocket_fill" in out and "patient-years/s" in out
    data = json.loads(out_json.read_text())
    assert sum(r["patients"] for r in data["rows"]) == 25
    assert all(p["onsets"] for p in data["patients"])       # records of faulted patients only
