/*
 * test_device.c — the device layer end to end in C (run under ASan/UBSan by
 * `make ctest`): request frames in, reply frames out, the reply cache, the
 * output queue's limits, garbage on the line, save/load, and a seeded fuzz
 * run whose output must be nothing but intact frames.
 */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "proto_msgs.h"

#include "device_host.h"

static device_t dev2;

static void test_hello_and_reset_delimiter(void)
{
    out_t o;
    frame_t r;
    proto_hello_info_t h;
    uint8_t first[4];

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    CHECK(device_tx_pending(&dev) == 1u);
    CHECK(device_tx(&dev, first, sizeof first) == 1u && first[0] == 0u);
    r = reply_to(&dev, PROTO_MSG_HELLO, 7u, NULL);
    CHECK(r.type == PROTO_MSG_HELLO_INFO && r.flags == PROTO_KIND_RESPONSE);
    CHECK(proto_decode_hello_info(r.payload, r.len, &h) == PROTO_OK);
    CHECK(h.serial == 4242u && h.protocol_version == PROTO_VERSION);
    CHECK(h.schema_crc == proto_schema_crc());
    CHECK(h.capabilities == (PROTO_CAPABILITY_BITS_FAULT_INJECTION | PROTO_CAPABILITY_BITS_TEST_CLOCK));
    CHECK(h.clock_mode == DEVICE_CLOCK_MANUAL && h.reservoir_capacity_nl == PUMP_CAPACITY_20ML);
    CHECK(strcmp(h.model, "PYEMU-IT20") == 0);
    drain(&dev, &o);
    CHECK(o.n == 0u);
}

/* Every byte received or sent is charged to the battery: with time standing
 * still, the charge drops by exactly bytes x telemetry_byte_nc. */
static void test_battery_charged_per_byte(void)
{
    pump_status_t before;
    pump_status_t after;
    pump_config_t cfg;
    uint8_t wire[PROTO_MAX_WIRE];
    size_t n;
    out_t o;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    drain(&dev, &o);
    pump_get_status(device_pump(&dev), &before);
    CHECK(pump_get_config(device_pump(&dev), &cfg) == PUMP_OK);
    n = encode_empty(PROTO_MSG_HELLO, 1u, wire, sizeof wire);
    CHECK(rx_all(&dev, wire, n) == DEVICE_OK);
    drain(&dev, &o);
    CHECK(o.n == 1u);
    pump_get_status(device_pump(&dev), &after);
    CHECK(before.battery_nc - after.battery_nc == (uint64_t)(n + o.bytes) * cfg.telemetry_byte_nc);
}

/* How received bytes are split into device_rx calls changes nothing: same
 * output bytes, same saved image. */
static void test_split_invariance(void)
{
    uint8_t stream[4u * PROTO_MAX_WIRE];
    uint8_t out1[DEVICE_TXQ_SIZE];
    uint8_t out2[DEVICE_TXQ_SIZE];
    static uint8_t img1[65536];
    static uint8_t img2[65536];
    size_t total = 0u;
    size_t n1;
    size_t n2;
    size_t l1 = 0u;
    size_t l2 = 0u;
    size_t i;
    proto_msg_t m;
    uint8_t payload[PROTO_MAX_PAYLOAD];
    size_t plen = 0u;

    total += encode_empty(PROTO_MSG_GET_STATUS, 1u, &stream[total], sizeof stream - total);
    (void)memset(&m, 0, sizeof m);
    m.advance.delta_ms = 7200000u;
    CHECK(proto_msg_encode(PROTO_MSG_ADVANCE, &m, payload, sizeof payload, &plen) == PROTO_OK);
    CHECK(proto_frame_encode(PROTO_MSG_ADVANCE, 2u, PROTO_KIND_REQUEST, payload, plen,
                             &stream[total], sizeof stream - total, &n1) == PROTO_OK);
    total += n1;
    stream[total++] = 0x55u;   /* garbage */
    total += encode_empty(PROTO_MSG_GET_STATUS, 3u, &stream[total], sizeof stream - total);
    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    start(&dev2, DEVICE_CLOCK_MANUAL, 0u, 0u);
    CHECK(rx_all(&dev, stream, total) == DEVICE_OK);
    for (i = 0u; i < total; i++) {
        CHECK(rx_all(&dev2, &stream[i], 1u) == DEVICE_OK);
    }
    n1 = device_tx(&dev, out1, sizeof out1);
    n2 = device_tx(&dev2, out2, sizeof out2);
    CHECK(n1 == n2 && memcmp(out1, out2, n1) == 0);
    CHECK(device_save(&dev, img1, sizeof img1, &l1) == DEVICE_OK);
    CHECK(device_save(&dev2, img2, sizeof img2, &l2) == DEVICE_OK);
    CHECK(l1 == l2 && memcmp(img1, img2, l1) == 0);
}

static void test_every_request(void)
{
    uint16_t seq = 100u;
    proto_msg_t m;
    frame_t r;
    proto_status_t st;
    proto_events_t ev;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    program(&dev, &seq);
    r = reply_to(&dev, PROTO_MSG_GET_STATUS, seq++, NULL);
    CHECK(r.type == PROTO_MSG_STATUS && proto_decode_status(r.payload, r.len, &st) == PROTO_OK);
    CHECK(st.state == PUMP_STATE_RUNNING && st.reservoir_nl == 20000000u && st.basal_nl_day == 500000u);

    (void)memset(&m, 0, sizeof m);
    m.clinician_bolus.volume_nl = 100000u;
    m.clinician_bolus.duration_ms = 3600000u;
    CHECK(req_ack(&dev, PROTO_MSG_CLINICIAN_BOLUS, seq++, &m));
    CHECK(req_nak(&dev, PROTO_MSG_CLINICIAN_BOLUS, seq++, &m) == PUMP_E_BOLUS_ACTIVE);
    CHECK(req_ack(&dev, PROTO_MSG_CANCEL_BOLUS, seq++, NULL));
    CHECK(req_nak(&dev, PROTO_MSG_CANCEL_BOLUS, seq++, NULL) == PUMP_E_NO_BOLUS);
    m.prime_bolus.volume_nl = 0u;
    m.prime_bolus.duration_ms = 600000u;
    CHECK(req_ack(&dev, PROTO_MSG_PRIME_BOLUS, seq++, &m));
    CHECK(req_nak(&dev, PROTO_MSG_PATIENT_BOLUS, seq++, NULL) == PUMP_E_BOLUS_ACTIVE);
    CHECK(req_ack(&dev, PROTO_MSG_SUSPEND, seq++, NULL));
    CHECK(req_nak(&dev, PROTO_MSG_SUSPEND, seq++, NULL) == PUMP_E_SUSPENDED);
    CHECK(req_ack(&dev, PROTO_MSG_RESUME, seq++, NULL));
    CHECK(req_nak(&dev, PROTO_MSG_RESUME, seq++, NULL) == PUMP_E_NOT_SUSPENDED);
    CHECK(req_ack(&dev, PROTO_MSG_PATIENT_BOLUS, seq++, NULL));
    m.ack_alarm.alarm_bits = PUMP_ALARM_LOW_RESERVOIR;
    CHECK(req_nak(&dev, PROTO_MSG_ACK_ALARM, seq++, &m) == PUMP_E_ALARM);
    m.set_clock.unix_ms = 1700000000123ull;
    CHECK(req_ack(&dev, PROTO_MSG_SET_CLOCK, seq++, &m));
    CHECK(count_events(&dev, PUMP_EV_CLOCK_SET) == 1u);
    m.advance.delta_ms = 3600000u;
    r = reply_to(&dev, PROTO_MSG_ADVANCE, seq++, &m);
    CHECK(r.type == PROTO_MSG_STATUS && proto_decode_status(r.payload, r.len, &st) == PROTO_OK);
    CHECK(st.now_ms == 3600000u && st.pumped_nl > 0u);
    m.inject_fault.fault = (uint8_t)PUMP_FAULT_MEMORY;
    m.inject_fault.action = (uint8_t)PROTO_FAULT_ACTION_INJECT;
    CHECK(req_ack(&dev, PROTO_MSG_INJECT_FAULT, seq++, &m));
    m.inject_fault.action = (uint8_t)PROTO_FAULT_ACTION_CLEAR;
    CHECK(req_ack(&dev, PROTO_MSG_INJECT_FAULT, seq++, &m));
    CHECK(req_nak(&dev, PROTO_MSG_INJECT_FAULT, seq++, &m) == PUMP_E_NO_FAULT);
    m.read_events.from_seq = 1u;
    m.read_events.max_count = 9u;
    r = reply_to(&dev, PROTO_MSG_READ_EVENTS, seq++, &m);
    CHECK(r.type == PROTO_MSG_EVENTS && proto_decode_events(r.payload, r.len, &ev) == PROTO_OK);
    CHECK(ev.n_events == 9u && ev.first_available == 1u && ev.events[0].seq == 1u);
    CHECK(ev.events[0].kind == PUMP_EV_INIT && ev.newest_seq > 9u);
}

static void test_reply_cache(void)
{
    uint16_t seq = 1u;
    proto_msg_t m;
    frame_t a;
    frame_t b;
    device_stats_t s;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    program(&dev, &seq);
    (void)memset(&m, 0, sizeof m);
    m.clinician_bolus.volume_nl = 100000u;
    m.clinician_bolus.duration_ms = 3600000u;
    a = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 500u, &m);
    b = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 500u, &m);     /* retransmission */
    CHECK(is_ack(&a, PROTO_MSG_CLINICIAN_BOLUS) && is_ack(&b, PROTO_MSG_CLINICIAN_BOLUS));
    CHECK(a.flags == PROTO_KIND_RESPONSE);
    CHECK(b.flags == (PROTO_KIND_RESPONSE | PROTO_FLAG_REPLAYED));
    CHECK(count_events(&dev, PUMP_EV_BOLUS_START) == 1u);
    /* A refusal is remembered too: the retry gets the same NAK, one log entry. */
    a = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 501u, &m);
    b = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 501u, &m);
    CHECK(nak_reason(&a) == PUMP_E_BOLUS_ACTIVE && nak_reason(&b) == PUMP_E_BOLUS_ACTIVE);
    CHECK((b.flags & PROTO_FLAG_REPLAYED) != 0u);
    CHECK(count_events(&dev, PUMP_EV_BOLUS_REFUSED) == 1u);
    /* Same seq, other payload: a new request, executed. */
    a = reply_to(&dev, PROTO_MSG_CANCEL_BOLUS, 500u, NULL);
    CHECK(is_ack(&a, PROTO_MSG_CANCEL_BOLUS) && a.flags == PROTO_KIND_RESPONSE);
    /* ...and the old entry for seq 500 is gone: the bolus retry runs again. */
    a = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 500u, &m);
    CHECK(is_ack(&a, PROTO_MSG_CLINICIAN_BOLUS) && a.flags == PROTO_KIND_RESPONSE);
    CHECK(count_events(&dev, PUMP_EV_BOLUS_START) == 2u);
    /* Reads are not remembered: re-executed, never flagged REPLAYED. */
    a = reply_to(&dev, PROTO_MSG_GET_STATUS, 900u, NULL);
    b = reply_to(&dev, PROTO_MSG_GET_STATUS, 900u, NULL);
    CHECK(a.flags == PROTO_KIND_RESPONSE && b.flags == PROTO_KIND_RESPONSE);
    device_get_stats(&dev, &s);
    CHECK(s.replayed == 2u);
}

static void test_cache_evicts_oldest(void)
{
    uint16_t seq = 1u;
    uint16_t i;
    frame_t r;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    program(&dev, &seq);
    /* 9 SUSPEND/RESUME pairs' worth of seqs: the first falls out of 8. */
    for (i = 0u; i < DEVICE_CACHE_ENTRIES + 1u; i++) {
        r = reply_to(&dev, (i % 2u == 0u) ? PROTO_MSG_SUSPEND : PROTO_MSG_RESUME,
                     (uint16_t)(1000u + i), NULL);
        CHECK(is_ack(&r, (i % 2u == 0u) ? PROTO_MSG_SUSPEND : PROTO_MSG_RESUME));
    }
    r = reply_to(&dev, PROTO_MSG_RESUME, (uint16_t)(1000u + DEVICE_CACHE_ENTRIES - 1u), NULL);
    CHECK((r.flags & PROTO_FLAG_REPLAYED) != 0u);          /* still remembered */
    r = reply_to(&dev, PROTO_MSG_SUSPEND, 1000u, NULL);      /* forgotten: runs again */
    CHECK(r.flags == PROTO_KIND_RESPONSE);
}

/* The 4 bytes at msg[n-4..n-1] that give proto_crc32(0, msg, n) == target.
 * CRC-32 is affine in the message bits, so the 32 unknown bits solve a
 * 32 x 32 linear system over GF(2) (Gaussian elimination). Returns 1 if
 * solved. */
static int forge_crc_tail(uint8_t *msg, size_t n, uint32_t target)
{
    uint32_t col[32];
    uint32_t base;
    uint32_t rhs;
    uint32_t sol = 0u;
    uint32_t rows[32];    /* row r: bit i = coefficient of unknown i; its right side: bit r of rhs_bits */
    uint32_t rhs_bits = 0u;
    uint32_t i;
    uint32_t r;

    (void)memset(&msg[n - 4u], 0, 4u);
    base = proto_crc32(0u, msg, n);
    for (i = 0u; i < 32u; i++) {
        (void)memset(&msg[n - 4u], 0, 4u);
        msg[n - 4u + i / 8u] = (uint8_t)(1u << (i % 8u));
        col[i] = proto_crc32(0u, msg, n) ^ base;
    }
    rhs = target ^ base;
    for (r = 0u; r < 32u; r++) {            /* equation r: output bit r */
        rows[r] = 0u;
        for (i = 0u; i < 32u; i++) {
            rows[r] |= ((col[i] >> r) & 1u) << i;
        }
        rhs_bits |= ((rhs >> r) & 1u) << r;
    }
    for (i = 0u; i < 32u; i++) {            /* eliminate unknown i */
        uint32_t p = 32u;
        for (r = i; r < 32u; r++) {
            if (((rows[r] >> i) & 1u) != 0u) {
                p = r;
                break;
            }
        }
        if (p == 32u) {
            return 0;
        }
        if (p != i) {
            uint32_t t = rows[p];
            uint32_t tb = (rhs_bits >> p) & 1u;
            uint32_t ib = (rhs_bits >> i) & 1u;
            rows[p] = rows[i];
            rows[i] = t;
            rhs_bits = (rhs_bits & ~((1u << p) | (1u << i))) | (ib << p) | (tb << i);
        }
        for (r = 0u; r < 32u; r++) {
            if (r != i && ((rows[r] >> i) & 1u) != 0u) {
                rows[r] ^= rows[i];
                rhs_bits ^= ((rhs_bits >> i) & 1u) << r;
            }
        }
    }
    for (i = 0u; i < 32u; i++) {
        sol |= ((rhs_bits >> i) & 1u) << i;   /* row i is now x_i alone */
    }
    for (i = 0u; i < 4u; i++) {
        msg[n - 4u + i] = (uint8_t)(sol >> (8u * i));
    }
    return (proto_crc32(0u, msg, n) == target) ? 1 : 0;
}

/* The attack of issue 11: a 5 mL bolus whose payload has the CRC-32 of a
 * remembered 60 uL bolus, sent with the same seq, must be executed (matched
 * on its bytes), never answered from the cache as if it had been given. */
static void test_cache_matches_full_request(void)
{
    uint16_t seq = 1u;
    proto_msg_t small;
    proto_msg_t big;
    uint8_t p_small[PROTO_MAX_PAYLOAD];
    uint8_t p_big[PROTO_MAX_PAYLOAD];
    size_t n_small = 0u;
    size_t n_big = 0u;
    uint32_t k;
    int forged = 0;
    frame_t r;
    pump_status_t st;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    program(&dev, &seq);
    (void)memset(&small, 0, sizeof small);
    small.clinician_bolus.volume_nl = 60000u;
    small.clinician_bolus.duration_ms = 600000u;
    CHECK(proto_msg_encode(PROTO_MSG_CLINICIAN_BOLUS, &small, p_small, sizeof p_small, &n_small) == PROTO_OK);
    CHECK(n_small == 8u);
    CHECK(req_ack(&dev, PROTO_MSG_CLINICIAN_BOLUS, 700u, &small) != 0);
    (void)memset(&big, 0, sizeof big);
    big.advance.delta_ms = 3600000u;               /* the 60 uL bolus ends */
    r = reply_to(&dev, PROTO_MSG_ADVANCE, seq++, &big);
    CHECK(r.type == PROTO_MSG_STATUS);
    /* 5 mL (+ k nL), duration forged so the CRC-32 equals the small one's;
     * k moves until that duration is a valid one (>= 5 min at 1 mL/min). */
    for (k = 0u; k < 100000u && forged == 0; k++) {
        (void)memset(&big, 0, sizeof big);
        big.clinician_bolus.volume_nl = 5000000u + k;
        big.clinician_bolus.duration_ms = 0u;
        CHECK(proto_msg_encode(PROTO_MSG_CLINICIAN_BOLUS, &big, p_big, sizeof p_big, &n_big) == PROTO_OK);
        if (n_big == n_small && forge_crc_tail(p_big, n_big, proto_crc32(0u, p_small, n_small)) != 0) {
            CHECK(proto_msg_decode(PROTO_MSG_CLINICIAN_BOLUS, p_big, n_big, &big) == PROTO_OK);
            forged = (big.clinician_bolus.duration_ms >= 300000u &&
                      big.clinician_bolus.duration_ms <= PUMP_BOLUS_DURATION_MAX_MS) ? 1 : 0;
        }
    }
    CHECK(forged == 1);
    CHECK(memcmp(p_big, p_small, n_small) != 0);
    CHECK(proto_crc32(0u, p_big, n_big) == proto_crc32(0u, p_small, n_small));
    r = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 700u, &big);
    CHECK(is_ack(&r, PROTO_MSG_CLINICIAN_BOLUS));
    CHECK(r.flags == PROTO_KIND_RESPONSE);                    /* executed, not replayed */
    CHECK(count_events(&dev, PUMP_EV_BOLUS_START) == 2u);
    pump_get_status(device_pump(&dev), &st);
    CHECK(st.bolus_remaining_nl > 4000000u);                  /* the 5 mL bolus runs */
    /* Its retry (same bytes) is now the remembered one. */
    r = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 700u, &big);
    CHECK(r.flags == (PROTO_KIND_RESPONSE | PROTO_FLAG_REPLAYED));
    CHECK(count_events(&dev, PUMP_EV_BOLUS_START) == 2u);
    /* And the small one with that seq is a new request again. */
    r = reply_to(&dev, PROTO_MSG_CLINICIAN_BOLUS, 700u, &small);
    CHECK(r.flags == PROTO_KIND_RESPONSE && nak_reason(&r) == PUMP_E_BOLUS_ACTIVE);
}

static void test_refusals_before_execution(void)
{
    proto_msg_t m;
    frame_t r;
    uint8_t raw[PROTO_MAX_WIRE];
    uint8_t body[4] = {0u, 0u, 0u, 0u};
    size_t n = 0u;

    start(&dev, DEVICE_CLOCK_REALTIME, 0u, 0u);
    (void)memset(&m, 0, sizeof m);
    m.advance.delta_ms = 1000u;
    CHECK(req_nak(&dev, PROTO_MSG_ADVANCE, 1u, &m) == PROTO_NAK_CLOCK_MODE);
    (void)memset(&m, 0, sizeof m);
    m.inject_fault.fault = 1u;
    CHECK(req_nak(&dev, PROTO_MSG_INJECT_FAULT, 2u, &m) == PROTO_NAK_UNSUPPORTED);
    r = reply_to(&dev, PROTO_MSG_INJECT_FAULT, 2u, &m);
    CHECK(nak_reason(&r) == PROTO_NAK_UNSUPPORTED && r.flags == PROTO_KIND_RESPONSE); /* not cached */
    CHECK(count_events(&dev, PUMP_EV_FAULT_INJECTED) == 0u);
    /* ACK sent as a request: UNEXPECTED_MESSAGE. */
    (void)memset(raw, 0, sizeof raw);
    n = raw_frame(PROTO_MSG_ACK, 3u, PROTO_KIND_REQUEST, body, 1u, raw);
    CHECK(rx_all(&dev, raw, n) == DEVICE_OK);
    {
        out_t o;
        drain(&dev, &o);
        CHECK(o.n == 1u && nak_reason(&o.f[0]) == PROTO_NAK_UNEXPECTED_MESSAGE);
    }
    /* A PRESCRIBE with a short payload: BAD_LENGTH. */
    n = raw_frame(PROTO_MSG_PRESCRIBE, 4u, PROTO_KIND_REQUEST, body, 3u, raw);
    CHECK(rx_all(&dev, raw, n) == DEVICE_OK);
    {
        out_t o;
        drain(&dev, &o);
        CHECK(o.n == 1u && nak_reason(&o.f[0]) == PROTO_NAK_BAD_LENGTH && o.f[0].seq == 4u);
    }
    /* Responses sent to the device are never answered. */
    body[0] = PROTO_MSG_HELLO;
    n = raw_frame(PROTO_MSG_ACK, 5u, PROTO_KIND_RESPONSE, body, 1u, raw);
    CHECK(rx_all(&dev, raw, n) == DEVICE_OK);
    CHECK(device_tx_pending(&dev) == 0u);
    /* Time: tick moves it in realtime mode, never backwards. */
    CHECK(device_tick(&dev, 5000u) == DEVICE_OK && device_now_ms(&dev) == 5000u);
    CHECK(device_tick(&dev, 4000u) == PUMP_E_TIME && device_now_ms(&dev) == 5000u);
}

static void test_garbage_between_frames(void)
{
    static const uint8_t junk[] = {0x13, 0x00, 0xFF, 0xFF, 0x41, 0x42, 0x00, 0x00, 0x99, 0x01};
    uint8_t wire[PROTO_MAX_WIRE];
    size_t n = 0u;
    out_t o;
    uint16_t i;
    device_stats_t s;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    CHECK(device_tx(&dev, wire, sizeof wire) == 1u);
    for (i = 0u; i < 5u; i++) {
        CHECK(rx_all(&dev, junk, sizeof junk) == DEVICE_OK);
        n = encode_empty(PROTO_MSG_GET_STATUS, (uint16_t)(40u + i), wire, sizeof wire);
        /* The junk ends without a delimiter: a leading 0x00 ends it. */
        CHECK(rx_all(&dev, (const uint8_t *)"\0", 1u) == DEVICE_OK);
        CHECK(rx_all(&dev, wire, n) == DEVICE_OK);
        /* Drained per request, as a host reads each reply (5 unread STATUS
         * replies would not fit the output queue: that is test_output_queue_limits). */
        drain(&dev, &o);
        CHECK(o.n == 1u && o.dropped == 0u);
        CHECK(o.f[0].type == PROTO_MSG_STATUS && o.f[0].seq == 40u + i);
    }
    device_get_stats(&dev, &s);
    CHECK(s.rx_dropped_chunks > 0u && s.requests == 5u);
    /* A frame split over many device_rx calls, one byte each. */
    n = encode_empty(PROTO_MSG_HELLO, 77u, wire, sizeof wire);
    for (i = 0u; i < n; i++) {
        CHECK(rx_all(&dev, &wire[i], 1u) == DEVICE_OK);
    }
    drain(&dev, &o);
    CHECK(o.n == 1u && o.f[0].type == PROTO_MSG_HELLO_INFO && o.f[0].seq == 77u);
}

static void test_output_queue_limits(void)
{
    uint8_t wire[PROTO_MAX_WIRE];
    uint8_t burst[40u * 16u];
    size_t n = 0u;
    size_t total = 0u;
    uint32_t i;
    uint32_t statuses = 0u;
    uint32_t busy = 0u;
    uint32_t turns;
    size_t used = 0u;
    size_t more = 0u;
    out_t o;
    static out_t all;
    device_stats_t s;

    /* Hold mode keeps everything queued until the save: the queue fills and
     * device_rx stops taking bytes (backpressure) instead of answering BUSY
     * or dropping a reply; the host feeds the rest once output has left. */
    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 1u);
    for (i = 0u; i < 40u; i++) {
        n = encode_empty(PROTO_MSG_GET_STATUS, (uint16_t)i, wire, sizeof wire);
        CHECK(total + n <= sizeof burst);
        (void)memcpy(&burst[total], wire, n);
        total += n;
    }
    CHECK(device_rx(&dev, burst, total, &used) == DEVICE_OK);
    CHECK(used > 0u && used < total);
    CHECK(device_nv_dirty(&dev) == 1);
    CHECK(device_tx(&dev, wire, sizeof wire) == 0u);          /* held */
    CHECK(device_tx_pending(&dev) <= DEVICE_TXQ_SIZE);
    CHECK(device_rx(&dev, &burst[used], total - used, &more) == DEVICE_OK && more == 0u);
    device_nv_saved(&dev, device_nv_generation(&dev));
    (void)memset(&all, 0, sizeof all);
    for (turns = 0u; turns < 40u; turns++) {   /* each turn takes >= 1 request */
        drain(&dev, &o);
        CHECK(o.dropped == 0u);
        for (i = 0u; i < o.n && all.n < MAX_OUT; i++) {
            all.f[all.n++] = o.f[i];
        }
        if (used == total) {
            break;
        }
        CHECK(device_rx(&dev, &burst[used], total - used, &more) == DEVICE_OK && more > 0u);
        used += more;
    }
    CHECK(used == total);
    for (i = 0u; i < all.n; i++) {
        statuses += (all.f[i].type == PROTO_MSG_STATUS && all.f[i].seq == i) ? 1u : 0u;
        busy += (nak_reason(&all.f[i]) == PROTO_NAK_BUSY) ? 1u : 0u;
    }
    device_get_stats(&dev, &s);
    /* Every request got its STATUS, in order; none BUSY, none dropped. */
    CHECK(all.n == 40u && statuses == 40u);
    CHECK(busy == 0u && s.busy == 0u && s.replies_dropped == 0u && s.requests == 40u);

    /* Telemetry is dropped before replies: with the queue nearly full, a due
     * STATUS is not queued but a request still gets its reply. */
    {
        pump_config_t cfg;
        device_options_t opt;
        proto_msg_t m;
        uint16_t seq = 1u;

        pump_default_config(&cfg);
        options(&opt, DEVICE_CLOCK_MANUAL, 0u, 1u);
        opt.telemetry_period_ms = 1000u;
        CHECK(device_init(&dev, &cfg, &opt) == DEVICE_OK);
        /* STATUS replies (89 bytes each) held until less than a largest
         * frame (PROTO_MAX_WIRE) is left free: with the 576-byte queue, 4. */
        for (i = 0u; device_tx_pending(&dev) + PROTO_MAX_WIRE <= DEVICE_TXQ_SIZE; i++) {
            CHECK(i < DEVICE_TXQ_SIZE / 89u);
            send_msg(&dev, PROTO_MSG_GET_STATUS, seq++, NULL);
        }
        CHECK(i == (DEVICE_TXQ_SIZE - PROTO_MAX_WIRE) / 89u + 1u);
        CHECK(device_tx_pending(&dev) > DEVICE_TXQ_SIZE - PROTO_MAX_WIRE);
        CHECK(device_tx_pending(&dev) + PROTO_MAX_WIRE > DEVICE_TXQ_SIZE);
        (void)memset(&m, 0, sizeof m);
        m.advance.delta_ms = 5000u;
        /* No room for a full reply: device_rx takes none of the ADVANCE
         * (the host keeps it), rather than answering BUSY. */
        {
            uint8_t payload[PROTO_MAX_PAYLOAD];
            size_t plen = 0u;

            CHECK(proto_msg_encode(PROTO_MSG_ADVANCE, &m, payload, sizeof payload, &plen) == PROTO_OK);
            CHECK(proto_frame_encode(PROTO_MSG_ADVANCE, seq, (uint8_t)PROTO_KIND_REQUEST, payload,
                                     plen, wire, sizeof wire, &n) == PROTO_OK);
            used = 7u;
            CHECK(device_rx(&dev, wire, n, &used) == DEVICE_OK && used == 0u);
        }
        device_nv_saved(&dev, device_nv_generation(&dev));
        drain(&dev, &o);
        CHECK(o.n == i);                                  /* the STATUS replies only */
        CHECK(device_now_ms(&dev) == 0u);                 /* not executed */
        /* Now with room: the ADVANCE runs and telemetry follows its reply. */
        send_msg(&dev, PROTO_MSG_ADVANCE, seq, &m);
        device_nv_saved(&dev, device_nv_generation(&dev));
        drain(&dev, &o);
        CHECK(o.n == 2u && o.f[0].type == PROTO_MSG_STATUS && o.f[0].seq == seq);
        CHECK(o.f[1].type == PROTO_MSG_STATUS && o.f[1].flags == PROTO_KIND_UNSOLICITED);
        CHECK(device_now_ms(&dev) == 5000u);
    }
}

static void test_alarm_and_telemetry(void)
{
    pump_config_t cfg;
    device_options_t opt;
    proto_msg_t m;
    out_t o;
    proto_alarm_t a;
    uint16_t seq = 1u;
    uint32_t i;
    uint32_t telemetry = 0u;

    pump_default_config(&cfg);
    options(&opt, DEVICE_CLOCK_MANUAL, 1u, 0u);
    opt.telemetry_period_ms = 60000u;
    CHECK(device_init(&dev, &cfg, &opt) == DEVICE_OK);
    drain(&dev, &o);
    (void)memset(&m, 0, sizeof m);
    m.inject_fault.fault = (uint8_t)PUMP_FAULT_MEMORY;
    send_msg(&dev, PROTO_MSG_INJECT_FAULT, seq++, &m);
    drain(&dev, &o);
    CHECK(o.n == 2u && is_ack(&o.f[0], PROTO_MSG_INJECT_FAULT));
    CHECK(o.f[1].type == PROTO_MSG_ALARM && o.f[1].flags == PROTO_KIND_UNSOLICITED);
    CHECK(proto_decode_alarm(o.f[1].payload, o.f[1].len, &a) == PROTO_OK);
    CHECK(a.alarms == PUMP_ALARM_MEMORY_ERROR && a.raised == PUMP_ALARM_MEMORY_ERROR && a.cleared == 0u);
    m.inject_fault.action = (uint8_t)PROTO_FAULT_ACTION_CLEAR;
    send_msg(&dev, PROTO_MSG_INJECT_FAULT, seq++, &m);
    drain(&dev, &o);
    CHECK(o.n == 2u && o.f[1].type == PROTO_MSG_ALARM && o.f[1].seq == o.f[1].seq);
    CHECK(proto_decode_alarm(o.f[1].payload, o.f[1].len, &a) == PROTO_OK);
    CHECK(a.alarms == 0u && a.cleared == PUMP_ALARM_MEMORY_ERROR);
    /* A day in one ADVANCE: one STATUS telemetry frame, not 1440. */
    (void)memset(&m, 0, sizeof m);
    m.advance.delta_ms = PUMP_MS_PER_DAY;
    send_msg(&dev, PROTO_MSG_ADVANCE, seq++, &m);
    drain(&dev, &o);
    for (i = 0u; i < o.n; i++) {
        telemetry += (o.f[i].type == PROTO_MSG_STATUS && o.f[i].flags == PROTO_KIND_UNSOLICITED) ? 1u : 0u;
    }
    CHECK(telemetry == 1u);
    CHECK(dev.telemetry_due_ms == PUMP_MS_PER_DAY + 60000u);
}

static void test_save_load(void)
{
    uint16_t seq = 1u;
    proto_msg_t m;
    frame_t r;
    size_t len = 0u;
    size_t len2 = 0u;
    uint32_t gen;
    static uint8_t image2[65536];

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 1u);
    CHECK(device_image_size() <= sizeof image);
    program(&dev, &seq);   /* hold mode: program() must save between requests */
    (void)memset(&m, 0, sizeof m);
    m.clinician_bolus.volume_nl = 100000u;
    m.clinician_bolus.duration_ms = 3600000u;
    send_msg(&dev, PROTO_MSG_CLINICIAN_BOLUS, 700u, &m);
    CHECK(device_nv_dirty(&dev) == 1);
    gen = device_nv_generation(&dev);
    CHECK(device_save(&dev, image, sizeof image, &len) == DEVICE_OK && len == device_image_size());
    CHECK(device_save(&dev, image, len - 1u, &len2) == DEVICE_E_NOSPACE);
    device_nv_saved(&dev, gen);
    CHECK(device_nv_dirty(&dev) == 0);
    /* The device "dies" with the ACK unsent. A new one loads the image. */
    start(&dev2, DEVICE_CLOCK_MANUAL, 0u, 1u);
    CHECK(device_load(&dev2, image, len) == DEVICE_OK);
    CHECK(count_events(&dev2, PUMP_EV_RESET) == 1u);
    CHECK(device_nv_dirty(&dev2) == 1);
    device_nv_saved(&dev2, device_nv_generation(&dev2));
    {
        uint8_t z[4];
        CHECK(device_tx(&dev2, z, sizeof z) == 1u && z[0] == 0u);   /* reset delimiter */
    }
    send_msg(&dev2, PROTO_MSG_CLINICIAN_BOLUS, 700u, &m);            /* the host's retry */
    CHECK(device_nv_dirty(&dev2) == 0);                              /* nothing executed */
    {
        out_t o;
        drain(&dev2, &o);
        CHECK(o.n == 1u && is_ack(&o.f[0], PROTO_MSG_CLINICIAN_BOLUS));
        CHECK(o.n == 1u && o.f[0].flags == (PROTO_KIND_RESPONSE | PROTO_FLAG_REPLAYED));
    }
    CHECK(count_events(&dev2, PUMP_EV_BOLUS_START) == 1u);
    /* Save of the loaded device equals the image except generation, log, CRC:
     * saving twice without a change gives the same bytes. */
    CHECK(device_save(&dev2, image, sizeof image, &len) == DEVICE_OK);
    CHECK(device_save(&dev2, image2, sizeof image2, &len2) == DEVICE_OK);
    CHECK(len == len2 && memcmp(image, image2, len) == 0);
    (void)r;
}

static void test_bad_images(void)
{
    size_t len = 0u;
    size_t i;
    uint16_t seq = 1u;
    pump_status_t before;
    pump_status_t after;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    program(&dev, &seq);
    CHECK(device_save(&dev, image, sizeof image, &len) == DEVICE_OK);
    start(&dev2, DEVICE_CLOCK_MANUAL, 0u, 0u);
    pump_get_status(device_pump(&dev2), &before);
    CHECK(device_load(&dev2, image, 0u) == DEVICE_E_IMAGE_SIZE);
    CHECK(device_load(&dev2, image, len - 1u) == DEVICE_E_IMAGE_SIZE);
    image[0] ^= 0x01u;
    CHECK(device_load(&dev2, image, len) == DEVICE_E_IMAGE_MAGIC);
    image[0] ^= 0x01u;
    image[4] = 9u;
    CHECK(device_load(&dev2, image, len) == DEVICE_E_IMAGE_VERSION);
    image[4] = (uint8_t)DEVICE_IMAGE_VERSION;
    /* Every single flipped bit after the header is caught by the CRC. */
    for (i = 16u; i < len; i += 97u) {
        image[i] ^= 0x10u;
        CHECK(device_load(&dev2, image, len) == DEVICE_E_IMAGE_CRC);
        image[i] ^= 0x10u;
    }
    pump_get_status(device_pump(&dev2), &after);
    CHECK(memcmp(&before, &after, sizeof before) == 0);   /* untouched */
    CHECK(device_load(&dev2, image, len) == DEVICE_OK);
}

/* Deterministic generator for the fuzz run (xorshift32). */
static uint32_t rng_state = 0x12345678u;
static uint32_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_fuzz_output_is_wellformed(void)
{
    uint8_t buf[300];
    uint8_t wire[PROTO_MAX_WIRE];
    uint32_t round;
    uint32_t frames = 0u;

    start(&dev, DEVICE_CLOCK_MANUAL, 1u, 0u);
    for (round = 0u; round < 3000u; round++) {
        size_t n = rng() % sizeof buf;
        size_t i;
        out_t o;
        for (i = 0u; i < n; i++) {
            buf[i] = (uint8_t)rng();
        }
        /* Now and then a valid request of a random type and random payload. */
        if (round % 3u == 0u) {
            uint8_t payload[PROTO_MAX_PAYLOAD];
            size_t plen = rng() % 40u;
            size_t wn = 0u;
            uint8_t type = (uint8_t)(1u + rng() % 15u);
            for (i = 0u; i < plen; i++) {
                payload[i] = (uint8_t)rng();
            }
            if (type == PROTO_MSG_ADVANCE && plen >= 8u) {
                payload[7] = 0u;   /* keep time within years */
                payload[6] = 0u;
                payload[5] = 0u;
            }
            if (proto_frame_encode(type, (uint16_t)rng(), PROTO_KIND_REQUEST, payload, plen,
                                   wire, sizeof wire, &wn) == PROTO_OK && n + wn + 1u <= sizeof buf) {
                buf[n] = 0u;
                (void)memcpy(&buf[n + 1u], wire, wn);
                n += wn + 1u;
            }
        }
        CHECK(rx_all(&dev, buf, n) == DEVICE_OK);
        drain(&dev, &o);
        CHECK(o.dropped == 0u);          /* everything the device sent is intact */
        frames += o.n;
    }
    CHECK(frames > 500u);
    CHECK(pump_check(device_pump(&dev)) == PUMP_OK);
}

/* A new peer's first bytes never complete the previous peer's unfinished
 * frame (issue: TCP splice): device_rx_reset drops the partial frame. */
static void test_rx_reset_between_peers(void)
{
    uint8_t wire[PROTO_MAX_WIRE];
    size_t n;
    out_t o;
    device_stats_t before;
    device_stats_t after;

    start(&dev, DEVICE_CLOCK_MANUAL, 0u, 0u);
    drain(&dev, &o);
    n = encode_empty(PROTO_MSG_GET_STATUS, 9u, wire, sizeof wire);
    CHECK(n > 2u && wire[n - 1u] == 0u);
    /* Peer 1: everything but the final delimiter (the leading one too). */
    CHECK(rx_all(&dev, wire, n - 1u) == DEVICE_OK);
    device_get_stats(&dev, &before);
    CHECK(device_rx_reset(&dev) == n - 2u);   /* the bytes after the leading 0x00 */
    CHECK(device_rx_reset(&dev) == 0u);
    /* Peer 2 starts with a delimiter: without the reset it completes the frame. */
    CHECK(rx_all(&dev, (const uint8_t *)"\0", 1u) == DEVICE_OK);
    drain(&dev, &o);
    device_get_stats(&dev, &after);
    CHECK(o.n == 0u && after.requests == before.requests);
    /* And the line works for peer 2. */
    CHECK(rx_all(&dev, wire, n) == DEVICE_OK);
    drain(&dev, &o);
    CHECK(o.n == 1u && o.f[0].type == PROTO_MSG_STATUS && o.f[0].seq == 9u);
}

static void test_api_arguments(void)
{
    pump_config_t cfg;
    device_options_t opt;
    size_t n = 7u;

    pump_default_config(&cfg);
    device_default_options(&opt);
    CHECK(device_init(NULL, &cfg, &opt) == DEVICE_E_ARG);
    opt.clock_speed = 1u;   /* manual mode must say speed 0 */
    CHECK(device_init(&dev, &cfg, &opt) == DEVICE_E_OPTIONS);
    device_default_options(&opt);
    opt.telemetry_period_ms = DEVICE_TELEMETRY_PERIOD_MAX_MS + 1u;
    CHECK(device_init(&dev, &cfg, &opt) == DEVICE_E_OPTIONS);
    device_default_options(&opt);
    cfg.stroke_nl = 0u;
    CHECK(device_init(&dev, &cfg, &opt) == PUMP_E_CONFIG);
    CHECK(device_rx(NULL, NULL, 0u, &n) == DEVICE_E_ARG && n == 0u);
    CHECK(device_rx_reset(NULL) == 0u);
    CHECK(strcmp(device_result_name(DEVICE_E_IMAGE_CRC), "DEVICE_E_IMAGE_CRC") == 0);
    CHECK(strcmp(device_result_name(PUMP_E_LOCKOUT), pump_result_name(PUMP_E_LOCKOUT)) == 0);
}

int main(void)
{
    test_api_arguments();
    test_rx_reset_between_peers();
    test_hello_and_reset_delimiter();
    test_battery_charged_per_byte();
    test_split_invariance();
    test_every_request();
    test_reply_cache();
    test_cache_evicts_oldest();
    test_cache_matches_full_request();
    test_refusals_before_execution();
    test_garbage_between_frames();
    test_output_queue_limits();
    test_alarm_and_telemetry();
    test_save_load();
    test_bad_images();
    test_fuzz_output_is_wellformed();
    if (failures != 0) {
        printf("test_device: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_device: all checks passed\n");
    return 0;
}
