/*
 * therapy_msgs.h — the therapy the device tests and the device fuzzer set up
 * before their requests: a 20 mL refill of morphine 1 mg/mL, then 0.5 mL/day
 * with patient boluses (50 uL over 10 min, 1 h lockout, 4 a day), 10 mg/24 h.
 * One definition, so the tests and the fuzzer start from the same pump.
 */
#ifndef PYEMU_TEST_THERAPY_MSGS_H
#define PYEMU_TEST_THERAPY_MSGS_H

#include <string.h>

#include "proto_msgs.h"

static inline void therapy_refill_msg(proto_msg_t *m)
{
    (void)memset(m, 0, sizeof *m);
    m->refill.volume_nl = 20000000u;
    m->refill.drug = (uint8_t)PROTO_DRUG_MORPHINE;
    m->refill.conc_ug_ml = 1000u;
}

static inline void therapy_prescribe_msg(proto_msg_t *m)
{
    (void)memset(m, 0, sizeof *m);
    m->prescribe.drug = (uint8_t)PROTO_DRUG_MORPHINE;
    m->prescribe.conc_ug_ml = 1000u;
    m->prescribe.max_dose_ug_24h = 10000u;
    m->prescribe.low_reservoir_nl = 2000000u;
    m->prescribe.pb_enabled = 1u;
    m->prescribe.pb_volume_nl = 50000u;
    m->prescribe.pb_duration_ms = 600000u;
    m->prescribe.pb_lockout_ms = 3600000u;
    m->prescribe.pb_max_per_24h = 4u;
    m->prescribe.step_unit = (uint8_t)PROTO_STEP_UNIT_RATE_NL_DAY;
    m->prescribe.n_steps = 1u;
    m->prescribe.steps[0].start_min = 0u;
    m->prescribe.steps[0].value = 500000u;
}

#endif /* PYEMU_TEST_THERAPY_MSGS_H */
