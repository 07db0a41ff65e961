/*
 * pump_snap.c — the snapshot image and the invariant check.
 *
 * Image: "PUMP" | u16 version | u16 0 | u32 total size | body | u32 CRC-32.
 * Every field is written little-endian, one by one, in the order of
 * visit_body() below; one visitor both writes and reads, so the two can
 * never disagree. The event ring is stored physically (512 slots, head
 * index), so equal states give equal bytes.
 */
#include "pump_internal.h"

#include <string.h>

#define SNAP_MAGIC0 0x50u   /* 'P' */
#define SNAP_MAGIC1 0x55u   /* 'U' */
#define SNAP_MAGIC2 0x4Du   /* 'M' */
#define SNAP_MAGIC3 0x50u   /* 'P' */
#define SNAP_VERSION 5u
#define SNAP_VERSION_OLD 3u   /* still loaded, migrated (see pump_snapshot_load) */
#define SNAP_VERSION_V4 4u    /* still loaded: 7 re-sound times (no DRUG_EXPIRED bit) */

/* ------------------------------------------------------------------ CRC */

/* CRC-32/ISO-HDLC (zlib): reflected poly 0xEDB88320, init and xorout ~0.
 * Bitwise: no table in flash; the image is ~16 KB, hashed rarely. */
uint32_t pump_crc32(uint32_t crc, const uint8_t *buf, size_t len)
{
    size_t i;
    uint32_t c = ~crc;
    if (buf == NULL) {
        return crc;
    }
    for (i = 0u; i < len; i++) {
        uint32_t b;
        c ^= buf[i];
        for (b = 0u; b < 8u; b++) {
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        }
    }
    return ~c;
}

/* --------------------------------------------------------------- visitor */

typedef struct {
    uint8_t *w;          /* writing into w, or */
    const uint8_t *r;    /* reading from r */
    size_t pos;
    uint32_t version;    /* layout visited: SNAP_VERSION, or SNAP_VERSION_OLD when reading */
    uint32_t suppressed; /* version 3 only: non-critical alarms acked while their cause lasted */
} io_t;

static void io_uint(io_t *io, uint64_t *v, uint32_t nbytes)
{
    uint32_t i;
    if (io->w != NULL) {
        for (i = 0u; i < nbytes; i++) {
            io->w[io->pos + i] = (uint8_t)(*v >> (8u * i));
        }
    } else {
        uint64_t x = 0u;
        for (i = 0u; i < nbytes; i++) {
            x |= (uint64_t)io->r[io->pos + i] << (8u * i);
        }
        *v = x;
    }
    io->pos += nbytes;
}

static void io_u8(io_t *io, uint8_t *v)
{
    uint64_t x = *v;
    io_uint(io, &x, 1u);
    *v = (uint8_t)x;
}

static void io_u16(io_t *io, uint16_t *v)
{
    uint64_t x = *v;
    io_uint(io, &x, 2u);
    *v = (uint16_t)x;
}

static void io_u32(io_t *io, uint32_t *v)
{
    uint64_t x = *v;
    io_uint(io, &x, 4u);
    *v = (uint32_t)x;
}

static void io_u64(io_t *io, uint64_t *v)
{
    io_uint(io, v, 8u);
}

/* A packed 48-bit time as a u64 field; a value above 48 bits reads back
 * as 0xFFFF:FFFFFFFF, which the invariant check refuses (> now). */
static void io_t48(io_t *io, uint32_t *lo, uint16_t *hi)
{
    uint64_t x = ((uint64_t)*hi << 32) | *lo;
    io_uint(io, &x, 8u);
    if (x > PUMP_TIME_MAX) {
        x = PUMP_TIME_MAX;
        *hi = 0xFFFFu;
        *lo = 0xFFFFFFFFu;
        return;
    }
    *lo = (uint32_t)x;
    *hi = (uint16_t)(x >> 32);
}

static void visit_cfg(io_t *io, pump_config_t *c)
{
    io_u32(io, &c->serial);
    io_u32(io, &c->reservoir_capacity_nl);
    io_u32(io, &c->stroke_nl);
    io_u32(io, &c->dead_volume_nl);
    io_u64(io, &c->battery_capacity_nc);
    io_u32(io, &c->quiescent_ua);
    io_u32(io, &c->stroke_nc);
    io_u32(io, &c->telemetry_byte_nc);
    io_u32(io, &c->tone_ua);
    io_u32(io, &c->eri_days);
}

static void visit_rx(io_t *io, pump_prescription_t *rx)
{
    uint32_t i;
    io_u16(io, &rx->drug);
    io_u32(io, &rx->conc_ug_ml);
    io_u8(io, &rx->n_steps);
    for (i = 0u; i < PUMP_MAX_STEPS; i++) {
        io_u32(io, &rx->steps[i].start_min);
        io_u32(io, &rx->steps[i].rate_nl_day);
    }
    io_u32(io, &rx->max_dose_ug_24h);
    io_u32(io, &rx->low_reservoir_nl);
    io_u8(io, &rx->pb_enabled);
    io_u32(io, &rx->pb_volume_nl);
    io_u32(io, &rx->pb_duration_ms);
    io_u32(io, &rx->pb_lockout_ms);
    io_u8(io, &rx->pb_max_per_24h);
}

static void visit_dosing(io_t *io, pump_t *p)
{
    uint32_t i;
    io_u64(io, &p->now_ms);
    io_u8(io, &p->has_rx);
    io_u8(io, &p->suspended);
    visit_rx(io, &p->rx);
    io_u32(io, &p->low_reservoir_nl);
    io_u32(io, &p->reservoir_nl);
    io_u16(io, &p->res_drug);
    io_u32(io, &p->res_conc);
    io_u64(io, &p->owed_u);
    io_u8(io, &p->bolus_kind);
    io_u32(io, &p->bolus_volume_nl);
    io_u32(io, &p->bolus_rate_nl_day);
    io_u64(io, &p->bolus_start_ms);
    io_u32(io, &p->n_grants);
    for (i = 0u; i < PUMP_BOLUS_HISTORY; i++) {
        io_t48(io, &p->grants[i].time_lo, &p->grants[i].time_hi);
        io_u32(io, &p->grants[i].vol);
        io_u32(io, &p->grants[i].conc);
        io_u32(io, &p->grants[i].end_off);
        io_u8(io, &p->grants[i].kind);
    }
    io_u8(io, &p->has_last_patient);
    io_u64(io, &p->last_patient_ms);
}

static void visit_accounts(io_t *io, pump_t *p)
{
    uint32_t i;
    io_u64(io, &p->filled_nl);
    io_u64(io, &p->discarded_nl);
    io_u64(io, &p->pumped_nl);
    io_u64(io, &p->strokes);
    io_u64(io, &p->failed_strokes);
    io_u64(io, &p->pumped_pg);
    io_u64(io, &p->delivered_pg);
    io_u32(io, &p->n_slugs);
    for (i = 0u; i < PUMP_MAX_SLUGS; i++) {
        io_u32(io, &p->slugs[i].vol);
        io_u32(io, &p->slugs[i].out);
        io_u32(io, &p->slugs[i].conc);
        io_u8(io, &p->slugs[i].mixed);
        io_u64(io, &p->slugs[i].mass);
    }
    io_u64(io, &p->battery_nc);
    io_u8(io, &p->eri);
    io_u32(io, &p->alarms);
    io_u32(io, &p->acked);
    if (io->version == SNAP_VERSION_OLD) {
        io_u32(io, &io->suppressed);
    } else {
        /* version 4 had 7 alarm bits; bit 7 (DRUG_EXPIRED) came with version 5 */
        uint32_t nbits = (io->version == SNAP_VERSION_V4) ? PUMP_ALARM_BITS - 1u : PUMP_ALARM_BITS;
        io_u32(io, &p->resound_ms);
        for (i = 0u; i < nbits; i++) {
            io_u64(io, &p->resound_at[i]);
        }
        io_u64(io, &p->refill_ms);
        io_u64(io, &p->pumped_at_refill_nl);
        io_u64(io, &p->catheter_discarded_pg);
    }
    io_u8(io, &p->stall_fault);
    io_u8(io, &p->stall_halted);
    io_u8(io, &p->memory_fault);
}

static void visit_log(io_t *io, pump_t *p)
{
    uint32_t i;
    io_u32(io, &p->log_head);
    io_u32(io, &p->log_count);
    io_u32(io, &p->next_seq);
    for (i = 0u; i < PUMP_LOG_CAPACITY; i++) {
        io_t48(io, &p->log[i].time_lo, &p->log[i].time_hi);
        io_u8(io, &p->log[i].kind);
        io_u32(io, &p->log[i].data0);
        io_u32(io, &p->log[i].data1);
    }
}

static void visit_body(io_t *io, pump_t *p)
{
    visit_cfg(io, &p->cfg);
    visit_dosing(io, p);
    visit_accounts(io, p);
    visit_log(io, p);
}

/* ------------------------------------------------------------ save/load */

size_t pump_snapshot_size(void)
{
    return PUMP_SNAP_TOTAL;
}

static void put_u32le(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)v;
    b[1] = (uint8_t)(v >> 8);
    b[2] = (uint8_t)(v >> 16);
    b[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32le(const uint8_t *b)
{
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) |
           ((uint32_t)b[3] << 24);
}

int pump_snapshot_save(const pump_t *p, uint8_t *buf, size_t cap, size_t *len)
{
    io_t io;
    if (p == NULL || buf == NULL || len == NULL) {
        return PUMP_E_ARG;
    }
    if (cap < PUMP_SNAP_TOTAL) {
        return PUMP_E_SNAPSHOT_SIZE;
    }
    buf[0] = SNAP_MAGIC0;
    buf[1] = SNAP_MAGIC1;
    buf[2] = SNAP_MAGIC2;
    buf[3] = SNAP_MAGIC3;
    buf[4] = (uint8_t)SNAP_VERSION;
    buf[5] = 0u;
    buf[6] = 0u;
    buf[7] = 0u;
    put_u32le(&buf[8], (uint32_t)PUMP_SNAP_TOTAL);
    (void)memset(&io, 0, sizeof io);
    io.w = buf;
    io.r = NULL;
    io.pos = PUMP_SNAP_HEADER;
    io.version = SNAP_VERSION;
    /* The visitor only reads *p when writing; the cast never leads to a store. */
    visit_body(&io, (pump_t *)(uintptr_t)p);
    PUMP_ASSERT(io.pos == PUMP_SNAP_HEADER + PUMP_SNAP_BODY);
    put_u32le(&buf[io.pos], pump_crc32(0u, buf, io.pos));
    *len = PUMP_SNAP_TOTAL;
    return PUMP_OK;
}

static int check_header(const uint8_t *buf, size_t len, uint32_t *version)
{
    size_t total;
    if (len < PUMP_SNAP_HEADER) {
        return PUMP_E_SNAPSHOT_SIZE;
    }
    if (buf[0] != SNAP_MAGIC0 || buf[1] != SNAP_MAGIC1 || buf[2] != SNAP_MAGIC2 ||
        buf[3] != SNAP_MAGIC3) {
        return PUMP_E_SNAPSHOT_MAGIC;
    }
    if ((buf[4] != (uint8_t)SNAP_VERSION && buf[4] != (uint8_t)SNAP_VERSION_OLD &&
         buf[4] != (uint8_t)SNAP_VERSION_V4) ||
        buf[5] != 0u || buf[6] != 0u || buf[7] != 0u) {
        return PUMP_E_SNAPSHOT_VERSION;
    }
    *version = buf[4];
    total = (*version == SNAP_VERSION) ? PUMP_SNAP_TOTAL :
            (*version == SNAP_VERSION_V4) ? PUMP_SNAP_TOTAL_V4 : PUMP_SNAP_TOTAL_V3;
    if (len != total || get_u32le(&buf[8]) != total) {
        return PUMP_E_SNAPSHOT_SIZE;
    }
    if (pump_crc32(0u, buf, len - PUMP_SNAP_CRC) != get_u32le(&buf[len - PUMP_SNAP_CRC])) {
        return PUMP_E_SNAPSHOT_CRC;
    }
    return PUMP_OK;
}

/* A version-3 image: the re-sound interval takes its default; an alarm
 * acked while its cause lasted (v3 "suppressed") is active and acked, and
 * re-sounds one interval after the load; the last refill's time and volume
 * are unknown, so delivery since it counts from the load (0); ERI is
 * re-evaluated against this version's threshold (logged if it latches). */
static void migrate_v3(pump_t *p, uint32_t suppressed)
{
    uint32_t i;
    p->resound_ms = PUMP_RESOUND_DEFAULT_MS;
    p->refill_ms = 0u;
    p->pumped_at_refill_nl = p->pumped_nl;
    p->catheter_discarded_pg = 0u;
    for (i = 0u; i < PUMP_ALARM_BITS; i++) {
        uint32_t bit = 1u << i;
        if ((suppressed & bit & ~(PUMP_ALARM_CRITICAL_MASK | PUMP_ALARM_DOSE_LIMIT)) != 0u) {
            p->alarms |= bit;
            p->acked |= bit;
            p->resound_at[i] = p->now_ms + p->resound_ms;
        }
    }
    if (pump__check_config(&p->cfg) == PUMP_OK && p->now_ms <= PUMP_TIME_MAX &&
        p->n_slugs <= PUMP_MAX_SLUGS && p->n_grants <= PUMP_BOLUS_HISTORY &&
        p->log_count <= PUMP_LOG_CAPACITY && p->log_head < PUMP_LOG_CAPACITY &&
        p->next_seq >= 1u && p->next_seq < UINT32_MAX &&
        p->rx.n_steps <= PUMP_MAX_STEPS && p->has_rx <= 1u) {
        /* Only on a state sane enough to evaluate; pump_check judges the rest. */
        if (!p->eri && p->battery_nc <= pump__eri_threshold(p) && p->eri == 0u &&
            (p->alarms & PUMP_ALARM_ERI) == 0u) {
            p->eri = 1u;
            p->alarms |= PUMP_ALARM_ERI;
            pump__log(p, PUMP_EV_ALARM_RAISED, PUMP_ALARM_ERI, 0u);
        }
    }
}

/* A version-3 or -4 image knows no DRUG_EXPIRED alarm: a drug already past
 * its stability time raises it at the load (logged), as the alarm rule would
 * have at the expiry instant. Only on a state sane enough to log into. */
static void migrate_drug_expired(pump_t *p)
{
    if (p->log_count <= PUMP_LOG_CAPACITY && p->log_head < PUMP_LOG_CAPACITY &&
        p->next_seq >= 1u && p->next_seq < UINT32_MAX && p->now_ms <= PUMP_TIME_MAX &&
        p->refill_ms <= p->now_ms && (p->alarms & PUMP_ALARM_DRUG_EXPIRED) == 0u &&
        p->now_ms >= pump__drug_expiry_ms(p)) {
        p->alarms |= PUMP_ALARM_DRUG_EXPIRED;
        pump__log(p, PUMP_EV_ALARM_RAISED, PUMP_ALARM_DRUG_EXPIRED, 0u);
    }
}

int pump_snapshot_load(pump_t *p, const uint8_t *buf, size_t len)
{
    pump_t tmp;
    io_t io;
    int r;
    if (p == NULL || buf == NULL) {
        return PUMP_E_ARG;
    }
    (void)memset(&io, 0, sizeof io);
    r = check_header(buf, len, &io.version);
    if (r != PUMP_OK) {
        return r;
    }
    (void)memset(&tmp, 0, sizeof tmp);
    io.w = NULL;
    io.r = buf;
    io.pos = PUMP_SNAP_HEADER;
    visit_body(&io, &tmp);
    PUMP_ASSERT(io.pos == len - PUMP_SNAP_CRC);
    if (io.version == SNAP_VERSION_OLD) {
        migrate_v3(&tmp, io.suppressed);
    }
    if (io.version != SNAP_VERSION) {
        migrate_drug_expired(&tmp);
    }
    if (pump__check_state(&tmp, 1) != PUMP_OK) {
        return PUMP_E_SNAPSHOT_INVALID;
    }
    *p = tmp;
    return PUMP_OK;
}

/* ------------------------------------------------------------ invariants */

static int is_flag(uint8_t v)
{
    return v <= 1u;
}

/* Unused steps (from `from` on) and, if disabled, the patient bolus are zero. */
static int rx_tail_zero(const pump_prescription_t *rx, uint32_t from)
{
    uint32_t i;
    for (i = from; i < PUMP_MAX_STEPS; i++) {
        if (rx->steps[i].start_min != 0u || rx->steps[i].rate_nl_day != 0u) {
            return 0;
        }
    }
    return rx->pb_enabled != 0u ||
           (rx->pb_volume_nl == 0u && rx->pb_duration_ms == 0u && rx->pb_lockout_ms == 0u &&
            rx->pb_max_per_24h == 0u);
}

static int rx_ok(const pump_t *p)
{
    const pump_prescription_t *rx = &p->rx;
    if (!p->has_rx) {
        return rx->drug == 0u && rx->conc_ug_ml == 0u && rx->n_steps == 0u &&
               rx->max_dose_ug_24h == 0u && rx->low_reservoir_nl == 0u && rx->pb_enabled == 0u &&
               rx_tail_zero(rx, 0u) && !p->suspended &&
               p->low_reservoir_nl == PUMP_LOW_RESERVOIR_DEFAULT_NL;
    }
    if (pump__check_rx(&p->cfg, rx) != PUMP_OK || p->low_reservoir_nl != rx->low_reservoir_nl) {
        return 0;
    }
    return rx_tail_zero(rx, rx->n_steps);
}

static int reservoir_ok(const pump_t *p)
{
    if (p->reservoir_nl > p->cfg.reservoir_capacity_nl || p->res_drug >= (uint16_t)PUMP_DRUG_COUNT ||
        p->res_conc > PUMP_CONC_MAX_UG_ML) {
        return 0;
    }
    if (p->res_drug == (uint16_t)PUMP_DRUG_NONE) {
        return p->res_conc == 0u && p->reservoir_nl == 0u && p->filled_nl == 0u;
    }
    return p->res_conc > 0u || p->res_drug == (uint16_t)PUMP_DRUG_SALINE;
}

static int bolus_ok(const pump_t *p)
{
    uint64_t vu;
    if (p->bolus_kind == (uint8_t)PUMP_BOLUS_NONE) {
        return p->bolus_volume_nl == 0u && p->bolus_rate_nl_day == 0u && p->bolus_start_ms == 0u;
    }
    if (p->bolus_kind > (uint8_t)PUMP_BOLUS_PATIENT || !pump__enabled(p)) {
        return 0;
    }
    if (p->bolus_volume_nl < 1u || p->bolus_volume_nl > p->cfg.reservoir_capacity_nl ||
        p->bolus_rate_nl_day < 1u || p->bolus_rate_nl_day > PUMP_BOLUS_RATE_MAX_NL_DAY) {
        return 0;
    }
    vu = (uint64_t)p->bolus_volume_nl * PUMP_U;
    if (vu / p->bolus_rate_nl_day > PUMP_BOLUS_DURATION_MAX_MS) {
        return 0;
    }
    return p->bolus_start_ms <= p->now_ms && p->now_ms < pump__bolus_end_ms(p);
}

/* Grant i is the running bolus's: only its credit may end in the future. */
static int running_grant(const pump_t *p, uint32_t i)
{
    return p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE && i + 1u == p->n_grants &&
           pump__t48(p->grants[i].time_lo, p->grants[i].time_hi) == p->bolus_start_ms &&
           p->grants[i].kind == p->bolus_kind &&
           p->bolus_start_ms + p->grants[i].end_off == pump__bolus_end_ms(p);
}

/* deep: every slot, the unused ones zero (a loaded image is canonical). After
   a command (not deep): the granted entries only, as log_ok reads only the
   ring's header then: a command writes only the entries it uses, and this
   check runs after every command and every byte count, so it costs
   O(grants), not O(PUMP_BOLUS_HISTORY) (it was a third of a GET_STATUS). */
static int grants_ok(const pump_t *p, int deep)
{
    uint32_t i;
    uint32_t slots;
    uint64_t prev = 0u;
    if (p->n_grants > PUMP_BOLUS_HISTORY || !is_flag(p->has_last_patient) ||
        p->last_patient_ms > p->now_ms || (!p->has_last_patient && p->last_patient_ms != 0u)) {
        return 0;
    }
    if (p->bolus_kind != (uint8_t)PUMP_BOLUS_NONE &&
        (p->n_grants == 0u || !running_grant(p, p->n_grants - 1u))) {
        return 0;
    }
    slots = deep ? PUMP_BOLUS_HISTORY : p->n_grants;   /* n_grants <= PUMP_BOLUS_HISTORY, checked above */
    for (i = 0u; i < slots; i++) {
        const struct pump_grant *g = &p->grants[i];
        uint64_t t = pump__t48(g->time_lo, g->time_hi);
        if (g->reserved != 0u) {
            return 0;
        }
        if (i >= p->n_grants) {
            if (t != 0u || g->vol != 0u || g->conc != 0u || g->kind != 0u || g->end_off != 0u) {
                return 0;
            }
        } else if (g->kind < 1u || g->kind > (uint8_t)PUMP_BOLUS_PATIENT || t > p->now_ms ||
                   t < prev || g->vol < 1u || g->vol > p->cfg.reservoir_capacity_nl ||
                   g->conc > PUMP_CONC_MAX_UG_ML || g->end_off > PUMP_BOLUS_DURATION_MAX_MS ||
                   (t + g->end_off > p->now_ms && !running_grant(p, i))) {
            return 0;
        }
        prev = t;
    }
    return 1;
}

static int slug_ok(const struct pump_slug *s)
{
    if (s->vol == 0u || !is_flag(s->mixed)) {
        return 0;
    }
    if (s->mixed) {
        return s->out < s->vol && s->conc == 0u &&
               s->mass <= (uint64_t)s->vol * PUMP_CONC_MAX_UG_ML;
    }
    return s->out == 0u && s->mass == 0u && s->conc <= PUMP_CONC_MAX_UG_ML;
}

static int catheter_ok(const pump_t *p)
{
    uint64_t vol = 0u;
    uint64_t mass = 0u;
    uint32_t i;
    if (p->n_slugs > PUMP_MAX_SLUGS) {
        return 0;
    }
    for (i = 0u; i < PUMP_MAX_SLUGS; i++) {
        const struct pump_slug *s = &p->slugs[i];
        if (i >= p->n_slugs) {
            if (s->vol != 0u || s->out != 0u || s->conc != 0u || s->mixed != 0u || s->mass != 0u) {
                return 0;
            }
            continue;
        }
        if (!slug_ok(s) || (i > 0u && s->mixed && s->out != 0u)) {
            return 0;
        }
        vol += pump__slug_vol_left(s);
        mass += pump__slug_mass_left(s);
    }
    return vol == p->cfg.dead_volume_nl &&
           p->pumped_pg == p->delivered_pg + mass + p->catheter_discarded_pg;
}

static int accounts_ok(const pump_t *p)
{
    if (p->filled_nl != p->discarded_nl + p->pumped_nl + p->reservoir_nl) {
        return 0;
    }
    if (p->pumped_at_refill_nl > p->pumped_nl ||
        p->pumped_nl - p->pumped_at_refill_nl > p->cfg.reservoir_capacity_nl ||
        p->refill_ms > p->now_ms) {
        return 0;
    }
    if (p->pumped_nl != p->strokes * p->cfg.stroke_nl) {
        return 0;
    }
    return p->owed_u < (uint64_t)p->cfg.stroke_nl * PUMP_U && p->delivered_pg <= p->pumped_pg;
}

static int alarms_ok(const pump_t *p)
{
    uint32_t causes;
    uint32_t known;
    uint32_t i;
    if (p->battery_nc > p->cfg.battery_capacity_nc || !is_flag(p->eri)) {
        return 0;
    }
    if (!p->eri && p->battery_nc <= pump__eri_threshold(p)) {
        return 0;
    }
    if (!is_flag(p->stall_fault) || !is_flag(p->stall_halted) || !is_flag(p->memory_fault) ||
        (p->stall_halted && !p->stall_fault)) {
        return 0;
    }
    if ((p->alarms & ~PUMP_ALARM_ALL_MASK) != 0u || (p->acked & ~p->alarms) != 0u ||
        (p->acked & PUMP_ALARM_DOSE_LIMIT) != 0u ||
        p->resound_ms < PUMP_RESOUND_MIN_MS || p->resound_ms > PUMP_RESOUND_MAX_MS) {
        return 0;
    }
    for (i = 0u; i < PUMP_ALARM_BITS; i++) {
        uint32_t bit = 1u << i;
        int lasting = (bit & (PUMP_ALARM_CRITICAL_MASK | PUMP_ALARM_DOSE_LIMIT)) == 0u;
        int pending = lasting && (p->acked & bit) != 0u;
        /* pending re-sound: strictly later than now, at most one interval away */
        if (pending ? (p->resound_at[i] <= p->now_ms ||
                       p->resound_at[i] - p->now_ms > PUMP_RESOUND_MAX_MS)
                    : p->resound_at[i] != 0u) {
            return 0;
        }
    }
    causes = pump__alarm_causes(p);
    known = p->alarms & ~PUMP_ALARM_DOSE_LIMIT;
    return known == causes;
}

static int log_ok(const pump_t *p, int deep)
{
    uint32_t i;
    uint64_t prev = 0u;
    if (p->log_head >= PUMP_LOG_CAPACITY || p->log_count > PUMP_LOG_CAPACITY ||
        p->next_seq < 1u || p->next_seq - 1u < p->log_count || p->next_seq == UINT32_MAX) {
        return 0;
    }
    if (!deep) {
        return 1;
    }
    for (i = 0u; i < PUMP_LOG_CAPACITY; i++) {
        const struct pump_logent *e = &p->log[(p->log_head + i) % PUMP_LOG_CAPACITY];
        uint64_t t = pump__t48(e->time_lo, e->time_hi);
        if (e->reserved != 0u) {
            return 0;
        }
        if (i >= p->log_count) {
            if (t != 0u || e->kind != 0u || e->data0 != 0u || e->data1 != 0u) {
                return 0;
            }
            continue;
        }
        if (e->kind == 0u || e->kind >= (uint8_t)PUMP_EV_KIND_COUNT || t > p->now_ms || t < prev) {
            return 0;
        }
        prev = t;
    }
    return 1;
}

int pump__check_state(const pump_t *p, int deep)
{
    if (pump__check_config(&p->cfg) != PUMP_OK || p->now_ms > PUMP_TIME_MAX ||
        !is_flag(p->has_rx) || !is_flag(p->suspended)) {
        return PUMP_E_SNAPSHOT_INVALID;
    }
    if (!rx_ok(p) || !reservoir_ok(p) || !accounts_ok(p) || !catheter_ok(p)) {
        return PUMP_E_SNAPSHOT_INVALID;
    }
    if (!bolus_ok(p) || !grants_ok(p, deep) || !alarms_ok(p) || !log_ok(p, deep)) {
        return PUMP_E_SNAPSHOT_INVALID;
    }
    return PUMP_OK;
}

int pump_check(const pump_t *p)
{
    if (p == NULL) {
        return PUMP_E_ARG;
    }
    return pump__check_state(p, 1);
}
