/*
 * plant.h — the physical plant of a test bench: the mechanism, the catheter,
 * the refill needle and a magnetic field, between the dosing core's strokes
 * and the patient.
 *
 * The core (firmware/core) knows only what a real firmware knows: the strokes
 * it commanded, the motor's feedback (a stall) and its own arithmetic. The
 * plant holds the truth: what is really in the reservoir, the drug mass that
 * reached the intrathecal space, the mass that went to the pocket/tissue and
 * the mass backed up behind an occlusion. With no fault the plant agrees with
 * the core exactly (reservoir, mass at the tip). Same rules as the core: C99,
 * integer units (nL, pg, ppm, ms), no dynamic memory, bounded loops, every
 * limit checked here.
 *
 * The device (firmware/device, bench mode = test features) drives it: after
 * every step of the core's time it calls plant_move with the core's running
 * totals (pumped nL, delivered pg); on every accepted refill plant_refill; on
 * PLANT_FAULT plant_inject/plant_clear; it reads plant_next_ms to split the
 * core's time at the plant's own instants (drift days, scan end, recovery)
 * and turns the plant's requests (stall / run) into the core's motor fault.
 *
 * ----------------------------------------------------------------------
 * MODEL (the contract; docs/plant.md has the reasoning)
 * ----------------------------------------------------------------------
 * Mechanism. Each commanded stroke of S nL moves S x factor from the real
 * reservoir, factor in ppm (1,000,000 = exact; 0..2,000,000). A drifting
 * factor moves linearly from value to target over duration_ms and stays at
 * target after; it is evaluated at the start of each step and the device
 * makes steps of at most one day while it drifts ("per day"). Volumes are
 * exact: the sub-nL remainder of S x factor / 10^6 is carried. A reservoir
 * that is really empty moves what is left, then nothing: the firmware still
 * counts strokes (silent run-dry).
 *
 * Mass. The core's catheter model (the FIFO of the dead volume) gives the
 * mass that left the tip for the commanded volume; the plant scales it by
 * real / commanded volume of the step (the transit is the firmware's; only
 * the amount differs). That mass then goes, by catheter state:
 *   PATENT        to the intrathecal space;
 *   LEAKING p     p ppm to the tissue, the rest intrathecal;
 *   DISCONNECTED  all to the tissue;
 *   OCCLUDED      nowhere: it backs up (held_pg) and reaches neither; the
 *                 reservoir still drains (the catheter and pocket take the
 *                 volume). With stall_after N > 0 the motor stalls once N
 *                 strokes have run against the occlusion (the firmware sees
 *                 MOTOR_STALL); N = 0: it never stalls (loss of effect only).
 *                 Clearing the occlusion lets the motor run again; the held
 *                 mass stays held (never delivered as a bolus).
 *   The catheter has one state: a new catheter fault (occlusion, leak,
 *   disconnection) replaces the present one.
 *
 * Refill needle. Every refill first empties the real reservoir (as the
 * core's refill does). POCKET_FILL armed: the next refill's drug goes to the
 * pocket (tissue_pg += volume x conc) and the real reservoir stays empty;
 * the fault is then spent (one refill).
 *
 * MRI. From injection for duration_ms the motor is stalled (the device sets
 * the core's MOTOR_STALL fault: the firmware sees its strokes fail). At the
 * end of the scan (logged MRI_ENDED) recovery follows its rule: IMMEDIATE
 * then; DELAY delay_ms later; INTERROGATION at the first HELLO, GET_STATUS
 * or GET_STATUS_EXT after the scan (plant_interrogated). Recovery (logged
 * MRI_RECOVERED) clears the core's stall fault.
 *
 * Units and overflow: volumes u32 nL (a reservoir <= 40 mL), totals u64.
 * A step moves at most the core's capacity (no refill inside a step) so
 * cmd_nl < 2^32 and cmd_nl x factor < 2^32 x 2^21 = 2^53; masses are scaled
 * as q x r + (rem x r) / d with rem < d < 2^32 and r < 2^32, so no product
 * exceeds 2^64.
 */
#ifndef PYEMU_PLANT_H
#define PYEMU_PLANT_H

#include <stddef.h>
#include <stdint.h>

#include "pump_vocab.h"

#define PLANT_PPM               1000000u
#define PLANT_FACTOR_MAX_PPM    2000000u     /* +100 % */
#define PLANT_STALL_AFTER_MAX   10000u       /* strokes */
#define PLANT_MRI_MIN_MS        60000u       /* 1 min */
#define PLANT_MRI_MAX_MS        86400000u    /* 24 h */
#define PLANT_MRI_DELAY_MAX_MS  604800000u   /* 7 days */
#define PLANT_DAY_MS            86400000u
#define PLANT_IMAGE_LEN         121u         /* bytes of plant_save */

/* Return codes (the device maps them to wire reasons). */
#define PLANT_OK            0
#define PLANT_E_KIND        1    /* not a plant fault */
#define PLANT_E_PARAM       2    /* a parameter out of range */
#define PLANT_E_NO_FAULT    3    /* clearing a fault that is not present */
#define PLANT_E_STATE       4    /* inconsistent totals or image (a defect or corrupt image) */

/* MRI state */
#define PLANT_MRI_NONE      0u
#define PLANT_MRI_SCANNING  1u
#define PLANT_MRI_WAITING   2u   /* scan over, the motor waits for its recovery */

/* What plant_move/plant_tick ask of the motor (the core's stall fault). */
#define PLANT_MOTOR_KEEP    0u
#define PLANT_MOTOR_STALL   1u
#define PLANT_MOTOR_RUN     2u

typedef struct {
    /* truth */
    uint32_t reservoir_nl;       /* really in the reservoir */
    uint32_t conc_ug_ml;         /* of what is really there (1 ug/mL = 1 pg/nL) */
    uint64_t intrathecal_pg;
    uint64_t tissue_pg;
    uint64_t held_pg;
    uint64_t moved_nl;           /* really moved by the mechanism */
    /* mechanism */
    uint32_t factor_ppm;         /* at flow_start_ms */
    uint32_t target_ppm;
    uint32_t drift_ms;           /* 0: constant */
    uint64_t flow_start_ms;
    uint32_t rem;                /* carried remainder of cmd x factor, < PLANT_PPM */
    /* catheter */
    uint8_t  catheter;           /* plant_catheter_t */
    uint32_t leak_ppm;
    uint32_t stall_after;
    uint32_t occluded_strokes;   /* saturates at stall_after's max + 1 */
    uint8_t  occlusion_stalled;
    /* refill needle */
    uint8_t  pocket_fill;
    /* MRI */
    uint8_t  mri;
    uint8_t  mri_recovery;       /* plant_mri_recovery_t */
    uint64_t mri_start_ms;
    uint64_t mri_end_ms;
    uint32_t mri_delay_ms;
    /* the core's totals at the last plant_move */
    uint64_t seen_pumped_nl;
    uint64_t seen_delivered_pg;
    uint32_t faults;             /* bit (1 << fault) per plant fault present */
} plant_t;

/* A patent, error-free plant with an empty reservoir (a new pump). */
void plant_init(plant_t *pl);
/* A patent, error-free plant that agrees with the core's figures (a device
 * image without a plant block). */
void plant_mirror(plant_t *pl, uint32_t reservoir_nl, uint32_t conc_ug_ml,
                  uint64_t pumped_nl, uint64_t delivered_pg);

/* Flow factor in force at now_ms (ppm). */
uint32_t plant_factor_ppm(const plant_t *pl, uint64_t now_ms);

/*
 * The core moved from step_start_ms to its present time; pumped_nl and
 * delivered_pg are its running totals. Applies the step. *motor: what the
 * motor must do now (PLANT_MOTOR_*). PLANT_E_STATE if a total went back or a
 * step exceeds 2^32 nL (nothing changes then).
 */
int plant_move(plant_t *pl, uint64_t step_start_ms, uint64_t pumped_nl, uint64_t delivered_pg,
               uint32_t stroke_nl, uint8_t *motor);

/* The plant's next instant after now_ms at which the device must stop the
 * core (drift day, end of scan, end of a recovery delay), or UINT64_MAX. */
uint64_t plant_next_ms(const plant_t *pl, uint64_t now_ms);

/* Time reached now_ms (the device stops the core there): scan end, recovery.
 * *motor as plant_move; *event / *d0 / *d1: an event to log (0 none), and
 * *event2 / *e0 / *e1 a second one (MRI_ENDED then MRI_RECOVERED). */
typedef struct {
    uint8_t  motor;
    uint16_t kind[2];
    uint32_t data0[2];
    uint32_t data1[2];
} plant_effect_t;
void plant_tick(plant_t *pl, uint64_t now_ms, plant_effect_t *fx);

/* A programmer interrogated the pump (HELLO, GET_STATUS, GET_STATUS_EXT). */
void plant_interrogated(plant_t *pl, uint64_t now_ms, plant_effect_t *fx);

/* An accepted refill of volume_nl at conc_ug_ml. Returns 1 if it went to the pocket. */
int plant_refill(plant_t *pl, uint32_t volume_nl, uint32_t conc_ug_ml);

/* PLANT_FAULT (plant.h MODEL; messages.json for the fields). *fx: the
 * motor's change and events to log. */
int plant_inject(plant_t *pl, uint8_t fault, uint32_t value, uint32_t target, uint32_t duration_ms,
                 uint32_t delay_ms, uint64_t now_ms, plant_effect_t *fx);
int plant_clear(plant_t *pl, uint8_t fault, uint64_t now_ms, plant_effect_t *fx);

/* Image: PLANT_IMAGE_LEN bytes, little-endian, field order of plant_t. */
void plant_save(const plant_t *pl, uint8_t buf[PLANT_IMAGE_LEN]);
/* PLANT_OK, or PLANT_E_STATE if a field is out of range (*pl untouched). */
int plant_load(plant_t *pl, const uint8_t buf[PLANT_IMAGE_LEN]);

#endif /* PYEMU_PLANT_H */
