/* pump_vocab.h — the dosing core's names and numbers. GENERATED from protocol/vocabulary.json by `python protocol/tools/gen.py`: do not edit.
 *
 * Included by pump.h. Values are part of the wire protocol and of saved
 * state: append, never renumber (edit protocol/vocabulary.json).
 */
#ifndef PYEMU_PUMP_VOCAB_H
#define PYEMU_PUMP_VOCAB_H

/* Reason codes. 0 is success; every other value names what was wrong.
 * Values are part of the wire protocol (NAK reason): append, never renumber. */
typedef enum {
    PUMP_OK = 0,                 /* success */
    PUMP_E_ARG = 1,              /* null pointer or malformed argument */
    PUMP_E_RATE_RANGE = 2,       /* a step rate outside 0.048-24 mL/day (0 allowed) */
    PUMP_E_STEPS = 3,            /* step count 0 or > 24, or start times not ascending from 0 */
    PUMP_E_CONCENTRATION = 4,    /* concentration 0 or above the maximum, or not the reservoir's */
    PUMP_E_DOSE_LIMIT = 5,       /* the 24-h dose limit would be exceeded */
    PUMP_E_LIMIT_RANGE = 6,      /* dose limit or low-reservoir threshold out of range */
    PUMP_E_BOLUS_RANGE = 7,      /* bolus volume, duration, rate or patient settings out of range */
    PUMP_E_BOLUS_ACTIVE = 8,     /* a bolus is already running */
    PUMP_E_NO_BOLUS = 9,         /* cancel with no bolus running */
    PUMP_E_SUSPENDED = 10,       /* refused while suspended */
    PUMP_E_EMPTY = 11,           /* reservoir empty */
    PUMP_E_EOS = 12,             /* battery at end of service */
    PUMP_E_STALLED = 13,         /* motor stall not cleared */
    PUMP_E_OVERFILL = 14,        /* refill above the reservoir's capacity */
    PUMP_E_LOCKOUT = 15,         /* patient bolus inside the lockout after the last one */
    PUMP_E_COUNT = 16,           /* patient bolus count per 24 h reached, or bolus record full */
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
    PUMP_E_DRUG = 28,            /* unknown drug code, or not the reservoir's drug */
    PUMP_E_CONFIG = 29,          /* pump configuration out of range */
    PUMP_E_NO_FAULT = 30,        /* clear of a fault that is not present */
    PUMP_E_MEMORY = 31,          /* memory error not cleared */
    PUMP_E_THERAPY_ACTIVE = 32,  /* implant configuration while a prescription runs (suspend first) */
    PUMP_E_DRUG_LIMIT = 33,      /* concentration above the drug's maximum, 24-h dose limit above its hard limit, or patient boluses for a drug that allows none */
    PUMP_E_SOFT_LIMIT = 34,      /* 24-h dose limit above the drug's soft limit without the clinician's confirmation */
    PUMP_RESULT_COUNT
} pump_result_t;

/* X(code, name, text) for every reason code, in value order (pump.c's tables). */
#define PUMP_RESULT_TABLE(X) \
    X(PUMP_OK, "OK", "no error (a NAK never carries this code)") \
    X(PUMP_E_ARG, "ARG", "a missing or malformed argument") \
    X(PUMP_E_RATE_RANGE, "RATE_RANGE", "a rate outside 0.048-24 mL/day (0 is allowed)") \
    X(PUMP_E_STEPS, "STEPS", "the schedule needs 1 to 24 steps starting at 00:00 in ascending order") \
    X(PUMP_E_CONCENTRATION, "CONCENTRATION", "the concentration is 0, too high, or not the reservoir's") \
    X(PUMP_E_DOSE_LIMIT, "DOSE_LIMIT", "the 24-hour dose limit would be exceeded") \
    X(PUMP_E_LIMIT_RANGE, "LIMIT_RANGE", "the dose limit or the low-reservoir threshold is out of range") \
    X(PUMP_E_BOLUS_RANGE, "BOLUS_RANGE", "the bolus volume, duration or rate, or the patient-bolus settings, are out of range") \
    X(PUMP_E_BOLUS_ACTIVE, "BOLUS_ACTIVE", "a bolus is already running") \
    X(PUMP_E_NO_BOLUS, "NO_BOLUS", "no bolus is running") \
    X(PUMP_E_SUSPENDED, "SUSPENDED", "the pump is suspended") \
    X(PUMP_E_EMPTY, "EMPTY", "the reservoir is empty") \
    X(PUMP_E_EOS, "EOS", "the battery is at end of service") \
    X(PUMP_E_STALLED, "STALLED", "the motor has stalled and the fault is not cleared") \
    X(PUMP_E_OVERFILL, "OVERFILL", "more than the reservoir holds") \
    X(PUMP_E_LOCKOUT, "LOCKOUT", "inside the lockout time after the last patient bolus") \
    X(PUMP_E_COUNT, "COUNT", "the patient boluses allowed per 24 hours are used up, or the record of recent boluses is full") \
    X(PUMP_E_PB_DISABLED, "PB_DISABLED", "the prescription does not allow patient boluses") \
    X(PUMP_E_TIME, "TIME", "time would move backwards, or past the pump's clock limit of 2^48 ms (3,257,812 days, about 8,919 years, since implant)") \
    X(PUMP_E_NOT_SUSPENDED, "NOT_SUSPENDED", "the pump is not suspended") \
    X(PUMP_E_NO_PRESCRIPTION, "NO_PRESCRIPTION", "no prescription is programmed yet") \
    X(PUMP_E_SNAPSHOT_SIZE, "SNAPSHOT_SIZE", "the pump's memory image is truncated or of the wrong size") \
    X(PUMP_E_SNAPSHOT_MAGIC, "SNAPSHOT_MAGIC", "not a memory image of this pump") \
    X(PUMP_E_SNAPSHOT_VERSION, "SNAPSHOT_VERSION", "a memory image of a layout version this pump does not know") \
    X(PUMP_E_SNAPSHOT_CRC, "SNAPSHOT_CRC", "the pump's memory image is corrupt (checksum mismatch)") \
    X(PUMP_E_SNAPSHOT_INVALID, "SNAPSHOT_INVALID", "the pump's memory image decodes but breaks an invariant") \
    X(PUMP_E_FAULT_KIND, "FAULT_KIND", "no such fault") \
    X(PUMP_E_ALARM, "ALARM", "no such alarm is active") \
    X(PUMP_E_DRUG, "DRUG", "the drug is not the reservoir's (or not a drug this pump knows)") \
    X(PUMP_E_CONFIG, "CONFIG", "the pump configuration is out of range") \
    X(PUMP_E_NO_FAULT, "NO_FAULT", "that fault is not present, so there is nothing to clear") \
    X(PUMP_E_MEMORY, "MEMORY", "the pump has a memory error: delivery is halted until the fault is cleared") \
    X(PUMP_E_THERAPY_ACTIVE, "THERAPY_ACTIVE", "the implant configuration can change only before the first prescription or while the pump is suspended") \
    X(PUMP_E_DRUG_LIMIT, "DRUG_LIMIT", "beyond the drug library's hard limit for this drug (concentration, 24-hour dose or patient boluses)") \
    X(PUMP_E_SOFT_LIMIT, "SOFT_LIMIT", "the 24-hour dose limit is above the drug library's soft limit: confirm it (--confirm-soft-limit)") \


/* What the pump is doing (status.state; pump.h SEMANTICS, State). */
typedef enum {
    PUMP_STATE_STOPPED = 0,   /* no prescription, or basal rate now 0 and no bolus */
    PUMP_STATE_RUNNING = 1,   /* delivering */
    PUMP_STATE_SUSPENDED = 2, /* by the clinician (or a refill with another drug) */
    PUMP_STATE_HALTED = 3,    /* delivery stopped: reservoir empty, EOS, stall or memory error (takes precedence over SUSPENDED) */
} pump_state_t;

/* Drug codes of the reservoir and the prescription. NONE is an empty pump, never a valid refill. */
typedef enum {
    PUMP_DRUG_NONE = 0,          /* no drug (a new pump) */
    PUMP_DRUG_MORPHINE = 1,
    PUMP_DRUG_HYDROMORPHONE = 2,
    PUMP_DRUG_ZICONOTIDE = 3,
    PUMP_DRUG_BACLOFEN = 4,
    PUMP_DRUG_SALINE = 5,        /* the only drug whose concentration may be 0 */
    PUMP_DRUG_OTHER = 6,
    PUMP_DRUG_COUNT
} pump_drug_t;

/* Alarm bits (status.alarms). A critical alarm halts delivery and sounds the full tone until acknowledged. */
#define PUMP_ALARM_LOW_RESERVOIR    (1u << 0)  /* prescription exists and reservoir at or below the low-reservoir threshold */
#define PUMP_ALARM_RESERVOIR_EMPTY  (1u << 1)  /* critical: prescription exists and less than one stroke left */
#define PUMP_ALARM_ERI              (1u << 2)  /* battery at elective replacement indicator (latched) */
#define PUMP_ALARM_EOS              (1u << 3)  /* critical: battery at end of service */
#define PUMP_ALARM_MOTOR_STALL      (1u << 4)  /* critical: a stroke failed while a stall fault was present (latched until cleared) */
#define PUMP_ALARM_DOSE_LIMIT       (1u << 5)  /* a bolus was refused by the 24-h dose limit; an event, not a lasting cause: ack clears it */
#define PUMP_ALARM_MEMORY_ERROR     (1u << 6)  /* critical: memory fault present */
#define PUMP_ALARM_DRUG_EXPIRED     (1u << 7)  /* the reservoir's drug is past its stability time since the refill (drug library); a refill clears it */
#define PUMP_ALARM_ALL_MASK         0xFFu
#define PUMP_ALARM_CRITICAL_MASK    (PUMP_ALARM_RESERVOIR_EMPTY | PUMP_ALARM_EOS | PUMP_ALARM_MOTOR_STALL | PUMP_ALARM_MEMORY_ERROR)

/* data0 / data1 per kind:
 *   NONE: - / -
 *   INIT: serial / reservoir capacity nL
 *   RESET: 0 / 0
 *   PRESCRIBED: daily volume nL / max_dose_ug_24h
 *   PRESCRIBE_REFUSED: 0 / reason
 *   BOLUS_START: bolus_kind / volume nL
 *   BOLUS_END: bolus_kind / volume nL
 *   BOLUS_CANCELLED: bolus_kind / cause: 0 = cancel command, else reason SUSPENDED/EMPTY/EOS/STALLED/MEMORY
 *   BOLUS_REFUSED: bolus_kind / reason
 *   PATIENT_GRANTED: patient boluses in the last 24 h including this one / volume nL
 *   PATIENT_DENIED: 0 / reason
 *   SUSPENDED: cause: 0 = command, else reason DRUG/CONCENTRATION / 0
 *   RESUMED: 0 / 0
 *   REFILL: new volume nL / discarded nL
 *   REFILL_REFUSED: 0 / reason
 *   ALARM_RAISED: alarm bit / 0 = raised, 1 = an acknowledged alarm re-sounds (its cause lasted the re-sound interval)
 *   ALARM_CLEARED: alarm bit / 0
 *   ALARM_ACKED: alarm bit / 0
 *   FAULT_INJECTED: fault / 0
 *   FAULT_CLEARED: fault / 0
 *   CLOCK_SET: unix_ms bits 0-31 / unix_ms bits 32-63
 *   SECURITY: reason (AUTH_*) / message type | role << 8 | refusals suppressed since the last entry << 16
 *   IMPLANT_CONFIGURED: new dead volume nL / previous dead volume nL
 *   RESOUND_SET: new re-sound interval ms / previous interval ms
 *   REFILL_RECONCILED: expected nL (the reservoir before the refill) / withdrawn nL
 *   SOFT_LIMIT_CONFIRMED: prescribed max_dose_ug_24h / the drug library's soft limit ug/24 h
 *   PLANT_FAULT: fault (a plant fault) / its value (factor ppm, leak ppm, strokes before a stall, MRI recovery rule)
 *   PLANT_CLEARED: fault (a plant fault) / 0
 *   MRI_ENDED: mri_recovery rule / scan minutes
 *   MRI_RECOVERED: mri_recovery rule / minutes from the end of the scan
 */
/* Kinds of event log entries and what their data0/data1 mean (pump.h SEMANTICS, Event data). `reason` = a reason code, `bolus_kind`, `alarm` and `fault` = a value of that table. */
typedef enum {
    PUMP_EV_NONE = 0,                 /* never logged */
    PUMP_EV_INIT = 1,
    PUMP_EV_RESET = 2,                /* restart from saved state */
    PUMP_EV_PRESCRIBED = 3,
    PUMP_EV_PRESCRIBE_REFUSED = 4,
    PUMP_EV_BOLUS_START = 5,
    PUMP_EV_BOLUS_END = 6,
    PUMP_EV_BOLUS_CANCELLED = 7,
    PUMP_EV_BOLUS_REFUSED = 8,
    PUMP_EV_PATIENT_GRANTED = 9,
    PUMP_EV_PATIENT_DENIED = 10,
    PUMP_EV_SUSPENDED = 11,
    PUMP_EV_RESUMED = 12,
    PUMP_EV_REFILL = 13,
    PUMP_EV_REFILL_REFUSED = 14,
    PUMP_EV_ALARM_RAISED = 15,
    PUMP_EV_ALARM_CLEARED = 16,
    PUMP_EV_ALARM_ACKED = 17,
    PUMP_EV_FAULT_INJECTED = 18,
    PUMP_EV_FAULT_CLEARED = 19,
    PUMP_EV_CLOCK_SET = 20,           /* logged by the device layer */
    PUMP_EV_SECURITY = 21,            /* logged by authenticated sessions */
    PUMP_EV_IMPLANT_CONFIGURED = 22,  /* implant configuration (tubing + catheter) changed; the catheter's old contents are discarded */
    PUMP_EV_RESOUND_SET = 23,         /* re-sound interval of acknowledged non-critical alarms changed */
    PUMP_EV_REFILL_RECONCILED = 24,   /* logged before REFILL when the refill gave the withdrawn volume */
    PUMP_EV_SOFT_LIMIT_CONFIRMED = 25,/* logged before PRESCRIBED when the clinician confirmed a 24-h dose limit above the drug's soft limit */
    PUMP_EV_PLANT_FAULT = 30,         /* test bench: a plant fault injected (logged by the device) */
    PUMP_EV_PLANT_CLEARED = 31,       /* test bench: a plant fault cleared */
    PUMP_EV_MRI_ENDED = 32,           /* test bench: the MRI scan ended; the motor stays stalled until its recovery */
    PUMP_EV_MRI_RECOVERED = 33,       /* test bench: the motor runs again after an MRI scan */
    PUMP_EV_KIND_COUNT
} pump_event_kind_t;

/* Which bolus runs (status.bolus_kind) or an event is about. */
typedef enum {
    PUMP_BOLUS_NONE = 0,      /* no bolus */
    PUMP_BOLUS_CLINICIAN = 1,
    PUMP_BOLUS_PRIME = 2,     /* prime or bridge: fills tubing + catheter dead volume */
    PUMP_BOLUS_PATIENT = 3,
} pump_bolus_kind_t;

/* Simulated hardware faults (INJECT_FAULT, test builds). */
typedef enum {
    PUMP_FAULT_NONE = 0,        /* no fault */
    PUMP_FAULT_MOTOR_STALL = 1, /* the next stroke fails; MOTOR_STALL latches until cleared */
    PUMP_FAULT_MEMORY = 2,      /* MEMORY_ERROR at once; delivery halts until cleared */
    PUMP_FAULT_FLOW_ERROR = 3,  /* plant (PLANT_FAULT): each stroke moves stroke_nl x factor from the real reservoir; factor constant or drifting */
    PUMP_FAULT_OCCLUSION = 4,   /* plant: catheter occluded; nothing reaches the tip, the drug backs up (held); optionally the motor stalls after N strokes */
    PUMP_FAULT_LEAK = 5,        /* plant: catheter leaking; that fraction of the drug goes to the tissue */
    PUMP_FAULT_DISCONNECT = 6,  /* plant: catheter disconnected; all the drug goes to the tissue */
    PUMP_FAULT_POCKET_FILL = 7, /* plant: the next refill is injected into the pocket; the tissue gets its mass, the reservoir nothing */
    PUMP_FAULT_MRI = 8,         /* plant: a magnetic field stalls the motor for the scan; recovery at once, after a delay or at the next interrogation */
} pump_fault_t;

/* State of the catheter in the physical plant (TRUTH, test builds; firmware/plant/plant.h). */
typedef enum {
    PLANT_CATHETER_PATENT = 0,       /* open: the drug reaches the intrathecal tip */
    PLANT_CATHETER_OCCLUDED = 1,     /* nothing reaches the tip; the drug backs up (held) */
    PLANT_CATHETER_LEAKING = 2,      /* a fraction of the drug goes to the tissue */
    PLANT_CATHETER_DISCONNECTED = 3, /* all the drug goes to the tissue */
} plant_catheter_t;

/* When the motor runs again after an MRI scan (PLANT_FAULT MRI). */
typedef enum {
    PLANT_MRI_RECOVERY_IMMEDIATE = 0,     /* at the end of the scan */
    PLANT_MRI_RECOVERY_DELAY = 1,         /* a delay after the end of the scan */
    PLANT_MRI_RECOVERY_INTERROGATION = 2, /* at the first HELLO, GET_STATUS or GET_STATUS_EXT after the scan */
} plant_mri_recovery_t;

/* The drug library (vocabulary.json drug_library), indexed by pump_drug_t.
 * 0 = no limit. pump_rx.c refuses concentrations and 24-h dose limits above
 * the hard figures (PUMP_E_DRUG_LIMIT), asks a confirmation above the soft
 * limit (PUMP_E_SOFT_LIMIT) and raises DRUG_EXPIRED after stability_days. */
typedef struct {
    uint32_t max_conc_ug_ml;
    uint32_t dose_hard_ug_24h;
    uint32_t dose_soft_ug_24h;
    uint32_t stability_days;
    uint8_t  patient_bolus;     /* 1: patient boluses allowed */
} pump_drug_limits_t;
#define PUMP_DRUG_LIBRARY_INIT { \
    {0u, 0u, 0u, 0u, 1u},  /* NONE */ \
    {20000u, 15000u, 10000u, 90u, 1u},  /* MORPHINE */ \
    {15000u, 10000u, 5000u, 60u, 1u},  /* HYDROMORPHONE */ \
    {100u, 20u, 10u, 60u, 0u},  /* ZICONOTIDE */ \
    {2000u, 3000u, 2000u, 90u, 1u},  /* BACLOFEN */ \
    {0u, 0u, 0u, 0u, 1u},  /* SALINE */ \
    {0u, 0u, 0u, 0u, 1u}   /* OTHER */ \
}

#endif /* PYEMU_PUMP_VOCAB_H */
