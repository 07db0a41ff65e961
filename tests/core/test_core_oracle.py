"""The C core and the Python oracle (pyemu.testing.oracle) agree after every command.

A hypothesis RuleBasedStateMachine issues random commands — time jumps, jumps
to exactly the next stroke, refills (often tiny, often with another drug),
prescriptions, every bolus kind, suspend/resume, alarm acks, faults,
telemetry, resets and snapshot round trips — to both, and after every step
compares the refusal code, the full status, the balance sheet, the stored
prescription and the event log (kinds, times and data).
"""
from __future__ import annotations

from hypothesis import event, given, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pyemu.testing import oracle
from pyemu.pump.core import Config, Drug, Prescription, Pump, Step

from core_support import (CONCS, DRUGS, U, assert_same, configs, events_tuple, prescriptions,
                          refusal, scaled)

# The oracle walks stroke by stroke: keep each jump under this many strokes.
STROKE_BUDGET = 1500


class CoreMatchesOracle(RuleBasedStateMachine):
    """Invariant: after every command, C and oracle report the same state and log."""

    @initialize(cfg=configs(), setup=st.sampled_from(("implant", "filled", "running", "running")),
                drug=st.sampled_from(DRUGS), conc=st.sampled_from(CONCS[1:]), data=st.data())
    def start(self, cfg, setup, drug, conc, data):
        self.pump = Pump(cfg)
        self.model = oracle.Oracle(cfg)
        self.cfg = cfg
        self.seen = 0
        if setup == "implant":
            return
        if drug == Drug.SALINE:
            conc = data.draw(st.sampled_from((0, conc)))
        volume = data.draw(st.sampled_from((cfg.reservoir_capacity_nl, 2_000_000, 40 * cfg.stroke_nl)))
        assert self.both("refill", volume, drug, conc) == 0
        if setup == "running":
            rx = data.draw(prescriptions(drug, conc, cfg.reservoir_capacity_nl))
            assert self.both("prescribe", rx) == 0

    def both(self, name, *args):
        rc_c = refusal(getattr(self.pump, name), *args)
        rc_o = refusal(getattr(self.model, name), *args)
        assert rc_c == rc_o, f"{name}{args}: C returned {rc_c}, oracle {rc_o}"
        event(f"{name} -> {rc_c}")
        return rc_c

    # ---------------------------------------------------------------- time
    def _max_dt(self) -> int:
        m = self.model
        rate = max((r for _, r in m.rx.steps), default=0) if m.rx else 0
        if m.bolus is not None:
            rate += m.bolus.rate
        if rate == 0:
            return 40 * U
        return max(1, STROKE_BUDGET * self.cfg.stroke_nl * U // rate)

    @rule(dt=st.one_of(st.integers(0, 1000), st.integers(0, 3_600_000),
                       st.integers(0, 3 * U), st.sampled_from((U - 1, U, U + 1, 30 * U))))
    def advance(self, dt):
        dt = min(dt, self._max_dt())
        self.both("advance", self.pump.now_ms + dt)

    @rule(offset=st.sampled_from((-1, 0, 0, 1)))
    def advance_to_next_stroke(self, offset):
        t = self.pump.next_stroke_ms()
        if t is None or t - self.pump.now_ms > self._max_dt():
            return
        self.both("advance", max(self.pump.now_ms, t + offset))

    @rule(back=st.integers(1, 10))
    def advance_backwards(self, back):
        if self.pump.now_ms >= back:
            assert self.both("advance", self.pump.now_ms - back) == oracle.E_TIME

    # ---------------------------------------------------------------- reservoir / prescription
    @rule(volume=st.one_of(st.sampled_from((0, 1, 250, 999, 1000, 50_000, 2_000_000, 20_000_000,
                                            40_000_000, 40_000_001)),
                           st.integers(0, 3_000_000)),
          drug=st.one_of(st.sampled_from(DRUGS), st.sampled_from((0, 4, 6, 7, 999))),
          conc=st.one_of(st.sampled_from(CONCS), st.sampled_from((1, 100_000, 100_001))),
          same=st.booleans())
    def refill(self, volume, drug, conc, same):
        s = self.pump.status()
        if same and s.drug != Drug.NONE:
            drug, conc = s.drug, s.conc_ug_ml
        self.both("refill", volume, drug, conc)

    @rule(data=st.data(), matching=st.booleans())
    def prescribe(self, data, matching):
        s = self.pump.status()
        if matching and s.drug != Drug.NONE:
            drug, conc = int(s.drug), s.conc_ug_ml
        else:
            drug = data.draw(st.sampled_from((*DRUGS, 0, 7)))
            conc = data.draw(st.sampled_from((*CONCS, 100_001)))
        rx = data.draw(prescriptions(drug % 7 or 1, conc, self.cfg.reservoir_capacity_nl))
        if drug != rx.drug:
            rx = Prescription(drug, rx.conc_ug_ml, rx.steps, rx.max_dose_ug_24h, rx.low_reservoir_nl)
        self.both("prescribe", rx)

    @rule(rate=st.sampled_from((0, 1, 47_999, 24_000_001)), start=st.sampled_from((0, 1, 1440)))
    def prescribe_bad(self, rate, start):
        s = self.pump.status()
        rx = Prescription(Drug(s.drug), s.conc_ug_ml, (Step(start, rate),), 100_000_000)
        self.both("prescribe", rx)

    # ---------------------------------------------------------------- boluses
    bolus_volumes = st.one_of(st.sampled_from((0, 1, 250, 10_000, 100_000, 20_000_001)),
                              st.integers(1, 2_000_000))
    bolus_durations = st.one_of(st.sampled_from((0, 1, 7, 1000, 60_000, 3_600_000, U, U + 1)),
                                st.integers(1, 6 * 3_600_000))

    @rule(volume=bolus_volumes, duration=bolus_durations)
    def clinician_bolus(self, volume, duration):
        self.both("clinician_bolus", volume, duration)

    @rule(volume=st.one_of(st.just(0), bolus_volumes), duration=bolus_durations)
    def prime_bolus(self, volume, duration):
        self.both("prime_bolus", volume, duration)

    @rule()
    def patient_bolus(self):
        self.both("patient_bolus")

    @rule()
    def cancel_bolus(self):
        self.both("cancel_bolus")

    @rule()
    def suspend(self):
        self.both("suspend")

    @rule()
    def resume(self):
        self.both("resume")

    # ---------------------------------------------------------------- alarms, faults, battery
    @rule(data=st.data())
    def ack_alarm(self, data):
        active = int(self.pump.status().alarms)
        bits = [b for b in range(7) if active & (1 << b)]
        if bits and data.draw(st.booleans()):
            chosen = data.draw(st.sets(st.sampled_from(bits), min_size=1))
            mask = sum(1 << b for b in chosen)
        else:
            mask = data.draw(st.integers(0, 0xFF))
        self.both("ack_alarm", mask)

    @rule(inject=st.booleans(), fault=st.sampled_from((1, 1, 1, 2, 0, 3)))
    def fault(self, inject, fault):
        self.both("inject_fault" if inject else "clear_fault", fault)

    @rule(nbytes=st.one_of(st.integers(0, 100), st.integers(0, 2**32 - 1)))
    def count_telemetry(self, nbytes):
        self.both("count_telemetry", nbytes)

    @rule()
    def note_reset(self):
        self.both("note_reset")

    # ---------------------------------------------------------------- issue 12: clinical rules
    @rule(interval=st.one_of(st.sampled_from((0, 59_999, 60_000, 3_600_000, U, 7 * U, 7 * U + 1)),
                             st.integers(60_000, 4 * U)))
    def set_alarm_resound(self, interval):
        self.both("set_alarm_resound", interval)

    @rule(dead=st.one_of(st.sampled_from((0, 1, 250, 256_000, 2_000_000, 2_000_001)),
                         st.integers(0, 500_000)),
          suspend_first=st.booleans())
    def configure_implant(self, dead, suspend_first):
        if suspend_first:
            self.both("suspend")
        self.both("configure_implant", dead)

    @rule(volume=st.sampled_from((0, 1000, 2_000_000, 20_000_000, 40_000_001)),
          delta=st.one_of(st.sampled_from((0, 1, -1, 1_000_000, -1_000_000, 1_000_001, -1_000_001)),
                          st.integers(-3_000_000, 3_000_000)),
          absolute=st.sampled_from((None, 0, 40_000_000, 40_000_001)))
    def refill_reconciled(self, volume, delta, absolute):
        """Refill with the withdrawn volume: same refusal and the same reconciliation."""
        s = self.pump.status()
        if s.drug == Drug.NONE:
            return
        withdrawn = absolute if absolute is not None else max(0, s.reservoir_nl + delta)
        results = []
        for target in (self.pump, self.model):
            try:
                r = target.refill_reconciled(volume, s.drug, s.conc_ug_ml, withdrawn)
                results.append(tuple(int(getattr(r, k)) for k in (
                    "expected_nl", "withdrawn_nl", "discrepancy_nl", "delivered_nl",
                    "tolerance_nl", "verdict")))
            except Exception as e:  # PumpError / OracleError: compare reason codes
                results.append(("refused", e.reason_code))
        assert results[0] == results[1], f"refill_reconciled: C {results[0]}, oracle {results[1]}"
        event(f"refill_reconciled -> {results[0][-1] if results[0][0] != 'refused' else results[0]}")

    @rule()
    def snapshot_round_trip(self):
        image = self.pump.snapshot()
        self.pump = Pump.from_snapshot(image)
        assert self.pump.snapshot() == image

    @invariant()
    def same_state(self):
        if hasattr(self, "pump"):
            # log entries before `seen` were compared already; ring overwrites are checked
            # through first_available_seq
            assert_same(self.pump, self.model, "after step", self.seen)
            self.seen = self.model.seq + 1
            s = self.model.status()
            event(f"state {s.state}")
            for bit in range(7):
                if s.alarms & (1 << bit):
                    event(f"alarm bit {bit}")


CoreMatchesOracle.TestCase.settings = settings(
    settings(), max_examples=scaled(400), stateful_step_count=60)
test_core_matches_oracle_after_every_command = CoreMatchesOracle.TestCase


# ---------------------------------------------------------------------------------------
# Corners the random machine reaches too rarely, driven on purpose (same comparison).


def run_both(pump, model, name, *args):
    rc_c = refusal(getattr(pump, name), *args)
    rc_o = refusal(getattr(model, name), *args)
    assert rc_c == rc_o, f"{name}{args}: C {rc_c}, oracle {rc_o}"
    return rc_c


@settings(max_examples=scaled(40))
@given(dead=st.sampled_from((250, 2500, 256_000)), stroke=st.sampled_from((10, 250)),
       changes=st.lists(st.tuples(st.sampled_from((1, 2, 3, 5, 7, 11, 13, 100_000)),
                                  st.integers(1, 6)), min_size=17, max_size=40))
def test_catheter_fifo_mixing_beyond_16_slugs_matches_oracle(dead, stroke, changes):
    """Refilling with a new concentration every few strokes fills the catheter FIFO past
    16 slugs, so newest slugs mix; delivered and in-catheter mass still match the oracle
    exactly after every stroke burst, and everything comes out once flushed."""
    cfg = Config(stroke_nl=stroke, dead_volume_nl=dead)
    pump, model = Pump(cfg), oracle.Oracle(cfg)
    rate = 24_000_000
    for conc, strokes in changes:
        run_both(pump, model, "refill", 2_000_000, Drug.OTHER, conc)
        rx = Prescription(Drug.OTHER, conc, (Step(0, rate),), 100_000_000, low_reservoir_nl=1)
        run_both(pump, model, "prescribe", rx)
        if pump.status().suspended:
            run_both(pump, model, "resume")
        for _ in range(strokes):
            run_both(pump, model, "advance", pump.next_stroke_ms())
        assert_same(pump, model, f"conc {conc}")
        if any(slug.conc is None for slug in model.slugs):
            event("catheter holds a mixed slug")
    # flush: pump the whole dead volume through at the last concentration
    run_both(pump, model, "advance", pump.now_ms + (dead + stroke) * U // rate + 1)
    assert_same(pump, model, "after flush")
    assert pump.balance().in_catheter_pg == dead * changes[-1][0]


@settings(max_examples=scaled(40))
@given(gap=st.integers(1, 1000), extra=st.integers(0, 5), kind=st.sampled_from(("clinician", "prime")))
def test_full_bolus_record_refuses_with_count_like_the_oracle(gap, extra, kind):
    """The 65th bolus while 64 grants still count is refused with COUNT (logged, nothing
    else changes); once the oldest stops counting (24 h after its end) one more is granted."""
    pump, model = Pump(), oracle.Oracle()
    for target in (pump, model):
        target.refill(20_000_000, Drug.OTHER, 1)
        target.prescribe(Prescription(Drug.OTHER, 1, (Step(0, 100_000),), 100_000_000,
                                      low_reservoir_nl=1))
    name = f"{kind}_bolus"
    for i in range(64 + extra):
        run_both(pump, model, "advance", pump.now_ms + gap)
        code = run_both(pump, model, name, 1 + i % 3, 1)
        assert code == (0 if i < 64 else oracle.E_COUNT)
    assert_same(pump, model, "record full")
    first_end = next(e.time_ms for e in pump.events() if e.kind == 6)     # BOLUS_END
    run_both(pump, model, "advance", first_end + U - 1)
    assert run_both(pump, model, name, 1, 1) == oracle.E_COUNT
    run_both(pump, model, "advance", first_end + U)
    assert run_both(pump, model, name, 1, 1) == 0
    assert_same(pump, model, "after the oldest expired")


@settings(max_examples=scaled(40))
@given(volume=st.integers(1000, 200_000), stall_after=st.integers(0, 30), data=st.data())
def test_several_strokes_in_one_millisecond_match_the_oracle(volume, stall_after, data):
    """With 10 nL strokes, a fast bolus owes more than one stroke per ms: several strokes
    share an instant; a stall injected mid-bolus fails the first attempt of its instant."""
    cfg = Config(stroke_nl=10, dead_volume_nl=0)
    pump, model = Pump(cfg), oracle.Oracle(cfg)
    for target in (pump, model):
        target.refill(20_000_000, Drug.OTHER, 3)
        target.prescribe(Prescription(Drug.OTHER, 3, (Step(0, 24_000_000),), 100_000_000,
                                      low_reservoir_nl=1))
    duration = -(-volume * U // 1_440_000_000)          # the fastest bolus allowed
    assert run_both(pump, model, "clinician_bolus", volume, duration) == 0
    for step in range(40):
        if step == stall_after:
            run_both(pump, model, "inject_fault", 1)
        run_both(pump, model, "advance", pump.now_ms + data.draw(st.integers(0, 3), label="dt"))
        assert_same(pump, model, f"step {step}")


@settings(max_examples=scaled(10))
@given(n=st.integers(513, 1300), probe=st.integers(0, 1400), limit=st.integers(0, 600))
def test_event_ring_wraps_keeping_the_newest_512_with_unbroken_seq(n, probe, limit):
    """After more than 512 entries the ring keeps the newest 512, first_available_seq says
    where it starts, reads from any seq return the entries that are left, oldest first,
    at most `max` of them — as the oracle's plain list does."""
    pump, model = Pump(), oracle.Oracle()
    for i in range(n - 1):            # INIT plus n-1 resets: n entries
        run_both(pump, model, "note_reset")
        if i % 7 == 0:
            run_both(pump, model, "advance", pump.now_ms + i)
    assert pump.first_available_seq() == model.first_available_seq() == pump.status().last_event_seq - 511
    got = events_tuple(pump.events(probe, max=limit))
    assert got == events_tuple(model.events(probe, max=limit))
    first = max(probe, pump.first_available_seq())
    assert [e[0] for e in got] == list(range(first, min(first + limit, pump.status().last_event_seq + 1)))


@settings(max_examples=scaled(60))
@given(conc=st.sampled_from((1, 1000, 25_000)), data=st.data(),
       stream=st.lists(st.tuples(
           st.one_of(st.integers(0, 60_000), st.integers(0, 6 * 3_600_000), st.just(U)),
           st.sampled_from(("patient",) * 6 + ("clinician_bolus", "cancel_bolus", "suspend",
                                                "resume"))), min_size=1, max_size=40))
def test_patient_request_streams_match_the_oracle(conc, data, stream):
    """Lockout, count per 24 h, the 24-h limit and the denial reasons agree with the oracle
    over random patient-request streams (with clinician boluses, cancels, suspensions)."""
    rx = data.draw(prescriptions(Drug.OTHER, conc, CAP40, patient=True), label="rx")
    # keep the oracle quick: basal at most 1 mL/day (4,000 strokes a day)
    rx = Prescription(rx.drug, conc, tuple(Step(s.start_min, min(s.rate_nl_day, 1_000_000))
                                           for s in rx.steps),
                      rx.max_dose_ug_24h, rx.low_reservoir_nl, True, rx.pb_volume_nl,
                      rx.pb_duration_ms, rx.pb_lockout_ms, rx.pb_max_per_24h)
    cfg = Config(reservoir_capacity_nl=CAP40)
    pump, model = Pump(cfg), oracle.Oracle(cfg)
    run_both(pump, model, "refill", CAP40, Drug.OTHER, conc)
    run_both(pump, model, "prescribe", rx)
    for gap, what in stream:
        run_both(pump, model, "advance", pump.now_ms + gap)
        if what == "patient":
            event(f"patient -> {run_both(pump, model, 'patient_bolus')}")
        elif what == "clinician_bolus":
            run_both(pump, model, what, data.draw(st.integers(1, 200_000), label="vol"),
                     data.draw(st.integers(1, 3_600_000), label="dur"))
        else:
            run_both(pump, model, what)
        assert_same(pump, model, what)


CAP40 = 40_000_000
