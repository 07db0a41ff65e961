"""Exact volume and drug-mass conservation, and the catheter dead volume.

Volumes are nL and masses pg, all integers: the balance must hold exactly,
not approximately, after any sequence of commands.
"""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from pyemu.pump.core import Config, Drug, Prescription, Pump, State, Step

from core_support import CONCS, U, apply_op, configs, draw_op, scaled


def check_balance(pump: Pump, max_conc: int) -> None:
    b = pump.balance()
    s = pump.status()
    cfg = pump.config
    # initial reservoir is 0: initial + refilled == pumped + in reservoir + discarded
    assert b.filled_nl == b.pumped_nl + b.reservoir_nl + b.discarded_nl, b
    assert b.pumped_pg == b.delivered_pg + b.in_catheter_pg, b
    assert s.pumped_nl == b.pumped_nl == s.strokes * cfg.stroke_nl
    assert s.reservoir_nl == b.reservoir_nl <= cfg.reservoir_capacity_nl
    assert s.delivered_pg == b.delivered_pg
    # the tubing + catheter never holds more drug than its volume at the strongest concentration
    assert b.in_catheter_pg <= cfg.dead_volume_nl * max_conc


@settings(max_examples=scaled(100))
@given(cfg=configs(), data=st.data())
def test_volume_and_mass_conserved_exactly_after_every_random_command(cfg, data):
    """filled == pumped + reservoir + discarded (nL) and pumped_pg == delivered_pg +
    in_catheter_pg after every command of a random sequence, and nothing moves while
    the pump is suspended, halted (empty, EOS, stall, memory) or unprescribed."""
    pump = Pump(cfg)
    max_conc = 0
    for _ in range(data.draw(st.integers(1, 40), label="n_ops")):
        op = draw_op(data, pump)
        before = pump.status()
        code = apply_op(pump, op)
        if op[0] == "refill" and code == 0:
            max_conc = max(max_conc, op[1][2])
        after = pump.status()
        if op[0] == "advance" and (before.state in (State.SUSPENDED, State.HALTED)
                                   or pump.prescription() is None):
            # no command ran during this advance, so nothing could re-enable delivery
            assert (after.strokes, after.failed_strokes, after.pumped_nl, after.reservoir_nl) == \
                (before.strokes, before.failed_strokes, before.pumped_nl, before.reservoir_nl), op
            assert after.delivered_pg == before.delivered_pg
        check_balance(pump, max_conc)


@settings(max_examples=scaled(60))
@given(stroke=st.sampled_from((10, 250, 1000, 7000)),
       dead=st.one_of(st.sampled_from((0, 250, 256_000)), st.integers(1, 300_000)),
       conc_a=st.sampled_from(CONCS[1:]), conc_b=st.sampled_from((1, 777, 3000, 100_000)),
       stops=st.lists(st.integers(1, 3 * U), min_size=1, max_size=8))
def test_tip_dose_changes_only_once_the_old_drug_is_pushed_out(stroke, dead, conc_a, conc_b, stops):
    """After a refill at a new concentration, the first dead-volume's worth of strokes
    delivers the old drug, then the new: delivered mass since the switch is exactly
    A*min(pumped, dead) + B*max(0, pumped - dead)."""
    pump = Pump(Config(stroke_nl=stroke, dead_volume_nl=dead))
    pump.refill(20_000_000, Drug.OTHER, conc_a)
    rate = 24_000_000
    pump.prescribe(Prescription(Drug.OTHER, conc_a, (Step(0, rate),), 100_000_000))
    # fill the catheter with drug A: pump at least the dead volume
    while (s := pump.status()).pumped_nl < dead:
        pump.advance(s.now_ms + (dead - s.pumped_nl) * U // rate + 1)
    pump.refill(20_000_000, Drug.OTHER, conc_b)       # bridge: new concentration
    assert pump.status().state == State.SUSPENDED
    pump.prescribe(Prescription(Drug.OTHER, conc_b, (Step(0, rate),), 100_000_000))
    pump.resume()
    start = pump.status()
    for t in sorted(stops):
        pump.advance(start.now_ms + t)
        s = pump.status()
        moved = s.pumped_nl - start.pumped_nl
        expected = conc_a * min(moved, dead) + conc_b * max(0, moved - dead)
        assert s.delivered_pg - start.delivered_pg == expected, (moved, dead)
