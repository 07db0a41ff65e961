/*
 * device_host.h — the host side of the C device tests (test_device.c,
 * test_plant.c): a CHECK counter, send a request, drain and decode what the
 * device sent, one reply, ACK/NAK readers, a programmed pump. One copy, so the
 * tests drive the device the same way. Functions are static inline: each test
 * uses some of them.
 */
#ifndef PYEMU_DEVICE_HOST_H
#define PYEMU_DEVICE_HOST_H

#include <stdio.h>
#include <string.h>

#include "device.h"
#include "proto_msgs.h"
#include "therapy_msgs.h"

static int failures;

#define CHECK(cond) check((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

static inline void check(int ok, const char *what, const char *file, int line)
{
    if (!ok) {
        failures++;
        printf("FAIL %s:%d: %s\n", file, line, what);
    }
}

/* ---- helpers --------------------------------------------------------------- */

#define MAX_OUT 64u

typedef struct {
    uint8_t  type;
    uint16_t seq;
    uint8_t  flags;
    uint8_t  len;
    uint8_t  payload[PROTO_MAX_PAYLOAD];
} frame_t;

typedef struct {
    frame_t  f[MAX_OUT];
    uint32_t n;
    uint32_t dropped;    /* chunks the host-side decoder dropped */
    uint32_t bytes;
} out_t;

static device_t dev;   /* big (the event log): static, not on the stack */

/* device_rx that must take every byte (the queue has room: the caller drains). */
static inline int rx_all(device_t *d, const uint8_t *data, size_t n)
{
    size_t used = 0u;
    int rc = device_rx(d, data, n, &used);

    return (rc == DEVICE_OK && used == n) ? DEVICE_OK : DEVICE_E_INTERNAL;
}
static uint8_t image[65536];

static inline void options(device_options_t *o, uint8_t mode, uint8_t test, uint8_t hold)
{
    device_default_options(o);
    o->clock_mode = mode;
    o->clock_speed = (mode == DEVICE_CLOCK_MANUAL) ? 0u : 1u;
    o->test_features = test;
    o->hold_until_saved = hold;
}

static inline void start(device_t *d, uint8_t mode, uint8_t test, uint8_t hold)
{
    pump_config_t cfg;
    device_options_t o;

    pump_default_config(&cfg);
    cfg.serial = 4242u;
    options(&o, mode, test, hold);
    CHECK(device_init(d, &cfg, &o) == DEVICE_OK);
}

/* A wire frame built by hand (whiten, COBS, delimiter), so a test can send
 * what the encoder refuses to build, e.g. an ACK flagged as a request. */
static inline size_t raw_frame(uint8_t type, uint16_t seq, uint8_t flags, const uint8_t *payload,
                        uint8_t len, uint8_t *wire)
{
    uint8_t raw[PROTO_MAX_RAW];
    size_t n = 0u;
    size_t out = 1u;
    size_t code_at = 0u;
    uint8_t code = 1u;
    uint32_t crc;
    size_t i;
    const proto_msg_info_t *info = proto_msg_info(type);

    raw[n++] = (uint8_t)PROTO_VERSION;
    raw[n++] = type;
    raw[n++] = (uint8_t)(seq & 0xFFu);
    raw[n++] = (uint8_t)(seq >> 8);
    raw[n++] = flags;
    raw[n++] = len;
    for (i = 0u; i < len; i++) {
        raw[n++] = payload[i];
    }
    crc = proto_crc32(info != NULL ? info->def_crc : 0u, raw, n);
    for (i = 0u; i < 4u; i++) {
        raw[n++] = (uint8_t)(crc >> (8u * i));
    }
    for (i = 0u; i < n; i++) {            /* whiten, then COBS */
        uint8_t b = (uint8_t)(raw[i] ^ PROTO_WHITEN);
        if (b == 0u) {
            wire[code_at] = code;
            code_at = out++;
            code = 1u;
        } else {
            wire[out++] = b;
            code++;
        }
    }
    wire[code_at] = code;
    wire[out++] = 0u;
    return out;
}

/* A field-less request as one wire frame. */
static inline size_t encode_empty(uint8_t type, uint16_t seq, uint8_t *wire, size_t cap)
{
    uint8_t none[1] = {0u};
    size_t n = 0u;

    CHECK(proto_frame_encode(type, seq, (uint8_t)PROTO_KIND_REQUEST, none, 0u, wire, cap, &n) == PROTO_OK);
    return n;
}

static inline void send_msg(device_t *d, uint8_t type, uint16_t seq, const proto_msg_t *m)
{
    uint8_t wire[PROTO_MAX_WIRE];
    uint8_t payload[PROTO_MAX_PAYLOAD];
    size_t plen = 0u;
    size_t n = 0u;

    /* Messages without fields have an empty payload (m == NULL). */
    if (m != NULL) {
        CHECK(proto_msg_encode(type, m, payload, sizeof payload, &plen) == PROTO_OK);
    }
    CHECK(proto_frame_encode(type, seq, (uint8_t)PROTO_KIND_REQUEST, payload, plen,
                             wire, sizeof wire, &n) == PROTO_OK);
    CHECK(rx_all(d, wire, n) == DEVICE_OK);
}

/* Drain the device and decode what it sent. */
static inline void drain(device_t *d, out_t *o)
{
    proto_decoder_t dec;
    uint8_t buf[DEVICE_TXQ_SIZE];
    size_t n = device_tx(d, buf, sizeof buf);
    size_t pos = 0u;
    uint32_t i;

    (void)memset(o, 0, sizeof *o);
    o->bytes = (uint32_t)n;
    proto_decoder_init(&dec);
    while (pos < n) {
        proto_frame_t f;
        int ready = 0;
        pos += proto_decoder_feed(&dec, &buf[pos], n - pos, &f, &ready);
        if (ready && o->n < MAX_OUT) {
            frame_t *x = &o->f[o->n++];
            x->type = f.msg_type;
            x->seq = f.seq;
            x->flags = f.flags;
            x->len = f.payload_len;
            (void)memcpy(x->payload, f.payload, f.payload_len);
        }
    }
    for (i = 0u; i < (uint32_t)PROTO_DROP_COUNT; i++) {
        o->dropped += dec.dropped_chunks[i];
    }
}

/* Send one request and return its single reply (other frames ignored). */
static inline frame_t reply_to(device_t *d, uint8_t type, uint16_t seq, const proto_msg_t *m)
{
    out_t o;
    frame_t none;
    uint32_t i;

    send_msg(d, type, seq, m);
    device_nv_saved(d, device_nv_generation(d));   /* a host that saved */
    drain(d, &o);
    CHECK(o.dropped == 0u);
    for (i = 0u; i < o.n; i++) {
        if ((o.f[i].flags & PROTO_KIND_MASK) == PROTO_KIND_RESPONSE) {
            CHECK(o.f[i].seq == seq);
            return o.f[i];
        }
    }
    CHECK(!"no reply");
    (void)memset(&none, 0, sizeof none);
    return none;
}

static inline int nak_reason(const frame_t *f)
{
    proto_nak_t n;
    if (f->type != PROTO_MSG_NAK || proto_decode_nak(f->payload, f->len, &n) != PROTO_OK) {
        return -1;
    }
    return n.reason;
}

static inline int is_ack(const frame_t *f, uint8_t req_type)
{
    proto_ack_t a;
    return f->type == PROTO_MSG_ACK && proto_decode_ack(f->payload, f->len, &a) == PROTO_OK &&
           a.req_type == req_type;
}

static inline int req_ack(device_t *d, uint8_t type, uint16_t seq, const proto_msg_t *m)
{
    frame_t r = reply_to(d, type, seq, m);
    return is_ack(&r, type);
}

static inline int req_nak(device_t *d, uint8_t type, uint16_t seq, const proto_msg_t *m)
{
    frame_t r = reply_to(d, type, seq, m);
    return nak_reason(&r);
}

static inline uint32_t count_events(const device_t *d, uint16_t kind)
{
    pump_event_t ev[PUMP_LOG_CAPACITY];
    uint32_t n = pump_read_events(device_pump(d), 1u, ev, PUMP_LOG_CAPACITY, NULL);
    uint32_t c = 0u;
    uint32_t i;
    for (i = 0u; i < n; i++) {
        c += (ev[i].kind == kind) ? 1u : 0u;
    }
    return c;
}

/* The therapy of therapy_msgs.h: refill, then prescribe; both acknowledged. */
static inline void program(device_t *d, uint16_t *seq)
{
    proto_msg_t m;
    frame_t r;

    therapy_refill_msg(&m);
    r = reply_to(d, PROTO_MSG_REFILL, (*seq)++, &m);
    CHECK(is_ack(&r, PROTO_MSG_REFILL));
    therapy_prescribe_msg(&m);
    r = reply_to(d, PROTO_MSG_PRESCRIBE, (*seq)++, &m);
    CHECK(is_ack(&r, PROTO_MSG_PRESCRIBE));
}

/* ---- tests ----------------------------------------------------------------- */

#endif /* PYEMU_DEVICE_HOST_H */
