/*
 * pump.h — the dosing core of an implantable intrathecal drug pump.
 *
 * Pure C99: no malloc, no floats, no OS calls. The caller owns the storage
 * (a pump_t), time is passed in (milliseconds since implant), and every
 * function that can refuse returns a pump_result_t reason code; on a refusal
 * the dosing state is left exactly as it was (see "Refusals" below for the
 * log entries a refusal adds).
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
 * figures: cumulative volume < 2^63 nL, mass < 2^63 pg, time < 2^48 ms.
 *
 * ======================================================================
 * SEMANTICS (normative: the Python oracle in tests/core follows this text)
 * ======================================================================
 *
 * Delivery (pulsatile).  Let S = cfg.stroke_nl and U = PUMP_MS_PER_DAY.
 *   The pump keeps an owed-volume accumulator `owed` in units of
 *   nL*ms/day (1 nL = U units), always 0 <= owed < S*U between calls.
 *   For every millisecond [t-1, t) during which delivery is ENABLED (below),
 *   owed += R(t-1), where R(x) = basal rate of the schedule step in force at
 *   time x (nL/day) + the running bolus's contribution at x (see Boluses).
 *   At the end of that millisecond (time t), while owed >= S*U, one stroke
 *   happens at time t: owed -= S*U. Several strokes can share one t.
 *   A stroke needs a full stroke in the reservoir (reservoir_nl >= S);
 *   it moves S nL out of the reservoir into the pump tubing.
 *   Consequently, over any interval [a, b] during which delivery stays
 *   enabled, pumped = (owed(a) + integral_a^b R - owed(b)) / U, hence
 *   |pumped - integral/U| < S (strokes are dropped only at a halt).
 *   Delivery is ENABLED when: a prescription exists, not suspended, and not
 *   HALTED. HALTED = reservoir empty (reservoir_nl < S, with a prescription),
 *   battery at EOS, motor stall latched, or memory fault present.
 *   While not enabled, owed is frozen (no catch-up later) and time passes.
 *   When delivery becomes halted (empty / EOS / stall / memory), owed is
 *   reduced modulo S*U (strokes owed at that instant are dropped).
 *   Schedule: step i runs from steps[i].start_min (minute of day, time of
 *   day = now_ms mod U) to the next step's start; the last step runs to
 *   midnight, then step 0 starts again.
 *
 * pump_advance(to_ms) processes every stroke with time <= to_ms and every
 *   event at or before to_ms (to_ms <= 2^48 - 1, i.e. 8,900 years, else
 *   PUMP_E_TIME). State after advance(a); advance(b) equals the state after
 *   advance(b), byte for byte in the snapshot (no rounding depends on the
 *   step size). Cost grows with the number of events (steps
 *   changes, bolus ends, alarms, ...), never with milliseconds or strokes.
 *
 * Order of events at one instant t (inside advance): the strokes due at t,
 *   then a motor-stall stroke failure, then a bolus reaching its volume
 *   ends (BOLUS_END), then alarms are evaluated in bit order (LOW, EMPTY,
 *   ERI, EOS, MOTOR_STALL, DOSE_LIMIT, MEMORY, DRUG_EXPIRED); an alarm that halts delivery
 *   then cancels a running bolus (BOLUS_CANCELLED). Commands issued at time
 *   t (after advance(t)) see all of that done and act on [t, ...).
 *
 * Catheter dead volume.  The pump tubing + catheter hold cfg.dead_volume_nl
 *   as a FIFO of slugs (volume, concentration). At implant it holds one
 *   slug of dead_volume_nl at concentration 0 (no drug). Each stroke pushes
 *   S nL at the reservoir's concentration into the tail and the same S nL
 *   leave the tip from the head; the drug mass that leaves is "delivered".
 *   (All strokes of one instant or one segment are pushed, then popped:
 *   the same as stroke by stroke, since the FIFO is a queue of nL.)
 *   A push extends the tail slug if it is pure (not mixed) and has the same
 *   concentration; otherwise it appends a new pure slug. The FIFO holds at
 *   most PUMP_MAX_SLUGS slugs; when a new slug is needed and the FIFO is
 *   full, the two newest existing slugs first merge into one "mixed" slug
 *   (volume and mass summed, exactly; never the head, which is the only
 *   slug partly gone). A slug that empties is removed. Mass leaving a pure
 *   slug: volume x conc. Mass leaving a mixed slug of total volume V and
 *   mass M once x of its nL have left is floor(M*x/V) cumulatively (so the
 *   whole slug yields exactly M). Exact conservation:
 *   pumped_pg == delivered_pg + in_catheter_pg, always.
 *
 * Reservoir.  20 or 40 mL models. Refill(volume, drug, conc): volume may be
 *   0..capacity (above: PUMP_E_OVERFILL); the old contents are discarded
 *   (counted in discarded_nl); drug must be 1..PUMP_DRUG_COUNT-1; conc
 *   must be 1..PUMP_CONC_MAX_UG_ML, or 0 only for PUMP_DRUG_SALINE.
 *   If a prescription exists, the pump is not already suspended, and the
 *   new drug or concentration differs from the prescription's, the pump
 *   becomes SUSPENDED (event SUSPENDED, data0 = PUMP_E_DRUG if the drug
 *   differs, else PUMP_E_CONCENTRATION); an already suspended pump stays
 *   suspended and logs nothing more. Either way resume is refused while the
 *   reservoir's drug/conc differ from the prescription's. A running bolus continues across a refill with the same
 *   drug and concentration. Log order: REFILL, then (if it suspends)
 *   SUSPENDED and BOLUS_CANCELLED (cause PUMP_E_SUSPENDED), then the alarm
 *   changes. Refusal order: OVERFILL, DRUG, CONCENTRATION, then DRUG_LIMIT
 *   (conc above the drug library's maximum for the drug).
 *
 * Prescriptions.  Checked in this order, first failure wins:
 *   drug: 1..COUNT-1 and equal to the reservoir's drug (PUMP_E_DRUG);
 *   conc: same rule as refill and equal to the reservoir's (PUMP_E_CONCENTRATION);
 *   steps: 1..24, steps[0].start_min == 0, strictly ascending, < 1440 (PUMP_E_STEPS);
 *   each used step's rate 0 or 48,000..24,000,000 nL/day (PUMP_E_RATE_RANGE);
 *   max_dose_ug_24h 1..PUMP_DOSE_LIMIT_MAX_UG and low_reservoir_nl
 *   1..reservoir capacity (PUMP_E_LIMIT_RANGE);
 *   pb_enabled 0/1; if 1: pb_volume_nl 1..capacity, pb_duration_ms
 *   1..PUMP_BOLUS_DURATION_MAX_MS, bolus rate <= PUMP_BOLUS_RATE_MAX_NL_DAY,
 *   pb_lockout_ms pb_duration_ms..PUMP_MS_PER_DAY, pb_max_per_24h
 *   1..PUMP_PB_MAX_PER_24H (PUMP_E_BOLUS_RANGE);
 *   basal mass over 24 h <= the limit (PUMP_E_DOSE_LIMIT);
 *   drug library (pump_drug_limits, 0 = no limit): conc <= max_conc_ug_ml,
 *   max_dose_ug_24h <= dose_hard_ug_24h, pb_enabled only if the drug allows
 *   patient boluses (PUMP_E_DRUG_LIMIT); max_dose_ug_24h <= dose_soft_ug_24h
 *   unless the clinician confirmed (pump_prescribe_ex with
 *   PUMP_RX_CONFIRM_SOFT_LIMIT; PUMP_E_SOFT_LIMIT). A confirmed prescription
 *   above the soft limit logs SOFT_LIMIT_CONFIRMED (max_dose, soft limit)
 *   before PRESCRIBED. The library is checked when a prescription is
 *   programmed, never again (a stored prescription stays valid).
 *   Stored normalised: unused steps and (when pb_enabled == 0) the pb_*
 *   fields are zeroed. A prescription does not change suspension, a
 *   running bolus, the owed accumulator or the bolus record.
 *
 * 24-h dose limit.  basal_24h_pg = ceil(conc * sum_i(rate_i * minutes_i)
 *   / 1440) (the schedule repeats daily, so every 24-h window of basal holds
 *   this). Each granted bolus is remembered with its mass V * reservoir conc
 *   (at grant) and its end: start + ceil(V*U/Rb) (the BOLUS_END time), or
 *   the time it was cancelled. A grant COUNTS at time t while
 *   end > t - 24h (some of its credit may lie in (t - 24h, t]); a running
 *   bolus always counts. A bolus of volume V requested at time t is granted
 *   only if
 *     basal_24h_pg + sum(mass of grants that count at t)
 *       + V * reservoir conc  <=  max_dose_ug_24h * 1,000,000.
 *   Hence every 24-h window of credited volume stays within the limit (the
 *   check at the window's last grant covered every bolus crediting in it).
 *   Every bolus kind counts (clinician, prime/bridge, patient), at its full
 *   granted mass even if cancelled. The record holds at most
 *   PUMP_BOLUS_HISTORY grants; grants that no longer count are dropped only
 *   when a bolus is granted; a grant when PUMP_BOLUS_HISTORY grants still
 *   count is refused with PUMP_E_COUNT.
 *
 * Boluses.  Volume V (1..capacity) over duration D (1..PUMP_BOLUS_DURATION_MAX_MS).
 *   Its rate is Rb = ceil(V*U / D) nL/day and must be <= PUMP_BOLUS_RATE_MAX_NL_DAY
 *   (else PUMP_E_BOLUS_RANGE). From its start t0 the bolus adds
 *   min(Rb*(t-t0), V*U) units to owed by time t, so it ends at
 *   t0 + ceil(V*U / Rb) <= t0 + D, when its volume has been credited
 *   (BOLUS_END). The volume is then pumped by strokes on top of basal.
 *   Checks (first failure wins): range (PUMP_E_BOLUS_RANGE), no prescription
 *   (PUMP_E_NO_PRESCRIPTION), EOS (PUMP_E_EOS), stall latched
 *   (PUMP_E_STALLED), memory fault (PUMP_E_MEMORY), suspended
 *   (PUMP_E_SUSPENDED), reservoir empty (PUMP_E_EMPTY), a bolus running
 *   (PUMP_E_BOLUS_ACTIVE), record full (PUMP_E_COUNT), dose limit
 *   (PUMP_E_DOSE_LIMIT). Prime/bridge: volume 0 means dead_volume_nl.
 *   Suspension and any halt cancel a running bolus (BOLUS_CANCELLED).
 *
 * Patient bolus.  Uses the prescription's pb_* settings. Checks, first
 *   failure wins: disabled or no prescription (PUMP_E_PB_DISABLED), EOS,
 *   stall, memory, suspended, empty, bolus running (as above), lockout
 *   (now - last granted patient bolus start < pb_lockout_ms: PUMP_E_LOCKOUT),
 *   count (patient boluses granted in (now-24h, now] >= pb_max_per_24h:
 *   PUMP_E_COUNT), record full (PUMP_E_COUNT), dose limit (PUMP_E_DOSE_LIMIT).
 *   Every request logs PATIENT_GRANTED (then BOLUS_START) or PATIENT_DENIED.
 *
 * Battery.  Usable charge battery_nc falls by quiescent_ua nC every ms,
 *   plus the tone current (tone_ua nC/ms while an unacknowledged critical
 *   alarm is active, else tone_ua/2 (floor) while an unacknowledged
 *   non-critical alarm is active — the average of the tone pattern),
 *   plus stroke_nc per stroke attempted (a stalled stroke draws it too),
 *   plus telemetry_byte_nc per byte counted; it saturates at 0.
 *   drain_day = quiescent_ua * U + ceil(daily_volume1440 * stroke_nc /
 *   (1440 * S)) where daily_volume1440 = sum_i(rate_i * minutes_i) of the
 *   prescription (0 without one; suspension does not change it).
 *   ERI margin: eri_threshold = eri_days * (drain_day + tone_ua * U), the
 *   daily drain of the programmed therapy with the full alarm tone on top
 *   (the worst any alarm, ERI's own included, can add), so at that therapy
 *   the pump runs >= eri_days after ERI whether or not anyone acknowledges.
 *   ERI latches (never clears) the first time battery_nc <= eri_threshold;
 *   EOS when battery_nc == 0 (ERI is latched first, at the same instant at
 *   the latest). The stroke that exhausts the battery is still delivered.
 *   days_to_eri = floor((battery_nc - eri_threshold) / drain_day) (the
 *   drain with no tone: an honest prediction while no alarm sounds), 0 once
 *   ERI is latched.
 *
 * After every command that changes the state (prescribe, refill, faults,
 *   telemetry, init) the alarms are re-evaluated at now exactly as at an
 *   event inside advance (ERI latch, bit order, halt -> cancel bolus).
 *   suspend/resume/cancel/ack/configure/set_alarm_resound change no cause
 *   and do not re-evaluate.
 *
 * State (status.state): HALTED if any critical cause (empty, EOS, stall
 *   latched, memory); else SUSPENDED; else STOPPED if no prescription or the
 *   basal rate now is 0 and no bolus runs; else RUNNING.
 *
 * Alarms.  Each bit has a cause:
 *   LOW_RESERVOIR   prescription exists and reservoir_nl <= low_reservoir_nl
 *   RESERVOIR_EMPTY prescription exists and reservoir_nl < stroke_nl
 *   ERI             ERI latched;          EOS  battery_nc == 0
 *   MOTOR_STALL     a stroke failed while a stall fault was present (latched
 *                   until the fault is cleared)
 *   DOSE_LIMIT      raised when a bolus or patient request is refused with
 *                   PUMP_E_DOSE_LIMIT; an event, no lasting cause: its ack
 *                   ends it
 *   MEMORY_ERROR    memory fault present
 *   DRUG_EXPIRED    the reservoir's drug has a stability time D days in the
 *                   drug library and now >= refill time + D x U (a refill
 *                   clears it; non-critical: it re-sounds like LOW_RESERVOIR).
 *                   advance stops at the expiry instant (the tone changes).
 *   THE ALARM RULE (latching and re-sound). Every alarm but DOSE_LIMIT is
 *   active exactly while its cause lasts, acknowledged or not: it is in
 *   status.alarms, in every ALARM frame and in interrogation until the cause
 *   clears. Ack silences the tone only (status.unacked_alarms loses the bit).
 *   A non-critical alarm with a lasting cause (LOW_RESERVOIR, ERI, DRUG_EXPIRED) that was
 *   acked at time a re-sounds at a + R while its cause lasts, R = the
 *   re-sound interval in force at the ack (default 24 h, programmable
 *   1 min..7 days by pump_set_alarm_resound); a critical alarm acked stays
 *   silent until its cause clears.
 *   Raise: cause true and bit not active -> active, unacked, ALARM_RAISED
 *   (bit, 0). Re-sound: bit active, acked, non-critical, now >= a + R ->
 *   unacked, ALARM_RAISED (bit, 1); advance stops at a + R (the tone
 *   current changes there), in bit order with the other alarms. Clear: cause
 *   false -> bit leaves active/acked; ALARM_CLEARED logged if it was active.
 *   Ack(bits): bits must be non-zero and all active (else PUMP_E_ALARM);
 *   each bit logs ALARM_ACKED; acking an acked bit again restarts its R.
 *
 * Implant configuration.  pump_configure_implant(dead_volume_nl): 0..2 mL
 *   (PUMP_E_CONFIG), refused with PUMP_E_THERAPY_ACTIVE while a prescription
 *   exists and the pump is not suspended (checked in that order). The
 *   tubing + catheter are replaced: the FIFO becomes one slug of the new
 *   dead volume at concentration 0 (as at implant); the drug mass it held
 *   is added to catheter_discarded_pg, so pumped_pg == delivered_pg +
 *   in_catheter_pg + catheter_discarded_pg. Logs IMPLANT_CONFIGURED (new,
 *   old dead volume). Prime/bridge volume 0 and every dose-at-tip figure
 *   use the dead volume in force.
 *
 * Refill reconciliation.  A refill may carry the volume withdrawn from the
 *   reservoir before filling (withdrawn_nl 0..capacity, else
 *   PUMP_E_OVERFILL, checked with the volume). expected = reservoir_nl just
 *   before the refill; delivered = pumped_nl since the previous refill
 *   (since implant before the first); discrepancy = |withdrawn - expected|;
 *   tolerance = min(ceil(delivered * 145 / 1000), L) where L = 1 mL on a
 *   20 mL pump, 2 mL on a 40 mL pump (labelled +-14.5 % accuracy, capped by
 *   the discrepancy treated as consequential). Verdict: WITHIN_TOLERANCE if
 *   discrepancy <= tolerance; else POSSIBLE_OVER_INFUSION if withdrawn <
 *   expected (the pump moved more than it counted); else
 *   POSSIBLE_UNDER_INFUSION (under-infusion or occlusion). Logged as
 *   REFILL_RECONCILED (expected, withdrawn) just before REFILL; the
 *   verdict changes no state.
 *
 * Projection (status).  use = ceil(daily_volume1440 / 1440) nL/day + n *
 *   pb_volume_nl where n = patient boluses granted in (now-24h, now]
 *   (days_to_low_reservoir) or n = pb_max_per_24h (every allowed bolus
 *   taken: days_to_low_reservoir_max_use; 0 without patient boluses).
 *   days = floor((reservoir_nl - low_reservoir_nl) / use), 0 at or below
 *   the threshold, UINT32_MAX without a prescription or with use 0.
 *
 * Faults.  inject(MOTOR_STALL): the next stroke attempt fails (nothing
 *   pumped, stroke charge drawn), MOTOR_STALL latches and delivery halts until
 *   clear_fault(MOTOR_STALL). inject(MEMORY): MEMORY_ERROR at once, delivery
 *   halts until cleared. Injecting a present fault is a no-op (PUMP_OK, not
 *   logged); clearing an absent fault is PUMP_E_NO_FAULT.
 *
 * Suspend/resume.  suspend: no prescription -> PUMP_E_NO_PRESCRIPTION,
 *   already suspended -> PUMP_E_SUSPENDED. resume: not suspended ->
 *   PUMP_E_NOT_SUSPENDED; reservoir drug/conc differing from the
 *   prescription -> PUMP_E_DRUG / PUMP_E_CONCENTRATION.
 *
 * Refusals.  Argument errors with a NULL pointer log nothing. Refusals of
 *   prescribe, clinician/prime bolus, patient bolus and refill log one
 *   PRESCRIBE_REFUSED / BOLUS_REFUSED / PATIENT_DENIED / REFILL_REFUSED
 *   entry (data1 = reason); a PUMP_E_DOSE_LIMIT refusal of a bolus also
 *   raises DOSE_LIMIT. Nothing else changes. Other refusals change nothing.
 *
 * Event data (data0, data1) per kind:
 *   INIT (serial, reservoir capacity); RESET (0,0);
 *   PRESCRIBED (daily volume nL = floor(daily_volume1440/1440), max_dose_ug_24h);
 *   PRESCRIBE_REFUSED (0, reason); BOLUS_START (kind, volume nL);
 *   BOLUS_END (kind, volume nL); BOLUS_CANCELLED (kind, cause: 0 = cancel
 *   command, else PUMP_E_SUSPENDED/EMPTY/EOS/STALLED/MEMORY);
 *   BOLUS_REFUSED (kind, reason); PATIENT_GRANTED (patient boluses in the
 *   last 24 h including this one, volume nL); PATIENT_DENIED (0, reason);
 *   SUSPENDED (cause: 0 = command, else PUMP_E_DRUG/PUMP_E_CONCENTRATION, 0);
 *   RESUMED (0,0); REFILL (new volume, discarded nL);
 *   REFILL_REFUSED (0, reason); ALARM_RAISED (bit, 0 = raised, 1 =
 *   re-sounded); ALARM_CLEARED/ACKED (bit, 0); FAULT_INJECTED/CLEARED
 *   (fault, 0); IMPLANT_CONFIGURED (new, old dead volume nL); RESOUND_SET
 *   (new, old interval ms); REFILL_RECONCILED (expected nL, withdrawn nL);
 *   SOFT_LIMIT_CONFIRMED (max_dose_ug_24h, the drug's soft limit ug).
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
#define PUMP_CONC_MAX_UG_ML   100000u     /* 100 mg/mL */
#define PUMP_DOSE_LIMIT_MAX_UG 100000000u /* 100 g per 24 h: a range check, not a dose */
#define PUMP_BOLUS_DURATION_MAX_MS 86400000u  /* 24 h */
#define PUMP_BOLUS_RATE_MAX_NL_DAY 1440000000u /* 1 mL/min: the mechanism's top speed */
#define PUMP_PB_MAX_PER_24H   24u
#define PUMP_BOLUS_HISTORY    64u   /* granted boluses remembered for the 24-h limit */
#define PUMP_MAX_SLUGS        16u   /* catheter FIFO entries */
#define PUMP_LOW_RESERVOIR_DEFAULT_NL 2000000u  /* 2.0 mL */
#define PUMP_CAPACITY_20ML    20000000u
#define PUMP_CAPACITY_40ML    40000000u
#define PUMP_ALARM_BITS       8u    /* alarm bits 0..7 (pump_vocab.h) */
#define PUMP_RESOUND_DEFAULT_MS 86400000u  /* 24 h */
#define PUMP_RESOUND_MIN_MS   60000u       /* 1 min */
#define PUMP_RESOUND_MAX_MS   604800000u   /* 7 days */
#define PUMP_DEAD_VOLUME_MAX_NL 2000000u   /* 2 mL: tubing + the longest catheter */
#define PUMP_CATHETER_MM_MAX  2000u        /* 200 cm */
#define PUMP_CATHETER_NL_PER_CM_MAX 10000u /* 10 uL/cm */
#define PUMP_TUBING_NL_MAX    500000u      /* 0.5 mL */
/* Refill reconciliation: labelled delivery accuracy +-14.5 % (per mille) and
 * the discrepancy treated as potentially consequential (1 mL for a 20 mL
 * pump, 2 mL for a 40 mL pump). */
#define PUMP_ACCURACY_PERMILLE 145u
#define PUMP_RECONCILE_LIMIT_20ML_NL 1000000u
#define PUMP_RECONCILE_LIMIT_40ML_NL 2000000u

/* The pump's names and numbers: pump_result_t (reason codes), pump_state_t,
 * pump_drug_t, PUMP_ALARM_* bits (and which are critical), pump_event_kind_t
 * (with data0/data1 per kind), pump_bolus_kind_t, pump_fault_t. Generated from
 * protocol/vocabulary.json, the one source the wire protocol and the host's
 * Python share; values are wire values: append, never renumber. */
#include "pump_vocab.h"

/* Static text for a reason code (never NULL). */
const char *pump_result_name(int result);
/* Static one-line human explanation of a reason code (never NULL). */
const char *pump_result_text(int result);

typedef struct {
    uint32_t seq;        /* monotonically increasing from 1; never reused */
    uint64_t time_ms;
    uint16_t kind;       /* pump_event_kind_t */
    uint32_t data0;
    uint32_t data1;
} pump_event_t;

/* Fixed per-device configuration (factory settings). Ranges checked by
 * pump_init (PUMP_E_CONFIG): capacity 20 or 40 mL; stroke_nl 10..10,000;
 * dead_volume_nl 0..2,000,000; battery_capacity_nc 1..10^13; quiescent_ua
 * 1..1000; stroke_nc 0..10^6; telemetry_byte_nc 0..10^6; tone_ua 0..100,000;
 * eri_days 1..365. */
typedef struct {
    uint32_t serial;
    uint32_t reservoir_capacity_nl;   /* 20 or 40 mL models */
    uint32_t stroke_nl;               /* volume per motor stroke */
    uint32_t dead_volume_nl;          /* pump tubing + catheter */
    uint64_t battery_capacity_nc;     /* usable charge when new */
    uint32_t quiescent_ua;            /* always-on current */
    uint32_t stroke_nc;               /* charge per stroke */
    uint32_t telemetry_byte_nc;       /* charge per telemetry byte sent or received */
    uint32_t tone_ua;                 /* average extra current while a critical alarm sounds unacked */
    uint32_t eri_days;                /* ERI when charge left lasts <= this many days (90) */
} pump_config_t;

/* Defaults (reasoning in pump.c): 20 mL, 250 nL stroke, 256 µL dead volume,
 * 2.5e12 nC battery, 10 µA quiescent, 40 µC per stroke, 1 µC per telemetry
 * byte, 2 µA tone average, ERI at 90 days: ~7.0 years to ERI at 0.5 mL/day. */
#define PUMP_DEFAULT_STROKE_NL        250u
#define PUMP_DEFAULT_DEAD_VOLUME_NL   256000u
#define PUMP_DEFAULT_BATTERY_NC       2500000000000ull
#define PUMP_DEFAULT_QUIESCENT_UA     10u
#define PUMP_DEFAULT_STROKE_NC        40000u
#define PUMP_DEFAULT_TELEMETRY_BYTE_NC 1000u
#define PUMP_DEFAULT_TONE_UA          2u
#define PUMP_DEFAULT_ERI_DAYS         90u

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
    uint32_t rate_nl_day;           /* basal now + running bolus's rate (0 when not enabled) */
    uint32_t basal_nl_day;          /* the schedule's rate now (0 without prescription) */
    uint32_t reservoir_nl;
    uint64_t pumped_nl;             /* total volume moved by strokes since implant */
    uint64_t delivered_pg;          /* drug mass that left the catheter tip */
    uint64_t battery_nc;            /* usable charge left */
    uint32_t battery_permille;      /* of capacity, floor */
    uint32_t days_to_eri;           /* projected at present prescription; 0 once ERI is reached */
    uint32_t alarms;                /* active PUMP_ALARM_* bits */
    uint32_t unacked_alarms;        /* active and not yet acknowledged */
    uint8_t  bolus_kind;            /* pump_bolus_kind_t running now */
    uint32_t bolus_remaining_nl;    /* V - floor(credited / U) */
    uint16_t drug;                  /* the reservoir's */
    uint32_t conc_ug_ml;            /* the reservoir's */
    uint32_t dose_24h_ug;           /* ceil((basal_24h_pg + grants that count now) / 10^6) */
    uint32_t last_event_seq;        /* 0 if the log is empty */
    /* appended */
    uint64_t strokes;               /* strokes completed since implant */
    uint64_t failed_strokes;        /* stroke attempts that failed (motor stall) */
    uint8_t  eri;                   /* ERI latched */
    uint8_t  suspended;             /* clinician suspension flag (also when HALTED) */
    uint32_t faults;                /* bit (1 << pump_fault_t) per fault present */
    uint32_t low_reservoir_nl;      /* threshold in force */
    uint64_t next_stroke_ms;        /* pump_next_stroke_ms() */
    /* appended (issue 12) */
    uint32_t dead_volume_nl;        /* implant configuration in force */
    uint32_t resound_ms;            /* re-sound interval of acked non-critical alarms */
    uint32_t days_to_low_reservoir; /* at the current use; UINT32_MAX: never (no use) */
    uint32_t days_to_low_reservoir_max_use; /* every allowed patient bolus taken */
    uint64_t refill_ms;             /* time of the last refill (0 before one) */
    uint32_t days_to_drug_expiry;   /* whole days left of the drug's stability; 0 once
                                     * expired; UINT32_MAX: no stability time */
} pump_status_t;

/*
 * The pump. Its layout is in pump_state.h so firmware can allocate it
 * statically (10,400 bytes on the host; the 512-entry event ring is 8 KiB of it); its
 * fields are private to the core's .c files.
 */
typedef struct pump pump_t;
size_t pump_sizeof(void);

/* Initialise a new pump at time 0 with an empty reservoir and no prescription.
 * The pump is untouched if cfg is out of range (PUMP_E_CONFIG). */
int pump_init(pump_t *p, const pump_config_t *cfg);

/* Advance simulated time to to_ms (>= now, else PUMP_E_TIME). */
int pump_advance(pump_t *p, uint64_t to_ms);

/* Time of the next stroke attempt if no command and no alarm intervene
 * (battery exhaustion before it is ignored), or UINT64_MAX if delivery is
 * not enabled or no stroke would ever come. */
uint64_t pump_next_stroke_ms(const pump_t *p);

int pump_prescribe(pump_t *p, const pump_prescription_t *rx);
/* pump_prescribe with flags: PUMP_RX_CONFIRM_SOFT_LIMIT is the clinician's
 * confirmation of a 24-h dose limit above the drug library's soft limit
 * (logged SOFT_LIMIT_CONFIRMED). Other bits: PUMP_E_ARG. */
#define PUMP_RX_CONFIRM_SOFT_LIMIT 1u
int pump_prescribe_ex(pump_t *p, const pump_prescription_t *rx, uint32_t flags);
/* The drug library's row for a drug code (NULL if not a drug code). */
const pump_drug_limits_t *pump_drug_limits(uint16_t drug);
/* Dose programming: µg/day at a concentration -> nL/day, rounded to nearest
 * (halves up): rate = (dose*10^6 + conc/2) / conc. conc 0 or > max ->
 * PUMP_E_CONCENTRATION; result not 0 and outside the rate range ->
 * PUMP_E_RATE_RANGE; *rate_nl_day untouched on error. */
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
/* Refill with reconciliation: withdrawn_nl is the volume the clinician drew
 * from the reservoir before filling (0..capacity, else PUMP_E_OVERFILL), or
 * PUMP_WITHDRAWN_UNKNOWN (then out may be NULL: pump_refill). *out is
 * written when the refill succeeds with a withdrawn volume. */
#define PUMP_WITHDRAWN_UNKNOWN UINT32_MAX
#define PUMP_REFILL_WITHIN_TOLERANCE        0u
#define PUMP_REFILL_POSSIBLE_OVER_INFUSION  1u   /* less withdrawn than expected */
#define PUMP_REFILL_POSSIBLE_UNDER_INFUSION 2u   /* more withdrawn: under-infusion or occlusion */
typedef struct {
    uint32_t expected_nl;     /* the reservoir the pump computed, before the refill */
    uint32_t withdrawn_nl;
    uint32_t discrepancy_nl;  /* |withdrawn - expected| */
    uint32_t delivered_nl;    /* pumped since the previous refill */
    uint32_t tolerance_nl;    /* min(ceil(14.5 % of delivered), 1 or 2 mL) */
    uint8_t  verdict;         /* PUMP_REFILL_* */
} pump_reconcile_t;
int pump_refill_reconciled(pump_t *p, uint32_t volume_nl, uint16_t drug, uint32_t conc_ug_ml,
                           uint32_t withdrawn_nl, pump_reconcile_t *out);
int pump_ack_alarm(pump_t *p, uint32_t alarm_bits);
/* Re-sound interval of acknowledged non-critical alarms, PUMP_RESOUND_MIN_MS..
 * PUMP_RESOUND_MAX_MS (else PUMP_E_LIMIT_RANGE); applies to later acks. */
int pump_set_alarm_resound(pump_t *p, uint32_t interval_ms);
/* Implant configuration: the pump tubing + catheter dead volume, 0..
 * PUMP_DEAD_VOLUME_MAX_NL (else PUMP_E_CONFIG). Refused with
 * PUMP_E_THERAPY_ACTIVE while a prescription exists and the pump is not
 * suspended. */
int pump_configure_implant(pump_t *p, uint32_t dead_volume_nl);
/* Dead volume of a catheter trimmed to length_mm (1..2000) at nl_per_cm
 * (1..10,000; 2.6 uL/cm = 2600) plus the pump tubing (0..500,000 nL):
 * tubing + ceil(length_mm * nl_per_cm / 10); PUMP_E_CONFIG if an input or
 * the result (> PUMP_DEAD_VOLUME_MAX_NL) is out of range. */
int pump_dead_volume_from_catheter(uint32_t length_mm, uint32_t nl_per_cm, uint32_t tubing_nl,
                                   uint32_t *dead_volume_nl);
int pump_inject_fault(pump_t *p, uint8_t fault);   /* pump_fault_t */
int pump_clear_fault(pump_t *p, uint8_t fault);
/* Count telemetry bytes for the battery model (charged at the present time). */
void pump_count_telemetry(pump_t *p, uint32_t bytes);
/* Log a restart from saved state. */
void pump_note_reset(pump_t *p);

void pump_get_status(const pump_t *p, pump_status_t *out);
int  pump_get_config(const pump_t *p, pump_config_t *out);
int  pump_get_prescription(const pump_t *p, pump_prescription_t *out);

/* Event log: entries with seq >= from_seq, oldest first, at most max.
 * Returns how many were written; *first_available (may be NULL) is the
 * oldest seq the ring still holds (next seq to be written if empty), so a
 * reader can tell how many it missed. */
uint32_t pump_read_events(const pump_t *p, uint32_t from_seq, pump_event_t *out,
                          uint32_t max, uint32_t *first_available);

/* Snapshot: versioned, CRC-protected, little-endian byte image of the whole
 * state (field order in pump_snap.c): "PUMP", u16 version (1), u16 0,
 * u32 total size (10,911 bytes for version 5; 10,903 for version 4 and
 * 10,823 for version 3, which still load: see pump_snap.c migrate_v3/v4), fields..., CRC-32 (IEEE
 * 802.3, reflected, as zlib.crc32) of everything before it. Load checks
 * size (PUMP_E_SNAPSHOT_SIZE), magic, version, CRC, then every invariant
 * (pump_check: PUMP_E_SNAPSHOT_INVALID) before touching p; it needs
 * sizeof(pump_t) (10,400 bytes) of stack. Equal states give equal images. */
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
    uint64_t catheter_discarded_pg; /* drug mass in catheters replaced by pump_configure_implant */
} pump_balance_t;
void pump_get_balance(const pump_t *p, pump_balance_t *out);

/* Check every invariant of the state: PUMP_OK or PUMP_E_SNAPSHOT_INVALID. */
int pump_check(const pump_t *p);
/* CRC-32 (IEEE, as zlib.crc32) used by the snapshot; exposed for the other layers. */
uint32_t pump_crc32(uint32_t crc, const uint8_t *buf, size_t len);

#include "pump_state.h"

#endif /* PYEMU_PUMP_H */
