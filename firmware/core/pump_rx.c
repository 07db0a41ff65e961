/*
 * pump_rx.c — prescriptions, dose programming and every bolus kind, with
 * the 24-h dose-limit record. Semantics: see pump.h (Prescriptions, 24-h
 * dose limit, Boluses, Patient bolus).
 */
#include "pump_internal.h"

#include <string.h>

/* ----------------------------------------------------------- prescription */

/* sum_i(rate_i * minutes_i): the daily volume times 1440.
 * <= 24e6 nL/day * 1440 min = 3.5e10. */
uint64_t pump__daily1440(const pump_prescription_t *rx)
{
    uint64_t sum = 0u;
    uint32_t i;
    for (i = 0u; i < rx->n_steps && i < PUMP_MAX_STEPS; i++) {
        uint32_t end = (i + 1u < rx->n_steps) ? rx->steps[i + 1u].start_min : PUMP_MIN_PER_DAY;
        PUMP_ASSERT(end > rx->steps[i].start_min);
        sum += (uint64_t)rx->steps[i].rate_nl_day * (end - rx->steps[i].start_min);
    }
    return sum;
}

/* ceil(conc * daily1440 / 1440) pg: <= 1e5 * 3.5e10 = 3.5e15. */
uint64_t pump__basal_24h_pg(const pump_prescription_t *rx)
{
    uint64_t m = (uint64_t)rx->conc_ug_ml * pump__daily1440(rx);
    return (m + PUMP_MIN_PER_DAY - 1u) / PUMP_MIN_PER_DAY;
}

int pump__conc_ok(uint16_t drug, uint32_t conc)
{
    if (conc > PUMP_CONC_MAX_UG_ML) {
        return 0;
    }
    return conc > 0u || drug == (uint16_t)PUMP_DRUG_SALINE;
}

/* Bolus rate for volume over duration, or 0 if out of range. */
uint32_t pump__bolus_rate(const pump_config_t *cfg, uint32_t volume_nl, uint32_t duration_ms)
{
    uint64_t vu;
    uint64_t rate;
    if (volume_nl == 0u || volume_nl > cfg->reservoir_capacity_nl) {
        return 0u;
    }
    if (duration_ms == 0u || duration_ms > PUMP_BOLUS_DURATION_MAX_MS) {
        return 0u;
    }
    vu = (uint64_t)volume_nl * PUMP_U;                 /* <= 4e7 * 8.64e7 = 3.5e15 */
    rate = (vu + duration_ms - 1u) / duration_ms;
    if (rate > PUMP_BOLUS_RATE_MAX_NL_DAY) {
        return 0u;
    }
    return (uint32_t)rate;
}

static int check_steps(const pump_prescription_t *rx)
{
    uint32_t i;
    if (rx->n_steps < 1u || rx->n_steps > PUMP_MAX_STEPS || rx->steps[0].start_min != 0u) {
        return PUMP_E_STEPS;
    }
    for (i = 1u; i < rx->n_steps; i++) {
        if (rx->steps[i].start_min <= rx->steps[i - 1u].start_min ||
            rx->steps[i].start_min >= PUMP_MIN_PER_DAY) {
            return PUMP_E_STEPS;
        }
    }
    for (i = 0u; i < rx->n_steps; i++) {
        uint32_t r = rx->steps[i].rate_nl_day;
        if (r != 0u && (r < PUMP_RATE_MIN_NL_DAY || r > PUMP_RATE_MAX_NL_DAY)) {
            return PUMP_E_RATE_RANGE;
        }
    }
    return PUMP_OK;
}

static int check_pb(const pump_config_t *cfg, const pump_prescription_t *rx)
{
    if (rx->pb_enabled > 1u) {
        return PUMP_E_BOLUS_RANGE;
    }
    if (rx->pb_enabled == 0u) {
        return PUMP_OK;
    }
    if (pump__bolus_rate(cfg, rx->pb_volume_nl, rx->pb_duration_ms) == 0u) {
        return PUMP_E_BOLUS_RANGE;
    }
    if (rx->pb_lockout_ms < rx->pb_duration_ms || rx->pb_lockout_ms > PUMP_MS_PER_DAY) {
        return PUMP_E_BOLUS_RANGE;
    }
    if (rx->pb_max_per_24h < 1u || rx->pb_max_per_24h > PUMP_PB_MAX_PER_24H) {
        return PUMP_E_BOLUS_RANGE;
    }
    return PUMP_OK;
}

/* Every range rule of a prescription, without the reservoir match. */
int pump__check_rx(const pump_config_t *cfg, const pump_prescription_t *rx)
{
    int r;
    if (rx->drug == (uint16_t)PUMP_DRUG_NONE || rx->drug >= (uint16_t)PUMP_DRUG_COUNT) {
        return PUMP_E_DRUG;
    }
    if (!pump__conc_ok(rx->drug, rx->conc_ug_ml)) {
        return PUMP_E_CONCENTRATION;
    }
    r = check_steps(rx);
    if (r != PUMP_OK) {
        return r;
    }
    if (rx->max_dose_ug_24h < 1u || rx->max_dose_ug_24h > PUMP_DOSE_LIMIT_MAX_UG ||
        rx->low_reservoir_nl < 1u || rx->low_reservoir_nl > cfg->reservoir_capacity_nl) {
        return PUMP_E_LIMIT_RANGE;
    }
    r = check_pb(cfg, rx);
    if (r != PUMP_OK) {
        return r;
    }
    if (pump__basal_24h_pg(rx) > (uint64_t)rx->max_dose_ug_24h * PUMP_PG_PER_UG) {
        return PUMP_E_DOSE_LIMIT;
    }
    return PUMP_OK;
}

/* The drug library, indexed by pump_drug_t (generated into pump_vocab.h). */
static const pump_drug_limits_t drug_library[PUMP_DRUG_COUNT] = PUMP_DRUG_LIBRARY_INIT;

const pump_drug_limits_t *pump_drug_limits(uint16_t drug)
{
    if (drug >= (uint16_t)PUMP_DRUG_COUNT) {
        return NULL;
    }
    return &drug_library[drug];
}

/* A concentration above the library's maximum for the drug (0 = none). */
int pump__conc_over_library(uint16_t drug, uint32_t conc)
{
    const pump_drug_limits_t *lim = pump_drug_limits(drug);
    return lim != NULL && lim->max_conc_ug_ml != 0u && conc > lim->max_conc_ug_ml;
}

/* Library checks after every range rule: hard limits (PUMP_E_DRUG_LIMIT),
 * then the soft limit unless confirmed (PUMP_E_SOFT_LIMIT). */
static int check_library(const pump_prescription_t *rx, uint32_t flags)
{
    const pump_drug_limits_t *lim = pump_drug_limits(rx->drug);
    if (lim == NULL) {
        return PUMP_E_DRUG;   /* unreachable: the drug was checked first */
    }
    if ((lim->max_conc_ug_ml != 0u && rx->conc_ug_ml > lim->max_conc_ug_ml) ||
        (lim->dose_hard_ug_24h != 0u && rx->max_dose_ug_24h > lim->dose_hard_ug_24h) ||
        (lim->patient_bolus == 0u && rx->pb_enabled != 0u)) {
        return PUMP_E_DRUG_LIMIT;
    }
    if (lim->dose_soft_ug_24h != 0u && rx->max_dose_ug_24h > lim->dose_soft_ug_24h &&
        (flags & PUMP_RX_CONFIRM_SOFT_LIMIT) == 0u) {
        return PUMP_E_SOFT_LIMIT;
    }
    return PUMP_OK;
}

static int check_rx_full(const pump_t *p, const pump_prescription_t *rx, uint32_t flags)
{
    int r;
    if (rx->drug == (uint16_t)PUMP_DRUG_NONE || rx->drug >= (uint16_t)PUMP_DRUG_COUNT ||
        rx->drug != p->res_drug) {
        return PUMP_E_DRUG;
    }
    if (!pump__conc_ok(rx->drug, rx->conc_ug_ml) || rx->conc_ug_ml != p->res_conc) {
        return PUMP_E_CONCENTRATION;
    }
    r = pump__check_rx(&p->cfg, rx);
    if (r != PUMP_OK) {
        return r;
    }
    return check_library(rx, flags);
}

static void normalise_rx(pump_prescription_t *dst, const pump_prescription_t *src)
{
    uint32_t i;
    (void)memset(dst, 0, sizeof *dst);
    dst->drug = src->drug;
    dst->conc_ug_ml = src->conc_ug_ml;
    dst->n_steps = src->n_steps;
    for (i = 0u; i < src->n_steps && i < PUMP_MAX_STEPS; i++) {
        dst->steps[i] = src->steps[i];
    }
    dst->max_dose_ug_24h = src->max_dose_ug_24h;
    dst->low_reservoir_nl = src->low_reservoir_nl;
    if (src->pb_enabled != 0u) {
        dst->pb_enabled = 1u;
        dst->pb_volume_nl = src->pb_volume_nl;
        dst->pb_duration_ms = src->pb_duration_ms;
        dst->pb_lockout_ms = src->pb_lockout_ms;
        dst->pb_max_per_24h = src->pb_max_per_24h;
    }
}

int pump_prescribe(pump_t *p, const pump_prescription_t *rx)
{
    return pump_prescribe_ex(p, rx, 0u);
}

int pump_prescribe_ex(pump_t *p, const pump_prescription_t *rx, uint32_t flags)
{
    int r;
    const pump_drug_limits_t *lim;
    if (p == NULL || rx == NULL || (flags & ~PUMP_RX_CONFIRM_SOFT_LIMIT) != 0u) {
        return PUMP_E_ARG;
    }
    r = check_rx_full(p, rx, flags);
    if (r != PUMP_OK) {
        pump__log(p, PUMP_EV_PRESCRIBE_REFUSED, 0u, (uint32_t)r);
        return r;
    }
    lim = pump_drug_limits(rx->drug);
    if (lim != NULL && lim->dose_soft_ug_24h != 0u && rx->max_dose_ug_24h > lim->dose_soft_ug_24h) {
        /* Only reached with the confirmation: the record of who accepted what. */
        pump__log(p, PUMP_EV_SOFT_LIMIT_CONFIRMED, rx->max_dose_ug_24h, lim->dose_soft_ug_24h);
    }
    normalise_rx(&p->rx, rx);
    p->has_rx = 1u;
    p->low_reservoir_nl = rx->low_reservoir_nl;
    pump__log(p, PUMP_EV_PRESCRIBED, (uint32_t)(pump__daily1440(&p->rx) / PUMP_MIN_PER_DAY),
              p->rx.max_dose_ug_24h);
    pump__update_alarms(p);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

int pump_get_prescription(const pump_t *p, pump_prescription_t *out)
{
    if (p == NULL || out == NULL) {
        return PUMP_E_ARG;
    }
    if (!p->has_rx) {
        return PUMP_E_NO_PRESCRIPTION;
    }
    *out = p->rx;
    return PUMP_OK;
}

int pump_dose_to_rate(uint32_t dose_ug_day, uint32_t conc_ug_ml, uint32_t *rate_nl_day)
{
    uint64_t rate;
    if (rate_nl_day == NULL) {
        return PUMP_E_ARG;
    }
    if (conc_ug_ml == 0u || conc_ug_ml > PUMP_CONC_MAX_UG_ML) {
        return PUMP_E_CONCENTRATION;
    }
    /* dose <= 2^32 * 1e6 < 2^53: no overflow. */
    rate = ((uint64_t)dose_ug_day * PUMP_PG_PER_UG + conc_ug_ml / 2u) / conc_ug_ml;
    if (rate != 0u && (rate < PUMP_RATE_MIN_NL_DAY || rate > PUMP_RATE_MAX_NL_DAY)) {
        return PUMP_E_RATE_RANGE;
    }
    *rate_nl_day = (uint32_t)rate;
    return PUMP_OK;
}

/* ------------------------------------------------------------------ boluses */

static uint64_t grant_time(const struct pump_grant *g)
{
    return pump__t48(g->time_lo, g->time_hi);
}

/* Counts against the 24-h limit: some of it can lie in (now - 24 h, now],
 * i.e. its credit ended less than 24 h ago (or has not ended). */
static int in_window(const pump_t *p, const struct pump_grant *g)
{
    uint64_t end = grant_time(g) + g->end_off;
    return end > p->now_ms || p->now_ms - end < PUMP_U;
}

/* Granted in (now - 24 h, now]: for the patient bolus count. */
static int granted_within(const pump_t *p, const struct pump_grant *g)
{
    return p->now_ms - grant_time(g) < PUMP_U;
}

uint64_t pump__counted_bolus_pg(const pump_t *p)
{
    uint64_t sum = 0u;
    uint32_t i;
    for (i = 0u; i < p->n_grants && i < PUMP_BOLUS_HISTORY; i++) {
        if (in_window(p, &p->grants[i])) {
            sum += (uint64_t)p->grants[i].vol * p->grants[i].conc;   /* <= 4e12 each */
        }
    }
    return sum;
}

/* Grants still counted against the limit (record occupancy after a prune). */
static uint32_t counted_grants(const pump_t *p)
{
    uint32_t n = 0u;
    uint32_t i;
    for (i = 0u; i < p->n_grants && i < PUMP_BOLUS_HISTORY; i++) {
        if (in_window(p, &p->grants[i])) {
            n++;
        }
    }
    return n;
}

static uint32_t recent_patient_grants(const pump_t *p)
{
    uint32_t n = 0u;
    uint32_t i;
    for (i = 0u; i < p->n_grants && i < PUMP_BOLUS_HISTORY; i++) {
        if (granted_within(p, &p->grants[i]) && p->grants[i].kind == (uint8_t)PUMP_BOLUS_PATIENT) {
            n++;
        }
    }
    return n;
}

/* State checks shared by every bolus kind, in the documented order. */
static int delivery_refusal(const pump_t *p)
{
    uint32_t causes = pump__alarm_causes(p);
    if (!p->has_rx) {
        return PUMP_E_NO_PRESCRIPTION;
    }
    if ((causes & PUMP_ALARM_EOS) != 0u) {
        return PUMP_E_EOS;
    }
    if (p->stall_halted) {
        return PUMP_E_STALLED;
    }
    if (p->memory_fault) {
        return PUMP_E_MEMORY;
    }
    if (p->suspended) {
        return PUMP_E_SUSPENDED;
    }
    if ((causes & PUMP_ALARM_RESERVOIR_EMPTY) != 0u) {
        return PUMP_E_EMPTY;
    }
    if (p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE) {
        return PUMP_E_BOLUS_ACTIVE;
    }
    return PUMP_OK;
}

/* Record full, then the 24-h dose limit (mass in pg <= 4e12). */
static int limit_refusal(const pump_t *p, uint64_t mass_pg)
{
    uint64_t total;
    if (counted_grants(p) >= PUMP_BOLUS_HISTORY) {
        return PUMP_E_COUNT;
    }
    total = pump__basal_24h_pg(&p->rx) + pump__counted_bolus_pg(p) + mass_pg;
    if (total > (uint64_t)p->rx.max_dose_ug_24h * PUMP_PG_PER_UG) {
        return PUMP_E_DOSE_LIMIT;
    }
    return PUMP_OK;
}

/* Drop grants no longer counted (only when granting, so refusals change nothing). */
static void prune_grants(pump_t *p)
{
    uint32_t keep = 0u;
    uint32_t i;
    for (i = 0u; i < p->n_grants && i < PUMP_BOLUS_HISTORY; i++) {
        if (in_window(p, &p->grants[i])) {
            p->grants[keep] = p->grants[i];
            keep++;
        }
    }
    for (i = keep; i < PUMP_BOLUS_HISTORY; i++) {
        (void)memset(&p->grants[i], 0, sizeof p->grants[i]);
    }
    p->n_grants = keep;
}

static void start_bolus(pump_t *p, uint8_t kind, uint32_t volume_nl, uint32_t rate)
{
    struct pump_grant *g;
    prune_grants(p);
    PUMP_ASSERT(p->n_grants < PUMP_BOLUS_HISTORY);
    p->bolus_kind = kind;
    p->bolus_volume_nl = volume_nl;
    p->bolus_rate_nl_day = rate;
    p->bolus_start_ms = p->now_ms;
    g = &p->grants[p->n_grants];
    g->vol = volume_nl;
    g->conc = p->res_conc;
    g->time_lo = (uint32_t)p->now_ms;
    g->time_hi = (uint16_t)(p->now_ms >> 32);
    g->end_off = (uint32_t)(pump__bolus_end_ms(p) - p->now_ms);   /* <= D <= 24 h */
    g->kind = kind;
    g->reserved = 0u;
    p->n_grants++;
    pump__log(p, PUMP_EV_BOLUS_START, kind, volume_nl);
}

static int clinical_bolus(pump_t *p, uint8_t kind, uint32_t volume_nl, uint32_t duration_ms)
{
    uint32_t rate = pump__bolus_rate(&p->cfg, volume_nl, duration_ms);
    int r = (rate == 0u) ? PUMP_E_BOLUS_RANGE : delivery_refusal(p);
    if (r == PUMP_OK) {
        r = limit_refusal(p, (uint64_t)volume_nl * p->res_conc);
    }
    if (r != PUMP_OK) {
        pump__log(p, PUMP_EV_BOLUS_REFUSED, kind, (uint32_t)r);
        if (r == PUMP_E_DOSE_LIMIT) {
            pump__raise_dose_limit(p);
        }
        return r;
    }
    start_bolus(p, kind, volume_nl, rate);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

int pump_clinician_bolus(pump_t *p, uint32_t volume_nl, uint32_t duration_ms)
{
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    return clinical_bolus(p, (uint8_t)PUMP_BOLUS_CLINICIAN, volume_nl, duration_ms);
}

int pump_prime_bolus(pump_t *p, uint32_t volume_nl, uint32_t duration_ms)
{
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    return clinical_bolus(p, (uint8_t)PUMP_BOLUS_PRIME,
                          (volume_nl == 0u) ? p->cfg.dead_volume_nl : volume_nl, duration_ms);
}

static int patient_refusal(const pump_t *p)
{
    int r;
    if (!p->has_rx || !p->rx.pb_enabled) {
        return PUMP_E_PB_DISABLED;
    }
    r = delivery_refusal(p);
    if (r != PUMP_OK) {
        return r;
    }
    if (p->has_last_patient && p->now_ms - p->last_patient_ms < p->rx.pb_lockout_ms) {
        return PUMP_E_LOCKOUT;
    }
    if (recent_patient_grants(p) >= p->rx.pb_max_per_24h) {
        return PUMP_E_COUNT;
    }
    return limit_refusal(p, (uint64_t)p->rx.pb_volume_nl * p->res_conc);
}

int pump_patient_bolus(pump_t *p)
{
    int r;
    uint32_t rate;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    r = patient_refusal(p);
    if (r != PUMP_OK) {
        pump__log(p, PUMP_EV_PATIENT_DENIED, 0u, (uint32_t)r);
        if (r == PUMP_E_DOSE_LIMIT) {
            pump__raise_dose_limit(p);
        }
        return r;
    }
    rate = pump__bolus_rate(&p->cfg, p->rx.pb_volume_nl, p->rx.pb_duration_ms);
    PUMP_ASSERT(rate != 0u);
    pump__log(p, PUMP_EV_PATIENT_GRANTED,
              recent_patient_grants(p) + 1u, p->rx.pb_volume_nl);
    p->has_last_patient = 1u;
    p->last_patient_ms = p->now_ms;
    start_bolus(p, (uint8_t)PUMP_BOLUS_PATIENT, p->rx.pb_volume_nl, rate);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

int pump_cancel_bolus(pump_t *p)
{
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (p->bolus_kind == (uint8_t)PUMP_BOLUS_NONE) {
        return PUMP_E_NO_BOLUS;
    }
    pump__cancel_bolus(p, 0u);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}
