/*
 * device_dispatch.c — one intact frame in, one reply queued: checks, the
 * reply cache, the clock-mode and test-feature gates, and a handler per
 * request that calls the dosing core (rules in device.h and protocol/spec.md).
 */
#include <string.h>

#include "device.h"
#include "device_int.h"
#include "proto_msgs.h"
#include "pump_internal.h"   /* pump__log: CLOCK_SET is logged by this layer */

#define DEVICE_MODEL_20ML "PYEMU-IT20"
#define DEVICE_MODEL_40ML "PYEMU-IT40"
#define DEVICE_EVENTS_PAGE 9u  /* EVENTS.events max_count */

/* A reply being built: message type and encoded payload. */
typedef struct {
    uint8_t type;
    size_t  len;
    uint8_t payload[PROTO_MAX_PAYLOAD];
} reply_t;

typedef void (*handler_t)(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r);

typedef struct {
    uint8_t   type;
    uint8_t   cached;    /* 1: may change state: remembered, dirties the state */
    handler_t fn;
} route_t;

/* ---- replies --------------------------------------------------------------- */

static void reply_nak(reply_t *r, uint8_t req_type, int reason)
{
    proto_msg_t m;

    /* Reasons on the wire are 1..255; a core code is 1..127. */
    m.nak.req_type = req_type;
    m.nak.reason = (uint8_t)((reason > 0 && reason <= 255) ? reason : (int)PUMP_E_ARG);
    r->type = (uint8_t)PROTO_MSG_NAK;
    r->len = 0u;
    if (proto_encode_nak(&m.nak, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;   /* cannot happen: fixed 2-byte payload */
    }
}

/* ACK if the core accepted, else NAK with the core's reason. */
static void reply_result(reply_t *r, uint8_t req_type, int rc)
{
    proto_msg_t m;

    if (rc != PUMP_OK) {
        reply_nak(r, req_type, rc);
        return;
    }
    m.ack.req_type = req_type;
    r->type = (uint8_t)PROTO_MSG_ACK;
    r->len = 0u;
    if (proto_encode_ack(&m.ack, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;
    }
}

static void reply_status(const device_t *d, reply_t *r)
{
    r->type = (uint8_t)PROTO_MSG_STATUS;
    r->len = device_status_payload(d, r->payload);
}

/* ---- handlers -------------------------------------------------------------- */

static void on_hello(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    proto_hello_info_t h;
    pump_config_t cfg;
    const char *model;

    (void)req_type;
    (void)m;
    (void)memset(&h, 0, sizeof h);
    if (pump_get_config(&d->pump, &cfg) != PUMP_OK) {
        (void)memset(&cfg, 0, sizeof cfg);   /* cannot happen: d->pump is initialised */
    }
    model = (cfg.reservoir_capacity_nl == PUMP_CAPACITY_40ML) ? DEVICE_MODEL_40ML : DEVICE_MODEL_20ML;
    h.protocol_version = (uint8_t)PROTO_VERSION;
    h.schema_crc = proto_schema_crc();
    (void)strncpy(h.model, model, sizeof h.model - 1u);
    h.serial = cfg.serial;
    h.fw_major = (uint8_t)DEVICE_FW_MAJOR;
    h.fw_minor = (uint8_t)DEVICE_FW_MINOR;
    h.fw_patch = (uint8_t)DEVICE_FW_PATCH;
    h.capabilities = (uint16_t)(((d->opt.test_features != 0u) ? PROTO_CAPABILITY_BITS_FAULT_INJECTION : 0u) |
                                ((d->opt.clock_mode == DEVICE_CLOCK_MANUAL) ? PROTO_CAPABILITY_BITS_TEST_CLOCK : 0u) |
                                ((device_provisioned(d) != 0) ? PROTO_CAPABILITY_BITS_AUTH : 0u));
    h.clock_mode = d->opt.clock_mode;
    h.clock_speed = d->opt.clock_speed;
    h.reservoir_capacity_nl = cfg.reservoir_capacity_nl;
    h.max_payload = (uint8_t)PROTO_MAX_PAYLOAD;
    r->type = (uint8_t)PROTO_MSG_HELLO_INFO;
    r->len = 0u;
    if (proto_encode_hello_info(&h, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;
    }
    device_plant_interrogated(d);   /* after the reply: device.h, PHYSICAL PLANT */
}

static void on_get_status(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    (void)req_type;
    (void)m;
    reply_status(d, r);
    device_plant_interrogated(d);
}

/*
 * Wire prescription -> core prescription. A dose that does not convert to a
 * rate is handed to the core as an out-of-range rate, so the core still
 * applies its checks in its order, logs the refusal and names the reason
 * (E_CONCENTRATION or E_RATE_RANGE, unless an earlier check fails first).
 */
static void to_prescription(const proto_prescribe_t *w, pump_prescription_t *rx)
{
    uint32_t i;
    uint32_t n = (w->n_steps <= PUMP_MAX_STEPS) ? w->n_steps : PUMP_MAX_STEPS;

    (void)memset(rx, 0, sizeof *rx);
    rx->drug = w->drug;
    rx->conc_ug_ml = w->conc_ug_ml;
    rx->n_steps = (uint8_t)n;
    for (i = 0u; i < n; i++) {
        uint32_t rate = w->steps[i].value;
        if (w->step_unit == PROTO_STEP_UNIT_DOSE_UG_DAY &&
            pump_dose_to_rate(w->steps[i].value, w->conc_ug_ml, &rate) != PUMP_OK) {
            rate = UINT32_MAX;
        }
        rx->steps[i].start_min = w->steps[i].start_min;
        rx->steps[i].rate_nl_day = rate;
    }
    rx->max_dose_ug_24h = w->max_dose_ug_24h;
    rx->low_reservoir_nl = w->low_reservoir_nl;
    rx->pb_enabled = w->pb_enabled;
    rx->pb_volume_nl = w->pb_volume_nl;
    rx->pb_duration_ms = w->pb_duration_ms;
    rx->pb_lockout_ms = w->pb_lockout_ms;
    rx->pb_max_per_24h = w->pb_max_per_24h;
}

static void on_prescribe(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    pump_prescription_t rx;

    to_prescription(&m->prescribe, &rx);
    reply_result(r, req_type, pump_prescribe(&d->pump, &rx));
}

/* PRESCRIBE_CONFIRM: the same fields after the confirmation byte (the codec
 * checked it is 0 or 1); copied into a PRESCRIBE so one conversion serves both. */
static void on_prescribe_confirm(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    const proto_prescribe_confirm_t *c = &m->prescribe_confirm;
    proto_prescribe_t w;
    pump_prescription_t rx;
    uint32_t i;
    uint32_t n = (c->n_steps <= PUMP_MAX_STEPS) ? c->n_steps : PUMP_MAX_STEPS;

    (void)memset(&w, 0, sizeof w);
    w.drug = c->drug;
    w.conc_ug_ml = c->conc_ug_ml;
    w.max_dose_ug_24h = c->max_dose_ug_24h;
    w.low_reservoir_nl = c->low_reservoir_nl;
    w.pb_enabled = c->pb_enabled;
    w.pb_volume_nl = c->pb_volume_nl;
    w.pb_duration_ms = c->pb_duration_ms;
    w.pb_lockout_ms = c->pb_lockout_ms;
    w.pb_max_per_24h = c->pb_max_per_24h;
    w.step_unit = c->step_unit;
    w.n_steps = (uint8_t)n;
    for (i = 0u; i < n; i++) {
        w.steps[i].start_min = c->steps[i].start_min;
        w.steps[i].value = c->steps[i].value;
    }
    to_prescription(&w, &rx);
    reply_result(r, req_type, pump_prescribe_ex(&d->pump, &rx,
                                                (c->confirm_soft_limit != 0u) ? PUMP_RX_CONFIRM_SOFT_LIMIT : 0u));
}

static void on_clinician_bolus(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    reply_result(r, req_type, pump_clinician_bolus(&d->pump, m->clinician_bolus.volume_nl,
                                                   m->clinician_bolus.duration_ms));
}

static void on_prime_bolus(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    reply_result(r, req_type, pump_prime_bolus(&d->pump, m->prime_bolus.volume_nl,
                                               m->prime_bolus.duration_ms));
}

static void on_patient_bolus(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    (void)m;
    reply_result(r, req_type, pump_patient_bolus(&d->pump));
}

static void on_cancel_bolus(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    (void)m;
    reply_result(r, req_type, pump_cancel_bolus(&d->pump));
}

static void on_suspend(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    (void)m;
    reply_result(r, req_type, pump_suspend(&d->pump));
}

static void on_resume(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    (void)m;
    reply_result(r, req_type, pump_resume(&d->pump));
}

static void on_refill(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    int res = pump_refill(&d->pump, m->refill.volume_nl, m->refill.drug, m->refill.conc_ug_ml);

    if (res == PUMP_OK) {
        (void)plant_refill(&d->plant, m->refill.volume_nl, m->refill.conc_ug_ml);  /* 1: pocket */
    }
    reply_result(r, req_type, res);
}

static void on_refill_reconcile(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    pump_reconcile_t rc;
    proto_refill_result_t out;
    int res;

    uint32_t withdrawn = m->refill_reconcile.withdrawn_nl;

    /* The core's "unknown" marker is not a volume on the wire: refused as
     * above the capacity, like any other too large withdrawn volume. */
    if (withdrawn == PUMP_WITHDRAWN_UNKNOWN) {
        withdrawn = PUMP_WITHDRAWN_UNKNOWN - 1u;
    }
    (void)memset(&rc, 0, sizeof rc);
    res = pump_refill_reconciled(&d->pump, m->refill_reconcile.volume_nl, m->refill_reconcile.drug,
                                 m->refill_reconcile.conc_ug_ml, withdrawn, &rc);
    if (res != PUMP_OK) {
        reply_nak(r, req_type, res);
        return;
    }
    (void)plant_refill(&d->plant, m->refill_reconcile.volume_nl, m->refill_reconcile.conc_ug_ml);
    out.expected_nl = rc.expected_nl;
    out.withdrawn_nl = rc.withdrawn_nl;
    out.discrepancy_nl = rc.discrepancy_nl;
    out.delivered_nl = rc.delivered_nl;
    out.tolerance_nl = rc.tolerance_nl;
    out.verdict = rc.verdict;
    r->type = (uint8_t)PROTO_MSG_REFILL_RESULT;
    r->len = 0u;
    if (proto_encode_refill_result(&out, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;   /* cannot happen: fixed 21-byte payload, verdict 0..2 */
    }
}

static void on_configure_implant(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    const proto_configure_implant_t *c = &m->configure_implant;
    uint32_t dead = c->dead_volume_nl;
    int res = PUMP_OK;

    if (c->catheter_length_mm != 0u) {
        if (c->dead_volume_nl != 0u) {
            reply_nak(r, req_type, PROTO_NAK_BAD_FIELD);   /* both ways given: ambiguous */
            return;
        }
        res = pump_dead_volume_from_catheter(c->catheter_length_mm, c->catheter_nl_per_cm,
                                             c->tubing_nl, &dead);
    }
    if (res == PUMP_OK) {
        res = pump_configure_implant(&d->pump, dead);
    }
    reply_result(r, req_type, res);
}

static void on_set_alarm_resound(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    reply_result(r, req_type, pump_set_alarm_resound(&d->pump, m->set_alarm_resound.interval_ms));
}

static void on_get_status_ext(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    pump_status_t st;
    proto_status_ext_t out;

    (void)req_type;
    (void)m;
    pump_get_status(&d->pump, &st);
    out.now_ms = st.now_ms;
    out.dead_volume_nl = st.dead_volume_nl;
    out.resound_ms = st.resound_ms;
    out.days_to_low_reservoir = st.days_to_low_reservoir;
    out.days_to_low_reservoir_max_use = st.days_to_low_reservoir_max_use;
    out.unacked_alarms = st.unacked_alarms;
    r->type = (uint8_t)PROTO_MSG_STATUS_EXT;
    r->len = 0u;
    if (proto_encode_status_ext(&out, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;   /* cannot happen: fixed payload */
    }
    device_plant_interrogated(d);
}

static void on_get_drug_status(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    pump_status_t st;
    proto_drug_status_t out;
    const pump_drug_limits_t *lim;

    (void)req_type;
    (void)m;
    pump_get_status(&d->pump, &st);
    lim = pump_drug_limits(st.drug);
    out.now_ms = st.now_ms;
    out.drug = (uint8_t)st.drug;   /* drug codes < PUMP_DRUG_COUNT (checked at refill) */
    out.conc_ug_ml = st.conc_ug_ml;
    out.refill_ms = st.refill_ms;
    out.stability_days = (lim != NULL) ? lim->stability_days : 0u;
    out.days_to_drug_expiry = st.days_to_drug_expiry;
    r->type = (uint8_t)PROTO_MSG_DRUG_STATUS;
    r->len = 0u;
    if (proto_encode_drug_status(&out, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;   /* cannot happen: fixed payload */
    }
}

static void on_ack_alarm(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    reply_result(r, req_type, pump_ack_alarm(&d->pump, m->ack_alarm.alarm_bits));
}

static void on_read_events(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    pump_event_t ev[DEVICE_EVENTS_PAGE];
    proto_events_t e;
    pump_status_t st;
    uint32_t first = 0u;
    uint32_t max = m->read_events.max_count;
    uint32_t n;
    uint32_t i;

    (void)req_type;
    if (max > DEVICE_EVENTS_PAGE) {
        max = DEVICE_EVENTS_PAGE;   /* the codec already limits it to 9 */
    }
    n = pump_read_events(&d->pump, m->read_events.from_seq, ev, max, &first);
    pump_get_status(&d->pump, &st);
    (void)memset(&e, 0, sizeof e);
    e.newest_seq = st.last_event_seq;
    e.first_available = (st.last_event_seq == 0u) ? 0u : first;   /* 0 if empty */
    e.n_events = (uint8_t)n;
    for (i = 0u; i < n && i < DEVICE_EVENTS_PAGE; i++) {
        e.events[i].seq = ev[i].seq;
        e.events[i].time_ms = ev[i].time_ms;
        e.events[i].kind = ev[i].kind;
        e.events[i].data0 = ev[i].data0;
        e.events[i].data1 = ev[i].data1;
    }
    r->type = (uint8_t)PROTO_MSG_EVENTS;
    r->len = 0u;
    if (proto_encode_events(&e, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;
    }
}

/* Wall clock: remember unix_ms at the present device time; log CLOCK_SET
 * with data0/data1 = low/high 32 bits of unix_ms. Device time does not move. */
static void on_set_clock(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    uint64_t unix_ms = m->set_clock.unix_ms;

    d->wall_set = 1u;
    d->wall_unix_ms = unix_ms;
    d->wall_device_ms = device_now_ms(d);
    pump__log(&d->pump, (uint16_t)PUMP_EV_CLOCK_SET, (uint32_t)(unix_ms & 0xFFFFFFFFu),
              (uint32_t)(unix_ms >> 32));
    reply_result(r, req_type, PUMP_OK);
}

static void on_advance(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    uint64_t now = device_now_ms(d);
    uint64_t delta = m->advance.delta_ms;
    int rc;

    /* The core keeps time below 2^63; refuse a sum that would wrap. */
    if (delta > UINT64_MAX - now) {
        reply_nak(r, req_type, PUMP_E_TIME);
        return;
    }
    rc = device_advance(d, now + delta);
    if (rc != PUMP_OK) {
        reply_nak(r, req_type, rc);
        return;
    }
    reply_status(d, r);
}

static void on_inject_fault(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    int rc = (m->inject_fault.action == PROTO_FAULT_ACTION_CLEAR)
             ? pump_clear_fault(&d->pump, m->inject_fault.fault)
             : pump_inject_fault(&d->pump, m->inject_fault.fault);

    reply_result(r, req_type, rc);
}

/* PLANT_FAULT: the plant's codes as wire reasons (messages.json). */
static void on_plant_fault(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    const proto_plant_fault_t *f = &m->plant_fault;
    plant_effect_t fx;
    int rc;

    if (f->action == PROTO_FAULT_ACTION_CLEAR) {
        rc = (f->value != 0u || f->target != 0u || f->duration_ms != 0u || f->delay_ms != 0u)
             ? PLANT_E_PARAM : plant_clear(&d->plant, f->fault, device_now_ms(d), &fx);
    } else {
        rc = plant_inject(&d->plant, f->fault, f->value, f->target, f->duration_ms, f->delay_ms,
                          device_now_ms(d), &fx);
    }
    switch (rc) {
    case PLANT_OK:
        reply_result(r, req_type, device_plant_effect(d, &fx));
        break;
    case PLANT_E_KIND:
        reply_nak(r, req_type, PUMP_E_FAULT_KIND);
        break;
    case PLANT_E_NO_FAULT:
        reply_nak(r, req_type, PUMP_E_NO_FAULT);
        break;
    default:
        reply_nak(r, req_type, PROTO_NAK_BAD_FIELD);
        break;
    }
}

static void on_get_truth(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    const plant_t *pl = &d->plant;
    proto_truth_t out;
    uint64_t now = device_now_ms(d);

    (void)req_type;
    (void)m;
    (void)memset(&out, 0, sizeof out);
    out.now_ms = now;
    out.reservoir_nl = pl->reservoir_nl;
    out.conc_ug_ml = pl->conc_ug_ml;
    out.intrathecal_pg = pl->intrathecal_pg;
    out.tissue_pg = pl->tissue_pg;
    out.held_pg = pl->held_pg;
    out.moved_nl = pl->moved_nl;
    out.catheter = pl->catheter;
    out.factor_ppm = plant_factor_ppm(pl, now);
    out.leak_ppm = pl->leak_ppm;
    out.pocket_fill = pl->pocket_fill;
    out.mri = pl->mri;
    out.faults = pl->faults;
    r->type = (uint8_t)PROTO_MSG_TRUTH;
    r->len = 0u;
    if (proto_encode_truth(&out, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        r->len = 0u;   /* cannot happen: fixed payload */
    }
}

#ifndef DEVICE_NO_AUTH   /* without sessions the table has no handler: NAK UNSUPPORTED */
/* A handshake step's reply: its message if the step succeeded, else NAK. */
static void reply_step(reply_t *r, uint8_t req_type, int rc, uint8_t type, const proto_msg_t *out)
{
    r->type = type;
    r->len = 0u;
    if (rc != PROTO_OK || proto_msg_encode(type, out, r->payload, sizeof r->payload, &r->len) != PROTO_OK) {
        reply_nak(r, req_type, (rc != PROTO_OK) ? rc : PUMP_E_ARG);
    }
}

static void on_auth_begin(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    proto_msg_t out;

    (void)memset(&out, 0, sizeof out);
    reply_step(r, req_type, device_auth_begin(d, &m->auth_begin, &out.auth_challenge),
               (uint8_t)PROTO_MSG_AUTH_CHALLENGE, &out);
}

static void on_auth_prove(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    proto_msg_t out;

    (void)memset(&out, 0, sizeof out);
    reply_step(r, req_type, device_auth_prove(d, &m->auth_prove, &out.auth_accept),
               (uint8_t)PROTO_MSG_AUTH_ACCEPT, &out);
}

static void on_auth_end(device_t *d, uint8_t req_type, const proto_msg_t *m, reply_t *r)
{
    (void)m;
    d->auth.end_after_reply = 1u;    /* closed once this ACK is sealed */
    reply_result(r, req_type, PUMP_OK);
}
#endif

static const route_t routes[] = {
    {(uint8_t)PROTO_MSG_HELLO,           0u, on_hello},
    {(uint8_t)PROTO_MSG_GET_STATUS,      0u, on_get_status},
    {(uint8_t)PROTO_MSG_PRESCRIBE,       1u, on_prescribe},
    {(uint8_t)PROTO_MSG_CLINICIAN_BOLUS, 1u, on_clinician_bolus},
    {(uint8_t)PROTO_MSG_PRIME_BOLUS,     1u, on_prime_bolus},
    {(uint8_t)PROTO_MSG_PATIENT_BOLUS,   1u, on_patient_bolus},
    {(uint8_t)PROTO_MSG_CANCEL_BOLUS,    1u, on_cancel_bolus},
    {(uint8_t)PROTO_MSG_SUSPEND,         1u, on_suspend},
    {(uint8_t)PROTO_MSG_RESUME,          1u, on_resume},
    {(uint8_t)PROTO_MSG_REFILL,          1u, on_refill},
    {(uint8_t)PROTO_MSG_ACK_ALARM,       1u, on_ack_alarm},
    {(uint8_t)PROTO_MSG_READ_EVENTS,     0u, on_read_events},
    {(uint8_t)PROTO_MSG_SET_CLOCK,       1u, on_set_clock},
    {(uint8_t)PROTO_MSG_ADVANCE,         1u, on_advance},
    {(uint8_t)PROTO_MSG_INJECT_FAULT,    1u, on_inject_fault},
    {(uint8_t)PROTO_MSG_PLANT_FAULT,     1u, on_plant_fault},
    {(uint8_t)PROTO_MSG_GET_TRUTH,       0u, on_get_truth},
    {(uint8_t)PROTO_MSG_CONFIGURE_IMPLANT, 1u, on_configure_implant},
    {(uint8_t)PROTO_MSG_SET_ALARM_RESOUND, 1u, on_set_alarm_resound},
    {(uint8_t)PROTO_MSG_REFILL_RECONCILE, 1u, on_refill_reconcile},
    {(uint8_t)PROTO_MSG_GET_STATUS_EXT,  0u, on_get_status_ext},
    {(uint8_t)PROTO_MSG_PRESCRIBE_CONFIRM, 1u, on_prescribe_confirm},
    {(uint8_t)PROTO_MSG_GET_DRUG_STATUS, 0u, on_get_drug_status},
#ifndef DEVICE_NO_AUTH
    {(uint8_t)PROTO_MSG_AUTH_BEGIN,      0u, on_auth_begin},
    {(uint8_t)PROTO_MSG_AUTH_PROVE,      0u, on_auth_prove},
    {(uint8_t)PROTO_MSG_AUTH_END,        0u, on_auth_end},
#endif
};

static const route_t *route_for(uint8_t type)
{
    uint32_t i;

    for (i = 0u; i < (uint32_t)(sizeof routes / sizeof routes[0]); i++) {
        if (routes[i].type == type) {
            return &routes[i];
        }
    }
    return NULL;
}

/* ---- dispatch -------------------------------------------------------------- */

static void send_reply(device_t *d, uint16_t seq, uint8_t flags, const reply_t *r)
{
    if (r->type == (uint8_t)PROTO_MSG_NAK) {
        device_count(&d->stats.naks);
    }
    if (d->auth.current != 0u) {
        flags = (uint8_t)(flags | PROTO_FLAG_AUTH);   /* a sealed request gets a sealed reply */
    }
    /* Room for the largest frame was checked before executing. */
    if (device_queue_frame(d, r->type, seq, (uint8_t)(PROTO_KIND_RESPONSE | flags),
                           r->payload, r->len, 0u) != DEVICE_OK) {
        device_count(&d->stats.replies_dropped);
    }
}

/* Refused before execution: answered, never remembered. */
static void refuse(device_t *d, const proto_frame_t *f, int reason)
{
    reply_t r;

    reply_nak(&r, f->msg_type, reason);
    send_reply(d, f->seq, 0u, &r);
}

/* A gate that keeps test-only requests out of the wrong configuration:
 * PROTO_OK or the NAK reason. */
static int gate(const device_t *d, uint8_t type)
{
    if (type == PROTO_MSG_ADVANCE && d->opt.clock_mode != DEVICE_CLOCK_MANUAL) {
        return PROTO_NAK_CLOCK_MODE;
    }
    if ((type == PROTO_MSG_INJECT_FAULT || type == PROTO_MSG_PLANT_FAULT || type == PROTO_MSG_GET_TRUTH) &&
        d->opt.test_features == 0u) {
        return PROTO_NAK_UNSUPPORTED;
    }
    if ((type == PROTO_MSG_AUTH_BEGIN || type == PROTO_MSG_AUTH_PROVE || type == PROTO_MSG_AUTH_END) &&
        device_provisioned(d) == 0) {
        return PROTO_NAK_UNSUPPORTED;   /* no keys: a version-1 device */
    }
    return PROTO_OK;
}

static void execute(device_t *d, const proto_frame_t *f, const route_t *rt,
                    const proto_msg_t *m)
{
    reply_t r;

    r.type = 0u;
    r.len = 0u;
    rt->fn(d, f->msg_type, m, &r);
    device_count(&d->stats.executed);
    if (r.type == 0u || (rt->cached != 0u && r.len > DEVICE_CACHE_REPLY_MAX)) {
        refuse(d, f, PUMP_E_ARG);   /* a handler defect; never expected */
        return;
    }
    if (rt->cached != 0u) {
        if (device_cache_store(d, f, r.type, r.payload, r.len) != DEVICE_OK) {
            refuse(d, f, PUMP_E_ARG);
            return;
        }
        d->nv_generation += 1u;
    }
    send_reply(d, f->seq, 0u, &r);
}

static void replay(device_t *d, const proto_frame_t *f, const device_cache_entry_t *e)
{
    reply_t r;

    r.type = e->reply_type;
    r.len = e->reply_len;
    (void)memcpy(r.payload, device_cache_reply(e), e->reply_len);
    device_count(&d->stats.replayed);
    send_reply(d, f->seq, (uint8_t)PROTO_FLAG_REPLAYED, &r);
}

/* Answer a request whose payload decoded. */
static void answer(device_t *d, const proto_frame_t *f, const proto_msg_t *m)
{
    const route_t *rt = route_for(f->msg_type);
    const device_cache_entry_t *hit;
    int rc;

    if (rt == NULL) {
        /* A request of the table this build has no handler for. */
        refuse(d, f, PROTO_NAK_UNSUPPORTED);
        return;
    }
    rc = device_auth_role(d, f->msg_type);   /* not executed, not cached */
    if (rc != PROTO_OK) {
        refuse(d, f, rc);
        return;
    }
    hit = (rt->cached != 0u) ? device_cache_find(d, f) : NULL;
    if (hit != NULL) {
        replay(d, f, hit);
        return;
    }
    rc = gate(d, f->msg_type);
    if (rc != PROTO_OK) {
        refuse(d, f, rc);
        return;
    }
    execute(d, f, rt, m);
}

void device_dispatch(device_t *d, const proto_frame_t *f)
{
    proto_frame_t inner;
    proto_msg_t m;
    int rc;

    if ((f->flags & PROTO_KIND_MASK) != PROTO_KIND_REQUEST) {
        device_count(&d->stats.rx_ignored);   /* never answer a non-request */
        return;
    }
    device_count(&d->stats.requests);
    if (device_tx_free(d) < (uint32_t)PROTO_MAX_WIRE) {
        device_count(&d->stats.busy);
        refuse(d, f, PROTO_NAK_BUSY);          /* not executed: retry later */
        return;
    }
    rc = device_auth_check(d, f, &inner);     /* refusals answered unsealed */
    if (rc == PROTO_OK) {
        rc = proto_frame_decode(&inner, &m);
    }
    if (rc != PROTO_OK) {
        refuse(d, &inner, rc);
    } else {
        answer(d, &inner, &m);
    }
    device_auth_after_reply(d);
    device_service(d);
}
