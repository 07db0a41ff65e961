/*
 * pump_internal.h — helpers shared by the dosing core's .c files only.
 * Not part of the API; nothing outside firmware/core includes it (the host
 * build includes every header, so it stays self-contained).
 */
#ifndef PYEMU_PUMP_INTERNAL_H
#define PYEMU_PUMP_INTERNAL_H

#include "pump.h"

/* Assertions on invariants. Host and test builds abort with a message; a
 * board port may define PUMP_ASSERT_HOOK(file, line, expr) to log first.
 * Defining PUMP_NDEBUG compiles them out (never done in this project). */
void pump__assert_fail(const char *file, int line, const char *expr);
#ifdef PUMP_NDEBUG
#define PUMP_ASSERT(c) ((void)0)
#else
#define PUMP_ASSERT(c) do { if (!(c)) { pump__assert_fail(__FILE__, __LINE__, #c); } } while (0)
#endif

#define PUMP_U            ((uint64_t)PUMP_MS_PER_DAY)   /* owed units per nL */
#define PUMP_MS_PER_MIN   60000u
#define PUMP_MIN_PER_DAY  1440u
#define PUMP_NEVER        UINT64_MAX
/* Latest time accepted: log entries store 48-bit times (8,900 years); every
 * "time + interval" sum stays far below 2^63. */
#define PUMP_TIME_MAX     (((uint64_t)1 << 48) - 1u)
/* Longest constant-rate segment: rate (< 2^31 units/ms) x 2^32 ms < 2^63. */
#define PUMP_SEG_MAX_MS   ((uint64_t)1 << 32)

/* Snapshot layout sizes (bytes), field by field; pump_snap.c asserts them. */
#define PUMP_SNAP_HEADER  12u   /* magic 4, version 2, reserved 2, total size 4 */
#define PUMP_SNAP_CRC     4u
#define PUMP_SNAP_CFG     44u
#define PUMP_SNAP_RX      221u  /* 2+4+1 + 24*8 + 4+4 + 1+4+4+4+1 */
#define PUMP_SNAP_GRANT   21u   /* time 8, vol 4, conc 4, end_off 4, kind 1 */
#define PUMP_SNAP_SLUG    21u
#define PUMP_SNAP_EVENT   17u   /* time 8, kind 1, data0 4, data1 4 (seq implied) */
#define PUMP_SNAP_BODY_V3 (PUMP_SNAP_CFG + 10u + PUMP_SNAP_RX + 4u + 10u + 8u + 17u \
                           + 4u + PUMP_BOLUS_HISTORY * PUMP_SNAP_GRANT + 9u + 56u \
                           + 4u + PUMP_MAX_SLUGS * PUMP_SNAP_SLUG + 9u + 12u + 3u \
                           + 12u + PUMP_LOG_CAPACITY * PUMP_SNAP_EVENT)
/* Version 4: the v3 "suppressed" word becomes the re-sound interval (4), the
 * re-sound times (7 x 8), the last refill's time and pumped volume (8 + 8)
 * and the drug mass of replaced catheters (8). */
#define PUMP_SNAP_BODY_V4 (PUMP_SNAP_BODY_V3 + 7u * 8u + 24u)
/* Version 5: an eighth re-sound time (alarm bit 7, DRUG_EXPIRED). */
#define PUMP_SNAP_BODY    (PUMP_SNAP_BODY_V3 + PUMP_ALARM_BITS * 8u + 24u)
#define PUMP_SNAP_TOTAL_V4 (PUMP_SNAP_HEADER + PUMP_SNAP_BODY_V4 + PUMP_SNAP_CRC)
#define PUMP_SNAP_TOTAL_V3 (PUMP_SNAP_HEADER + PUMP_SNAP_BODY_V3 + PUMP_SNAP_CRC)
#define PUMP_SNAP_TOTAL   (PUMP_SNAP_HEADER + PUMP_SNAP_BODY + PUMP_SNAP_CRC)

#define PUMP_PG_PER_UG    1000000u

/* pump.c */
void pump__log(pump_t *p, uint16_t kind, uint32_t data0, uint32_t data1);
int pump__check_config(const pump_config_t *cfg);
uint64_t pump__drain_day(const pump_t *p);
uint64_t pump__eri_threshold(const pump_t *p);
uint32_t pump__alarm_causes(const pump_t *p);
int pump__halted(const pump_t *p);
int pump__enabled(const pump_t *p);
void pump__update_alarms(pump_t *p);
void pump__cancel_bolus(pump_t *p, uint32_t cause);
uint32_t pump__tone_ua(const pump_t *p);
void pump__battery_take(pump_t *p, uint64_t nc);
int pump__check_state(const pump_t *p, int deep);
void pump__raise_dose_limit(pump_t *p);
uint64_t pump__next_resound(const pump_t *p);
uint64_t pump__drug_expiry_ms(const pump_t *p);

/* pump_rx.c */
uint64_t pump__basal_24h_pg(const pump_prescription_t *rx);
uint64_t pump__daily1440(const pump_prescription_t *rx);
int pump__check_rx(const pump_config_t *cfg, const pump_prescription_t *rx);
int pump__conc_ok(uint16_t drug, uint32_t conc);
int pump__conc_over_library(uint16_t drug, uint32_t conc);
uint32_t pump__bolus_rate(const pump_config_t *cfg, uint32_t volume_nl, uint32_t duration_ms);
uint64_t pump__counted_bolus_pg(const pump_t *p);

/* 48-bit packed times. */
static inline uint64_t pump__t48(uint32_t lo, uint16_t hi)
{
    return ((uint64_t)hi << 32) | lo;
}

/* pump_flow.c */
uint32_t pump__basal_at(const pump_t *p, uint64_t t, uint64_t *end);
uint64_t pump__bolus_end_ms(const pump_t *p);
uint64_t pump__bolus_credited_u(const pump_t *p, uint64_t t);
uint64_t pump__slug_mass_left(const struct pump_slug *s);
uint32_t pump__slug_vol_left(const struct pump_slug *s);

#endif /* PYEMU_PUMP_INTERNAL_H */
