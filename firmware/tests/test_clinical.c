/*
 * test_clinical.c — the clinical rules of the dosing core (issue 12): alarm
 * latching and re-sound, the ERI margin, the implant configuration, refill
 * reconciliation and the low-reservoir projection. Run by `make ctest`.
 */
#include "pump.h"

#include <stdio.h>
#include <string.h>

#include "check_eq.h"

#define DAY 86400000ull
#define HOUR 3600000ull

static pump_t pa;

static void simple_rx(pump_prescription_t *rx, uint32_t rate, uint32_t low_nl)
{
    memset(rx, 0, sizeof *rx);
    rx->drug = PUMP_DRUG_OTHER;
    rx->conc_ug_ml = 10000u;
    rx->n_steps = 1u;
    rx->steps[0].rate_nl_day = rate;
    rx->max_dose_ug_24h = 100000u;
    rx->low_reservoir_nl = low_nl;
}

static pump_status_t status(void)
{
    pump_status_t st;
    pump_get_status(&pa, &st);
    return st;
}

static pump_event_t last_event(void)
{
    pump_event_t ev[1];
    pump_status_t st = status();
    memset(ev, 0, sizeof ev);
    CHECK_EQ(pump_read_events(&pa, st.last_event_seq, ev, 1u, NULL), 1u);
    return ev[0];
}

/* Ack silences the tone but LOW_RESERVOIR stays active while the reservoir
 * is low; it re-sounds one interval after the ack; it clears with its cause. */
static void test_alarm_latching_and_resound(void)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_status_t st;
    pump_event_t ev;
    pump_default_config(&cfg);
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(pump_refill(&pa, 2100000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    simple_rx(&rx, 500000u, 2000000u);
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(pump_advance(&pa, DAY), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms, PUMP_ALARM_LOW_RESERVOIR);
    CHECK_EQ(st.unacked_alarms, PUMP_ALARM_LOW_RESERVOIR);
    CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_LOW_RESERVOIR), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms, PUMP_ALARM_LOW_RESERVOIR);      /* latched: the cause lasts */
    CHECK_EQ(st.unacked_alarms, 0u);                    /* tone silenced */
    CHECK_EQ(st.resound_ms, PUMP_RESOUND_DEFAULT_MS);
    /* Acking again is allowed (the alarm is active) and restarts the interval. */
    CHECK_EQ(pump_advance(&pa, DAY + 23u * HOUR), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms, PUMP_ALARM_LOW_RESERVOIR);
    CHECK_EQ(st.unacked_alarms, 0u);
    CHECK_EQ(pump_advance(&pa, 2u * DAY), PUMP_OK);     /* 24 h after the ack */
    st = status();
    CHECK_EQ(st.unacked_alarms, PUMP_ALARM_LOW_RESERVOIR);
    ev = last_event();
    CHECK_EQ(ev.kind, PUMP_EV_ALARM_RAISED);
    CHECK_EQ(ev.data0, PUMP_ALARM_LOW_RESERVOIR);
    CHECK_EQ(ev.data1, 1u);
    CHECK_EQ(ev.time_ms, 2u * DAY);
    /* A programmed interval: 1 h. */
    CHECK_EQ(pump_set_alarm_resound(&pa, 59999u), PUMP_E_LIMIT_RANGE);
    CHECK_EQ(pump_set_alarm_resound(&pa, (uint32_t)HOUR), PUMP_OK);
    ev = last_event();
    CHECK_EQ(ev.kind, PUMP_EV_RESOUND_SET);
    CHECK_EQ(ev.data0, HOUR);
    CHECK_EQ(ev.data1, PUMP_RESOUND_DEFAULT_MS);
    CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_LOW_RESERVOIR), PUMP_OK);
    CHECK_EQ(pump_advance(&pa, 2u * DAY + HOUR - 1u), PUMP_OK);
    CHECK_EQ(status().unacked_alarms, 0u);
    CHECK_EQ(pump_advance(&pa, 2u * DAY + HOUR), PUMP_OK);
    CHECK_EQ(status().unacked_alarms, PUMP_ALARM_LOW_RESERVOIR);
    /* The cause clears: the alarm leaves. */
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms, 0u);
    CHECK_EQ(st.unacked_alarms, 0u);
    CHECK_EQ(pump_check(&pa), PUMP_OK);
}

/* A critical alarm acked stays active and never re-sounds; DOSE_LIMIT (an
 * event alarm) ends with its ack. */
static void test_critical_and_event_alarms(void)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_status_t st;
    pump_default_config(&cfg);
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(pump_refill(&pa, 10000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    simple_rx(&rx, 500000u, 1000000u);
    rx.max_dose_ug_24h = 5000u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(pump_clinician_bolus(&pa, 100000u, 60000u), PUMP_E_DOSE_LIMIT);
    CHECK_EQ(status().alarms, PUMP_ALARM_DOSE_LIMIT);
    CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_DOSE_LIMIT), PUMP_OK);
    CHECK_EQ(status().alarms, 0u);
    CHECK_EQ(pump_inject_fault(&pa, PUMP_FAULT_MEMORY), PUMP_OK);
    CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_MEMORY_ERROR), PUMP_OK);
    CHECK_EQ(pump_advance(&pa, 10u * DAY), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms, PUMP_ALARM_MEMORY_ERROR);
    CHECK_EQ(st.unacked_alarms, 0u);
    CHECK_EQ(pump_clear_fault(&pa, PUMP_FAULT_MEMORY), PUMP_OK);
    CHECK_EQ(status().alarms, 0u);
    CHECK_EQ(pump_check(&pa), PUMP_OK);
}

/* Days from ERI to EOS at 0.5 mL/day with the default battery model, the
 * ERI alarm acked at once (ack = 1) or never (0). Refills every 30 days keep
 * the reservoir from running dry; a small battery keeps the run short. */
static uint64_t eri_to_eos_days(int ack, uint32_t *predicted, uint64_t *eri_day)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_status_t st;
    uint64_t t = 0u;
    uint64_t eri_at = 0u;
    uint32_t i;
    pump_default_config(&cfg);
    cfg.battery_capacity_nc = 200000000000ull;   /* 2e11 nC: ERI after ~106 days, EOS ~212 */
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    simple_rx(&rx, 500000u, 1u);
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    *predicted = status().days_to_eri;
    for (i = 0u; i < 10000u; i++) {
        t += HOUR;
        CHECK_EQ(pump_advance(&pa, t), PUMP_OK);
        if (t % (30u * DAY) == 0u) {
            CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
        }
        st = status();
        if (st.eri && eri_at == 0u) {
            eri_at = t;
            if (ack) {
                CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_ERI), PUMP_OK);
            }
        }
        if (ack && (st.unacked_alarms & PUMP_ALARM_ERI) != 0u && eri_at != t) {
            /* re-sounded: acked again at once */
            CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_ERI), PUMP_OK);
        }
        if (st.battery_nc == 0u) {
            break;
        }
    }
    CHECK(eri_at > 0u);
    CHECK_EQ(status().battery_nc, 0u);
    *eri_day = eri_at / DAY;
    return (t - eri_at) / DAY;
}

static void test_eri_margin(void)
{
    uint32_t predicted_a = 0u;
    uint32_t predicted_u = 0u;
    uint64_t eri_a = 0u;
    uint64_t eri_u = 0u;
    uint64_t acked = eri_to_eos_days(1, &predicted_a, &eri_a);
    uint64_t unacked = eri_to_eos_days(0, &predicted_u, &eri_u);
    (void)printf("ERI to EOS at 0.5 mL/day: %llu days acked, %llu days unacked\n",
                 (unsigned long long)acked, (unsigned long long)unacked);
    CHECK(unacked >= 90u);
    CHECK(acked >= 90u);
    /* days_to_eri at the start is an honest prediction: within one day. */
    CHECK(eri_a + 1u >= predicted_a && eri_a <= (uint64_t)predicted_a + 1u);
    CHECK(eri_u + 1u >= predicted_u && eri_u <= (uint64_t)predicted_u + 1u);
}

/* The implant configuration: refused while therapy runs, allowed before a
 * prescription or while suspended; logged; used by the prime bolus. */
static void test_implant_configuration(void)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_balance_t bal;
    pump_event_t ev;
    uint32_t dv = 0u;
    CHECK_EQ(pump_dead_volume_from_catheter(600u, 2600u, 100000u, &dv), PUMP_OK);
    CHECK_EQ(dv, 256000u);
    CHECK_EQ(pump_dead_volume_from_catheter(1u, 1u, 0u, &dv), PUMP_OK);
    CHECK_EQ(dv, 1u);                                   /* 0.1 nL rounds up */
    CHECK_EQ(pump_dead_volume_from_catheter(0u, 2600u, 0u, &dv), PUMP_E_CONFIG);
    CHECK_EQ(pump_dead_volume_from_catheter(2000u, 10000u, 0u, &dv), PUMP_OK);
    CHECK_EQ(dv, PUMP_DEAD_VOLUME_MAX_NL);
    CHECK_EQ(pump_dead_volume_from_catheter(2000u, 10000u, 1u, &dv), PUMP_E_CONFIG);
    CHECK_EQ(dv, PUMP_DEAD_VOLUME_MAX_NL);              /* untouched on error */

    pump_default_config(&cfg);
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(pump_configure_implant(&pa, 2000001u), PUMP_E_CONFIG);
    CHECK_EQ(pump_configure_implant(&pa, 200000u), PUMP_OK);
    ev = last_event();
    CHECK_EQ(ev.kind, PUMP_EV_IMPLANT_CONFIGURED);
    CHECK_EQ(ev.data0, 200000u);
    CHECK_EQ(ev.data1, 256000u);
    CHECK_EQ(status().dead_volume_nl, 200000u);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    simple_rx(&rx, 500000u, 1000000u);
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(pump_configure_implant(&pa, 100000u), PUMP_E_THERAPY_ACTIVE);
    CHECK_EQ(pump_prime_bolus(&pa, 0u, 3600000u), PUMP_OK);
    CHECK_EQ(status().bolus_remaining_nl, 200000u);      /* the programmed dead volume */
    CHECK_EQ(pump_advance(&pa, 2u * HOUR), PUMP_OK);
    /* Catheter revision: suspend, configure; the drug in the old catheter is discarded. */
    CHECK_EQ(pump_suspend(&pa), PUMP_OK);
    pump_get_balance(&pa, &bal);
    CHECK(bal.in_catheter_pg > 0u);
    {
        uint64_t before = bal.in_catheter_pg;
        CHECK_EQ(pump_configure_implant(&pa, 300000u), PUMP_OK);
        pump_get_balance(&pa, &bal);
        CHECK_EQ(bal.in_catheter_pg, 0u);
        CHECK_EQ(bal.catheter_discarded_pg, before);
        CHECK_EQ(bal.pumped_pg, bal.delivered_pg + bal.in_catheter_pg + bal.catheter_discarded_pg);
    }
    CHECK_EQ(pump_check(&pa), PUMP_OK);
}

/* Refill reconciliation: expected = the reservoir before the refill;
 * tolerance = min(ceil(14.5 % of the volume pumped since the last refill),
 * 1 mL on a 20 mL pump); the verdict names the side. */
static void test_refill_reconciliation(void)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_reconcile_t rc;
    pump_event_t ev[2];
    pump_status_t st;
    pump_default_config(&cfg);
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    simple_rx(&rx, 500000u, 1000000u);
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(pump_advance(&pa, 10u * DAY), PUMP_OK);    /* 5 mL pumped: 15 mL left */
    CHECK_EQ(status().reservoir_nl, 15000000u);
    memset(&rc, 0xAA, sizeof rc);
    CHECK_EQ(pump_refill_reconciled(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u, 14400000u, &rc),
             PUMP_OK);
    CHECK_EQ(rc.expected_nl, 15000000u);
    CHECK_EQ(rc.withdrawn_nl, 14400000u);
    CHECK_EQ(rc.discrepancy_nl, 600000u);
    CHECK_EQ(rc.delivered_nl, 5000000u);
    CHECK_EQ(rc.tolerance_nl, 725000u);                   /* 14.5 % of 5 mL */
    CHECK_EQ(rc.verdict, PUMP_REFILL_WITHIN_TOLERANCE);
    st = status();
    CHECK_EQ(pump_read_events(&pa, st.last_event_seq - 1u, ev, 2u, NULL), 2u);
    CHECK_EQ(ev[0].kind, PUMP_EV_REFILL_RECONCILED);
    CHECK_EQ(ev[0].data0, 15000000u);
    CHECK_EQ(ev[0].data1, 14400000u);
    CHECK_EQ(ev[1].kind, PUMP_EV_REFILL);
    /* 10 more days: 5 mL pumped; 800 uL less withdrawn than expected. */
    CHECK_EQ(pump_advance(&pa, 20u * DAY), PUMP_OK);
    CHECK_EQ(pump_refill_reconciled(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u, 14200000u, &rc),
             PUMP_OK);
    CHECK_EQ(rc.verdict, PUMP_REFILL_POSSIBLE_OVER_INFUSION);
    /* 30 more days: 15 mL pumped, 14.5 % = 2.175 mL, capped at 1 mL. */
    CHECK_EQ(pump_advance(&pa, 50u * DAY), PUMP_OK);
    CHECK_EQ(pump_refill_reconciled(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u, 6000001u, &rc),
             PUMP_OK);
    CHECK_EQ(rc.tolerance_nl, 1000000u);
    CHECK_EQ(rc.discrepancy_nl, 1000001u);
    CHECK_EQ(rc.verdict, PUMP_REFILL_POSSIBLE_UNDER_INFUSION);
    /* Refusals: withdrawn above the capacity; nothing logged as reconciled. */
    CHECK_EQ(pump_refill_reconciled(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u, 20000001u, &rc),
             PUMP_E_OVERFILL);
    CHECK_EQ(pump_refill_reconciled(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u, 1u, NULL),
             PUMP_E_ARG);
    CHECK_EQ(pump_check(&pa), PUMP_OK);
}

/* Projection: days until the low-reservoir threshold at the current use and
 * with every allowed patient bolus taken. */
static void test_projection(void)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_status_t st;
    pump_default_config(&cfg);
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    st = status();
    CHECK_EQ(st.days_to_low_reservoir, UINT32_MAX);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_OTHER, 10000u), PUMP_OK);
    simple_rx(&rx, 500000u, 3000000u);
    rx.pb_enabled = 1u;
    rx.pb_volume_nl = 50000u;
    rx.pb_duration_ms = 600000u;
    rx.pb_lockout_ms = 3600000u;
    rx.pb_max_per_24h = 4u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    st = status();
    CHECK_EQ(st.days_to_low_reservoir, 34u);            /* 17 mL / 0.5 mL */
    CHECK_EQ(st.days_to_low_reservoir_max_use, 24u);    /* 17 mL / 0.7 mL = 24.3 */
    CHECK_EQ(pump_patient_bolus(&pa), PUMP_OK);
    st = status();
    CHECK_EQ(st.days_to_low_reservoir, 30u);            /* 17 mL / 0.55 mL = 30.9 */
}

/* Drug library: hard limits refused (concentration at refill, 24-h dose,
 * patient boluses of a drug that allows none), the soft limit needs the
 * clinician's confirmation (logged), nothing changes on a refusal. */
static void test_drug_library(void)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_status_t st;
    pump_event_t ev[2];
    const pump_drug_limits_t *lim = pump_drug_limits(PUMP_DRUG_MORPHINE);
    CHECK(lim != NULL);
    CHECK(pump_drug_limits(PUMP_DRUG_COUNT) == NULL);
    if (lim == NULL) {
        return;
    }
    CHECK_EQ(lim->stability_days, 90u);                  /* domain.md: morphine stable 90 days */
    CHECK_EQ(pump_drug_limits(PUMP_DRUG_OTHER)->dose_hard_ug_24h, 0u);
    pump_default_config(&cfg);
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_MORPHINE, lim->max_conc_ug_ml + 1u), PUMP_E_DRUG_LIMIT);
    CHECK_EQ(status().reservoir_nl, 0u);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_MORPHINE, 10000u), PUMP_OK);
    simple_rx(&rx, 500000u, 2000000u);
    rx.drug = PUMP_DRUG_MORPHINE;
    rx.max_dose_ug_24h = lim->dose_hard_ug_24h + 1u;
    CHECK_EQ(pump_prescribe_ex(&pa, &rx, PUMP_RX_CONFIRM_SOFT_LIMIT), PUMP_E_DRUG_LIMIT);
    rx.max_dose_ug_24h = lim->dose_soft_ug_24h + 1u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_E_SOFT_LIMIT);
    CHECK_EQ(last_event().kind, PUMP_EV_PRESCRIBE_REFUSED);
    CHECK_EQ(last_event().data1, PUMP_E_SOFT_LIMIT);
    CHECK_EQ(pump_prescribe_ex(&pa, &rx, 2u), PUMP_E_ARG);
    CHECK_EQ(status().state, PUMP_STATE_STOPPED);           /* still no prescription */
    CHECK_EQ(pump_prescribe_ex(&pa, &rx, PUMP_RX_CONFIRM_SOFT_LIMIT), PUMP_OK);
    st = status();
    CHECK_EQ(pump_read_events(&pa, st.last_event_seq - 1u, ev, 2u, NULL), 2u);
    CHECK_EQ(ev[0].kind, PUMP_EV_SOFT_LIMIT_CONFIRMED);
    CHECK_EQ(ev[0].data0, lim->dose_soft_ug_24h + 1u);
    CHECK_EQ(ev[0].data1, lim->dose_soft_ug_24h);
    CHECK_EQ(ev[1].kind, PUMP_EV_PRESCRIBED);
    /* at the soft limit: no confirmation needed, nothing logged */
    rx.max_dose_ug_24h = lim->dose_soft_ug_24h;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    CHECK_EQ(last_event().kind, PUMP_EV_PRESCRIBED);
    /* ziconotide: no patient boluses */
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_ZICONOTIDE, 25u), PUMP_OK);
    simple_rx(&rx, 200000u, 2000000u);                       /* 5 ug/day */
    rx.drug = PUMP_DRUG_ZICONOTIDE;
    rx.conc_ug_ml = 25u;
    rx.max_dose_ug_24h = 8u;
    rx.pb_enabled = 1u;
    rx.pb_volume_nl = 10000u;
    rx.pb_duration_ms = 600000u;
    rx.pb_lockout_ms = 3600000u;
    rx.pb_max_per_24h = 2u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_E_DRUG_LIMIT);
    rx.pb_enabled = 0u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
}

/* DRUG_EXPIRED: raised exactly at refill + stability days (non-critical:
 * delivery goes on), stays after an ack, re-sounds, and a refill clears it. */
static void test_drug_expiry(void)
{
    pump_config_t cfg;
    pump_prescription_t rx;
    pump_status_t st;
    pump_event_t ev;
    pump_default_config(&cfg);
    CHECK_EQ(pump_init(&pa, &cfg), PUMP_OK);
    CHECK_EQ(status().days_to_drug_expiry, UINT32_MAX);     /* empty pump: nothing expires */
    CHECK_EQ(pump_advance(&pa, 5u * DAY), PUMP_OK);
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_MORPHINE, 2000u), PUMP_OK);
    simple_rx(&rx, 100000u, 2000000u);
    rx.drug = PUMP_DRUG_MORPHINE;
    rx.conc_ug_ml = 2000u;
    rx.max_dose_ug_24h = 1000u;
    CHECK_EQ(pump_prescribe(&pa, &rx), PUMP_OK);
    st = status();
    CHECK_EQ(st.days_to_drug_expiry, 90u);
    CHECK_EQ(st.refill_ms, 5u * DAY);
    CHECK_EQ(pump_advance(&pa, 95u * DAY - 1u), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms & PUMP_ALARM_DRUG_EXPIRED, 0u);
    CHECK_EQ(st.days_to_drug_expiry, 0u);
    CHECK_EQ(pump_advance(&pa, 96u * DAY), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms & PUMP_ALARM_DRUG_EXPIRED, PUMP_ALARM_DRUG_EXPIRED);
    CHECK_EQ(st.state, PUMP_STATE_RUNNING);                 /* non-critical */
    {
        pump_event_t all[8];
        uint32_t n = pump_read_events(&pa, 1u, all, 8u, NULL);
        uint32_t i;
        int found = 0;
        for (i = 0u; i < n; i++) {
            if (all[i].kind == PUMP_EV_ALARM_RAISED && all[i].data0 == PUMP_ALARM_DRUG_EXPIRED) {
                CHECK_EQ(all[i].time_ms, 95u * DAY);
                found = 1;
            }
        }
        CHECK(found);
    }
    CHECK_EQ(pump_ack_alarm(&pa, PUMP_ALARM_DRUG_EXPIRED), PUMP_OK);
    CHECK_EQ(status().alarms & PUMP_ALARM_DRUG_EXPIRED, PUMP_ALARM_DRUG_EXPIRED);
    CHECK_EQ(pump_advance(&pa, 97u * DAY), PUMP_OK);
    CHECK_EQ(status().unacked_alarms & PUMP_ALARM_DRUG_EXPIRED, PUMP_ALARM_DRUG_EXPIRED);  /* re-sounded */
    CHECK_EQ(pump_refill(&pa, 20000000u, PUMP_DRUG_MORPHINE, 2000u), PUMP_OK);
    st = status();
    CHECK_EQ(st.alarms & PUMP_ALARM_DRUG_EXPIRED, 0u);
    CHECK_EQ(st.days_to_drug_expiry, 90u);
    ev = last_event();
    CHECK_EQ(ev.kind, PUMP_EV_ALARM_CLEARED);
    CHECK_EQ(ev.data0, PUMP_ALARM_DRUG_EXPIRED);
}

int main(void)
{
    test_drug_library();
    test_drug_expiry();
    test_alarm_latching_and_resound();
    test_critical_and_event_alarms();
    test_eri_margin();
    test_implant_configuration();
    test_refill_reconciliation();
    test_projection();
    if (failures != 0) {
        (void)fprintf(stderr, "test_clinical: %d check(s) failed\n", failures);
        return 1;
    }
    (void)printf("test_clinical: all checks passed\n");
    return 0;
}
