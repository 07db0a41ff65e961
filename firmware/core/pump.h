/*
 * pump.h — the dosing core of an implantable intrathecal drug pump.
 *
 * Pure C99: no malloc, no floats, no OS calls. The caller owns the storage
 * (a pump_t), time is passed in (milliseconds since implant), and every
 * function that can refuse returns a pump_result_t reason code; on a refusal
 * the state is left exactly as it was.
 *
 * Units (all integers):
 *   volume     nanolitres (nL)           1 mL = 1,000,000 nL
 *   rate       nanolitres per day        0.048 mL/day = 48,000 nL/day
 *   concentration micrograms per mL      (µg/mL)
 *   drug mass  picograms (pg)            nL x (µg/mL) = pg, exactly
 *   dose       micrograms (µg)           for limits given by clinicians
 *   time       milliseconds (ms), uint64 since implant
 *   charge     nanocoulombs (nC)         1 µA for 1 ms = 1 nC
 *   current    microamperes (µA)
 *
 * Overflow reasoning lives next to each accumulator in pump.c; the headline
 * figures: cumulative volume < 2^63 nL, mass < 2^63 pg, time < 2^63 ms.
 */
#ifndef PYEMU_PUMP_H
#define PYEMU_PUMP_H

#include <stdint.h>
#include <stddef.h>

#define PUMP_MAX_STEPS        24u   /* daily schedule steps */
#define PUMP_LOG_CAPACITY     512u  /* event ring entries */
#define PUMP_MS_PER_DAY       86400000u
#define PUMP_RATE_MIN_NL_DAY  48000u      /* 0.048 mL/day */
#define PUMP_RATE_MAX_NL_DAY  24000000u   /* 24 mL/day */

/* Reason codes. 0 is success; every other value names what was wrong.
 * Values are part of the wire protocol (NAK reason): append, never renumber. */
typedef enum {
    PUMP_OK = 0,
    PUMP_E_ARG = 1,              /* null pointer or malformed argument */
    PUMP_E_RATE_RANGE = 2,       /* a step rate outside 0.048-24 mL/day (0 allowed) */
    PUMP_E_STEPS = 3,            /* step count 0 or > 24, or start times not ascending from 0 */
    PUMP_E_CONCENTRATION = 4,    /* concentration 0 or above the maximum */
    PUMP_E_DOSE_LIMIT = 5,       /* the 24-h dose limit would be exceeded */
    PUMP_E_LIMIT_RANGE = 6,      /* dose limit or low-reservoir threshold out of range */
    PUMP_E_BOLUS_RANGE = 7,      /* bolus volume or duration out of range */
    PUMP_E_BOLUS_ACTIVE = 8,     /* a bolus is already running */
    PUMP_E_NO_BOLUS = 9,         /* cancel with no bolus running */
    PUMP_E_SUSPENDED = 10,       /* refused while suspended */
    PUMP_E_EMPTY = 11,           /* reservoir empty */
    PUMP_E_EOS = 12,             /* battery at end of service */
    PUMP_E_STALLED = 13,         /* motor stall not cleared */
    PUMP_E_OVERFILL = 14,        /* refill above the reservoir's capacity */
    PUMP_E_LOCKOUT = 15,         /* patient bolus inside the lockout after the last one */
    PUMP_E_COUNT = 16,           /* patient bolus count per 24 h reached */
    PUMP_E_PB_DISABLED = 17,     /* patient bolus not enabled by the prescription */
    PUMP_E_TIME = 18,            /* time moved backwards */
    PUMP_E_NOT_SUSPENDED = 19,   /* resume while not suspended */
    PUMP_E_NO_PRESCRIPTION = 20, /* no prescription programmed yet */
    PUMP_E_SNAPSHOT_SIZE = 21,   /* snapshot buffer too small / image truncated */
    PUMP_E_SNAPSHOT_MAGIC = 22,  /* not a pump snapshot */
    PUMP_E_SNAPSHOT_VERSION = 23,/* snapshot from an unknown layout version */
    PUMP_E_SNAPSHOT_CRC = 24,    /* snapshot corrupt */
    PUMP_E_SNAPSHOT_INVALID = 25,/* snapshot decodes but breaks an invariant */
    PUMP_E_FAULT_KIND = 26,      /* unknown fault kind */
    PUMP_E_ALARM = 27,           /* no such alarm active */
    PUMP_E_DRUG = 28,            /* unknown drug code */
    PUMP_E_CONFIG = 29,          /* pump configuration out of range */
    PUMP_RESULT_COUNT
} pump_result_t;

/* Static text for a reason code (never NULL). */
const char *pump_result_name(int result);

typedef enum {
    PUMP_STATE_STOPPED = 0,    /* no prescription, or rate 0 and no bolus */
    PUMP_STATE_RUNNING = 1,
    PUMP_STATE_SUSPENDED = 2,  /* by the clinician */
} pump_state_t;

/* Drug codes (wire values). */
typedef enum {
    PUMP_DRUG_NONE = 0,
    PUMP_DRUG_MORPHINE = 1,
    PUMP_DRUG_HYDROMORPHONE = 2,
    PUMP_DRUG_ZICONOTIDE = 3,
    PUMP_DRUG_BACLOFEN = 4,
    PUMP_DRUG_SALINE = 5,
    PUMP_DRUG_OTHER = 6,
    PUMP_DRUG_COUNT
} pump_drug_t;

/* Alarm bits (wire values). Critical: EMPTY, EOS, MOTOR_STALL, MEMORY. */
#define PUMP_ALARM_LOW_RESERVOIR   (1u << 0)
#define PUMP_ALARM_RESERVOIR_EMPTY (1u << 1)
#define PUMP_ALARM_ERI             (1u << 2)
#define PUMP_ALARM_EOS             (1u << 3)
#define PUMP_ALARM_MOTOR_STALL     (1u << 4)
#define PUMP_ALARM_DOSE_LIMIT      (1u << 5)
#define PUMP_ALARM_MEMORY_ERROR    (1u << 6)
#define PUMP_ALARM_CRITICAL_MASK   (PUMP_ALARM_RESERVOIR_EMPTY | PUMP_ALARM_EOS | \
                                    PUMP_ALARM_MOTOR_STALL | PUMP_ALARM_MEMORY_ERROR)

/* Event kinds in the log (wire values). data0/data1 meaning per kind in pump.c. */
typedef enum {
    PUMP_EV_NONE = 0,
    PUMP_EV_INIT = 1,
    PUMP_EV_RESET = 2,               /* restart from saved state */
    PUMP_EV_PRESCRIBED = 3,
    PUMP_EV_PRESCRIBE_REFUSED = 4,
    PUMP_EV_BOLUS_START = 5,         /* data0 kind (clinician/prime/patient), data1 volume nL */
    PUMP_EV_BOLUS_END = 6,
    PUMP_EV_BOLUS_CANCELLED = 7,
    PUMP_EV_BOLUS_REFUSED = 8,       /* data0 kind, data1 reason */
    PUMP_EV_PATIENT_GRANTED = 9,
    PUMP_EV_PATIENT_DENIED = 10,     /* data1 reason */
    PUMP_EV_SUSPENDED = 11,
    PUMP_EV_RESUMED = 12,
    PUMP_EV_REFILL = 13,             /* data0 new volume nL, data1 discarded nL */
    PUMP_EV_REFILL_REFUSED = 14,
    PUMP_EV_ALARM_RAISED = 15,       /* data0 alarm bit */
    PUMP_EV_ALARM_CLEARED = 16,
    PUMP_EV_ALARM_ACKED = 17,
    PUMP_EV_FAULT_INJECTED = 18,
    PUMP_EV_FAULT_CLEARED = 19,
    PUMP_EV_CLOCK_SET = 20,
    PUMP_EV_SECURITY = 21,           /* reserved for authenticated sessions */
    PUMP_EV_KIND_COUNT
} pump_event_kind_t;

typedef enum {
    PUMP_BOLUS_NONE = 0,
    PUMP_BOLUS_CLINICIAN = 1,
    PUMP_BOLUS_PRIME = 2,     /* prime or bridge: fills tubing + catheter dead volume */
    PUMP_BOLUS_PATIENT = 3,
} pump_bolus_kind_t;

typedef enum {
    PUMP_FAULT_NONE = 0,
    PUMP_FAULT_MOTOR_STALL = 1,
    PUMP_FAULT_MEMORY = 2,
} pump_fault_t;

typedef struct {
    uint32_t seq;        /* monotonically increasing from 1; never reused */
    uint64_t time_ms;
    uint16_t kind;       /* pump_event_kind_t */
    uint32_t data0;
    uint32_t data1;
} pump_event_t;

/* Fixed per-device configuration (factory settings). */
typedef struct {
    uint32_t serial;
    uint32_t reservoir_capacity_nl;   /* 20 or 40 mL models */
    uint32_t stroke_nl;               /* volume per motor stroke */
    uint32_t dead_volume_nl;          /* pump tubing + catheter */
    uint64_t battery_capacity_nc;     /* usable charge when new */
    uint32_t quiescent_ua;            /* always-on current */
    uint32_t stroke_nc;               /* charge per stroke */
    uint32_t telemetry_byte_nc;       /* charge per telemetry byte sent or received */
    uint32_t tone_ua;                 /* extra current while an alarm tone sounds */
    uint32_t eri_days;                /* ERI when charge left lasts <= this many days (90) */
} pump_config_t;

/* Fill *cfg with the defaults (20 mL model). */
void pump_default_config(pump_config_t *cfg);

typedef struct {
    uint32_t start_min;        /* minute of day the step starts, 0..1439; first step 0 */
    uint32_t rate_nl_day;      /* 0 or 48,000..24,000,000 */
} pump_step_t;

typedef struct {
    uint16_t drug;                     /* pump_drug_t; must match the reservoir's drug */
    uint32_t conc_ug_ml;               /* must match the reservoir's concentration */
    uint8_t  n_steps;                  /* 1 = simple continuous rate; up to 24 */
    pump_step_t steps[PUMP_MAX_STEPS];
    uint32_t max_dose_ug_24h;          /* rolling 24-h limit on basal + boluses; required */
    uint32_t low_reservoir_nl;         /* low-reservoir alarm threshold (default 2.0 mL) */
    /* Patient bolus (hand-held controller); pb_enabled = 0 disables the rest. */
    uint8_t  pb_enabled;
    uint32_t pb_volume_nl;
    uint32_t pb_duration_ms;
    uint32_t pb_lockout_ms;            /* from each granted bolus's start */
    uint8_t  pb_max_per_24h;
} pump_prescription_t;

/* Read-only snapshot of what status telemetry reports. */
typedef struct {
    uint64_t now_ms;
    uint8_t  state;                 /* pump_state_t */
    uint32_t rate_nl_day;           /* programmed basal now, plus any running bolus's rate */
    uint32_t basal_nl_day;
    uint32_t reservoir_nl;
    uint64_t pumped_nl;             /* total volume moved by strokes since implant */
    uint64_t delivered_pg;          /* drug mass that left the catheter tip */
    uint64_t battery_nc;            /* usable charge left */
    uint32_t battery_permille;      /* of capacity */
    uint32_t days_to_eri;           /* projected at present drain; 0 once ERI is reached */
    uint32_t alarms;                /* active PUMP_ALARM_* bits */
    uint32_t unacked_alarms;        /* active and not yet acknowledged */
    uint8_t  bolus_kind;            /* pump_bolus_kind_t running now */
    uint32_t bolus_remaining_nl;
    uint16_t drug;
    uint32_t conc_ug_ml;
    uint32_t dose_24h_ug;           /* mass counted against the 24-h limit now */
    uint32_t last_event_seq;
} pump_status_t;

/*
 * The pump. Fields are private to pump.c; callers allocate it (static,
 * stack, or through cffi) and pass it to every function.
 */
typedef struct pump pump_t;
size_t pump_sizeof(void);

/* Initialise a new pump at time 0 with an empty reservoir and no prescription. */
int pump_init(pump_t *p, const pump_config_t *cfg);

/* Advance simulated time to to_ms (>= now). Cost does not grow with the
 * milliseconds skipped; one jump and many small steps give identical state. */
int pump_advance(pump_t *p, uint64_t to_ms);

/* Time of the next motor stroke if nothing else happens, or UINT64_MAX. */
uint64_t pump_next_stroke_ms(const pump_t *p);

int pump_prescribe(pump_t *p, const pump_prescription_t *rx);
/* Dose programming: µg/day at a concentration -> nL/day (rounded to nearest). */
int pump_dose_to_rate(uint32_t dose_ug_day, uint32_t conc_ug_ml, uint32_t *rate_nl_day);

int pump_clinician_bolus(pump_t *p, uint32_t volume_nl, uint32_t duration_ms);
/* Prime (after implant/catheter revision) or bridge (after a concentration
 * change) bolus of volume_nl (0 = the configured dead volume). */
int pump_prime_bolus(pump_t *p, uint32_t volume_nl, uint32_t duration_ms);
int pump_patient_bolus(pump_t *p);   /* logged as granted or denied with reason */
int pump_cancel_bolus(pump_t *p);
int pump_suspend(pump_t *p);
int pump_resume(pump_t *p);
/* Empty the reservoir (the rest is discarded) and fill it with volume_nl of drug at conc. */
int pump_refill(pump_t *p, uint32_t volume_nl, uint16_t drug, uint32_t conc_ug_ml);
int pump_ack_alarm(pump_t *p, uint32_t alarm_bits);
int pump_inject_fault(pump_t *p, uint8_t fault);   /* pump_fault_t */
int pump_clear_fault(pump_t *p, uint8_t fault);
/* Count telemetry bytes for the battery model. */
void pump_count_telemetry(pump_t *p, uint32_t bytes);
/* Log a restart from saved state. */
void pump_note_reset(pump_t *p);

void pump_get_status(const pump_t *p, pump_status_t *out);
int  pump_get_prescription(const pump_t *p, pump_prescription_t *out);

/* Event log: entries with seq >= from_seq, oldest first, at most max.
 * Returns how many were written; *first_available tells the reader what the
 * ring still holds, so it can tell how many it missed. */
uint32_t pump_read_events(const pump_t *p, uint32_t from_seq, pump_event_t *out,
                          uint32_t max, uint32_t *first_available);

/* Snapshot: versioned, CRC-protected, little-endian byte image of the whole state. */
size_t pump_snapshot_size(void);
int pump_snapshot_save(const pump_t *p, uint8_t *buf, size_t cap, size_t *len);
int pump_snapshot_load(pump_t *p, const uint8_t *buf, size_t len);  /* p untouched on error */

/* Balance sheet for conservation checks, all exact. */
typedef struct {
    uint64_t filled_nl;       /* sum of every refill's volume */
    uint64_t discarded_nl;    /* reservoir contents thrown away by refills */
    uint64_t pumped_nl;       /* moved by strokes */
    uint32_t reservoir_nl;
    uint64_t pumped_pg;       /* drug mass moved into the tubing */
    uint64_t delivered_pg;    /* drug mass out of the catheter tip */
    uint64_t in_catheter_pg;  /* drug mass in tubing + catheter now */
} pump_balance_t;
void pump_get_balance(const pump_t *p, pump_balance_t *out);

#endif /* PYEMU_PUMP_H */
