"""The fleet with the physical plant (pyemu.therapy.fleet_plant over the C batch
device_fleet_run): which clinical check catches which fault, and when."""
from __future__ import annotations

import pytest

from pyemu.therapy.fleet_plant import detection_table, format_table, simulate


def test_healthy_patients_raise_no_check() -> None:
    """Invariant: without a fault no clinical check fires (no false positives)."""
    patients = simulate(15, seed=5, rates={})
    assert {p.fault for p in patients} == {"none"}
    assert all(d is None for p in patients for d in p.first.values())
    assert all(p.dry_days == 0 and p.stalled_days == 0 and p.tissue_ug == 0 for p in patients)


def test_flow_error_is_caught_by_the_refill_reconciliation_when_beyond_its_tolerance() -> None:
    """20 % or more over 30 days is beyond the 1 mL tolerance; 5 % (0.75 mL at most) never is."""
    patients = simulate(40, seed=7, rates={"flow_error": 1.0})
    seen = set()
    for p in patients:
        pct = abs(int(p.detail.split()[0]))
        flagged = p.first["refill_reconciliation"]
        room = 365 - p.onset_day
        if pct >= 20 and room > 60:
            assert flagged is not None and flagged - p.onset_day <= 60, p
            seen.add("caught")
        if pct == 5:
            assert flagged is None, p
            seen.add("missed")
    assert seen == {"caught", "missed"}


def test_mri_is_caught_at_once_by_the_motor_stall_alarm_and_stops_delivery_until_the_visit() -> None:
    patients = simulate(10, seed=9, rates={"mri": 1.0})
    for p in patients:
        assert p.first["motor_stall"] == p.onset_day
        # stalled from the scan to the next refill visit (the interrogation), at most 30 days
        assert 1 <= p.stalled_days <= 30 or p.onset_day >= 360


def test_occlusion_is_caught_by_no_check_and_the_drug_backs_up() -> None:
    patients = simulate(10, seed=11, rates={"occlusion": 1.0})
    for p in patients:
        assert all(d is None or d < p.onset_day for d in p.first.values()), p
        assert p.held_ug > 0 or p.onset_day >= 364


def test_pocket_fill_is_flagged_at_the_next_refill() -> None:
    patients = simulate(10, seed=13, rates={"pocket_fill": 1.0})
    for p in patients:
        assert p.tissue_ug == pytest.approx(20_000)   # the whole 20 mL of 1 mg/mL
        if p.onset_day + 30 < 365:
            assert p.first["refill_reconciliation"] == p.onset_day + 30
        assert p.dry_days >= 25


def test_the_table_is_the_same_for_a_seed_and_names_every_fault() -> None:
    a = format_table(detection_table(simulate(30, seed=3)))
    b = format_table(detection_table(simulate(30, seed=3)))
    assert a == b
    for fault in ("none", "flow_error", "occlusion", "pocket_fill", "mri"):
        assert fault in a


def test_fault_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        simulate(1, rates={"gremlins": 0.1})
    with pytest.raises(ValueError, match="at most 1"):
        simulate(1, rates={"mri": 0.7, "occlusion": 0.7})


def test_pyemu_fleet_plant_prints_the_table_and_writes_json(tmp_path, capsys) -> None:
    import json

    from pyemu.cli.main import main
    out_json = tmp_path / "plant.json"
    assert main(["fleet", "--plant", "-n", "25", "--seed", "2", "--plot", "", "--json", str(out_json)]) == 0
    out = capsys.readouterr().out
    assert "refill_reconciliation" in out and "pocket_fill" in out and "patient-years/s" in out
    data = json.loads(out_json.read_text())
    assert len(data["patients"]) == 25 and {r["fault"] for r in data["rows"]} <= {
        "none", "flow_error", "occlusion", "pocket_fill", "mri"}
