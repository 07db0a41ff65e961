/*
 * test_core.c — C-level test of the dosing core, run under ASan/UBSan by
 * `make ctest`. Exits non-zero and names each failed check.
 */
#include "pump.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_eq.h"

#define DAY 86400000ull
#define SNAP_MAX 20000u
#define LOG_BYTES (12u + 512u * 17u)   /* the event ring: last part of the body */

static pump_t pa, pb, pc;
static uint8_t snap_a[SNAP_MAX], snap_b[SNAP_MAX];

static size_t snap(const pump_t *p, uint8_t *buf)
{
    size_t len = 0;
    CHECK_EQ(pump_snapshot_save(p, buf, SNAP_MAX, &len), PUMP_OK);
    CHECK_EQ(len, pump_snapshot_size());
    return len;
}

/* Dosing state equal (everything but the event ring and CRC). */
static int same_dosing_state(const pump_t *a, const pump_t *b)
{
    size_t n = snap(a, snap_a);
    (void)snap(b, snap_b);
    return memcmp(snap_a, snap_b, n - 4u - LOG_BYTES) == 0;
}

static void new_pump(pump_t *p, uint32_t stroke_nl)
{
    pump_config_t cfg;
    pump_default_config(&cfg);
    cfg.stroke_nl = stroke_nl;
    CHECK_EQ(pump_init(p, &cfg), PUMP_OK);
}

static void simple_rx(pump_prescription_t *rx, uint32_t rate, uint32_t limit_ug)
{
    memset(rx, 0, sizeof *rx);
    rx->drug = PUMP_DRUG_OTHER;
    rx->conc_ug_ml = 10000u;
    rx->n_steps = 1u;
    rx->steps[0].rate_nl_day = rate;
    rx->max_dose_ug_24h = limit_ug;
    rx->low_reservoir_nl = PUMP_LOW_RESERVOIR_DEFAULT_NL;
}

static void running_pump(pump_t *p, uint32_t rate)
{
    pump_prescription_t rx;
    new_pump(p, PUMP_DEFAULT_STROKE_NL);
    CHECK_EQ(pump_refill(p, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    simple_rx(&rx, rate, 1000000u);
    CHECK_EQ(pump_prescribe(p, &rx), PUMP_OK);
}

static int log_has(const pump_t *p, uint16_t kind, uint32_t data0, uint32_t data1)
{
    static pump_event_t ev[PUMP_LOG_CAPACITY];
    uint32_t n = pump_read_events(p, 0u, ev, PUMP_LOG_CAPACITY, NULL);
    uint32_t i;
    for (i = 0; i < n; i++) {
        if (ev[i].kind == kind && ev[i].data0 == data0 && ev[i].data1 == data1) {
            return 1;
        }
    }
    return 0;
}

static void test_init_and_config(void)
{
    pump_config_t cfg;
    pump_status_t st;
    new_pump(&pa, PUMP_DEFAULT_STROKE_NL);
    pump_get_status(&pa, &st);
    CHECK_EQ(st.state, PUMP_STATE_STOPPED);
    CHECK_EQ(st.alarms, 0u);
    CHECK_EQ(st.last_event_seq, 1u);
    CHECK_EQ(pump_check(&pa), PUMP_OK);
    (void)snap(&pa, snap_b);
    pump_default_config(&cfg);
    cfg.reservoir_capacity_nl = 30000000u;
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_E_CONFIG);
    CHECK_EQ(pump_init(NULL, &cfg), PUMP_E_ARG);
    CHECK(memcmp(snap_b, snap_a, snap(&pa, snap_a)) == 0);
}

static void test_refusals_leave_state(void)
{
    pump_prescription_t rx;
    pump_prescription_t got;
    running_pump(&pa, 500000u);
    CHECK_EQ(pump_advance(&pa, DAY / 3u), PUMP_OK);
    pb = pa;
    simple_rx(&rx, 10u, 100000u);
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_E_RATE_RANGE);
    simple_rx(&rx, 500000u, 100000u);
    rx.conc_ug_ml = 20000u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_E_CONCENTRATION);
    simple_rx(&rx, 24000000u, 1000u);   /* 240,000 µg/day basal > 1000 µg limit */
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_E_DOSE_LIMIT);
    simple_rx(&rx, 500000u, 100000u);
    rx.n_steps = 2u;
    rx.steps[1].start_min = 0u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_E_STEPS);
    CHECK_EQ(pump_refill(&pa, 20000001u, PUMP_DRUG_OTHER, 10000u), PUMP_E_OVERFILL);
    CHECK_EQ(pump_clinician_bolus(&pa, 0u, 1000u), PUMP_E_BOLUS_RANGE);
    CHECK_EQ(pump_clinician_bolus(&pa, 1000000u, 1000u), PUMP_E_BOLUS_RANGE);  /* > 1 mL/min */
    CHECK_EQ(pump_cancel_bolus(&pa), PUMP_E_NO_BOLUS);
    CHECK_EQ(pump_resume(&pa), PUMP_E_NOT_SUSPENDED);
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_E_PB_DISABLED);
    CHECK_EQ(pump_advance(&pa, 5u), PUMP_E_TIME);
    CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_EOS), PUMP_E_ALARM);
    CHECK_EQ(pump_inject_fault(&pa, 9u), PUMP_E_FAULT_KIND);
    CHECK_EQ(pump_clear_fault(&pa, PUMP_FAULT_MEMORY), PUMP_E_NO_FAULT);
    CHECK(same_dosing_state(&pa, &pb));
    CHECK_EQ(pump_get_prescription(&pa, &got), PUMP_OK);
    CHECK_EQ(got.steps[0].rate_nl_day, 500000u);
    CHECK(log_has(&pa, PUMP_EV_PRESCRIBE_REFUSED, 0u, PUMP_E_DOSE_LIMIT));
    CHECK(log_has(&pa, PUMP_EV_PATIENT_DENIED, 0u, PUMP_E_PB_DISABLED));
    CHECK_EQ(pump_check(&pa), PUMP_OK);
}

/* |pumped - integral of rate| < one stroke while delivering. */
static void test_rate_accuracy(void)
{
    uint64_t t;
    running_pump(&pa, 500000u);
    for (t = 1u; t < 3u * DAY; t += 7777777u) {
        pump_status_t st;
        uint64_t integral;
        uint64_t pumped_u;
        CHECK_EQ(pump_advance(&pa, t), PUMP_OK);
        pump_get_status(&pa, &st);
        integral = 500000ull * t;                 /* nL*ms/day */
        pumped_u = st.pumped_nl * DAY;
        CHECK(pumped_u <= integral && integral - pumped_u < 250ull * DAY);
    }
    CHECK_EQ(pump_next_stroke_ms(&pa) % 43200u, 0u);  /* 250 nL at 0.5 mL/day: every 43.2 s */
}

static void schedule_rx(pump_prescription_t *rx)
{
    simple_rx(rx, 24000000u, 1000000u);
    rx->n_steps = 3u;
    rx->steps[1].start_min = 7u;
    rx->steps[1].rate_nl_day = 48000u;
    rx->steps[2].start_min = 600u;
    rx->steps[2].rate_nl_day = 0u;
    rx->low_reservoir_nl = 19000000u;
    rx->pb_enabled = 1u;
    rx->pb_volume_nl = 100000u;
    rx->pb_duration_ms = 60000u;
    rx->pb_lockout_ms = 3600000u;
    rx->pb_max_per_24h = 4u;
}

static void scenario(pump_t *p, uint64_t step)
{
    static const uint64_t at[] = {1000u, 5000000u, 90000000u, 100000000u, 110000000u,
                                  200000000u, 400000000u, 2000000000u};
    pump_prescription_t rx;
    uint64_t t = 0u;
    uint32_t i;
    pump_config_t cfg;
    pump_default_config(&cfg);
    cfg.battery_capacity_nc = 30000000000ull;
    CHECK_EQ(pump_init(p, &cfg), PUMP_OK);
    CHECK_EQ(pump_refill(p, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    schedule_rx(&rx);
    CHECK_EQ(pump_prescribe(p, &rx), PUMP_OK);
    for (i = 0u; i < sizeof at / sizeof at[0]; i++) {
        while (t < at[i]) {
            t = (t + step < at[i]) ? t + step : at[i];
            CHECK_EQ(pump_advance(p, t), PUMP_OK);
        }
        switch (i) {
        case 0: case 2: case 6: (void)pump_patient_bolus(p); break;
        case 1: CHECK_EQ(pump_clinician_bolus(p, 333333u, 777777u), PUMP_OK); break;
        case 3: CHECK_EQ(pump_inject_fault(p, PUMP_FAULT_MOTOR_STALL), PUMP_OK); break;
        case 4: CHECK_EQ(pump_clear_fault(p, PUMP_FAULT_MOTOR_STALL), PUMP_OK); break;
        case 5: CHECK_EQ(pump_refill(p, 19500000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK); break;
        default: break;
        }
    }
}

static void test_jump_equals_steps(void)
{
    static const uint64_t steps[] = {1u, 999u, 60000u, 1234567u};
    uint32_t i;
    size_t n;
    scenario(&pa, UINT64_MAX / 4u);
    n = snap(&pa, snap_a);
    for (i = 0u; i < sizeof steps / sizeof steps[0]; i++) {
        if (steps[i] == 1u) {
            continue;   /* 2e9 single-ms calls would take minutes under ASan */
        }
        scenario(&pb, steps[i]);
        (void)snap(&pb, snap_b);
        CHECK(memcmp(snap_a, snap_b, n) == 0);
    }
    CHECK(log_has(&pa, PUMP_EV_ALARM_RAISED, PUMP_ALARM_MOTOR_STALL, 0u));
    CHECK(log_has(&pa, PUMP_EV_BOLUS_END, PUMP_BOLUS_CLINICIAN, 333333u));
}

static void test_long_advance(void)
{
    pump_status_t st;
    static pump_event_t ev[PUMP_LOG_CAPACITY];
    uint32_t n;
    uint32_t i;
    int eri_seen = 0;
    int eos_after_eri = 0;
    uint64_t t;
    running_pump(&pa, 500000u);
    /* Refill every 30 days for 8 years: ERI after ~7 years, then EOS. */
    for (t = 30u * DAY; t <= 8u * 366u * DAY; t += 30u * DAY) {
        CHECK_EQ(pump_advance(&pa, t), PUMP_OK);
        CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    }
    pump_get_status(&pa, &st);
    CHECK(st.eri == 1u && st.battery_nc == 0u);
    CHECK_EQ(st.state, PUMP_STATE_HALTED);
    CHECK(st.pumped_nl > 1000000000u);
    n = pump_read_events(&pa, 0u, ev, PUMP_LOG_CAPACITY, NULL);
    for (i = 0u; i < n; i++) {
        if (ev[i].kind == PUMP_EV_ALARM_RAISED && ev[i].data0 == PUMP_ALARM_ERI) {
            eri_seen = 1;
            CHECK(ev[i].time_ms > 6u * 365u * DAY && ev[i].time_ms < 8u * 365u * DAY);
        }
        if (ev[i].kind == PUMP_EV_ALARM_RAISED && ev[i].data0 == PUMP_ALARM_EOS) {
            eos_after_eri = eri_seen;
        }
    }
    CHECK(eri_seen && eos_after_eri);
    CHECK_EQ(pump_clinician_bolus(&pa, 1000u, 60000u), PUMP_E_EOS);
    CHECK_EQ(pump_check(&pa), PUMP_OK);
    /* Maximum rate for 7 years in one call: empties, halts, battery runs out. */
    running_pump(&pb, 24000000u);
    CHECK_EQ(pump_advance(&pb, 7u * 366u * DAY), PUMP_OK);
    pump_get_status(&pb, &st);
    CHECK(st.reservoir_nl < 250u);
    CHECK(st.alarms & PUMP_ALARM_RESERVOIR_EMPTY);
}

static void test_snapshot(void)
{
    size_t n;
    size_t i;
    scenario(&pa, UINT64_MAX / 4u);
    n = snap(&pa, snap_a);
    CHECK_EQ(pump_snapshot_load(&pc, snap_a, n), PUMP_OK);
    CHECK(memcmp(snap_a, snap_b, snap(&pc, snap_b)) == 0);
    pb = pc;
    for (i = 0u; i < n; i += 997u) {       /* any flipped bit: refused, pump untouched */
        snap_a[i] ^= 0x10u;
        CHECK(pump_snapshot_load(&pc, snap_a, n) != PUMP_OK);
        snap_a[i] ^= 0x10u;
    }
    CHECK_EQ(pump_snapshot_load(&pc, snap_a, n - 1u), PUMP_E_SNAPSHOT_SIZE);
    snap_a[0] = 'X';
    CHECK_EQ(pump_snapshot_load(&pc, snap_a, n), PUMP_E_SNAPSHOT_MAGIC);
    snap_a[0] = 'P';
    {
        uint8_t version = snap_a[4];
        snap_a[4] = 9u;
        CHECK_EQ(pump_snapshot_load(&pc, snap_a, n), PUMP_E_SNAPSHOT_VERSION);
        snap_a[4] = version;
    }
    /* Valid CRC over a state that breaks an invariant (reservoir 50 mL). */
    {
        size_t off = 12u + 44u + 8u + 1u + 1u + 221u + 4u;   /* reservoir_nl */
        uint32_t crc;
        snap_a[off + 3u] = 0x03u;
        crc = pump_crc32(0u, snap_a, n - 4u);
        snap_a[n - 4u] = (uint8_t)crc;
        snap_a[n - 3u] = (uint8_t)(crc >> 8);
        snap_a[n - 2u] = (uint8_t)(crc >> 16);
        snap_a[n - 1u] = (uint8_t)(crc >> 24);
        CHECK_EQ(pump_snapshot_load(&pc, snap_a, n), PUMP_E_SNAPSHOT_INVALID);
    }
    CHECK(memcmp(&pb, &pc, sizeof pb) == 0);
    {
        static const uint8_t check[] = "123456789";
        CHECK_EQ(pump_crc32(0u, check, 9u), 0xCBF43926u);
    }
}

static void test_patient_bolus(void)
{
    pump_prescription_t rx;
    uint32_t granted = 0u;
    uint32_t i;
    new_pump(&pa, PUMP_DEFAULT_STROKE_NL);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 1000u), PUMP_OK);
    simple_rx(&rx, 500000u, 700u);          /* basal 500 µg/day, limit 700 µg */
    rx.conc_ug_ml = 1000u;
    rx.pb_enabled = 1u;
    rx.pb_volume_nl = 50000u;                /* 50 µg each */
    rx.pb_duration_ms = 600000u;
    rx.pb_lockout_ms = 3600000u;
    rx.pb_max_per_24h = 6u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_OK);
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_E_BOLUS_ACTIVE);
    CHECK_EQ(pump_advance(&pa, 1800000u), PUMP_OK);
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_E_LOCKOUT);
    for (i = 1u; i <= 23u; i++) {
        CHECK_EQ(pump_advance(&pa, i * 3600000ull), PUMP_OK);
        if (pump_patient_bolus(&pa) == PUMP_OK) {
            granted++;
        }
    }
    /* 500 basal + 4 x 50 = 700: a 5th within 24 h would break the limit. */
    CHECK_EQ(granted, 3u);
    CHECK(log_has(&pa, PUMP_EV_PATIENT_DENIED, 0u, PUMP_E_DOSE_LIMIT));
    /* The t=0 bolus ran until 10 min: it counts until 24 h after that. */
    CHECK_EQ(pump_advance(&pa, DAY + 600000u - 1u), PUMP_OK);
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_E_DOSE_LIMIT);
    CHECK_EQ(pump_advance(&pa, DAY + 600000u), PUMP_OK);
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_OK);
    CHECK(pump_check(&pa) == PUMP_OK);
    {
        pump_status_t st;
        pump_get_status(&pa, &st);
        CHECK(st.alarms & PUMP_ALARM_DOSE_LIMIT);
        CHECK(st.dose_24h_ug <= 700u);
        CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_DOSE_LIMIT), PUMP_OK);
        pump_get_status(&pa, &st);
        CHECK_EQ(st.alarms & PUMP_ALARM_DOSE_LIMIT, 0u);
    }
}

/* A bolus counts against the limit until 24 h after its credit ended, so a
 * long bolus's tail and a new bolus never share a window beyond the limit. */
static void test_dose_window(void)
{
    pump_prescription_t rx;
    new_pump(&pa, PUMP_DEFAULT_STROKE_NL);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 1000u), PUMP_OK);
    simple_rx(&rx, 48000u, 148u);            /* basal 48 µg/day, limit 148 µg */
    rx.conc_ug_ml = 1000u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(pump_clinician_bolus(&pa, 90000u, (uint32_t)DAY), PUMP_OK);   /* 90 µg over 24 h */
    CHECK_EQ(pump_advance(&pa, DAY + 1u), PUMP_OK);
    CHECK_EQ(pump_clinician_bolus(&pa, 90000u, 60000u), PUMP_E_DOSE_LIMIT);
    CHECK_EQ(pump_advance(&pa, 2u * DAY), PUMP_OK);
    CHECK_EQ(pump_clinician_bolus(&pa, 90000u, 60000u), PUMP_OK);
}

static void test_stall(void)
{
    pump_status_t st;
    uint64_t pumped;
    running_pump(&pa, 500000u);
    CHECK_EQ(pump_clinician_bolus(&pa, 10000u, 600000u), PUMP_OK);
    CHECK_EQ(pump_inject_fault(&pa, PUMP_FAULT_MOTOR_STALL), PUMP_OK);
    CHECK_EQ(pump_advance(&pa, DAY), PUMP_OK);
    pump_get_status(&pa, &st);
    CHECK_EQ(st.pumped_nl, 0u);
    CHECK_EQ(st.failed_strokes, 1u);
    CHECK_EQ(st.state, PUMP_STATE_HALTED);
    CHECK(st.alarms & PUMP_ALARM_MOTOR_STALL);
    CHECK_EQ(st.bolus_kind, PUMP_BOLUS_NONE);
    CHECK(log_has(&pa, PUMP_EV_BOLUS_CANCELLED, PUMP_BOLUS_CLINICIAN, PUMP_E_STALLED));
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_E_PB_DISABLED);
    CHECK_EQ(pump_clinician_bolus(&pa, 1000u, 60000u), PUMP_E_STALLED);
    CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_MOTOR_STALL), PUMP_OK);
    pump_get_status(&pa, &st);
    CHECK(st.alarms & PUMP_ALARM_MOTOR_STALL);
    CHECK_EQ(st.unacked_alarms & PUMP_ALARM_MOTOR_STALL, 0u);
    CHECK_EQ(pump_clear_fault(&pa, PUMP_FAULT_MOTOR_STALL), PUMP_OK);
    pump_get_status(&pa, &st);
    CHECK_EQ(st.alarms & PUMP_ALARM_MOTOR_STALL, 0u);
    pumped = st.pumped_nl;
    CHECK_EQ(pump_advance(&pa, 2u * DAY), PUMP_OK);
    pump_get_status(&pa, &st);
    CHECK(st.pumped_nl > pumped);
}

/* After a refill at another concentration the tip sees the old drug until
 * the dead volume has been pushed out; mass is conserved exactly. */
static void test_catheter(void)
{
    pump_prescription_t rx;
    pump_balance_t b;
    pump_status_t st;
    uint64_t before;
    running_pump(&pa, 1000000u);                   /* 1 mL/day */
    CHECK_EQ(pump_advance(&pa, DAY), PUMP_OK);     /* 1 mL pushed: catheter full of drug */
    pump_get_balance(&pa, &b);
    CHECK_EQ(b.in_catheter_pg, (uint64_t)PUMP_DEFAULT_DEAD_VOLUME_NL * 10000u);
    CHECK_EQ(b.delivered_pg, (1000000ull - PUMP_DEFAULT_DEAD_VOLUME_NL) * 10000u);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 20000u), PUMP_OK);
    pump_get_status(&pa, &st);
    CHECK_EQ(st.state, PUMP_STATE_SUSPENDED);   /* another concentration: suspended */
    simple_rx(&rx, 1000000u, 100000u);
    rx.conc_ug_ml = 20000u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(pump_resume(&pa), PUMP_OK);
    before = st.delivered_pg;
    CHECK_EQ(pump_advance(&pa, DAY + DAY / 5u), PUMP_OK);   /* 0.2 mL: still the old drug */
    pump_get_status(&pa, &st);
    CHECK_EQ(st.delivered_pg - before, 200000ull * 10000u);
    CHECK_EQ(pump_advance(&pa, 2u * DAY), PUMP_OK);
    pump_get_status(&pa, &st);
    CHECK_EQ(st.delivered_pg - before,
             (uint64_t)PUMP_DEFAULT_DEAD_VOLUME_NL * 10000u +
             (1000000ull - PUMP_DEFAULT_DEAD_VOLUME_NL) * 20000u);
    pump_get_balance(&pa, &b);
    CHECK_EQ(b.pumped_pg, b.delivered_pg + b.in_catheter_pg);
    CHECK_EQ(b.filled_nl, b.discarded_nl + b.pumped_nl + b.reservoir_nl);
}

/* Many concentration changes inside one dead volume: the FIFO merges slugs
 * and mass stays exact. */
static void test_catheter_merge(void)
{
    pump_prescription_t rx;
    pump_balance_t b;
    uint32_t i;
    running_pump(&pa, 24000000u);
    for (i = 1u; i <= 40u; i++) {
        uint32_t conc = 1000u + 37u * i;
        CHECK_EQ(pump_advance(&pa, i * 300000ull), PUMP_OK);   /* 5 min = 83 µL */
        CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, conc), PUMP_OK);
        simple_rx(&rx, 24000000u, 10000000u);
        rx.conc_ug_ml = conc;
        CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
        CHECK_EQ(pump_resume(&pa), PUMP_OK);
        CHECK_EQ(pump_check(&pa), PUMP_OK);
    }
    CHECK_EQ(pump_advance(&pa, DAY / 2u), PUMP_OK);
    pump_get_balance(&pa, &b);
    CHECK_EQ(b.pumped_pg, b.delivered_pg + b.in_catheter_pg);
    CHECK_EQ(pump_check(&pa), PUMP_OK);
}

static void test_event_ring(void)
{
    static pump_event_t ev[PUMP_LOG_CAPACITY];
    uint32_t first = 0u;
    uint32_t n;
    uint32_t i;
    new_pump(&pa, PUMP_DEFAULT_STROKE_NL);
    for (i = 0u; i < 700u; i++) {
        pump_note_reset(&pa);
    }
    n = pump_read_events(&pa, 0u, ev, PUMP_LOG_CAPACITY, &first);
    CHECK_EQ(n, PUMP_LOG_CAPACITY);
    CHECK_EQ(first, 701u - PUMP_LOG_CAPACITY + 1u);
    CHECK_EQ(ev[0].seq, first);
    CHECK_EQ(ev[n - 1u].seq, 701u);
    n = pump_read_events(&pa, 700u, ev, 10u, &first);
    CHECK_EQ(n, 2u);
    CHECK_EQ(pump_check(&pa), PUMP_OK);
}

static void test_dose_to_rate(void)
{
    uint32_t r = 7u;
    CHECK_EQ(pump_dose_to_rate(5000u, 10000u, &r), PUMP_OK);
    CHECK_EQ(r, 500000u);
    CHECK_EQ(pump_dose_to_rate(1u, 3u, &r), PUMP_OK);     /* 333,333.3 -> 333,333 */
    CHECK_EQ(r, 333333u);
    CHECK_EQ(pump_dose_to_rate(1u, 100000u, &r), PUMP_E_RATE_RANGE);
    CHECK_EQ(r, 333333u);
    CHECK_EQ(pump_dose_to_rate(1u, 0u, &r), PUMP_E_CONCENTRATION);
}

int main(void)
{
    test_init_and_config();
    test_refusals_leave_state();
    test_rate_accuracy();
    test_jump_equals_steps();
    test_long_advance();
    test_snapshot();
    test_patient_bolus();
    test_dose_window();
    test_stall();
    test_catheter();
    test_catheter_merge();
    test_event_ring();
    test_dose_to_rate();
    if (failures != 0) {
        (void)fprintf(stderr, "test_core: %d check(s) failed\n", failures);
        return 1;
    }
    (void)printf("test_core: all checks passed\n");
    return 0;
}
