/*
 * device_fleet.c — one planned virtual patient, days of therapy in one call
 * (device.h, FLEET BATCH): the fleet's per-day loop in C, with the physical
 * plant in the loop, so rare faults can be counted over many patient-years.
 */
#include <string.h>

#include "device.h"
#include "device_int.h"

#define FLEET_DAY_MS     86400000ull
#define FLEET_MIN_MS     60000ull
#define FLEET_CLINIC_MIN 600u          /* refills at 10:00 */
#define FLEET_MRI_MIN    840u          /* scans at 14:00 */
#define FLEET_WAKE_MIN   420u          /* patient requests 07:00 .. 23:00 */
#define FLEET_AWAKE_MIN  960u
#define FLEET_DAY_MIN    1440u

/* xorshift32: the patient's requests from its seed alone (never 0). */
static uint32_t fleet_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x;
    return x;
}

static int fleet_plant(device_t *d, uint8_t fault, uint32_t value, uint32_t duration_ms)
{
    plant_effect_t fx;
    if (plant_inject(&d->plant, fault, value, 0u, duration_ms, 0u, device_now_ms(d), &fx) != PLANT_OK) {
        return DEVICE_E_ARG;
    }
    return device_plant_effect(d, &fx);
}

static void first_day(uint32_t *slot, uint32_t day)
{
    if (*slot == DEVICE_FLEET_NEVER) {
        *slot = day;
    }
}

/* The day's new log entries: alarms raised and whether a stall is on. The
 * log, not pump_get_status, because the status computes projections the
 * fleet does not need (a third of the time per patient-year). A day writes
 * far fewer entries than the ring holds; if it ever wrote more, the oldest
 * are skipped (first_available), which can only delay a first day. */
static void read_day(device_t *d, uint32_t day, uint32_t *next_seq, uint8_t *stalled,
                     device_fleet_result_t *out)
{
    pump_event_t ev[16];
    uint32_t round;

    for (round = 0u; round < PUMP_LOG_CAPACITY / 16u + 1u; round++) {
        uint32_t first = 0u;
        uint32_t n = pump_read_events(&d->pump, *next_seq, ev, 16u, &first);
        uint32_t i;
        for (i = 0u; i < n; i++) {
            if (ev[i].kind == (uint16_t)PUMP_EV_ALARM_RAISED) {
                if ((ev[i].data0 & PUMP_ALARM_LOW_RESERVOIR) != 0u) {
                    first_day(&out->first_low_reservoir_day, day);
                }
                if ((ev[i].data0 & PUMP_ALARM_MOTOR_STALL) != 0u) {
                    first_day(&out->first_motor_stall_day, day);
                    *stalled = 1u;
                }
            } else if (ev[i].kind == (uint16_t)PUMP_EV_ALARM_CLEARED &&
                       (ev[i].data0 & PUMP_ALARM_MOTOR_STALL) != 0u) {
                *stalled = 0u;
            } else {
                /* other entries: not a clinical check of the fleet */
            }
            *next_seq = ev[i].seq + 1u;
        }
        if (n < 16u) {
            return;
        }
    }
}

/* Advance to minute m of the day starting at day0 (never backwards: events of the
 * same minute keep their order). */
static int fleet_at(device_t *d, uint64_t day0, uint32_t m)
{
    uint64_t t = day0 + (uint64_t)m * FLEET_MIN_MS;
    return (t > device_now_ms(d)) ? device_advance(d, t) : DEVICE_OK;
}

/* The refill visit at 10:00: the programmer interrogates the pump, the pocket fill
 * (if this is its refill), and the clinician withdraws what is really there. */
static int fleet_visit(device_t *d, const device_fleet_plan_t *pl, uint64_t day0, uint32_t day,
                       uint32_t *refill_no, device_fleet_result_t *out)
{
    pump_reconcile_t rec;
    int rc = fleet_at(d, day0, FLEET_CLINIC_MIN);

    if (rc != DEVICE_OK) {
        return rc;
    }
    (*refill_no)++;
    device_plant_interrogated(d);
    if (*refill_no == pl->pocket_fill_refill) {
        rc = fleet_plant(d, (uint8_t)PUMP_FAULT_POCKET_FILL, 0u, 0u);
        if (rc != DEVICE_OK) {
            return rc;
        }
    }
    rc = pump_refill_reconciled(&d->pump, pl->fill_nl, pl->drug, pl->conc_ug_ml, d->plant.reservoir_nl, &rec);
    if (rc != PUMP_OK) {
        return rc;
    }
    (void)plant_refill(&d->plant, pl->fill_nl, pl->conc_ug_ml);
    out->refills++;
    if (rec.verdict != PUMP_REFILL_WITHIN_TOLERANCE) {
        out->flagged_refills++;
        first_day(&out->first_flagged_day, day);
    }
    return DEVICE_OK;
}

int device_fleet_run(device_t *d, const device_fleet_plan_t *pl, device_fleet_result_t *out)
{
    pump_config_t cfg;
    device_options_t opt;
    pump_prescription_t rx;
    pump_status_t st;
    uint32_t next_seq = 1u;
    uint8_t stalled = 0u;
    uint32_t day;
    uint32_t next_refill;
    uint32_t refill_no = 0u;
    uint8_t visit;
    uint8_t scan;
    int rc;

    if (d == NULL || pl == NULL || out == NULL || pl->span_days == 0u || pl->span_days > DEVICE_FLEET_MAX_DAYS ||
        pl->refill_interval_days == 0u || pl->pb_requests_max > DEVICE_FLEET_MAX_REQUESTS) {
        return DEVICE_E_ARG;
    }
    (void)memset(out, 0, sizeof *out);
    out->first_flagged_day = DEVICE_FLEET_NEVER;
    out->first_low_reservoir_day = DEVICE_FLEET_NEVER;
    out->first_motor_stall_day = DEVICE_FLEET_NEVER;
    out->first_dry_day = DEVICE_FLEET_NEVER;
    pump_default_config(&cfg);
    cfg.serial = pl->serial;
    cfg.reservoir_capacity_nl = pl->capacity_nl;
    device_default_options(&opt);
    opt.test_features = 1u;
    rc = device_init(d, &cfg, &opt);
    if (rc == DEVICE_OK) {
        rc = pump_refill(&d->pump, pl->fill_nl, pl->drug, pl->conc_ug_ml);
    }
    if (rc != DEVICE_OK) {
        return rc;
    }
    (void)plant_refill(&d->plant, pl->fill_nl, pl->conc_ug_ml);
    (void)memset(&rx, 0, sizeof rx);
    rx.drug = pl->drug;
    rx.conc_ug_ml = pl->conc_ug_ml;
    rx.n_steps = 1u;
    rx.steps[0].start_min = 0u;
    rx.steps[0].rate_nl_day = pl->rate_nl_day;
    rx.max_dose_ug_24h = pl->max_dose_ug_24h;
    rx.low_reservoir_nl = pl->low_reservoir_nl;
    rx.pb_enabled = (pl->pb_requests_max > 0u) ? 1u : 0u;
    rx.pb_volume_nl = pl->pb_volume_nl;
    rx.pb_duration_ms = pl->pb_duration_ms;
    rx.pb_lockout_ms = pl->pb_lockout_ms;
    rx.pb_max_per_24h = pl->pb_max_per_24h;
    rc = pump_prescribe(&d->pump, &rx);
    if (rc != PUMP_OK) {
        return rc;
    }
    {
        uint32_t seed = (pl->seed == 0u) ? 0x9E3779B9u : pl->seed;
        next_refill = pl->refill_interval_days;
        for (day = 0u; day < pl->span_days; day++) {
            uint64_t day0 = (uint64_t)day * FLEET_DAY_MS;
            uint32_t minutes[DEVICE_FLEET_MAX_REQUESTS];
            uint32_t n = (pl->pb_requests_max == 0u) ? 0u : fleet_rand(&seed) % (pl->pb_requests_max + 1u);
            uint32_t i;

            if (day == pl->flow_onset_day) {
                rc = fleet_plant(d, (uint8_t)PUMP_FAULT_FLOW_ERROR, pl->flow_factor_ppm, 0u);
            }
            if (rc == DEVICE_OK && day == pl->occlusion_onset_day) {
                rc = fleet_plant(d, (uint8_t)PUMP_FAULT_OCCLUSION, 0u, 0u);
            }
            if (rc != DEVICE_OK) {
                return rc;
            }
            /* the day's patient requests, in time order (insertion sort of <= 8) */
            for (i = 0u; i < n; i++) {
                uint32_t m = FLEET_WAKE_MIN + fleet_rand(&seed) % FLEET_AWAKE_MIN;
                uint32_t j = i;
                while (j > 0u && minutes[j - 1u] > m) {
                    minutes[j] = minutes[j - 1u];
                    j--;
                }
                minutes[j] = m;
            }
            /* the requests, the 10:00 visit and the 14:00 scan, each in its place in the day */
            visit = (day == next_refill) ? 1u : 0u;
            scan = (day == pl->mri_day) ? 1u : 0u;
            if (visit != 0u) {
                next_refill += pl->refill_interval_days;
            }
            for (i = 0u; i <= n; i++) {
                uint32_t m = (i < n) ? minutes[i] : FLEET_DAY_MIN;
                if (visit != 0u && m >= FLEET_CLINIC_MIN) {
                    visit = 0u;
                    rc = fleet_visit(d, pl, day0, day, &refill_no, out);
                }
                if (rc == DEVICE_OK && scan != 0u && m >= FLEET_MRI_MIN) {
                    scan = 0u;
                    rc = fleet_at(d, day0, FLEET_MRI_MIN);
                    if (rc == DEVICE_OK) {
                        rc = fleet_plant(d, (uint8_t)PUMP_FAULT_MRI, pl->mri_recovery, pl->mri_duration_ms);
                    }
                }
                if (rc == DEVICE_OK && i < n) {
                    rc = fleet_at(d, day0, m);
                    if (rc == DEVICE_OK) {
                        if (pump_patient_bolus(&d->pump) == PUMP_OK) {
                            out->boluses_granted++;
                        } else {
                            out->boluses_denied++;
                        }
                    }
                }
                if (rc != DEVICE_OK) {
                    return rc;
                }
            }
            rc = device_advance(d, day0 + FLEET_DAY_MS);
            if (rc != DEVICE_OK) {
                return rc;
            }
            read_day(d, day, &next_seq, &stalled, out);
            out->stalled_days += stalled;
            if (d->plant.reservoir_nl == 0u) {
                out->dry_days++;
                first_day(&out->first_dry_day, day);
            }
        }
    }
    pump_get_status(&d->pump, &st);
    out->delivered_pg = st.delivered_pg;
    out->intrathecal_pg = d->plant.intrathecal_pg;
    out->tissue_pg = d->plant.tissue_pg;
    out->held_pg = d->plant.held_pg;
    return DEVICE_OK;
}
