/*
 * test_plant.c — the physical plant through the device (run under ASan/UBSan
 * by `make ctest`): faults injected with PLANT_FAULT, the truth read with
 * GET_TRUTH, and what the firmware sees and its clinical checks catch.
 * The host-side helpers are firmware/tests/device_host.h (shared with test_device.c).
 */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "proto_msgs.h"

#include "device_host.h"

/* ---- plant helpers ---------------------------------------------------------- */

#define DAY_MS 86400000ull

static void advance(device_t *d, uint16_t *seq, uint64_t delta_ms)
{
    proto_msg_t m;
    frame_t r;

    (void)memset(&m, 0, sizeof m);
    m.advance.delta_ms = delta_ms;
    r = reply_to(d, PROTO_MSG_ADVANCE, (*seq)++, &m);
    CHECK(r.type == PROTO_MSG_STATUS);
}

static int plant_fault(device_t *d, uint16_t *seq, uint8_t fault, uint8_t action, uint32_t value,
                       uint32_t target, uint32_t duration_ms, uint32_t delay_ms)
{
    proto_msg_t m;
    frame_t r;

    (void)memset(&m, 0, sizeof m);
    m.plant_fault.fault = fault;
    m.plant_fault.action = action;
    m.plant_fault.value = value;
    m.plant_fault.target = target;
    m.plant_fault.duration_ms = duration_ms;
    m.plant_fault.delay_ms = delay_ms;
    r = reply_to(d, PROTO_MSG_PLANT_FAULT, (*seq)++, &m);
    return is_ack(&r, PROTO_MSG_PLANT_FAULT) ? 0 : nak_reason(&r);
}

static proto_truth_t truth(device_t *d, uint16_t *seq)
{
    proto_truth_t t;
    frame_t r = reply_to(d, PROTO_MSG_GET_TRUTH, (*seq)++, NULL);

    (void)memset(&t, 0, sizeof t);
    CHECK(r.type == PROTO_MSG_TRUTH && proto_decode_truth(r.payload, r.len, &t) == PROTO_OK);
    return t;
}

static pump_status_t status(const device_t *d)
{
    pump_status_t st;
    pump_get_status(device_pump(d), &st);
    return st;
}

static proto_refill_result_t reconcile(device_t *d, uint16_t *seq, uint32_t withdrawn_nl)
{
    proto_msg_t m;
    proto_refill_result_t res;
    frame_t r;

    (void)memset(&m, 0, sizeof m);
    (void)memset(&res, 0, sizeof res);
    m.refill_reconcile.volume_nl = 20000000u;
    m.refill_reconcile.drug = (uint8_t)PROTO_DRUG_MORPHINE;
    m.refill_reconcile.conc_ug_ml = 1000u;
    m.refill_reconcile.withdrawn_nl = withdrawn_nl;
    r = reply_to(d, PROTO_MSG_REFILL_RECONCILE, (*seq)++, &m);
    CHECK(r.type == PROTO_MSG_REFILL_RESULT && proto_decode_refill_result(r.payload, r.len, &res) == PROTO_OK);
    return res;
}

static uint64_t absdiff(uint64_t a, uint64_t b)
{
    return (a > b) ? a - b : b - a;
}

/* ---- tests ------------------------------------------------------------------ */

/* Without a fault the truth is the firmware's belief, exactly. */
static void test_no_fault_truth_is_the_firmware(void)
{
    uint16_t seq = 1u;
    proto_truth_t t;
    pump_status_t st;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    advance(&dev, &seq, 30u * DAY_MS + 12345u);
    t = truth(&dev, &seq);
    st = status(&dev);
    CHECK(t.reservoir_nl == st.reservoir_nl);
    CHECK(t.intrathecal_pg == st.delivered_pg);
    CHECK(t.moved_nl == st.pumped_nl);
    CHECK(t.tissue_pg == 0u && t.held_pg == 0u && t.faults == 0u);
    CHECK(t.catheter == PROTO_CATHETER_PATENT && t.factor_ppm == 1000000u);
}

/* +20 % for 30 days at 0.5 mL/day from 20 mL: the firmware says 5 mL, the
 * reservoir holds 2 mL; the refill reconciliation flags over-infusion. */
static void test_overinfusion_found_at_refill(void)
{
    uint16_t seq = 1u;
    proto_truth_t t;
    pump_status_t st;
    proto_refill_result_t res;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_FLOW_ERROR, PROTO_FAULT_ACTION_INJECT, 1200000u, 0u, 0u, 0u) == 0);
    advance(&dev, &seq, 30u * DAY_MS);
    t = truth(&dev, &seq);
    st = status(&dev);
    CHECK(absdiff(st.reservoir_nl, 5000000u) <= 250u);
    CHECK(absdiff(t.reservoir_nl, 2000000u) <= 300u);
    CHECK(t.factor_ppm == 1200000u);
    /* mass at the tip: 1.2 x the firmware's, within a stroke's rounding */
    CHECK(absdiff(t.intrathecal_pg, st.delivered_pg + st.delivered_pg / 5u) <= 1000u * 300u);
    CHECK((st.alarms & PUMP_ALARM_LOW_RESERVOIR) == 0u);   /* computed, not measured: silent */
    res = reconcile(&dev, &seq, t.reservoir_nl);
    CHECK(res.verdict == PROTO_REFILL_VERDICT_POSSIBLE_OVER_INFUSION);
    CHECK(absdiff(res.discrepancy_nl, 3000000u) <= 550u);
    t = truth(&dev, &seq);
    CHECK(t.reservoir_nl == 20000000u);
}

/* Over-infusion empties the real reservoir days before the firmware's
 * low-reservoir alarm: no alarm, and nothing more reaches the patient. */
static void test_silent_run_dry(void)
{
    uint16_t seq = 1u;
    proto_truth_t t1;
    proto_truth_t t2;
    pump_status_t st;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_FLOW_ERROR, PROTO_FAULT_ACTION_INJECT, 1200000u, 0u, 0u, 0u) == 0);
    advance(&dev, &seq, 34u * DAY_MS);     /* dry at 33.3 days */
    t1 = truth(&dev, &seq);
    advance(&dev, &seq, DAY_MS);
    t2 = truth(&dev, &seq);
    st = status(&dev);
    CHECK(t1.reservoir_nl == 0u && t2.reservoir_nl == 0u);
    CHECK(t2.intrathecal_pg == t1.intrathecal_pg);
    CHECK(st.reservoir_nl > 2000000u && st.alarms == 0u && st.state == PUMP_STATE_RUNNING);
}

/* Occlusion: the firmware counts delivery, nothing reaches the tip; with a
 * stall count the motor stalls and the firmware raises MOTOR_STALL. */
static void test_occlusion(void)
{
    uint16_t seq = 1u;
    proto_truth_t t0;
    proto_truth_t t1;
    pump_status_t s0;
    pump_status_t s1;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    advance(&dev, &seq, 2u * DAY_MS);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_OCCLUSION, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 0u, 0u) == 0);
    t0 = truth(&dev, &seq);
    s0 = status(&dev);
    advance(&dev, &seq, 5u * DAY_MS);
    t1 = truth(&dev, &seq);
    s1 = status(&dev);
    CHECK(t1.catheter == PROTO_CATHETER_OCCLUDED);
    CHECK(t1.intrathecal_pg == t0.intrathecal_pg);
    CHECK(s1.delivered_pg > s0.delivered_pg && t1.held_pg == s1.delivered_pg - s0.delivered_pg);
    CHECK(s1.alarms == 0u);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_OCCLUSION, PROTO_FAULT_ACTION_CLEAR, 0u, 0u, 0u, 0u) == 0);
    CHECK(truth(&dev, &seq).catheter == PROTO_CATHETER_PATENT);

    /* stall after 10 strokes of back-pressure */
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_OCCLUSION, PROTO_FAULT_ACTION_INJECT, 10u, 0u, 0u, 0u) == 0);
    s0 = status(&dev);
    advance(&dev, &seq, DAY_MS);
    s1 = status(&dev);
    CHECK(s1.strokes - s0.strokes == 10u);
    CHECK((s1.alarms & PUMP_ALARM_MOTOR_STALL) != 0u && s1.state == PUMP_STATE_HALTED);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_OCCLUSION, PROTO_FAULT_ACTION_CLEAR, 0u, 0u, 0u, 0u) == 0);
    CHECK((status(&dev).alarms & PUMP_ALARM_MOTOR_STALL) == 0u);
}

/* Leak and disconnection send the drug to the tissue. */
static void test_leak_and_disconnect(void)
{
    uint16_t seq = 1u;
    proto_truth_t t;
    pump_status_t st;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    advance(&dev, &seq, DAY_MS);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_LEAK, PROTO_FAULT_ACTION_INJECT, 500000u, 0u, 0u, 0u) == 0);
    advance(&dev, &seq, 4u * DAY_MS);
    t = truth(&dev, &seq);
    st = status(&dev);
    CHECK(t.catheter == PROTO_CATHETER_LEAKING);
    CHECK(t.tissue_pg > 0u && t.intrathecal_pg + t.tissue_pg == st.delivered_pg);
    /* one catheter state: the disconnection replaces the leak */
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_DISCONNECT, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 0u, 0u) == 0);
    t = truth(&dev, &seq);
    CHECK(t.catheter == PROTO_CATHETER_DISCONNECTED && t.leak_ppm == 0u &&
          t.faults == (1u << PROTO_FAULT_DISCONNECT));
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_LEAK, PROTO_FAULT_ACTION_CLEAR, 0u, 0u, 0u, 0u) == PUMP_E_NO_FAULT);
    advance(&dev, &seq, DAY_MS);
    CHECK(truth(&dev, &seq).intrathecal_pg == t.intrathecal_pg);
    CHECK(truth(&dev, &seq).tissue_pg > t.tissue_pg);
}

/* Pocket fill: the tissue gets the refill, the reservoir nothing; the next
 * refill's reconciliation flags it. */
static void test_pocket_fill(void)
{
    uint16_t seq = 1u;
    proto_truth_t t;
    proto_refill_result_t res;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    advance(&dev, &seq, 20u * DAY_MS);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_POCKET_FILL, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 0u, 0u) == 0);
    CHECK(truth(&dev, &seq).pocket_fill == 1u);
    res = reconcile(&dev, &seq, truth(&dev, &seq).reservoir_nl);
    CHECK(res.verdict == PROTO_REFILL_VERDICT_WITHIN_TOLERANCE);   /* this refill's check passes */
    t = truth(&dev, &seq);
    CHECK(t.reservoir_nl == 0u && t.tissue_pg == 20000000ull * 1000u && t.pocket_fill == 0u);
    CHECK(status(&dev).reservoir_nl == 20000000u);
    advance(&dev, &seq, 10u * DAY_MS);
    res = reconcile(&dev, &seq, truth(&dev, &seq).reservoir_nl);
    CHECK(res.verdict != PROTO_REFILL_VERDICT_WITHIN_TOLERANCE && res.withdrawn_nl == 0u);
}

/* MRI: the motor stalls for the scan; recovery at interrogation waits for
 * the next HELLO/GET_STATUS, logged; immediate and delayed rules. */
static void test_mri(void)
{
    uint16_t seq = 1u;
    pump_status_t st;
    uint64_t strokes;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    advance(&dev, &seq, DAY_MS);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_MRI, PROTO_FAULT_ACTION_INJECT,
                      PROTO_MRI_RECOVERY_INTERROGATION, 0u, 2700000u, 0u) == 0);
    advance(&dev, &seq, 2u * DAY_MS);
    st = status(&dev);
    CHECK((st.alarms & PUMP_ALARM_MOTOR_STALL) != 0u && st.state == PUMP_STATE_HALTED);
    CHECK(count_events(&dev, PUMP_EV_MRI_ENDED) == 1u && count_events(&dev, PUMP_EV_MRI_RECOVERED) == 0u);
    CHECK(truth(&dev, &seq).mri == 2u);   /* GET_TRUTH is not an interrogation */
    {   /* the interrogation's reply shows the stalled pump; then the motor runs */
        proto_status_t ps;
        frame_t r = reply_to(&dev, PROTO_MSG_GET_STATUS, seq++, NULL);
        CHECK(r.type == PROTO_MSG_STATUS && proto_decode_status(r.payload, r.len, &ps) == PROTO_OK);
        CHECK(ps.state == PROTO_STATE_HALTED && (ps.alarms & PROTO_ALARM_BITS_MOTOR_STALL) != 0u);
    }
    st = status(&dev);
    CHECK((st.alarms & PUMP_ALARM_MOTOR_STALL) == 0u && st.state == PUMP_STATE_RUNNING);
    CHECK(count_events(&dev, PUMP_EV_MRI_RECOVERED) == 1u);
    strokes = st.strokes;
    advance(&dev, &seq, DAY_MS);
    CHECK(status(&dev).strokes > strokes);

    /* immediate */
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_MRI, PROTO_FAULT_ACTION_INJECT,
                      PROTO_MRI_RECOVERY_IMMEDIATE, 0u, 2700000u, 0u) == 0);
    advance(&dev, &seq, 2700000u);
    CHECK(status(&dev).state == PUMP_STATE_RUNNING && count_events(&dev, PUMP_EV_MRI_RECOVERED) == 2u);

    /* after a 2 h delay */
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_MRI, PROTO_FAULT_ACTION_INJECT,
                      PROTO_MRI_RECOVERY_DELAY, 0u, 2700000u, 7200000u) == 0);
    advance(&dev, &seq, 2700000u + 3600000u);
    CHECK(status(&dev).state == PUMP_STATE_HALTED);
    advance(&dev, &seq, 3600000u);
    CHECK(status(&dev).state == PUMP_STATE_RUNNING && count_events(&dev, PUMP_EV_MRI_RECOVERED) == 3u);
}

/* A drift moves the factor per day from value to target. */
static void test_drift(void)
{
    uint16_t seq = 1u;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_FLOW_ERROR, PROTO_FAULT_ACTION_INJECT,
                      1000000u, 1300000u, 30u * 86400000u, 0u) == 0);
    advance(&dev, &seq, 15u * DAY_MS);
    CHECK(truth(&dev, &seq).factor_ppm == 1150000u);
    advance(&dev, &seq, 30u * DAY_MS);
    CHECK(truth(&dev, &seq).factor_ppm == 1300000u);
}

/* Refusals: no test features, parameters, kinds, absent faults. */
static void test_refusals(void)
{
    uint16_t seq = 1u;
    frame_t r;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_OCCLUSION, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 0u, 0u)
          == PROTO_NAK_UNSUPPORTED);
    r = reply_to(&dev, PROTO_MSG_GET_TRUTH, seq++, NULL);
    CHECK(nak_reason(&r) == PROTO_NAK_UNSUPPORTED);

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_MOTOR_STALL, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 0u, 0u)
          == PUMP_E_FAULT_KIND);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_FLOW_ERROR, PROTO_FAULT_ACTION_INJECT, 2000001u, 0u, 0u, 0u)
          == PROTO_NAK_BAD_FIELD);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_FLOW_ERROR, PROTO_FAULT_ACTION_INJECT, 1000000u, 0u, 0u, 0u)
          == PROTO_NAK_BAD_FIELD);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_LEAK, PROTO_FAULT_ACTION_INJECT, 1000000u, 0u, 0u, 0u)
          == PROTO_NAK_BAD_FIELD);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_MRI, PROTO_FAULT_ACTION_INJECT, 1u, 0u, 2700000u, 0u)
          == PROTO_NAK_BAD_FIELD);   /* DELAY without a delay */
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_MRI, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 1000u, 0u)
          == PROTO_NAK_BAD_FIELD);   /* scan shorter than a minute */
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_LEAK, PROTO_FAULT_ACTION_CLEAR, 0u, 0u, 0u, 0u)
          == PUMP_E_NO_FAULT);
    CHECK(plant_fault(&dev, &seq, 200u, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 0u, 0u) == PROTO_NAK_BAD_FIELD ||
          plant_fault(&dev, &seq, 200u, PROTO_FAULT_ACTION_INJECT, 0u, 0u, 0u, 0u) == PUMP_E_FAULT_KIND);
}

/* The plant survives a save/load (image version 4); a version-3 image loads
 * with a patent, error-free plant that agrees with the core. */
static void test_image(void)
{
    uint16_t seq = 1u;
    size_t len = 0u;
    size_t v3len;
    size_t plant_at;
    proto_truth_t t;
    pump_status_t st;
    uint32_t crc;
    size_t pos;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    CHECK(plant_fault(&dev, &seq, PROTO_FAULT_FLOW_ERROR, PROTO_FAULT_ACTION_INJECT, 1200000u, 0u, 0u, 0u) == 0);
    advance(&dev, &seq, 10u * DAY_MS);
    t = truth(&dev, &seq);
    CHECK(device_save(&dev, image, sizeof image, &len) == DEVICE_OK);
    CHECK(image[4] == 4u && len == device_image_size());
    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    CHECK(device_load(&dev, image, len) == DEVICE_OK);
    CHECK(truth(&dev, &seq).reservoir_nl == t.reservoir_nl);
    CHECK(truth(&dev, &seq).factor_ppm == 1200000u);
    CHECK(truth(&dev, &seq).intrathecal_pg == t.intrathecal_pg);

    /* the same image as version 3: drop the plant block (just before the
     * snapshot size), fix version, size and CRC */
    plant_at = len - 4u - pump_snapshot_size() - 4u - PLANT_IMAGE_LEN;
    (void)memmove(&image[plant_at], &image[plant_at + PLANT_IMAGE_LEN], len - plant_at - PLANT_IMAGE_LEN);
    v3len = len - PLANT_IMAGE_LEN;
    image[4] = 3u;
    pos = 8u;
    proto_put_u32(image, &pos, (uint32_t)v3len);
    crc = proto_crc32(0u, image, v3len - 4u);
    pos = v3len - 4u;
    proto_put_u32(image, &pos, crc);
    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    CHECK(device_load(&dev, image, v3len) == DEVICE_OK);
    t = truth(&dev, &seq);
    st = status(&dev);
    CHECK(t.factor_ppm == 1000000u && t.faults == 0u && t.reservoir_nl == st.reservoir_nl &&
          t.intrathecal_pg == st.delivered_pg);

    /* a corrupt plant block (catheter 9) is refused */
    CHECK(device_save(&dev, image, sizeof image, &len) == DEVICE_OK);
    plant_at = len - 4u - pump_snapshot_size() - 4u - PLANT_IMAGE_LEN;
    image[plant_at + 64u] = 9u;   /* catheter: after 40 B of truth and 24 B of mechanism */
    crc = proto_crc32(0u, image, len - 4u);
    pos = len - 4u;
    proto_put_u32(image, &pos, crc);
    CHECK(device_load(&dev, image, len) == DEVICE_E_IMAGE_INVALID);
}

/* The fleet batch: a planned year in one call, deterministic, the checks' first days. */
static void test_fleet_batch(void)
{
    device_fleet_plan_t p;
    device_fleet_result_t a;
    device_fleet_result_t b;

    (void)memset(&p, 0, sizeof p);
    p.seed = 7u;
    p.serial = 1u;
    p.span_days = 365u;
    p.capacity_nl = 20000000u;
    p.fill_nl = 20000000u;
    p.drug = (uint16_t)PUMP_DRUG_MORPHINE;
    p.conc_ug_ml = 1000u;
    p.rate_nl_day = 500000u;
    p.max_dose_ug_24h = 2000u;
    p.low_reservoir_nl = 2000000u;
    p.refill_interval_days = 30u;
    p.pb_requests_max = 2u;
    p.pb_volume_nl = 20000u;
    p.pb_duration_ms = 600000u;
    p.pb_lockout_ms = 10800000u;
    p.pb_max_per_24h = 3u;
    p.flow_onset_day = DEVICE_FLEET_NEVER;
    p.flow_factor_ppm = 1000000u;
    p.occlusion_onset_day = DEVICE_FLEET_NEVER;
    p.mri_day = DEVICE_FLEET_NEVER;
    p.mri_duration_ms = 2700000u;
    p.mri_recovery = (uint8_t)PLANT_MRI_RECOVERY_INTERROGATION;
    CHECK(device_fleet_run(&dev, &p, &a) == DEVICE_OK);
    CHECK(a.refills == 12u && a.flagged_refills == 0u && a.first_flagged_day == DEVICE_FLEET_NEVER);
    CHECK(a.intrathecal_pg == a.delivered_pg && a.boluses_granted > 0u);
    p.flow_onset_day = 10u;
    p.flow_factor_ppm = 1200000u;
    CHECK(device_fleet_run(&dev, &p, &a) == DEVICE_OK);
    CHECK(device_fleet_run(&dev, &p, &b) == DEVICE_OK);
    CHECK(memcmp(&a, &b, sizeof a) == 0);              /* the plan alone decides */
    CHECK(a.first_flagged_day == 30u && a.intrathecal_pg > a.delivered_pg);
    p.flow_onset_day = DEVICE_FLEET_NEVER;
    p.mri_day = 50u;
    CHECK(device_fleet_run(&dev, &p, &a) == DEVICE_OK);
    CHECK(a.first_motor_stall_day == 50u && a.stalled_days == 10u);   /* until the day-60 visit */
    /* a scan at 14:00 of a refill day comes after the 10:00 visit: stalled until the next one */
    p.mri_day = 60u;
    CHECK(device_fleet_run(&dev, &p, &a) == DEVICE_OK);
    CHECK(a.first_motor_stall_day == 60u && a.stalled_days == 30u);   /* until the day-90 visit */
    p.span_days = DEVICE_FLEET_MAX_DAYS + 1u;
    CHECK(device_fleet_run(&dev, &p, &a) == DEVICE_E_ARG);
    p.span_days = 365u;
    p.pb_requests_max = DEVICE_FLEET_MAX_REQUESTS + 1u;
    CHECK(device_fleet_run(&dev, &p, &a) == DEVICE_E_ARG);
}

int main(void)
{
    test_no_fault_truth_is_the_firmware();
    test_overinfusion_found_at_refill();
    test_silent_run_dry();
    test_occlusion();
    test_leak_and_disconnect();
    test_pocket_fill();
    test_mri();
    test_drift();
    test_refusals();
    test_image();
    test_fleet_batch();
    if (failures != 0) {
        printf("test_plant: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_plant: all checks passed\n");
    return 0;
}
