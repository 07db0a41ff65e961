/*
 * device_plant.c — the device drives the physical plant (device.h, PHYSICAL
 * PLANT): time in steps that stop at the plant's instants, the plant's motor
 * requests as the core's MOTOR_STALL fault, its events in the core's log.
 */
#include <string.h>

#include "device.h"
#include "device_int.h"
#include "pump_internal.h"

const plant_t *device_plant(const device_t *d)
{
    return (d == NULL) ? NULL : &d->plant;
}

/* The motor request and events of one plant effect. */
int device_plant_effect(device_t *d, const plant_effect_t *fx)
{
    pump_status_t st;
    uint32_t i;
    int rc = PUMP_OK;

    for (i = 0u; i < 2u; i++) {
        if (fx->kind[i] != 0u) {
            pump__log(&d->pump, fx->kind[i], fx->data0[i], fx->data1[i]);
        }
    }
    if (fx->motor == PLANT_MOTOR_STALL) {
        rc = pump_inject_fault(&d->pump, (uint8_t)PUMP_FAULT_MOTOR_STALL);   /* no-op if present */
    } else if (fx->motor == PLANT_MOTOR_RUN) {
        pump_get_status(&d->pump, &st);
        if ((st.faults & (1u << PUMP_FAULT_MOTOR_STALL)) != 0u) {
            rc = pump_clear_fault(&d->pump, (uint8_t)PUMP_FAULT_MOTOR_STALL);
        }
    } else {
        /* PLANT_MOTOR_KEEP */
    }
    return rc;
}

/* The plant takes the core's totals after a step that began at start_ms. */
static int plant_sync(device_t *d, uint64_t start_ms)
{
    pump_balance_t b;
    pump_config_t cfg;
    plant_effect_t fx;
    int rc;

    pump_get_balance(&d->pump, &b);
    rc = pump_get_config(&d->pump, &cfg);
    if (rc != PUMP_OK) {
        return rc;
    }
    (void)memset(&fx, 0, sizeof fx);
    if (plant_move(&d->plant, start_ms, b.pumped_nl, b.delivered_pg, cfg.stroke_nl, &fx.motor) != PLANT_OK) {
        return DEVICE_E_INTERNAL;
    }
    return device_plant_effect(d, &fx);
}

int device_advance(device_t *d, uint64_t to_ms)
{
    uint32_t i;

    if (d == NULL) {
        return DEVICE_E_ARG;
    }
    for (i = 0u; i < DEVICE_PLANT_MAX_STEPS; i++) {
        uint64_t now = device_now_ms(d);
        uint64_t step = plant_next_ms(&d->plant, now);
        plant_effect_t fx;
        int rc;

        if (step > to_ms) {
            step = to_ms;
        }
        /* Towards an occlusion stall: stroke by stroke, so the motor stalls
         * at the stroke that reaches the count (at most stall_after steps). */
        if (d->plant.catheter == (uint8_t)PLANT_CATHETER_OCCLUDED && d->plant.stall_after > 0u &&
            d->plant.occlusion_stalled == 0u) {
            uint64_t ns = pump_next_stroke_ms(&d->pump);
            if (ns > now && ns < step) {
                step = ns;
            }
        }
        rc = pump_advance(&d->pump, step);
        if (rc != PUMP_OK) {
            return rc;
        }
        rc = plant_sync(d, now);
        if (rc != PUMP_OK) {
            return rc;
        }
        plant_tick(&d->plant, step, &fx);
        rc = device_plant_effect(d, &fx);
        if (rc != PUMP_OK) {
            return rc;
        }
        if (step >= to_ms) {
            return DEVICE_OK;
        }
    }
    return DEVICE_E_INTERNAL;   /* the bound above is a proof obligation, not a limit in use */
}

void device_plant_interrogated(device_t *d)
{
    plant_effect_t fx;

    plant_interrogated(&d->plant, device_now_ms(d), &fx);
    /* Clearing a stall fault the core holds cannot fail; a failure would be a defect. */
    if (device_plant_effect(d, &fx) != PUMP_OK) {
        PUMP_ASSERT(0);
    }
}
