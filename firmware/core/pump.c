/*
 * pump.c — the dosing core's set-up, log, battery, alarms, faults, refill,
 * suspend/resume and status. Prescriptions and boluses live in pump_rx.c,
 * time stepping and the catheter in pump_flow.c, snapshot and the invariant
 * check in pump_snap.c. Semantics: see pump.h.
 *
 * Defaults and why (pump_default_config):
 *  - stroke 250 nL. Pulsatile pumps move a fixed small volume per motor
 *    stroke / valve cycle; 250 nL gives a stroke every 7.5 min at the minimum
 *    rate (0.048 mL/day), every 43.2 s at a typical 0.5 mL/day and ~1.1 per
 *    second at the maximum 24 mL/day, so even the lowest rate is delivered
 *    in pulses far below one hour's dose, and the fastest stays within what
 *    a small motor can do. Configurable 10..10,000 nL.
 *  - dead volume 256 µL: ~100 µL of pump tubing (unconfirmed) + a 60 cm
 *    catheter at 2.6 µL/cm (156 µL).
 *  - battery (figures unconfirmed, chosen for the ~7-year target): quiescent
 *    10 µA (8.64e8 nC/day), 40 µC per stroke (e.g. 4 mA for 10 ms; 2000
 *    strokes/day at 0.5 mL/day = 8.0e7 nC/day), so drain_day = 9.44e8 nC at
 *    0.5 mL/day. Capacity 2.5e12 nC (0.69 Ah). ERI when the charge left
 *    lasts <= 90 days: 90 * 9.44e8 = 8.496e10 nC, reached after
 *    (2.5e12 - 8.496e10) / 9.44e8 = 2558 days = 7.0 years; EOS 90 days later.
 *    Telemetry 1 µC per byte (radio ~5 mA for 0.2 ms); alarm tone 2 µA
 *    average (3 mA bursts of 1 s every 25 min), half for a non-critical
 *    alarm's single tone: an unacknowledged ERI alarm (+1 µA) shortens the
 *    90 days from ERI to EOS to about 82 days at 0.5 mL/day.
 *
 * Overflow bounds used throughout (config ranges from pump.h):
 *  stroke units S*U <= 10^4 * 8.64e7 = 8.64e11; rates < 2^31 nL/day;
 *  masses: volume <= 4e7 nL per fill x conc <= 1e5 -> 4e12 pg per fill;
 *  battery <= 1e13 nC; ERI threshold <= 365 * 2.5e12 < 1e15.
 */
#include "pump_internal.h"

#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
#include <stdio.h>
#include <stdlib.h>
#endif
#include <string.h>


/* RAM budget of the board image (16 KiB in all): the pump may use 11 KiB.
 * The event ring (512 x 16 B) is most of it. */
typedef char pump_ram_budget_check[(sizeof(struct pump) <= 11264u) ? 1 : -1];

void pump__assert_fail(const char *file, int line, const char *expr)
{
#ifdef PUMP_ASSERT_HOOK
    PUMP_ASSERT_HOOK(file, line, expr);
#endif
#if defined(__STDC_HOSTED__) && __STDC_HOSTED__
    (void)fprintf(stderr, "%s:%d: pump invariant failed: %s\n", file, line, expr);
    abort();
#else
    (void)file; (void)line; (void)expr;
    for (;;) { /* board builds: halt here; the watchdog resets the device */ }
#endif
}

/* ---------------------------------------------------------------- reasons */

/* Names and texts of the reason codes, from protocol/vocabulary.json (pump_vocab.h). */
#define PUMP_RESULT_NAME(code, name, text) name,
#define PUMP_RESULT_TEXT(code, name, text) text,
static const char *const result_names[PUMP_RESULT_COUNT] = { PUMP_RESULT_TABLE(PUMP_RESULT_NAME) };
static const char *const result_texts[PUMP_RESULT_COUNT] = { PUMP_RESULT_TABLE(PUMP_RESULT_TEXT) };
#undef PUMP_RESULT_NAME
#undef PUMP_RESULT_TEXT

const char *pump_result_name(int result)
{
    if (result < 0 || result >= (int)PUMP_RESULT_COUNT) {
        return "UNKNOWN";
    }
    return result_names[result];
}

const char *pump_result_text(int result)
{
    if (result < 0 || result >= (int)PUMP_RESULT_COUNT) {
        return "unknown reason code";
    }
    return result_texts[result];
}

/* ----------------------------------------------------------------- config */

void pump_default_config(pump_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    (void)memset(cfg, 0, sizeof *cfg);
    cfg->serial = 1u;
    cfg->reservoir_capacity_nl = PUMP_CAPACITY_20ML;
    cfg->stroke_nl = PUMP_DEFAULT_STROKE_NL;
    cfg->dead_volume_nl = PUMP_DEFAULT_DEAD_VOLUME_NL;
    cfg->battery_capacity_nc = PUMP_DEFAULT_BATTERY_NC;
    cfg->quiescent_ua = PUMP_DEFAULT_QUIESCENT_UA;
    cfg->stroke_nc = PUMP_DEFAULT_STROKE_NC;
    cfg->telemetry_byte_nc = PUMP_DEFAULT_TELEMETRY_BYTE_NC;
    cfg->tone_ua = PUMP_DEFAULT_TONE_UA;
    cfg->eri_days = PUMP_DEFAULT_ERI_DAYS;
}

int pump__check_config(const pump_config_t *c)
{
    if (c->reservoir_capacity_nl != PUMP_CAPACITY_20ML &&
        c->reservoir_capacity_nl != PUMP_CAPACITY_40ML) {
        return PUMP_E_CONFIG;
    }
    if (c->stroke_nl < 10u || c->stroke_nl > 10000u || c->dead_volume_nl > 2000000u) {
        return PUMP_E_CONFIG;
    }
    if (c->battery_capacity_nc < 1u || c->battery_capacity_nc > 10000000000000ull) {
        return PUMP_E_CONFIG;
    }
    if (c->quiescent_ua < 1u || c->quiescent_ua > 1000u || c->stroke_nc > 1000000u ||
        c->telemetry_byte_nc > 1000000u || c->tone_ua > 100000u) {
        return PUMP_E_CONFIG;
    }
    if (c->eri_days < 1u || c->eri_days > 365u) {
        return PUMP_E_CONFIG;
    }
    return PUMP_OK;
}

size_t pump_sizeof(void)
{
    return sizeof(pump_t);
}

int pump_get_config(const pump_t *p, pump_config_t *out)
{
    if (p == NULL || out == NULL) {
        return PUMP_E_ARG;
    }
    *out = p->cfg;
    return PUMP_OK;
}

int pump_init(pump_t *p, const pump_config_t *cfg)
{
    if (p == NULL || cfg == NULL) {
        return PUMP_E_ARG;
    }
    if (pump__check_config(cfg) != PUMP_OK) {
        return PUMP_E_CONFIG;
    }
    (void)memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->battery_nc = cfg->battery_capacity_nc;
    p->low_reservoir_nl = PUMP_LOW_RESERVOIR_DEFAULT_NL;
    p->resound_ms = PUMP_RESOUND_DEFAULT_MS;
    p->next_seq = 1u;
    if (cfg->dead_volume_nl > 0u) {
        /* Implant: the catheter holds liquid without drug. */
        p->slugs[0].vol = cfg->dead_volume_nl;
        p->n_slugs = 1u;
    }
    pump__log(p, PUMP_EV_INIT, cfg->serial, cfg->reservoir_capacity_nl);
    pump__update_alarms(p);
    PUMP_ASSERT(pump__check_state(p, 1) == PUMP_OK);
    return PUMP_OK;
}

/* -------------------------------------------------------------------- log */

void pump__log(pump_t *p, uint16_t kind, uint32_t data0, uint32_t data1)
{
    uint32_t idx;
    PUMP_ASSERT(kind > 0u && kind < (uint16_t)PUMP_EV_KIND_COUNT);
    PUMP_ASSERT(p->next_seq < UINT32_MAX);   /* 4e9 events: centuries of use */
    PUMP_ASSERT(p->now_ms <= PUMP_TIME_MAX);
    idx = (p->log_head + p->log_count) % PUMP_LOG_CAPACITY;
    if (p->log_count == PUMP_LOG_CAPACITY) {
        p->log_head = (p->log_head + 1u) % PUMP_LOG_CAPACITY;
    } else {
        p->log_count++;
    }
    p->log[idx].time_lo = (uint32_t)p->now_ms;
    p->log[idx].time_hi = (uint16_t)(p->now_ms >> 32);
    p->log[idx].kind = (uint8_t)kind;
    p->log[idx].reserved = 0u;
    p->log[idx].data0 = data0;
    p->log[idx].data1 = data1;
    p->next_seq++;
}

uint32_t pump_read_events(const pump_t *p, uint32_t from_seq, pump_event_t *out,
                          uint32_t max, uint32_t *first_available)
{
    uint32_t first;
    uint32_t skip;
    uint32_t n = 0u;
    uint32_t i;
    if (p == NULL) {
        return 0u;
    }
    first = p->next_seq - p->log_count;
    if (first_available != NULL) {
        *first_available = first;
    }
    if (out == NULL || from_seq >= p->next_seq) {
        return 0u;
    }
    skip = (from_seq > first) ? from_seq - first : 0u;
    for (i = skip; i < p->log_count && n < max; i++) {
        const struct pump_logent *e = &p->log[(p->log_head + i) % PUMP_LOG_CAPACITY];
        out[n].seq = first + i;
        out[n].time_ms = pump__t48(e->time_lo, e->time_hi);
        out[n].kind = e->kind;
        out[n].data0 = e->data0;
        out[n].data1 = e->data1;
        n++;
    }
    return n;
}

void pump_note_reset(pump_t *p)
{
    if (p == NULL) {
        return;
    }
    pump__log(p, PUMP_EV_RESET, 0u, 0u);
}

/* ---------------------------------------------------------------- battery */

/* quiescent * U + ceil(daily1440 * stroke_nc / (1440 * S)):
 * <= 1000 * 8.64e7 + 3.5e10 * 1e6 / 14400 = 8.64e10 + 2.4e12. */
uint64_t pump__drain_day(const pump_t *p)
{
    uint64_t d = (uint64_t)p->cfg.quiescent_ua * PUMP_U;
    if (p->has_rx) {
        uint64_t num = pump__daily1440(&p->rx) * p->cfg.stroke_nc;   /* <= 3.5e16 */
        uint64_t den = (uint64_t)PUMP_MIN_PER_DAY * p->cfg.stroke_nl;
        d += (num + den - 1u) / den;
    }
    return d;
}

/* eri_days x the worst daily drain at the programmed therapy: drain_day plus
 * the full tone current, so the margin holds while any alarm sounds unacked
 * (ERI's own tone included). <= 365 * (2.5e12 + 1e5 * 8.64e7) < 4e15. */
uint64_t pump__eri_threshold(const pump_t *p)
{
    uint64_t worst = pump__drain_day(p) + (uint64_t)p->cfg.tone_ua * PUMP_U;
    return (uint64_t)p->cfg.eri_days * worst;
}

void pump__battery_take(pump_t *p, uint64_t nc)
{
    p->battery_nc = (nc >= p->battery_nc) ? 0u : p->battery_nc - nc;
}

uint32_t pump__tone_ua(const pump_t *p)
{
    uint32_t unacked = p->alarms & ~p->acked;
    if ((unacked & PUMP_ALARM_CRITICAL_MASK) != 0u) {
        return p->cfg.tone_ua;
    }
    return (unacked != 0u) ? p->cfg.tone_ua / 2u : 0u;
}

void pump_count_telemetry(pump_t *p, uint32_t bytes)
{
    if (p == NULL) {
        return;
    }
    pump__battery_take(p, (uint64_t)bytes * p->cfg.telemetry_byte_nc);  /* <= 4.3e15 */
    pump__update_alarms(p);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
}

/* ----------------------------------------------------------------- alarms */

uint32_t pump__alarm_causes(const pump_t *p)
{
    uint32_t c = 0u;
    if (p->has_rx && p->reservoir_nl <= p->low_reservoir_nl) {
        c |= PUMP_ALARM_LOW_RESERVOIR;
    }
    if (p->has_rx && p->reservoir_nl < p->cfg.stroke_nl) {
        c |= PUMP_ALARM_RESERVOIR_EMPTY;
    }
    if (p->eri) {
        c |= PUMP_ALARM_ERI;
    }
    if (p->battery_nc == 0u) {
        c |= PUMP_ALARM_EOS;
    }
    if (p->stall_halted) {
        c |= PUMP_ALARM_MOTOR_STALL;
    }
    if (p->memory_fault) {
        c |= PUMP_ALARM_MEMORY_ERROR;
    }
    if (p->now_ms >= pump__drug_expiry_ms(p)) {
        c |= PUMP_ALARM_DRUG_EXPIRED;
    }
    return c;
}

/* When the reservoir's drug passes its stability time (refill time +
 * stability_days), or PUMP_NEVER for a drug without one. refill_ms <= 2^48
 * and stability_days < 2^32: the sum stays below 2^63. */
uint64_t pump__drug_expiry_ms(const pump_t *p)
{
    const pump_drug_limits_t *lim = pump_drug_limits(p->res_drug);
    if (lim == NULL || lim->stability_days == 0u) {
        return PUMP_NEVER;
    }
    return p->refill_ms + (uint64_t)lim->stability_days * PUMP_U;
}

int pump__halted(const pump_t *p)
{
    return (pump__alarm_causes(p) & PUMP_ALARM_CRITICAL_MASK) != 0u;
}

int pump__enabled(const pump_t *p)
{
    return p->has_rx && !p->suspended && !pump__halted(p);
}

void pump__cancel_bolus(pump_t *p, uint32_t cause)
{
    struct pump_grant *g;
    PUMP_ASSERT(p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE && p->n_grants > 0u);
    /* The running bolus is the newest grant: its credit ends now. */
    g = &p->grants[p->n_grants - 1u];
    PUMP_ASSERT(pump__t48(g->time_lo, g->time_hi) == p->bolus_start_ms && g->kind == p->bolus_kind);
    g->end_off = (uint32_t)(p->now_ms - p->bolus_start_ms);
    pump__log(p, PUMP_EV_BOLUS_CANCELLED, p->bolus_kind, cause);
    p->bolus_kind = (uint8_t)PUMP_BOLUS_NONE;
    p->bolus_volume_nl = 0u;
    p->bolus_rate_nl_day = 0u;
    p->bolus_start_ms = 0u;
}

static uint32_t halt_cause(uint32_t causes)
{
    if ((causes & PUMP_ALARM_RESERVOIR_EMPTY) != 0u) {
        return PUMP_E_EMPTY;
    }
    if ((causes & PUMP_ALARM_EOS) != 0u) {
        return PUMP_E_EOS;
    }
    if ((causes & PUMP_ALARM_MOTOR_STALL) != 0u) {
        return PUMP_E_STALLED;
    }
    return PUMP_E_MEMORY;
}

/* Raise (cause, not active), re-sound (active, acked, non-critical, its
 * re-sound time reached) or clear (no cause, active) one alarm bit i. */
static void update_bit(pump_t *p, uint32_t i, uint32_t causes)
{
    uint32_t bit = 1u << i;
    if ((causes & bit) != 0u) {
        if ((p->alarms & bit) == 0u) {
            p->alarms |= bit;
            p->acked &= ~bit;
            p->resound_at[i] = 0u;
            pump__log(p, PUMP_EV_ALARM_RAISED, bit, 0u);
        } else if ((p->acked & bit) != 0u && p->resound_at[i] != 0u &&
                   p->now_ms >= p->resound_at[i]) {
            p->acked &= ~bit;
            p->resound_at[i] = 0u;
            pump__log(p, PUMP_EV_ALARM_RAISED, bit, 1u);
        }
        return;
    }
    if ((p->alarms & bit) != 0u) {
        pump__log(p, PUMP_EV_ALARM_CLEARED, bit, 0u);
    }
    p->alarms &= ~bit;
    p->acked &= ~bit;
    p->resound_at[i] = 0u;
}

/* Earliest pending re-sound time, or PUMP_NEVER. */
uint64_t pump__next_resound(const pump_t *p)
{
    uint64_t t = PUMP_NEVER;
    uint32_t i;
    for (i = 0u; i < PUMP_ALARM_BITS; i++) {
        if (p->resound_at[i] != 0u && p->resound_at[i] < t) {
            t = p->resound_at[i];
        }
    }
    return t;
}

/* Latch ERI, raise/clear every caused alarm in bit order, then stop what a
 * halt stops. Called after every command and at every event in advance. */
void pump__update_alarms(pump_t *p)
{
    uint32_t causes;
    uint32_t i;
    if (!p->eri && p->battery_nc <= pump__eri_threshold(p)) {
        p->eri = 1u;
    }
    causes = pump__alarm_causes(p);
    for (i = 0u; i < PUMP_ALARM_BITS; i++) {
        if ((1u << i) != PUMP_ALARM_DOSE_LIMIT) {
            update_bit(p, i, causes);
        }
    }
    if ((causes & PUMP_ALARM_CRITICAL_MASK) != 0u) {
        uint64_t su = (uint64_t)p->cfg.stroke_nl * PUMP_U;
        p->owed_u %= su;
        if (p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE) {
            pump__cancel_bolus(p, halt_cause(causes));
        }
    }
}

void pump__raise_dose_limit(pump_t *p)
{
    if ((p->alarms & PUMP_ALARM_DOSE_LIMIT) == 0u) {
        p->alarms |= PUMP_ALARM_DOSE_LIMIT;
        pump__log(p, PUMP_EV_ALARM_RAISED, PUMP_ALARM_DOSE_LIMIT, 0u);
    }
}

int pump_set_alarm_resound(pump_t *p, uint32_t interval_ms)
{
    uint32_t old;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (interval_ms < PUMP_RESOUND_MIN_MS || interval_ms > PUMP_RESOUND_MAX_MS) {
        return PUMP_E_LIMIT_RANGE;
    }
    old = p->resound_ms;
    p->resound_ms = interval_ms;
    pump__log(p, PUMP_EV_RESOUND_SET, interval_ms, old);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

int pump_ack_alarm(pump_t *p, uint32_t alarm_bits)
{
    uint32_t i;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (alarm_bits == 0u || (alarm_bits & ~p->alarms) != 0u) {
        return PUMP_E_ALARM;
    }
    for (i = 0u; i < PUMP_ALARM_BITS; i++) {
        uint32_t bit = 1u << i;
        if ((alarm_bits & bit) == 0u) {
            continue;
        }
        pump__log(p, PUMP_EV_ALARM_ACKED, bit, 0u);
        if (bit == PUMP_ALARM_DOSE_LIMIT) {
            /* An event alarm: nothing lasts, ack ends it. */
            p->alarms &= ~bit;
            p->acked &= ~bit;
        } else {
            p->acked |= bit;
            if ((bit & PUMP_ALARM_CRITICAL_MASK) == 0u) {
                /* now + <= 7 days: far below 2^63 (now <= 2^48). */
                p->resound_at[i] = p->now_ms + p->resound_ms;
            }
        }
    }
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

/* ----------------------------------------------------------------- faults */

int pump_inject_fault(pump_t *p, uint8_t fault)
{
    uint8_t *flag;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (fault == (uint8_t)PUMP_FAULT_MOTOR_STALL) {
        flag = &p->stall_fault;
    } else if (fault == (uint8_t)PUMP_FAULT_MEMORY) {
        flag = &p->memory_fault;
    } else {
        return PUMP_E_FAULT_KIND;
    }
    if (*flag) {
        return PUMP_OK;
    }
    *flag = 1u;
    pump__log(p, PUMP_EV_FAULT_INJECTED, fault, 0u);
    pump__update_alarms(p);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

int pump_clear_fault(pump_t *p, uint8_t fault)
{
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (fault == (uint8_t)PUMP_FAULT_MOTOR_STALL) {
        if (!p->stall_fault) {
            return PUMP_E_NO_FAULT;
        }
        p->stall_fault = 0u;
        p->stall_halted = 0u;
    } else if (fault == (uint8_t)PUMP_FAULT_MEMORY) {
        if (!p->memory_fault) {
            return PUMP_E_NO_FAULT;
        }
        p->memory_fault = 0u;
    } else {
        return PUMP_E_FAULT_KIND;
    }
    pump__log(p, PUMP_EV_FAULT_CLEARED, fault, 0u);
    pump__update_alarms(p);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

/* -------------------------------------------------------------- reservoir */

/* The reconciliation rule of pump.h (Refill reconciliation). Pumped since the
 * last refill <= that fill <= 4e7 nL, so every figure fits a uint32_t and
 * delivered * 145 < 6e9 fits a uint64_t. */
static void reconcile(const pump_t *p, uint32_t withdrawn_nl, pump_reconcile_t *out)
{
    uint64_t delivered = p->pumped_nl - p->pumped_at_refill_nl;
    uint64_t tol = (delivered * PUMP_ACCURACY_PERMILLE + 999u) / 1000u;
    uint32_t limit = (p->cfg.reservoir_capacity_nl == PUMP_CAPACITY_40ML) ?
                     PUMP_RECONCILE_LIMIT_40ML_NL : PUMP_RECONCILE_LIMIT_20ML_NL;
    PUMP_ASSERT(delivered <= p->cfg.reservoir_capacity_nl);
    (void)memset(out, 0, sizeof *out);
    out->expected_nl = p->reservoir_nl;
    out->withdrawn_nl = withdrawn_nl;
    out->delivered_nl = (uint32_t)delivered;
    out->tolerance_nl = (tol < limit) ? (uint32_t)tol : limit;
    out->discrepancy_nl = (withdrawn_nl >= p->reservoir_nl) ? withdrawn_nl - p->reservoir_nl
                                                             : p->reservoir_nl - withdrawn_nl;
    if (out->discrepancy_nl <= out->tolerance_nl) {
        out->verdict = PUMP_REFILL_WITHIN_TOLERANCE;
    } else if (withdrawn_nl < p->reservoir_nl) {
        out->verdict = PUMP_REFILL_POSSIBLE_OVER_INFUSION;
    } else {
        out->verdict = PUMP_REFILL_POSSIBLE_UNDER_INFUSION;
    }
}

int pump_refill(pump_t *p, uint32_t volume_nl, uint16_t drug, uint32_t conc_ug_ml)
{
    return pump_refill_reconciled(p, volume_nl, drug, conc_ug_ml, PUMP_WITHDRAWN_UNKNOWN, NULL);
}

int pump_refill_reconciled(pump_t *p, uint32_t volume_nl, uint16_t drug, uint32_t conc_ug_ml,
                           uint32_t withdrawn_nl, pump_reconcile_t *out)
{
    uint32_t discarded;
    int r = PUMP_OK;
    if (p == NULL || (withdrawn_nl != PUMP_WITHDRAWN_UNKNOWN && out == NULL)) {
        return PUMP_E_ARG;
    }
    if (volume_nl > p->cfg.reservoir_capacity_nl ||
        (withdrawn_nl != PUMP_WITHDRAWN_UNKNOWN && withdrawn_nl > p->cfg.reservoir_capacity_nl)) {
        r = PUMP_E_OVERFILL;
    } else if (drug == (uint16_t)PUMP_DRUG_NONE || drug >= (uint16_t)PUMP_DRUG_COUNT) {
        r = PUMP_E_DRUG;
    } else if (!pump__conc_ok(drug, conc_ug_ml)) {
        r = PUMP_E_CONCENTRATION;
    } else if (pump__conc_over_library(drug, conc_ug_ml)) {
        r = PUMP_E_DRUG_LIMIT;
    }
    if (r != PUMP_OK) {
        pump__log(p, PUMP_EV_REFILL_REFUSED, 0u, (uint32_t)r);
        return r;
    }
    if (withdrawn_nl != PUMP_WITHDRAWN_UNKNOWN) {
        reconcile(p, withdrawn_nl, out);
        pump__log(p, PUMP_EV_REFILL_RECONCILED, out->expected_nl, withdrawn_nl);
    }
    discarded = p->reservoir_nl;
    p->refill_ms = p->now_ms;
    p->pumped_at_refill_nl = p->pumped_nl;
    p->discarded_nl += discarded;
    p->filled_nl += volume_nl;
    p->reservoir_nl = volume_nl;
    p->res_drug = drug;
    p->res_conc = conc_ug_ml;
    pump__log(p, PUMP_EV_REFILL, volume_nl, discarded);
    if (p->has_rx && (drug != p->rx.drug || conc_ug_ml != p->rx.conc_ug_ml) && !p->suspended) {
        p->suspended = 1u;
        pump__log(p, PUMP_EV_SUSPENDED,
                  (uint32_t)((drug != p->rx.drug) ? PUMP_E_DRUG : PUMP_E_CONCENTRATION), 0u);
        if (p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE) {
            pump__cancel_bolus(p, PUMP_E_SUSPENDED);
        }
    }
    pump__update_alarms(p);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

/* ------------------------------------------------------ implant configuration */

int pump_dead_volume_from_catheter(uint32_t length_mm, uint32_t nl_per_cm, uint32_t tubing_nl,
                                   uint32_t *dead_volume_nl)
{
    uint64_t v;
    if (dead_volume_nl == NULL) {
        return PUMP_E_ARG;
    }
    if (length_mm < 1u || length_mm > PUMP_CATHETER_MM_MAX || nl_per_cm < 1u ||
        nl_per_cm > PUMP_CATHETER_NL_PER_CM_MAX || tubing_nl > PUMP_TUBING_NL_MAX) {
        return PUMP_E_CONFIG;
    }
    /* 2000 mm * 10^4 nL/cm = 2e7 (x10 for mm): fits easily. */
    v = (uint64_t)tubing_nl + ((uint64_t)length_mm * nl_per_cm + 9u) / 10u;
    if (v > PUMP_DEAD_VOLUME_MAX_NL) {
        return PUMP_E_CONFIG;
    }
    *dead_volume_nl = (uint32_t)v;
    return PUMP_OK;
}

int pump_configure_implant(pump_t *p, uint32_t dead_volume_nl)
{
    uint64_t mass = 0u;
    uint32_t old;
    uint32_t i;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (dead_volume_nl > PUMP_DEAD_VOLUME_MAX_NL) {
        return PUMP_E_CONFIG;
    }
    if (p->has_rx && !p->suspended) {
        return PUMP_E_THERAPY_ACTIVE;
    }
    PUMP_ASSERT(p->bolus_kind == (uint8_t)PUMP_BOLUS_NONE);
    for (i = 0u; i < p->n_slugs && i < PUMP_MAX_SLUGS; i++) {
        mass += pump__slug_mass_left(&p->slugs[i]);
    }
    /* A new or revised catheter: its old contents (and their drug) are gone,
     * the new one holds liquid without drug, as at implant. */
    p->catheter_discarded_pg += mass;
    (void)memset(p->slugs, 0, sizeof p->slugs);
    p->n_slugs = 0u;
    if (dead_volume_nl > 0u) {
        p->slugs[0].vol = dead_volume_nl;
        p->n_slugs = 1u;
    }
    old = p->cfg.dead_volume_nl;
    p->cfg.dead_volume_nl = dead_volume_nl;
    pump__log(p, PUMP_EV_IMPLANT_CONFIGURED, dead_volume_nl, old);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

/* -------------------------------------------------------- suspend / resume */

int pump_suspend(pump_t *p)
{
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (!p->has_rx) {
        return PUMP_E_NO_PRESCRIPTION;
    }
    if (p->suspended) {
        return PUMP_E_SUSPENDED;
    }
    p->suspended = 1u;
    pump__log(p, PUMP_EV_SUSPENDED, 0u, 0u);
    if (p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE) {
        pump__cancel_bolus(p, PUMP_E_SUSPENDED);
    }
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

int pump_resume(pump_t *p)
{
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (!p->suspended) {
        return PUMP_E_NOT_SUSPENDED;
    }
    if (p->res_drug != p->rx.drug) {
        return PUMP_E_DRUG;
    }
    if (p->res_conc != p->rx.conc_ug_ml) {
        return PUMP_E_CONCENTRATION;
    }
    p->suspended = 0u;
    pump__log(p, PUMP_EV_RESUMED, 0u, 0u);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

/* ----------------------------------------------------------------- status */

static uint8_t state_of(const pump_t *p, uint32_t basal)
{
    if (pump__halted(p)) {
        return (uint8_t)PUMP_STATE_HALTED;
    }
    if (p->suspended) {
        return (uint8_t)PUMP_STATE_SUSPENDED;
    }
    if (!p->has_rx || (basal == 0u && p->bolus_kind == (uint8_t)PUMP_BOLUS_NONE)) {
        return (uint8_t)PUMP_STATE_STOPPED;
    }
    return (uint8_t)PUMP_STATE_RUNNING;
}

static uint32_t days_to_eri(const pump_t *p)
{
    uint64_t thr;
    uint64_t days;
    if (p->eri) {
        return 0u;
    }
    thr = pump__eri_threshold(p);
    PUMP_ASSERT(p->battery_nc > thr);
    days = (p->battery_nc - thr) / pump__drain_day(p);
    return (days > UINT32_MAX) ? UINT32_MAX : (uint32_t)days;
}

/* floor((reservoir - low) / use_day) for a daily use of use_day nL (> 0):
 * reservoir <= 4e7, so the quotient fits; 0 at or below the threshold. */
static uint32_t days_to_low(const pump_t *p, uint64_t use_day)
{
    if (!p->has_rx || use_day == 0u) {
        return UINT32_MAX;
    }
    if (p->reservoir_nl <= p->low_reservoir_nl) {
        return 0u;
    }
    return (uint32_t)((p->reservoir_nl - p->low_reservoir_nl) / use_day);
}

/* Patient boluses granted in (now - 24 h, now]. */
static uint32_t patient_24h(const pump_t *p)
{
    uint32_t n = 0u;
    uint32_t i;
    for (i = 0u; i < p->n_grants && i < PUMP_BOLUS_HISTORY; i++) {
        const struct pump_grant *g = &p->grants[i];
        if (g->kind == (uint8_t)PUMP_BOLUS_PATIENT &&
            pump__t48(g->time_lo, g->time_hi) + PUMP_U > p->now_ms) {
            n++;
        }
    }
    return n;
}

static void projections(const pump_t *p, pump_status_t *out)
{
    uint64_t basal = 0u;
    uint64_t pb = 0u;
    if (p->has_rx) {
        /* ceil(daily1440 / 1440) <= 24e6 nL/day; patient volume <= 24 * 4e7. */
        basal = (pump__daily1440(&p->rx) + PUMP_MIN_PER_DAY - 1u) / PUMP_MIN_PER_DAY;
        pb = p->rx.pb_volume_nl;
    }
    out->days_to_low_reservoir = days_to_low(p, basal + (uint64_t)patient_24h(p) * pb);
    out->days_to_low_reservoir_max_use =
        days_to_low(p, basal + (p->has_rx ? (uint64_t)p->rx.pb_max_per_24h * pb : 0u));
    out->refill_ms = p->refill_ms;
    {
        uint64_t exp = pump__drug_expiry_ms(p);
        if (exp == PUMP_NEVER) {
            out->days_to_drug_expiry = UINT32_MAX;
        } else if (exp <= p->now_ms) {
            out->days_to_drug_expiry = 0u;
        } else {
            /* < 2^32 days: stability_days is a uint32_t. */
            out->days_to_drug_expiry = (uint32_t)((exp - p->now_ms) / PUMP_U);
        }
    }
}

static uint32_t bolus_remaining(const pump_t *p)
{
    uint64_t credited;
    if (p->bolus_kind == (uint8_t)PUMP_BOLUS_NONE) {
        return 0u;
    }
    credited = pump__bolus_credited_u(p, p->now_ms) / PUMP_U;
    PUMP_ASSERT(credited <= p->bolus_volume_nl);
    return p->bolus_volume_nl - (uint32_t)credited;
}

void pump_get_status(const pump_t *p, pump_status_t *out)
{
    uint64_t ignored;
    uint32_t basal;
    uint64_t dose_pg;
    if (p == NULL || out == NULL) {
        return;
    }
    (void)memset(out, 0, sizeof *out);
    basal = pump__basal_at(p, p->now_ms, &ignored);
    out->now_ms = p->now_ms;
    out->state = state_of(p, basal);
    out->basal_nl_day = basal;
    if (pump__enabled(p)) {
        out->rate_nl_day = basal + p->bolus_rate_nl_day;   /* <= 24e6 + 1.44e9 */
    }
    out->reservoir_nl = p->reservoir_nl;
    out->pumped_nl = p->pumped_nl;
    out->delivered_pg = p->delivered_pg;
    out->battery_nc = p->battery_nc;
    out->battery_permille = (uint32_t)(p->battery_nc * 1000u / p->cfg.battery_capacity_nc);
    out->days_to_eri = days_to_eri(p);
    out->alarms = p->alarms;
    out->unacked_alarms = p->alarms & ~p->acked;
    out->bolus_kind = p->bolus_kind;
    out->bolus_remaining_nl = bolus_remaining(p);
    out->drug = p->res_drug;
    out->conc_ug_ml = p->res_conc;
    dose_pg = pump__counted_bolus_pg(p) + (p->has_rx ? pump__basal_24h_pg(&p->rx) : 0u);
    dose_pg = (dose_pg + PUMP_PG_PER_UG - 1u) / PUMP_PG_PER_UG;
    out->dose_24h_ug = (dose_pg > UINT32_MAX) ? UINT32_MAX : (uint32_t)dose_pg;
    out->last_event_seq = p->next_seq - 1u;
    out->strokes = p->strokes;
    out->failed_strokes = p->failed_strokes;
    out->eri = p->eri;
    out->suspended = p->suspended;
    out->faults = ((uint32_t)p->stall_fault << PUMP_FAULT_MOTOR_STALL) |
                  ((uint32_t)p->memory_fault << PUMP_FAULT_MEMORY);
    out->low_reservoir_nl = p->low_reservoir_nl;
    out->next_stroke_ms = pump_next_stroke_ms(p);
    out->dead_volume_nl = p->cfg.dead_volume_nl;
    out->resound_ms = p->resound_ms;
    projections(p, out);
}

void pump_get_balance(const pump_t *p, pump_balance_t *out)
{
    uint64_t in_cath = 0u;
    uint32_t i;
    if (p == NULL || out == NULL) {
        return;
    }
    for (i = 0u; i < p->n_slugs && i < PUMP_MAX_SLUGS; i++) {
        in_cath += pump__slug_mass_left(&p->slugs[i]);
    }
    out->filled_nl = p->filled_nl;
    out->discarded_nl = p->discarded_nl;
    out->pumped_nl = p->pumped_nl;
    out->reservoir_nl = p->reservoir_nl;
    out->pumped_pg = p->pumped_pg;
    out->delivered_pg = p->delivered_pg;
    out->in_catheter_pg = in_cath;
    out->catheter_discarded_pg = p->catheter_discarded_pg;
}
