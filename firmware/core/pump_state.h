/*
 * pump_state.h — the layout of struct pump, so firmware can allocate a
 * pump_t statically. Callers treat every field as private: only pump.c
 * reads or writes them. Included by pump.h after the public types.
 */
#ifndef PYEMU_PUMP_STATE_H
#define PYEMU_PUMP_STATE_H

#include "pump.h"

/* One slug of liquid in the pump tubing + catheter.
 * pure (mixed == 0): vol_left nL at conc µg/mL; mass = vol_left * conc.
 * mixed: vol nL holding mass pg in total, out nL of it already left the tip. */
struct pump_slug {
    uint32_t vol;       /* pure: volume left; mixed: total volume when merged */
    uint32_t out;       /* mixed only: volume already out of the tip */
    uint32_t conc;      /* pure only */
    uint8_t  mixed;
    uint64_t mass;      /* mixed only: total mass when merged */
};

/* A granted bolus remembered for the rolling 24-h dose limit; its mass is
 * vol * conc pg. Packed to 20 bytes on every ABI (4-byte fields first):
 * time is 48 bits (time_hi:time_lo), enough for 8,900 years; its credit
 * ends at time + end_off (planned end, or the cancel time). */
struct pump_grant {
    uint32_t vol;       /* nL */
    uint32_t conc;      /* µg/mL of the reservoir when granted */
    uint32_t time_lo;
    uint32_t end_off;   /* ms, <= PUMP_BOLUS_DURATION_MAX_MS */
    uint16_t time_hi;
    uint8_t  kind;      /* pump_bolus_kind_t */
    uint8_t  reserved;  /* 0 */
};

/* One stored log entry, 16 bytes; its seq is implied by its place in the
 * ring (next_seq - log_count + position). Read out as pump_event_t. */
struct pump_logent {
    uint32_t time_lo;
    uint16_t time_hi;
    uint8_t  kind;      /* pump_event_kind_t (< 256) */
    uint8_t  reserved;  /* 0 */
    uint32_t data0;
    uint32_t data1;
};

struct pump {
    pump_config_t cfg;
    uint64_t now_ms;

    /* prescription */
    uint8_t  has_rx;
    uint8_t  suspended;
    pump_prescription_t rx;
    uint32_t low_reservoir_nl;     /* rx's, or the default before one */

    /* reservoir */
    uint32_t reservoir_nl;
    uint16_t res_drug;
    uint32_t res_conc;

    /* delivery: owed in nL*ms/day units, < stroke_nl * PUMP_MS_PER_DAY */
    uint64_t owed_u;

    /* running bolus (kind NONE = none) */
    uint8_t  bolus_kind;
    uint32_t bolus_volume_nl;
    uint32_t bolus_rate_nl_day;
    uint64_t bolus_start_ms;

    /* granted boluses, oldest first */
    struct pump_grant grants[PUMP_BOLUS_HISTORY];
    uint32_t n_grants;
    uint8_t  has_last_patient;
    uint64_t last_patient_ms;

    /* volume and mass accounting */
    uint64_t filled_nl;
    uint64_t discarded_nl;
    uint64_t pumped_nl;
    uint64_t strokes;
    uint64_t failed_strokes;
    uint64_t pumped_pg;
    uint64_t delivered_pg;

    /* catheter FIFO, head (oldest) at index 0 */
    struct pump_slug slugs[PUMP_MAX_SLUGS];
    uint32_t n_slugs;

    /* battery */
    uint64_t battery_nc;
    uint8_t  eri;

    /* alarms */
    uint32_t alarms;       /* active: cause present (DOSE_LIMIT: until acked) */
    uint32_t acked;        /* active alarms acknowledged: tone silent */
    uint32_t resound_ms;   /* re-sound interval of acked non-critical alarms */
    uint64_t resound_at[PUMP_ALARM_BITS]; /* per acked non-critical bit: when it re-sounds; else 0 */

    /* refill reconciliation */
    uint64_t refill_ms;            /* time of the last refill (0 before one) */
    uint64_t pumped_at_refill_nl;  /* pumped_nl at the last refill */
    uint64_t catheter_discarded_pg; /* drug mass thrown away with a replaced catheter */

    /* faults */
    uint8_t  stall_fault;  /* injected */
    uint8_t  stall_halted; /* a stroke failed: latched until cleared */
    uint8_t  memory_fault;

    /* event ring */
    struct pump_logent log[PUMP_LOG_CAPACITY];
    uint32_t log_head;     /* index of the oldest entry */
    uint32_t log_count;
    uint32_t next_seq;     /* seq of the next entry (first is 1) */
};

#endif /* PYEMU_PUMP_STATE_H */
