/*
 * pump_flow.c — time: the owed-volume accumulator, strokes, the catheter
 * FIFO and battery drain, processed segment by segment.
 *
 * A segment is a stretch [t0, t1] over which the accrual rate R (units of
 * nL*ms/day per ms, i.e. nL/day) and the drain current are constant and no
 * alarm can change. Within it the strokes are closed-form: by time t the
 * count is min(k_cut, (owed + R*(t - t0)) / SU). Segments end at schedule
 * step changes, bolus phase changes, the stroke that crosses a reservoir
 * threshold (low / empty) or fails (stall), the instant the battery
 * crosses its next threshold (ERI, then EOS; found by bisection), the
 * target time, or after PUMP_SEG_MAX_MS. All of these are functions of the
 * state alone, so where a caller splits advance() never changes a result.
 */
#include "pump_internal.h"

#include <string.h>

/* ------------------------------------------------------------- schedule */

/* Basal rate for the millisecond [t, t+1) and when it may next change. */
uint32_t pump__basal_at(const pump_t *p, uint64_t t, uint64_t *end)
{
    uint64_t day0;
    uint32_t minute;
    uint32_t i = 0u;
    uint32_t k;
    *end = PUMP_NEVER;
    if (!p->has_rx) {
        return 0u;
    }
    day0 = t - t % PUMP_U;
    minute = (uint32_t)((t - day0) / PUMP_MS_PER_MIN);
    for (k = 1u; k < p->rx.n_steps && k < PUMP_MAX_STEPS; k++) {
        if (p->rx.steps[k].start_min <= minute) {
            i = k;
        }
    }
    if (p->rx.n_steps > 1u) {
        uint32_t next = (i + 1u < p->rx.n_steps) ? p->rx.steps[i + 1u].start_min : PUMP_MIN_PER_DAY;
        *end = day0 + (uint64_t)next * PUMP_MS_PER_MIN;
    }
    return p->rx.steps[i].rate_nl_day;
}

/* ---------------------------------------------------------------- bolus */

/* Bolus of V nL at rate Rb: credited(t) = min(Rb*(t - t0), V*U). The
 * linear phase ends at t0 + floor(V*U / Rb); one more millisecond credits
 * the remainder (V*U mod Rb) if any. */
static uint64_t bolus_linear_end(const pump_t *p)
{
    uint64_t vu = (uint64_t)p->bolus_volume_nl * PUMP_U;
    return p->bolus_start_ms + vu / p->bolus_rate_nl_day;
}

static uint64_t bolus_remainder_u(const pump_t *p)
{
    uint64_t vu = (uint64_t)p->bolus_volume_nl * PUMP_U;
    return vu % p->bolus_rate_nl_day;
}

uint64_t pump__bolus_end_ms(const pump_t *p)
{
    return bolus_linear_end(p) + ((bolus_remainder_u(p) != 0u) ? 1u : 0u);
}

uint64_t pump__bolus_credited_u(const pump_t *p, uint64_t t)
{
    uint64_t vu = (uint64_t)p->bolus_volume_nl * PUMP_U;
    uint64_t dt;
    if (p->bolus_kind == (uint8_t)PUMP_BOLUS_NONE) {
        return 0u;
    }
    dt = t - p->bolus_start_ms;
    if (t >= pump__bolus_end_ms(p)) {
        return vu;
    }
    return (uint64_t)p->bolus_rate_nl_day * dt;   /* dt <= 24 h: < 1.3e17 */
}

/* Bolus contribution for the millisecond [t, t+1) and when it changes. */
static uint64_t bolus_rate_at(const pump_t *p, uint64_t t, uint64_t *end)
{
    uint64_t lin;
    *end = PUMP_NEVER;
    if (p->bolus_kind == (uint8_t)PUMP_BOLUS_NONE) {
        return 0u;
    }
    lin = bolus_linear_end(p);
    if (t < lin) {
        *end = lin;
        return p->bolus_rate_nl_day;
    }
    PUMP_ASSERT(t == lin && bolus_remainder_u(p) != 0u);
    *end = lin + 1u;
    return bolus_remainder_u(p);
}

/* ------------------------------------------------------------- catheter */

uint32_t pump__slug_vol_left(const struct pump_slug *s)
{
    return s->mixed ? s->vol - s->out : s->vol;
}

/* Mass of a mixed slug that has left once x of its nL have: floor(M*x/V).
 * M <= 2e6 nL * 1e5 = 2e11, x <= 2e6: product < 4e17. */
static uint64_t mixed_out_mass(const struct pump_slug *s, uint32_t x)
{
    return s->mass * x / s->vol;
}

uint64_t pump__slug_mass_left(const struct pump_slug *s)
{
    if (s->mixed) {
        return s->mass - mixed_out_mass(s, s->out);
    }
    return (uint64_t)s->vol * s->conc;
}

/* Merge the two newest slugs (neither is the head: n == PUMP_MAX_SLUGS >= 3). */
static void merge_tail_pair(pump_t *p)
{
    struct pump_slug *a = &p->slugs[p->n_slugs - 2u];
    struct pump_slug *b = &p->slugs[p->n_slugs - 1u];
    struct pump_slug m;
    PUMP_ASSERT(p->n_slugs == PUMP_MAX_SLUGS && a->out == 0u && b->out == 0u);
    (void)memset(&m, 0, sizeof m);
    m.mixed = 1u;
    m.vol = pump__slug_vol_left(a) + pump__slug_vol_left(b);
    m.mass = pump__slug_mass_left(a) + pump__slug_mass_left(b);
    *a = m;
    (void)memset(b, 0, sizeof *b);
    p->n_slugs--;
}

static void fifo_push(pump_t *p, uint32_t vol, uint32_t conc)
{
    struct pump_slug *s;
    if (p->n_slugs > 0u) {
        s = &p->slugs[p->n_slugs - 1u];
        if (!s->mixed && s->conc == conc) {
            s->vol += vol;     /* <= dead volume + one fill: < 4.3e7 */
            return;
        }
    }
    if (p->n_slugs == PUMP_MAX_SLUGS) {
        merge_tail_pair(p);
    }
    s = &p->slugs[p->n_slugs];
    (void)memset(s, 0, sizeof *s);
    s->vol = vol;
    s->conc = conc;
    p->n_slugs++;
}

static void fifo_drop_head(pump_t *p)
{
    uint32_t i;
    for (i = 1u; i < p->n_slugs && i < PUMP_MAX_SLUGS; i++) {
        p->slugs[i - 1u] = p->slugs[i];
    }
    p->n_slugs--;
    (void)memset(&p->slugs[p->n_slugs], 0, sizeof p->slugs[p->n_slugs]);
}

/* Take vol nL out of the tip; returns the drug mass that left. */
static uint64_t fifo_pop(pump_t *p, uint32_t vol)
{
    uint64_t mass = 0u;
    uint32_t guard;
    for (guard = 0u; vol > 0u && guard <= PUMP_MAX_SLUGS; guard++) {
        struct pump_slug *h = &p->slugs[0];
        uint32_t left = pump__slug_vol_left(h);
        uint32_t take = (vol < left) ? vol : left;
        PUMP_ASSERT(p->n_slugs > 0u);
        if (h->mixed) {
            mass += mixed_out_mass(h, h->out + take) - mixed_out_mass(h, h->out);
            h->out += take;
        } else {
            mass += (uint64_t)take * h->conc;
            h->vol -= take;
        }
        vol -= take;
        if (take == left) {
            fifo_drop_head(p);
        }
    }
    PUMP_ASSERT(vol == 0u);
    return mass;
}

/* n strokes: reservoir -> tubing -> tip. n*S <= reservoir <= 4e7. */
static void deliver(pump_t *p, uint64_t n)
{
    uint32_t vol = (uint32_t)(n * p->cfg.stroke_nl);
    uint64_t mass_in = (uint64_t)vol * p->res_conc;
    PUMP_ASSERT(n * p->cfg.stroke_nl <= p->reservoir_nl);
    p->reservoir_nl -= vol;
    p->pumped_nl += vol;
    p->strokes += n;
    p->pumped_pg += mass_in;
    fifo_push(p, vol, p->res_conc);
    p->delivered_pg += fifo_pop(p, vol);
}

/* -------------------------------------------------------------- segment */

typedef struct {
    uint64_t t0;
    uint64_t t1;
    uint64_t rate;     /* units per ms */
    uint64_t owed;     /* at t0 */
    uint64_t su;       /* stroke in units */
    uint64_t k_cut;    /* most strokes this segment may hold */
    uint64_t drain;    /* nC per ms */
    uint64_t b0;       /* battery at t0 */
    int stall;         /* the first stroke fails */
} seg_t;

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return (a < b) ? a : b;
}

/* Strokes (attempted) with time <= t. owed + rate*(t - t0) < 2^63. */
static uint64_t seg_strokes(const seg_t *s, uint64_t t)
{
    uint64_t due = (s->owed + s->rate * (t - s->t0)) / s->su;
    return min_u64(due, s->k_cut);
}

/* Time of the k-th stroke (k <= strokes due by s->t1). */
static uint64_t seg_stroke_time(const seg_t *s, uint64_t k)
{
    uint64_t need = k * s->su;       /* k <= 4e6 strokes: < 3.5e15 */
    if (need <= s->owed) {
        return s->t0;
    }
    PUMP_ASSERT(s->rate > 0u);
    return s->t0 + (need - s->owed + s->rate - 1u) / s->rate;
}

/* Battery at t (strokes at t included), saturating at 0. */
static uint64_t seg_battery(const seg_t *s, const pump_t *p, uint64_t t)
{
    uint64_t used = s->drain * (t - s->t0) +                  /* < 2^17 * 2^32 */
                    seg_strokes(s, t) * p->cfg.stroke_nc;     /* < 4e6 * 1e6 */
    return (used >= s->b0) ? 0u : s->b0 - used;
}

/* First t in [t0, t1] with battery(t) <= thr, given battery(t1) <= thr. */
static uint64_t seg_battery_cross(const seg_t *s, const pump_t *p, uint64_t thr)
{
    uint64_t lo = s->t0;
    uint64_t hi = s->t1;
    uint32_t i;
    for (i = 0u; i < 64u && lo < hi; i++) {
        uint64_t mid = lo + (hi - lo) / 2u;
        if (seg_battery(s, p, mid) <= thr) {
            hi = mid;
        } else {
            lo = mid + 1u;
        }
    }
    PUMP_ASSERT(lo == hi);
    return lo;
}

/* Stroke-count cut: the stroke that fails (stall), empties the reservoir
 * (k_empty = floor(res / S)) or brings it to the low threshold. */
static uint64_t stroke_cut(const pump_t *p)
{
    uint64_t k_empty;
    uint64_t k;
    if (p->stall_fault) {
        return 1u;
    }
    k_empty = p->reservoir_nl / p->cfg.stroke_nl;
    k = k_empty;
    if (p->reservoir_nl > p->low_reservoir_nl) {
        uint64_t over = p->reservoir_nl - p->low_reservoir_nl;
        k = min_u64(k, (over + p->cfg.stroke_nl - 1u) / p->cfg.stroke_nl);
    }
    PUMP_ASSERT(k >= 1u);
    return k;
}

static void seg_plan(const pump_t *p, uint64_t to, seg_t *s)
{
    (void)memset(s, 0, sizeof *s);
    s->t0 = p->now_ms;
    s->t1 = min_u64(to, s->t0 + PUMP_SEG_MAX_MS);
    s->owed = p->owed_u;
    s->su = (uint64_t)p->cfg.stroke_nl * PUMP_U;
    s->drain = (uint64_t)p->cfg.quiescent_ua + pump__tone_ua(p);
    s->b0 = p->battery_nc;
    /* An acked alarm re-sounding changes the tone current: cut there. */
    s->t1 = min_u64(s->t1, pump__next_resound(p));
    /* The drug expiring raises DRUG_EXPIRED (tone current): cut there too. */
    if (pump__drug_expiry_ms(p) > s->t0) {
        s->t1 = min_u64(s->t1, pump__drug_expiry_ms(p));
    }
    if (pump__enabled(p)) {
        uint64_t end_b;
        uint64_t end_r;
        s->rate = (uint64_t)pump__basal_at(p, s->t0, &end_b) + bolus_rate_at(p, s->t0, &end_r);
        s->t1 = min_u64(s->t1, min_u64(end_b, end_r));
        s->k_cut = stroke_cut(p);
        s->stall = p->stall_fault;
        if (seg_strokes(s, s->t1) >= s->k_cut) {
            s->t1 = seg_stroke_time(s, s->k_cut);
        }
    }
}

/* Cut the segment where the battery reaches its next threshold. */
static void seg_battery_plan(const pump_t *p, seg_t *s)
{
    uint64_t thr;
    if (!p->eri) {
        thr = pump__eri_threshold(p);
    } else if (p->battery_nc > 0u) {
        thr = 0u;
    } else {
        return;
    }
    if (seg_battery(s, p, s->t1) <= thr) {
        s->t1 = seg_battery_cross(s, p, thr);
    }
}

static void seg_apply(pump_t *p, const seg_t *s)
{
    uint64_t n = seg_strokes(s, s->t1);
    p->owed_u = s->owed + s->rate * (s->t1 - s->t0) - n * s->su;
    if (s->stall && n > 0u) {
        PUMP_ASSERT(n == 1u);
        p->failed_strokes++;
        p->stall_halted = 1u;
    } else if (n > 0u) {
        deliver(p, n);
    }
    p->battery_nc = seg_battery(s, p, s->t1);
    p->now_ms = s->t1;
}

/* Events at the end of a segment, in the documented order. */
static void seg_events(pump_t *p)
{
    if (p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE && p->now_ms >= pump__bolus_end_ms(p)) {
        pump__log(p, PUMP_EV_BOLUS_END, p->bolus_kind, p->bolus_volume_nl);
        p->bolus_kind = (uint8_t)PUMP_BOLUS_NONE;
        p->bolus_volume_nl = 0u;
        p->bolus_rate_nl_day = 0u;
        p->bolus_start_ms = 0u;
    }
    pump__update_alarms(p);
}

/* Strokes still due at now (several at one instant after a cut). */
static int strokes_pending(const pump_t *p)
{
    return pump__enabled(p) && p->owed_u >= (uint64_t)p->cfg.stroke_nl * PUMP_U;
}

int pump_advance(pump_t *p, uint64_t to_ms)
{
    uint64_t bound;
    uint64_t i;
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    if (to_ms < p->now_ms || to_ms > PUMP_TIME_MAX) {
        return PUMP_E_TIME;
    }
    /* Segments: at most one schedule change per minute, plus a bounded
     * number of cuts (bolus 2, low 1, empty/stall 1, ERI/EOS 2, each maybe
     * followed by one zero-length segment) and one per PUMP_SEG_MAX_MS. */
    bound = (to_ms - p->now_ms) / PUMP_MS_PER_MIN + 64u;
    for (i = 0u; i < bound; i++) {
        seg_t s;
        if (p->now_ms >= to_ms && !strokes_pending(p)) {
            break;
        }
        seg_plan(p, to_ms, &s);
        seg_battery_plan(p, &s);
        seg_apply(p, &s);
        seg_events(p);
    }
    PUMP_ASSERT(i < bound);
    PUMP_ASSERT(pump__check_state(p, 0) == PUMP_OK);
    return PUMP_OK;
}

/* ------------------------------------------------------ next stroke time */

/* Daily accrual of the schedule in units: sum(rate_i * minutes_i) * 60000. */
static uint64_t daily_units(const pump_t *p)
{
    return pump__daily1440(&p->rx) * PUMP_MS_PER_MIN;   /* <= 2.1e15 */
}

uint64_t pump_next_stroke_ms(const pump_t *p)
{
    uint64_t su;
    uint64_t owed;
    uint64_t t;
    uint64_t daily;
    uint32_t i;
    if (p == NULL || !pump__enabled(p)) {
        return PUMP_NEVER;
    }
    su = (uint64_t)p->cfg.stroke_nl * PUMP_U;
    owed = p->owed_u;
    t = p->now_ms;
    daily = daily_units(p);
    /* <= 3 bolus phases, ~26 schedule segments during a <= 24 h bolus, one
     * whole-day skip, then <= 26 segments within the next day. */
    for (i = 0u; i < 128u; i++) {
        uint64_t end_b;
        uint64_t end_r = PUMP_NEVER;
        uint64_t rate = pump__basal_at(p, t, &end_b);
        uint64_t end;
        int bolus_on = p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE && t < pump__bolus_end_ms(p);
        if (bolus_on) {
            rate += bolus_rate_at(p, t, &end_r);
        } else if (daily > 0u && su - owed > daily) {
            uint64_t days = (su - owed - 1u) / daily;   /* whole days: schedule repeats */
            owed += days * daily;
            t += days * PUMP_U;
            continue;
        }
        end = min_u64(end_b, end_r);
        if (rate > 0u) {
            uint64_t at = t + (su - owed + rate - 1u) / rate;
            if (end == PUMP_NEVER || at <= end) {
                return at;
            }
        } else if (end == PUMP_NEVER) {
            return PUMP_NEVER;
        }
        owed += rate * (end - t);
        t = end;
    }
    return PUMP_NEVER;
}
