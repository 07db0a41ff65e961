/*
 * device.c — lifecycle, byte and time entry points, output queue and the
 * unsolicited frames of the device layer (contract in device.h).
 */
#include <string.h>

#include "device.h"
#include "device_int.h"
#include "proto_msgs.h"
#include "vocab_check.h"   /* compile-time: wire values == core values (generated) */

/* device_rx hands the decoder at most this many bytes per call, so a byte
 * count always fits the core's uint32_t telemetry counter. */
#define DEVICE_RX_SLICE 65536u

void device_count(uint32_t *counter)
{
    if (*counter < UINT32_MAX) {
        *counter += 1u;
    }
}

static void count_add(uint32_t *counter, size_t n)
{
    if (n > (size_t)(UINT32_MAX - *counter)) {
        *counter = UINT32_MAX;
    } else {
        *counter += (uint32_t)n;
    }
}

void device_default_options(device_options_t *opt)
{
    if (opt == NULL) {
        return;
    }
    (void)memset(opt, 0, sizeof *opt);
    opt->clock_mode = (uint8_t)DEVICE_CLOCK_MANUAL;
}

static int check_options(const device_options_t *opt)
{
    int speed_ok;

    switch (opt->clock_mode) {
    case DEVICE_CLOCK_MANUAL:      speed_ok = (opt->clock_speed == 0u); break;
    case DEVICE_CLOCK_REALTIME:    speed_ok = (opt->clock_speed == 1u); break;
    case DEVICE_CLOCK_ACCELERATED: speed_ok = (opt->clock_speed >= 2u); break;
    default:                       speed_ok = 0; break;
    }
    if (speed_ok == 0) {
        return DEVICE_E_OPTIONS;
    }
    if (opt->telemetry_period_ms > DEVICE_TELEMETRY_PERIOD_MAX_MS) {
        return DEVICE_E_OPTIONS;
    }
    if (opt->test_features > 1u || opt->hold_until_saved > 1u) {
        return DEVICE_E_OPTIONS;
    }
    return DEVICE_OK;
}

/* Empty the queue and queue the lone delimiter a device sends after reset. */
static void restart_output(device_t *d)
{
    d->tx_head = 0u;
    d->tx_count = 1u;
    d->txq[0] = (uint8_t)PROTO_DELIMITER;
    pump_count_telemetry(&d->pump, 1u);
    count_add(&d->stats.tx_bytes, 1u);
}

static void restart_telemetry(device_t *d)
{
    uint64_t period = d->opt.telemetry_period_ms;

    /* now < 2^63 (core bound) and period <= 30 days: no overflow. */
    d->telemetry_due_ms = (period > 0u) ? device_now_ms(d) + period : 0u;
}

int device_init(device_t *d, const pump_config_t *cfg, const device_options_t *opt)
{
    int rc;

    if (d == NULL || cfg == NULL || opt == NULL) {
        return DEVICE_E_ARG;
    }
    rc = check_options(opt);
    if (rc != DEVICE_OK) {
        return rc;
    }
    (void)memset(d, 0, sizeof *d);
    rc = pump_init(&d->pump, cfg);
    if (rc != PUMP_OK) {
        return rc;
    }
    proto_decoder_init(&d->dec);
    plant_init(&d->plant);
    d->opt = *opt;
    d->nv_generation = 1u;          /* a new pump is not on disk yet */
    d->nv_saved_generation = 0u;
    restart_output(d);
    restart_telemetry(d);
    device_service(d);
    return DEVICE_OK;
}

void device_after_load(device_t *d)
{
    proto_decoder_init(&d->dec);
    (void)memset(&d->stats, 0, sizeof d->stats);
    pump_note_reset(&d->pump);
    d->nv_generation += 1u;         /* the reset entry is not on disk yet */
    restart_output(d);
    restart_telemetry(d);
    d->reported_alarms = 0u;        /* announce active alarms again */
    d->reported_unacked = 0u;
    device_service(d);
}

int device_rx(device_t *d, const uint8_t *data, size_t n, size_t *consumed)
{
    const uint8_t *p = data;
    size_t left = n;

    if (consumed != NULL) {
        *consumed = 0u;
    }
    if (d == NULL || consumed == NULL || (data == NULL && n > 0u)) {
        return DEVICE_E_ARG;
    }
    /* Each turn consumes at least one byte: at most n turns. */
    while (left > 0u) {
        proto_frame_t f;
        int ready = 0;
        size_t slice = (left < DEVICE_RX_SLICE) ? left : DEVICE_RX_SLICE;
        size_t used;

        /* Backpressure (device.h OUTPUT QUEUE): the next bytes may complete
         * a request, and its reply must fit. Without room for the largest
         * one the rest waits with the host, which drains device_tx first. */
        if (device_tx_free(d) < (uint32_t)PROTO_MAX_WIRE) {
            break;
        }
        used = proto_decoder_feed(&d->dec, p, slice, &f, &ready);
        if (used == 0u || used > slice) {
            return DEVICE_E_INTERNAL;
        }
        /* Charge the bytes before the frame they complete is executed. */
        count_add(&d->stats.rx_bytes, used);
        pump_count_telemetry(&d->pump, (uint32_t)used);
        p += used;
        left -= used;
        *consumed += used;
        if (ready != 0) {
            device_dispatch(d, &f);
        }
    }
    return DEVICE_OK;
}

size_t device_rx_reset(device_t *d)
{
    size_t dropped;

    if (d == NULL) {
        return 0u;
    }
    /* The decoder's partial chunk (and an oversize chunk being skipped)
     * belonged to the previous peer: forget it, keep the counters. */
    dropped = (size_t)d->dec.len + (size_t)d->dec.discarding;
    d->dec.len = 0u;
    d->dec.discarding = 0u;
    return dropped;
}

int device_tick(device_t *d, uint64_t now_ms)
{
    if (d == NULL) {
        return DEVICE_E_ARG;
    }
    if (d->opt.clock_mode != DEVICE_CLOCK_MANUAL) {
        int rc = device_advance(d, now_ms);
        if (rc != PUMP_OK) {
            return rc;
        }
    }
    device_service(d);
    return DEVICE_OK;
}

/* ---- output queue ---------------------------------------------------------- */

uint32_t device_tx_free(const device_t *d)
{
    return DEVICE_TXQ_SIZE - d->tx_count;
}

size_t device_tx_pending(const device_t *d)
{
    return (d == NULL) ? 0u : (size_t)d->tx_count;
}

static void txq_put(device_t *d, const uint8_t *bytes, uint32_t n)
{
    uint32_t tail = (d->tx_head + d->tx_count) % DEVICE_TXQ_SIZE;
    uint32_t first = DEVICE_TXQ_SIZE - tail;

    if (first > n) {
        first = n;
    }
    (void)memcpy(&d->txq[tail], bytes, first);
    (void)memcpy(&d->txq[0], bytes + first, n - first);
    d->tx_count += n;
}

size_t device_tx(device_t *d, uint8_t *out, size_t cap)
{
    uint32_t n;
    uint32_t first;

    if (d == NULL || out == NULL) {
        return 0u;
    }
    if (d->opt.hold_until_saved != 0u && device_nv_dirty(d) != 0) {
        return 0u;
    }
    n = (cap < (size_t)d->tx_count) ? (uint32_t)cap : d->tx_count;
    first = DEVICE_TXQ_SIZE - d->tx_head;
    if (first > n) {
        first = n;
    }
    (void)memcpy(out, &d->txq[d->tx_head], first);
    (void)memcpy(out + first, &d->txq[0], n - first);
    d->tx_head = (d->tx_head + n) % DEVICE_TXQ_SIZE;
    d->tx_count -= n;
    return (size_t)n;
}

#ifndef DEVICE_NO_AUTH
/* Wire frame with the session's counter and tag (flags has PROTO_FLAG_AUTH). */
static int queue_sealed(device_t *d, uint8_t msg_type, uint16_t seq, uint8_t flags,
                        const uint8_t *payload, size_t len, uint8_t wire[PROTO_MAX_WIRE], size_t *n)
{
    uint8_t raw[PROTO_HEADER_LEN + PROTO_MAX_PAYLOAD + PROTO_AUTH_LEN];
    size_t pos = 0u;
    size_t sealed = 0u;

    if (len > PROTO_MAX_PAYLOAD || (payload == NULL && len > 0u)) {
        return PROTO_ERR_ARG;
    }
    proto_put_u8(raw, &pos, (uint8_t)PROTO_VERSION);
    proto_put_u8(raw, &pos, msg_type);
    proto_put_u16(raw, &pos, seq);
    proto_put_u8(raw, &pos, flags);
    proto_put_u8(raw, &pos, (uint8_t)len);
    if (len > 0u) {
        (void)memcpy(&raw[pos], payload, len);
    }
    if (device_auth_seal(d, raw, pos + len, sizeof raw, &sealed) != DEVICE_OK) {
        return PROTO_ERR_ARG;
    }
    return proto_frame_encode_raw(raw, sealed, wire, PROTO_MAX_WIRE, n);
}
#endif

int device_queue_frame(device_t *d, uint8_t msg_type, uint16_t seq, uint8_t flags,
                       const uint8_t *payload, size_t len, uint32_t reserve)
{
    uint8_t wire[PROTO_MAX_WIRE];
    size_t n = 0u;
#ifndef DEVICE_NO_AUTH
    int rc = ((flags & PROTO_FLAG_AUTH) != 0u)
             ? queue_sealed(d, msg_type, seq, flags, payload, len, wire, &n)
             : proto_frame_encode(msg_type, seq, flags, payload, len, wire, sizeof wire, &n);
#else
    int rc = proto_frame_encode(msg_type, seq, flags, payload, len, wire, sizeof wire, &n);
#endif

    if (rc != PROTO_OK || n == 0u || n > sizeof wire) {
        return DEVICE_E_INTERNAL;
    }
    if ((uint32_t)n > device_tx_free(d) || device_tx_free(d) - (uint32_t)n < reserve) {
        return DEVICE_E_NOSPACE;
    }
    txq_put(d, wire, (uint32_t)n);
    pump_count_telemetry(&d->pump, (uint32_t)n);
    device_count(&d->stats.tx_frames);
    count_add(&d->stats.tx_bytes, n);
    return DEVICE_OK;
}

/* ---- unsolicited frames ---------------------------------------------------- */

static uint8_t unsolicited_flags(const device_t *d)
{
    return (uint8_t)(PROTO_KIND_UNSOLICITED | ((device_auth_unsolicited(d) > 0) ? PROTO_FLAG_AUTH : 0u));
}

static void report_alarms(device_t *d)
{
    pump_status_t st;
    proto_alarm_t m;
    uint8_t payload[PROTO_MAX_PAYLOAD];
    size_t len = 0u;

    pump_get_status(&d->pump, &st);
    if (st.alarms == d->reported_alarms && st.unacked_alarms == d->reported_unacked) {
        return;
    }
    if (device_auth_unsolicited(d) < 0) {
        return;      /* keys but no session: announced once a session opens */
    }
    m.now_ms = st.now_ms;
    m.alarms = st.alarms;
    m.unacked_alarms = st.unacked_alarms;
    m.raised = st.alarms & ~d->reported_alarms;
    m.cleared = d->reported_alarms & ~st.alarms;
    if (proto_encode_alarm(&m, payload, sizeof payload, &len) != PROTO_OK ||
        device_queue_frame(d, (uint8_t)PROTO_MSG_ALARM, d->unsolicited_seq,
                           unsolicited_flags(d), payload, len,
                           DEVICE_TX_RESERVE) != DEVICE_OK) {
        device_count(&d->stats.alarms_deferred);   /* retried next time */
        return;
    }
    d->reported_alarms = st.alarms;
    d->reported_unacked = st.unacked_alarms;
    d->unsolicited_seq = (uint16_t)(d->unsolicited_seq + 1u);
    device_count(&d->stats.alarms_sent);
}

static void report_telemetry(device_t *d)
{
    uint8_t payload[DEVICE_CACHE_REPLY_MAX];
    uint64_t now = device_now_ms(d);
    uint64_t period = d->opt.telemetry_period_ms;
    size_t len;

    if (period == 0u || now < d->telemetry_due_ms) {
        return;
    }
    /* Next due: first multiple of the period (from the old due time) after
     * now. due <= now < 2^63 and period <= 30 days: no overflow. */
    d->telemetry_due_ms += ((now - d->telemetry_due_ms) / period + 1u) * period;
    len = device_status_payload(d, payload);
    if (len == 0u ||
        device_auth_unsolicited(d) < 0 ||
        device_queue_frame(d, (uint8_t)PROTO_MSG_STATUS, d->unsolicited_seq,
                           unsolicited_flags(d), payload, len,
                           DEVICE_TX_RESERVE) != DEVICE_OK) {
        device_count(&d->stats.telemetry_dropped);
        return;
    }
    d->unsolicited_seq = (uint16_t)(d->unsolicited_seq + 1u);
    device_count(&d->stats.telemetry_sent);
}

void device_service(device_t *d)
{
    report_alarms(d);
    report_telemetry(d);
}

size_t device_status_payload(const device_t *d, uint8_t *buf)
{
    pump_status_t st;
    proto_status_t m;
    size_t len = 0u;

    pump_get_status(&d->pump, &st);
    m.now_ms = st.now_ms;
    m.state = st.state;
    m.rate_nl_day = st.rate_nl_day;
    m.basal_nl_day = st.basal_nl_day;
    m.reservoir_nl = st.reservoir_nl;
    m.pumped_nl = st.pumped_nl;
    m.delivered_pg = st.delivered_pg;
    m.battery_nc = st.battery_nc;
    /* permille of capacity: 0..1000 fits u16; clamp defensively. */
    m.battery_permille = (uint16_t)((st.battery_permille > 1000u) ? 1000u : st.battery_permille);
    m.days_to_eri = st.days_to_eri;
    m.alarms = st.alarms;
    m.unacked_alarms = st.unacked_alarms;
    m.bolus_kind = st.bolus_kind;
    m.bolus_remaining_nl = st.bolus_remaining_nl;
    m.drug = (uint8_t)((st.drug > 255u) ? 255u : st.drug);   /* drug codes < 256 */
    m.conc_ug_ml = st.conc_ug_ml;
    m.dose_24h_ug = st.dose_24h_ug;
    m.last_event_seq = st.last_event_seq;
    if (proto_encode_status(&m, buf, DEVICE_CACHE_REPLY_MAX, &len) != PROTO_OK) {
        return 0u;
    }
    return len;
}

/* ---- non-volatile bookkeeping and read access ------------------------------ */

int device_nv_dirty(const device_t *d)
{
    return (d != NULL && d->nv_generation != d->nv_saved_generation) ? 1 : 0;
}

uint32_t device_nv_generation(const device_t *d)
{
    return (d == NULL) ? 0u : d->nv_generation;
}

void device_nv_saved(device_t *d, uint32_t gen)
{
    if (d != NULL) {
        d->nv_saved_generation = gen;
    }
}

int device_patient_button(device_t *d)
{
    int rc;

    if (d == NULL) {
        return DEVICE_E_ARG;
    }
    rc = pump_patient_bolus(&d->pump);
    d->nv_generation += 1u;          /* logged granted or denied either way */
    device_service(d);
    return rc;
}

const pump_t *device_pump(const device_t *d)
{
    return (d == NULL) ? NULL : &d->pump;
}

uint64_t device_now_ms(const device_t *d)
{
    pump_status_t st;

    if (d == NULL) {
        return 0u;
    }
    pump_get_status(&d->pump, &st);
    return st.now_ms;
}

void device_get_stats(const device_t *d, device_stats_t *out)
{
    uint32_t dropped = 0u;
    uint32_t i;

    if (d == NULL || out == NULL) {
        return;
    }
    *out = d->stats;
    out->rx_frames = d->dec.frames;
    for (i = 0u; i < (uint32_t)PROTO_DROP_COUNT; i++) {
        count_add(&dropped, d->dec.dropped_chunks[i]);
    }
    out->rx_dropped_chunks = dropped;
}

const char *device_result_name(int result)
{
    switch (result) {
    case DEVICE_OK:              return "OK";
    case DEVICE_E_ARG:           return "DEVICE_E_ARG";
    case DEVICE_E_OPTIONS:       return "DEVICE_E_OPTIONS";
    case DEVICE_E_NOSPACE:       return "DEVICE_E_NOSPACE";
    case DEVICE_E_IMAGE_SIZE:    return "DEVICE_E_IMAGE_SIZE";
    case DEVICE_E_IMAGE_MAGIC:   return "DEVICE_E_IMAGE_MAGIC";
    case DEVICE_E_IMAGE_VERSION: return "DEVICE_E_IMAGE_VERSION";
    case DEVICE_E_IMAGE_CRC:     return "DEVICE_E_IMAGE_CRC";
    case DEVICE_E_IMAGE_INVALID: return "DEVICE_E_IMAGE_INVALID";
    case DEVICE_E_INTERNAL:      return "DEVICE_E_INTERNAL";
    default:                     break;
    }
    if (result > 0 && result < (int)PUMP_RESULT_COUNT) {
        return pump_result_name(result);
    }
    return "UNKNOWN";
}
