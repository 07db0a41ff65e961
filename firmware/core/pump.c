/*
 * pump.c — the dosing core's commands, alarms, battery bookkeeping and log.
 * Time stepping and the catheter live in pump_flow.c; snapshot and the
 * invariant check in pump_snap.c. Semantics: see pump.h.
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

#define PUMP_PG_PER_UG 1000000u

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

static const char *const result_names[PUMP_RESULT_COUNT] = {
    "OK", "ARG", "RATE_RANGE", "STEPS", "CONCENTRATION", "DOSE_LIMIT",
    "LIMIT_RANGE", "BOLUS_RANGE", "BOLUS_ACTIVE", "NO_BOLUS", "SUSPENDED",
    "EMPTY", "EOS", "STALLED", "OVERFILL", "LOCKOUT", "COUNT", "PB_DISABLED",
    "TIME", "NOT_SUSPENDED", "NO_PRESCRIPTION", "SNAPSHOT_SIZE",
    "SNAPSHOT_MAGIC", "SNAPSHOT_VERSION", "SNAPSHOT_CRC", "SNAPSHOT_INVALID",
    "FAULT_KIND", "ALARM", "DRUG", "CONFIG", "NO_FAULT", "MEMORY",
};

static const char *const result_texts[PUMP_RESULT_COUNT] = {
    "success",
    "missing or malformed argument",
    "rate outside 0.048-24 mL/day (0 allowed)",
    "schedule needs 1-24 steps starting at minute 0, ascending, within the day",
    "concentration out of range or not the reservoir's",
    "the 24-hour dose limit would be exceeded",
    "dose limit or low-reservoir threshold out of range",
    "bolus volume, duration, rate or patient-bolus settings out of range",
    "a bolus is already running",
    "no bolus is running",
    "the pump is suspended",
    "the reservoir is empty",
    "the battery has reached end of service",
    "motor stall: clear the fault first",
    "refill volume above the reservoir's capacity",
    "patient bolus requested inside the lockout interval",
    "bolus count per 24 hours reached",
    "patient bolus is not enabled",
    "time cannot move backwards (or is beyond the supported range)",
    "the pump is not suspended",
    "no prescription has been programmed",
    "snapshot truncated or buffer too small",
    "not a pump snapshot",
    "snapshot from an unknown layout version",
    "snapshot corrupt (CRC mismatch)",
    "snapshot breaks an invariant of the pump state",
    "unknown fault kind",
    "alarm not active",
    "drug unknown or not the reservoir's",
    "pump configuration out of range",
    "that fault is not present",
    "memory error: clear the fault first",
};

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

static int conc_ok(uint16_t drug, uint32_t conc)
{
    if (conc > PUMP_CONC_MAX_UG_ML) {
        return 0;
    }
    return conc > 0u || drug == (uint16_t)PUMP_DRUG_SALINE;
}

/* Bolus rate for volume over duration, or 0 if out of range. */
static uint32_t bolus_rate(const pump_config_t *cfg, uint32_t volume_nl, uint32_t duration_ms)
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
    if (bolus_rate(cfg, rx->pb_volume_nl, rx->pb_duration_ms) == 0u) {
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
    if (!conc_ok(rx->drug, rx->conc_ug_ml)) {
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

static int check_rx_full(const pump_t *p, const pump_prescription_t *rx)
{
    if (rx->drug == (uint16_t)PUMP_DRUG_NONE || rx->drug >= (uint16_t)PUMP_DRUG_COUNT ||
        rx->drug != p->res_drug) {
        return PUMP_E_DRUG;
    }
    if (!conc_ok(rx->drug, rx->conc_ug_ml) || rx->conc_ug_ml != p->res_conc) {
        return PUMP_E_CONCENTRATION;
    }
    return pump__check_rx(&p->cfg, rx);
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
    int r;
    if (p == NULL || rx == NULL) {
        return PUMP_E_ARG;
    }
    r = check_rx_full(p, rx);
    if (r != PUMP_OK) {
        pump__log(p, PUMP_EV_PRESCRIBE_REFUSED, 0u, (uint32_t)r);
        return r;
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

int pump_get_config(const pump_t *p, pump_config_t *out)
{
    if (p == NULL || out == NULL) {
        return PUMP_E_ARG;
    }
    *out = p->cfg;
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

uint64_t pump__eri_threshold(const pump_t *p)
{
    return (uint64_t)p->cfg.eri_days * pump__drain_day(p);
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
    return c;
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

static void update_bit(pump_t *p, uint32_t bit, uint32_t causes)
{
    if ((causes & bit) != 0u) {
        if ((p->alarms & bit) == 0u && (p->suppressed & bit) == 0u) {
            p->alarms |= bit;
            p->acked &= ~bit;
            pump__log(p, PUMP_EV_ALARM_RAISED, bit, 0u);
        }
        return;
    }
    if ((p->alarms & bit) != 0u) {
        pump__log(p, PUMP_EV_ALARM_CLEARED, bit, 0u);
    }
    p->alarms &= ~bit;
    p->acked &= ~bit;
    p->suppressed &= ~bit;
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
    for (i = 0u; i < 7u; i++) {
        uint32_t bit = 1u << i;
        if (bit != PUMP_ALARM_DOSE_LIMIT) {
            update_bit(p, bit, causes);
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

static void raise_dose_limit(pump_t *p)
{
    if ((p->alarms & PUMP_ALARM_DOSE_LIMIT) == 0u) {
        p->alarms |= PUMP_ALARM_DOSE_LIMIT;
        pump__log(p, PUMP_EV_ALARM_RAISED, PUMP_ALARM_DOSE_LIMIT, 0u);
    }
}

int pump_ack_alarm(pump_t *p, uint32_t alarm_bits)
{
    uint32_t causes;
    uint32_t i;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (alarm_bits == 0u || (alarm_bits & ~p->alarms) != 0u) {
        return PUMP_E_ALARM;
    }
    causes = pump__alarm_causes(p);
    for (i = 0u; i < 7u; i++) {
        uint32_t bit = 1u << i;
        if ((alarm_bits & bit) == 0u) {
            continue;
        }
        pump__log(p, PUMP_EV_ALARM_ACKED, bit, 0u);
        if ((bit & PUMP_ALARM_CRITICAL_MASK) != 0u) {
            p->acked |= bit;
        } else {
            p->alarms &= ~bit;
            if ((causes & bit) != 0u) {
                p->suppressed |= bit;
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

int pump_refill(pump_t *p, uint32_t volume_nl, uint16_t drug, uint32_t conc_ug_ml)
{
    uint32_t discarded;
    int r = PUMP_OK;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (volume_nl > p->cfg.reservoir_capacity_nl) {
        r = PUMP_E_OVERFILL;
    } else if (drug == (uint16_t)PUMP_DRUG_NONE || drug >= (uint16_t)PUMP_DRUG_COUNT) {
        r = PUMP_E_DRUG;
    } else if (!conc_ok(drug, conc_ug_ml)) {
        r = PUMP_E_CONCENTRATION;
    }
    if (r != PUMP_OK) {
        pump__log(p, PUMP_EV_REFILL_REFUSED, 0u, (uint32_t)r);
        return r;
    }
    discarded = p->reservoir_nl;
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

static uint64_t recent_bolus_pg(const pump_t *p)
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
    total = pump__basal_24h_pg(&p->rx) + recent_bolus_pg(p) + mass_pg;
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
    uint32_t rate = bolus_rate(&p->cfg, volume_nl, duration_ms);
    int r = (rate == 0u) ? PUMP_E_BOLUS_RANGE : delivery_refusal(p);
    if (r == PUMP_OK) {
        r = limit_refusal(p, (uint64_t)volume_nl * p->res_conc);
    }
    if (r != PUMP_OK) {
        pump__log(p, PUMP_EV_BOLUS_REFUSED, kind, (uint32_t)r);
        if (r == PUMP_E_DOSE_LIMIT) {
            raise_dose_limit(p);
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
            raise_dose_limit(p);
        }
        return r;
    }
    rate = bolus_rate(&p->cfg, p->rx.pb_volume_nl, p->rx.pb_duration_ms);
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
    dose_pg = recent_bolus_pg(p) + (p->has_rx ? pump__basal_24h_pg(&p->rx) : 0u);
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
}
