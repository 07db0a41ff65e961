/*
 * plant.c — the physical plant's arithmetic (model and units in plant.h).
 */
#include <string.h>

#include "plant.h"

#define PLANT_FAULT_MASK ((1u << PUMP_FAULT_FLOW_ERROR) | (1u << PUMP_FAULT_OCCLUSION) | \
                          (1u << PUMP_FAULT_LEAK) | (1u << PUMP_FAULT_DISCONNECT) | \
                          (1u << PUMP_FAULT_POCKET_FILL) | (1u << PUMP_FAULT_MRI))
#define PLANT_CATHETER_FAULTS ((1u << PUMP_FAULT_OCCLUSION) | (1u << PUMP_FAULT_LEAK) | \
                               (1u << PUMP_FAULT_DISCONNECT))

static void fx_clear(plant_effect_t *fx)
{
    (void)memset(fx, 0, sizeof *fx);
}

static void fx_log(plant_effect_t *fx, uint16_t kind, uint32_t d0, uint32_t d1)
{
    uint32_t i = (fx->kind[0] == 0u) ? 0u : 1u;
    fx->kind[i] = kind;
    fx->data0[i] = d0;
    fx->data1[i] = d1;
}

void plant_init(plant_t *pl)
{
    (void)memset(pl, 0, sizeof *pl);
    pl->factor_ppm = PLANT_PPM;
    pl->target_ppm = PLANT_PPM;
    pl->catheter = (uint8_t)PLANT_CATHETER_PATENT;
}

void plant_mirror(plant_t *pl, uint32_t reservoir_nl, uint32_t conc_ug_ml,
                  uint64_t pumped_nl, uint64_t delivered_pg)
{
    plant_init(pl);
    pl->reservoir_nl = reservoir_nl;
    pl->conc_ug_ml = conc_ug_ml;
    pl->intrathecal_pg = delivered_pg;
    pl->moved_nl = pumped_nl;
    pl->seen_pumped_nl = pumped_nl;
    pl->seen_delivered_pg = delivered_pg;
}

uint32_t plant_factor_ppm(const plant_t *pl, uint64_t now_ms)
{
    uint64_t elapsed;
    int64_t span;
    int64_t f;

    if (pl->drift_ms == 0u || now_ms <= pl->flow_start_ms) {
        return pl->factor_ppm;
    }
    elapsed = now_ms - pl->flow_start_ms;
    if (elapsed >= (uint64_t)pl->drift_ms) {
        return pl->target_ppm;
    }
    /* |span| <= 2e6 and elapsed < 2^32: the product < 2^53. */
    span = (int64_t)pl->target_ppm - (int64_t)pl->factor_ppm;
    f = (int64_t)pl->factor_ppm + (span * (int64_t)elapsed) / (int64_t)pl->drift_ms;
    return (uint32_t)f;   /* between factor and target, both <= PLANT_FACTOR_MAX_PPM */
}

/* x * num / den without a product above 2^64: x = q*den + r, r < den. */
static uint64_t scale(uint64_t x, uint64_t num, uint64_t den)
{
    uint64_t q = x / den;
    uint64_t r = x % den;
    return q * num + (r * num) / den;   /* callers: num, den < 2^32 */
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return (a > UINT64_MAX - b) ? UINT64_MAX : a + b;
}

int plant_move(plant_t *pl, uint64_t step_start_ms, uint64_t pumped_nl, uint64_t delivered_pg,
               uint32_t stroke_nl, uint8_t *motor)
{
    uint64_t cmd_nl;
    uint64_t del_pg;
    uint64_t want;
    uint64_t real_nl;
    uint64_t tip_pg;
    uint32_t factor;

    *motor = PLANT_MOTOR_KEEP;
    if (pumped_nl < pl->seen_pumped_nl || delivered_pg < pl->seen_delivered_pg || stroke_nl == 0u) {
        return PLANT_E_STATE;
    }
    cmd_nl = pumped_nl - pl->seen_pumped_nl;
    del_pg = delivered_pg - pl->seen_delivered_pg;
    if (cmd_nl > UINT32_MAX) {
        return PLANT_E_STATE;
    }
    pl->seen_pumped_nl = pumped_nl;
    pl->seen_delivered_pg = delivered_pg;
    if (cmd_nl == 0u && del_pg == 0u) {
        return PLANT_OK;
    }
    /* Mechanism: cmd_nl < 2^32, factor <= 2^21, rem < 10^6: no overflow. */
    factor = plant_factor_ppm(pl, step_start_ms);
    want = cmd_nl * (uint64_t)factor + (uint64_t)pl->rem;
    pl->rem = (uint32_t)(want % PLANT_PPM);
    want /= PLANT_PPM;
    real_nl = (want < (uint64_t)pl->reservoir_nl) ? want : (uint64_t)pl->reservoir_nl;
    pl->reservoir_nl -= (uint32_t)real_nl;
    pl->moved_nl = sat_add(pl->moved_nl, real_nl);
    /* Mass at the tip: the core's, scaled by real / commanded volume. */
    if (cmd_nl == 0u) {
        tip_pg = del_pg;              /* never expected: no volume, no mass */
    } else {
        tip_pg = scale(del_pg, real_nl, cmd_nl);
    }
    switch (pl->catheter) {
    case PLANT_CATHETER_OCCLUDED:
        pl->held_pg = sat_add(pl->held_pg, tip_pg);
        if (pl->occluded_strokes <= PLANT_STALL_AFTER_MAX) {
            uint64_t s = (uint64_t)pl->occluded_strokes + cmd_nl / stroke_nl;
            pl->occluded_strokes = (s > PLANT_STALL_AFTER_MAX) ? PLANT_STALL_AFTER_MAX + 1u : (uint32_t)s;
        }
        if (pl->stall_after > 0u && pl->occlusion_stalled == 0u && pl->occluded_strokes >= pl->stall_after) {
            pl->occlusion_stalled = 1u;
            *motor = PLANT_MOTOR_STALL;
        }
        break;
    case PLANT_CATHETER_LEAKING: {
        uint64_t leak = scale(tip_pg, pl->leak_ppm, PLANT_PPM);
        pl->tissue_pg = sat_add(pl->tissue_pg, leak);
        pl->intrathecal_pg = sat_add(pl->intrathecal_pg, tip_pg - leak);
        break;
    }
    case PLANT_CATHETER_DISCONNECTED:
        pl->tissue_pg = sat_add(pl->tissue_pg, tip_pg);
        break;
    default:
        pl->intrathecal_pg = sat_add(pl->intrathecal_pg, tip_pg);
        break;
    }
    return PLANT_OK;
}

uint64_t plant_next_ms(const plant_t *pl, uint64_t now_ms)
{
    uint64_t next = UINT64_MAX;

    if (pl->drift_ms != 0u && now_ms < pl->flow_start_ms + pl->drift_ms) {
        /* the next whole day since the drift began (at most drift_ms / day steps) */
        uint64_t days = (now_ms - pl->flow_start_ms) / PLANT_DAY_MS + 1u;
        uint64_t t = pl->flow_start_ms + days * PLANT_DAY_MS;
        uint64_t end = pl->flow_start_ms + pl->drift_ms;
        next = (t < end) ? t : end;
    }
    if (pl->mri == PLANT_MRI_SCANNING && pl->mri_end_ms > now_ms && pl->mri_end_ms < next) {
        next = pl->mri_end_ms;
    }
    if (pl->mri == PLANT_MRI_WAITING && pl->mri_recovery == (uint8_t)PLANT_MRI_RECOVERY_DELAY) {
        uint64_t t = pl->mri_end_ms + pl->mri_delay_ms;
        if (t > now_ms && t < next) {
            next = t;
        }
    }
    return next;
}

static uint32_t minutes(uint64_t ms)
{
    uint64_t m = ms / 60000u;
    return (m > UINT32_MAX) ? UINT32_MAX : (uint32_t)m;
}

static void mri_recover(plant_t *pl, uint64_t now_ms, plant_effect_t *fx)
{
    fx_log(fx, (uint16_t)PUMP_EV_MRI_RECOVERED, pl->mri_recovery, minutes(now_ms - pl->mri_end_ms));
    pl->mri = PLANT_MRI_NONE;
    pl->faults &= ~(1u << PUMP_FAULT_MRI);
    if (pl->occlusion_stalled == 0u) {
        fx->motor = PLANT_MOTOR_RUN;
    }
}

void plant_tick(plant_t *pl, uint64_t now_ms, plant_effect_t *fx)
{
    fx_clear(fx);
    if (pl->mri == PLANT_MRI_SCANNING && now_ms >= pl->mri_end_ms) {
        pl->mri = PLANT_MRI_WAITING;
        fx_log(fx, (uint16_t)PUMP_EV_MRI_ENDED, pl->mri_recovery, minutes(pl->mri_end_ms - pl->mri_start_ms));
        if (pl->mri_recovery == (uint8_t)PLANT_MRI_RECOVERY_IMMEDIATE) {
            mri_recover(pl, now_ms, fx);
        }
    }
    if (pl->mri == PLANT_MRI_WAITING && pl->mri_recovery == (uint8_t)PLANT_MRI_RECOVERY_DELAY &&
        now_ms >= pl->mri_end_ms + pl->mri_delay_ms) {
        mri_recover(pl, now_ms, fx);
    }
}

void plant_interrogated(plant_t *pl, uint64_t now_ms, plant_effect_t *fx)
{
    fx_clear(fx);
    if (pl->mri == PLANT_MRI_WAITING && pl->mri_recovery == (uint8_t)PLANT_MRI_RECOVERY_INTERROGATION) {
        mri_recover(pl, now_ms, fx);
    }
}

int plant_refill(plant_t *pl, uint32_t volume_nl, uint32_t conc_ug_ml)
{
    pl->reservoir_nl = 0u;                      /* the needle withdraws everything first */
    if (pl->pocket_fill != 0u) {
        pl->pocket_fill = 0u;
        pl->faults &= ~(1u << PUMP_FAULT_POCKET_FILL);
        /* volume <= 40 mL < 2^26, conc <= 10^5 < 2^17: product < 2^43 */
        pl->tissue_pg = sat_add(pl->tissue_pg, (uint64_t)volume_nl * conc_ug_ml);
        return 1;
    }
    pl->reservoir_nl = volume_nl;
    pl->conc_ug_ml = conc_ug_ml;
    return 0;
}

/* The catheter has one state: a new catheter fault replaces the present one
 * (an occlusion's stall ends with it). */
static void catheter_replace(plant_t *pl, plant_effect_t *fx)
{
    pl->faults &= ~PLANT_CATHETER_FAULTS;
    pl->leak_ppm = 0u;
    pl->stall_after = 0u;
    pl->occluded_strokes = 0u;
    if (pl->occlusion_stalled != 0u && pl->mri == PLANT_MRI_NONE) {
        fx->motor = PLANT_MOTOR_RUN;
    }
    pl->occlusion_stalled = 0u;
}

int plant_inject(plant_t *pl, uint8_t fault, uint32_t value, uint32_t target, uint32_t duration_ms,
                 uint32_t delay_ms, uint64_t now_ms, plant_effect_t *fx)
{
    fx_clear(fx);
    if (fault >= 32u || ((1u << fault) & PLANT_FAULT_MASK) == 0u) {
        return PLANT_E_KIND;
    }
    switch (fault) {
    case PUMP_FAULT_FLOW_ERROR:
        if (value > PLANT_FACTOR_MAX_PPM || delay_ms != 0u ||
            (duration_ms == 0u && (target != 0u || value == PLANT_PPM)) ||
            (duration_ms != 0u && (target > PLANT_FACTOR_MAX_PPM || duration_ms < PLANT_DAY_MS))) {
            return PLANT_E_PARAM;
        }
        pl->factor_ppm = value;
        pl->target_ppm = (duration_ms == 0u) ? value : target;
        pl->drift_ms = duration_ms;
        pl->flow_start_ms = now_ms;
        break;
    case PUMP_FAULT_OCCLUSION:
        if (value > PLANT_STALL_AFTER_MAX || target != 0u || duration_ms != 0u || delay_ms != 0u) {
            return PLANT_E_PARAM;
        }
        catheter_replace(pl, fx);
        pl->catheter = (uint8_t)PLANT_CATHETER_OCCLUDED;
        pl->stall_after = value;
        pl->occluded_strokes = 0u;
        pl->occlusion_stalled = 0u;
        break;
    case PUMP_FAULT_LEAK:
        if (value == 0u || value >= PLANT_PPM || target != 0u || duration_ms != 0u || delay_ms != 0u) {
            return PLANT_E_PARAM;
        }
        catheter_replace(pl, fx);
        pl->catheter = (uint8_t)PLANT_CATHETER_LEAKING;
        pl->leak_ppm = value;
        break;
    case PUMP_FAULT_DISCONNECT:
        if (value != 0u || target != 0u || duration_ms != 0u || delay_ms != 0u) {
            return PLANT_E_PARAM;
        }
        catheter_replace(pl, fx);
        pl->catheter = (uint8_t)PLANT_CATHETER_DISCONNECTED;
        break;
    case PUMP_FAULT_POCKET_FILL:
        if (value != 0u || target != 0u || duration_ms != 0u || delay_ms != 0u) {
            return PLANT_E_PARAM;
        }
        pl->pocket_fill = 1u;
        break;
    default:   /* PUMP_FAULT_MRI */
        if (value > (uint32_t)PLANT_MRI_RECOVERY_INTERROGATION || target != 0u ||
            duration_ms < PLANT_MRI_MIN_MS || duration_ms > PLANT_MRI_MAX_MS ||
            (value == (uint32_t)PLANT_MRI_RECOVERY_DELAY) != (delay_ms != 0u) ||
            delay_ms > PLANT_MRI_DELAY_MAX_MS || (value == (uint32_t)PLANT_MRI_RECOVERY_DELAY &&
                                                  delay_ms < PLANT_MRI_MIN_MS) ||
            pl->mri != PLANT_MRI_NONE) {
            return PLANT_E_PARAM;
        }
        pl->mri = PLANT_MRI_SCANNING;
        pl->mri_recovery = (uint8_t)value;
        pl->mri_start_ms = now_ms;
        pl->mri_end_ms = now_ms + duration_ms;
        pl->mri_delay_ms = delay_ms;
        fx->motor = PLANT_MOTOR_STALL;
        break;
    }
    pl->faults |= 1u << fault;
    fx_log(fx, (uint16_t)PUMP_EV_PLANT_FAULT, fault, value);
    return PLANT_OK;
}

int plant_clear(plant_t *pl, uint8_t fault, uint64_t now_ms, plant_effect_t *fx)
{
    fx_clear(fx);
    if (fault >= 32u || ((1u << fault) & PLANT_FAULT_MASK) == 0u) {
        return PLANT_E_KIND;
    }
    if ((pl->faults & (1u << fault)) == 0u) {
        return PLANT_E_NO_FAULT;
    }
    pl->faults &= ~(1u << fault);
    fx_log(fx, (uint16_t)PUMP_EV_PLANT_CLEARED, fault, 0u);
    switch (fault) {
    case PUMP_FAULT_FLOW_ERROR:
        pl->factor_ppm = PLANT_PPM;
        pl->target_ppm = PLANT_PPM;
        pl->drift_ms = 0u;
        pl->flow_start_ms = now_ms;
        break;
    case PUMP_FAULT_OCCLUSION:
        pl->catheter = (uint8_t)PLANT_CATHETER_PATENT;
        pl->stall_after = 0u;
        pl->occluded_strokes = 0u;
        if (pl->occlusion_stalled != 0u && pl->mri == PLANT_MRI_NONE) {
            fx->motor = PLANT_MOTOR_RUN;
        }
        pl->occlusion_stalled = 0u;
        break;
    case PUMP_FAULT_LEAK:
        pl->catheter = (uint8_t)PLANT_CATHETER_PATENT;
        pl->leak_ppm = 0u;
        break;
    case PUMP_FAULT_DISCONNECT:
        pl->catheter = (uint8_t)PLANT_CATHETER_PATENT;
        break;
    case PUMP_FAULT_POCKET_FILL:
        pl->pocket_fill = 0u;
        break;
    default:   /* MRI: the field is gone at once, whatever the rule */
        pl->mri = PLANT_MRI_NONE;
        if (pl->occlusion_stalled == 0u) {
            fx->motor = PLANT_MOTOR_RUN;
        }
        break;
    }
    return PLANT_OK;
}

/* ---- image ------------------------------------------------------------------ */

static void put(uint8_t *buf, size_t *pos, uint64_t v, uint32_t n)
{
    uint32_t i;
    for (i = 0u; i < n; i++) {
        buf[*pos] = (uint8_t)(v >> (8u * i));
        *pos += 1u;
    }
}

static uint64_t get(const uint8_t *buf, size_t *pos, uint32_t n)
{
    uint64_t v = 0u;
    uint32_t i;
    for (i = 0u; i < n; i++) {
        v |= (uint64_t)buf[*pos] << (8u * i);
        *pos += 1u;
    }
    return v;
}

void plant_save(const plant_t *pl, uint8_t buf[PLANT_IMAGE_LEN])
{
    size_t pos = 0u;
    put(buf, &pos, pl->reservoir_nl, 4u);
    put(buf, &pos, pl->conc_ug_ml, 4u);
    put(buf, &pos, pl->intrathecal_pg, 8u);
    put(buf, &pos, pl->tissue_pg, 8u);
    put(buf, &pos, pl->held_pg, 8u);
    put(buf, &pos, pl->moved_nl, 8u);
    put(buf, &pos, pl->factor_ppm, 4u);
    put(buf, &pos, pl->target_ppm, 4u);
    put(buf, &pos, pl->drift_ms, 4u);
    put(buf, &pos, pl->flow_start_ms, 8u);
    put(buf, &pos, pl->rem, 4u);
    put(buf, &pos, pl->catheter, 1u);
    put(buf, &pos, pl->leak_ppm, 4u);
    put(buf, &pos, pl->stall_after, 4u);
    put(buf, &pos, pl->occluded_strokes, 4u);
    put(buf, &pos, pl->occlusion_stalled, 1u);
    put(buf, &pos, pl->pocket_fill, 1u);
    put(buf, &pos, pl->mri, 1u);
    put(buf, &pos, pl->mri_recovery, 1u);
    put(buf, &pos, pl->mri_start_ms, 8u);
    put(buf, &pos, pl->mri_end_ms, 8u);
    put(buf, &pos, pl->mri_delay_ms, 4u);
    put(buf, &pos, pl->seen_pumped_nl, 8u);
    put(buf, &pos, pl->seen_delivered_pg, 8u);
    put(buf, &pos, pl->faults, 4u);
}

int plant_load(plant_t *pl, const uint8_t buf[PLANT_IMAGE_LEN])
{
    plant_t s;
    size_t pos = 0u;

    s.reservoir_nl = (uint32_t)get(buf, &pos, 4u);
    s.conc_ug_ml = (uint32_t)get(buf, &pos, 4u);
    s.intrathecal_pg = get(buf, &pos, 8u);
    s.tissue_pg = get(buf, &pos, 8u);
    s.held_pg = get(buf, &pos, 8u);
    s.moved_nl = get(buf, &pos, 8u);
    s.factor_ppm = (uint32_t)get(buf, &pos, 4u);
    s.target_ppm = (uint32_t)get(buf, &pos, 4u);
    s.drift_ms = (uint32_t)get(buf, &pos, 4u);
    s.flow_start_ms = get(buf, &pos, 8u);
    s.rem = (uint32_t)get(buf, &pos, 4u);
    s.catheter = (uint8_t)get(buf, &pos, 1u);
    s.leak_ppm = (uint32_t)get(buf, &pos, 4u);
    s.stall_after = (uint32_t)get(buf, &pos, 4u);
    s.occluded_strokes = (uint32_t)get(buf, &pos, 4u);
    s.occlusion_stalled = (uint8_t)get(buf, &pos, 1u);
    s.pocket_fill = (uint8_t)get(buf, &pos, 1u);
    s.mri = (uint8_t)get(buf, &pos, 1u);
    s.mri_recovery = (uint8_t)get(buf, &pos, 1u);
    s.mri_start_ms = get(buf, &pos, 8u);
    s.mri_end_ms = get(buf, &pos, 8u);
    s.mri_delay_ms = (uint32_t)get(buf, &pos, 4u);
    s.seen_pumped_nl = get(buf, &pos, 8u);
    s.seen_delivered_pg = get(buf, &pos, 8u);
    s.faults = (uint32_t)get(buf, &pos, 4u);
    if (pos != PLANT_IMAGE_LEN || s.factor_ppm > PLANT_FACTOR_MAX_PPM || s.target_ppm > PLANT_FACTOR_MAX_PPM ||
        s.rem >= PLANT_PPM || s.catheter > (uint8_t)PLANT_CATHETER_DISCONNECTED || s.leak_ppm >= PLANT_PPM ||
        s.stall_after > PLANT_STALL_AFTER_MAX || s.occluded_strokes > PLANT_STALL_AFTER_MAX + 1u ||
        s.occlusion_stalled > 1u || s.pocket_fill > 1u || s.mri > PLANT_MRI_WAITING ||
        s.mri_recovery > (uint8_t)PLANT_MRI_RECOVERY_INTERROGATION || s.mri_end_ms < s.mri_start_ms ||
        s.mri_delay_ms > PLANT_MRI_DELAY_MAX_MS || (s.faults & ~PLANT_FAULT_MASK) != 0u ||
        s.mri_end_ms > UINT64_MAX - PLANT_MRI_DELAY_MAX_MS ||
        s.flow_start_ms > UINT64_MAX - UINT32_MAX) {
        return PLANT_E_STATE;
    }
    *pl = s;
    return PLANT_OK;
}
