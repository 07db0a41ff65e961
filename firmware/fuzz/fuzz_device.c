/*
 * fuzz_device.c — libFuzzer harness over the device dispatcher (firmware/device):
 * received bytes in, frames executed on the dosing core, replies out.
 *
 * Input: byte 0 chooses the start (bit 0: a programmed pump — refilled and
 * prescribed — instead of a new one; bit 1: telemetry every hour; bit 2: the
 * default 250 nL stroke instead of a 10 uL one, which makes an ADVANCE of
 * years 40 times slower to simulate; bit 3: also save the image and load
 * it onto a new device — CRC-heavy, so only when asked; bit 4: session keys
 * provisioned after programming, so every request but HELLO and the
 * handshake meets the session checks of protocol/spec.md section 6); the rest is the
 * serial line's bytes. The device runs in manual clock mode with test
 * features on (ADVANCE and INJECT_FAULT reachable). Checked for every input,
 * beyond what AddressSanitizer and UBSan catch:
 *   1. The core's invariants hold after the stream (pump_check) and volumes
 *      balance exactly: filled = discarded + pumped + reservoir.
 *   2. Feeding the stream in one call and one byte at a time gives the same
 *      output bytes (device.h: replies do not depend on how bytes arrive),
 *      each fed as a host does: what device_rx leaves waits for a drain.
 *   3. Everything the device sends decodes as intact frames: no drops.
 *   4. (bit 3) The saved image loads onto a new device, which passes pump_check.
 * A failed check aborts, which libFuzzer reports as a crash with the input.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "proto.h"
#include "proto_msgs.h"
#include "pump.h"
#include "../tests/therapy_msgs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OUT_MAX 65536u

static device_t g_whole;
static device_t g_bytes;
static device_t g_loaded;
static uint8_t g_out_whole[OUT_MAX];
static uint8_t g_out_bytes[OUT_MAX];
static uint8_t g_image[32768];

static void fail(const char *what)
{
    (void)fprintf(stderr, "fuzz_device: invariant broken: %s\n", what);
    abort();
}

static void must(int result, const char *what)
{
    if (result != DEVICE_OK) {
        (void)fprintf(stderr, "fuzz_device: %s returned %d\n", what, result);
        abort();
    }
}

/* Drain the output queue into out (bounded); returns the new length. */
static size_t drain(device_t *d, uint8_t *out, size_t len)
{
    size_t n;
    do {
        uint8_t chunk[DEVICE_TXQ_SIZE];
        n = device_tx(d, chunk, sizeof chunk);
        if (len + n <= OUT_MAX) {
            memcpy(out + len, chunk, n);
        }
        len += n;
    } while (n > 0u);
    return len;
}

/* Feed n bytes as a host does (device.h HOST CONTRACT): what device_rx
 * leaves (output queue short of room) is fed again once its output is drained
 * into out. Each turn consumes a byte or drains the queue, after which the
 * next turn consumes: bounded by 2n turns. Returns the new output length. */
static size_t feed(device_t *d, const uint8_t *p, size_t n, uint8_t *out, size_t len)
{
    while (n > 0u) {
        size_t used = 0u;
        size_t before = len;

        must(device_rx(d, p, n, &used), "device_rx");
        if (used > n) {
            fail("device_rx consumed more than it was given");
        }
        p += used;
        n -= used;
        if (n > 0u) {
            len = drain(d, out, len);
            if (used == 0u && len == before) {
                fail("device_rx stalls with nothing to send");
            }
        }
    }
    return len;
}

/* Setup requests: output of a stall is discarded (both devices get the same setup). */
static void feed_setup(device_t *d, const uint8_t *p, size_t n)
{
    static uint8_t scratch[OUT_MAX];
    (void)feed(d, p, n, scratch, 0u);
}

static void send_request(device_t *d, uint8_t msg_type, uint16_t seq, const proto_msg_t *m)
{
    uint8_t wire[PROTO_MAX_WIRE];
    size_t len = 0u;
    if (proto_encode(msg_type, seq, PROTO_KIND_REQUEST, m, wire, sizeof wire, &len) != PROTO_OK) {
        fail("setup request does not encode");
    }
    feed_setup(d, wire, len);
}

/* The therapy of firmware/tests/therapy_msgs.h, as the device tests set it up. */
static void program(device_t *d)
{
    proto_msg_t m;
    therapy_refill_msg(&m);
    send_request(d, PROTO_MSG_REFILL, 60000u, &m);
    therapy_prescribe_msg(&m);
    send_request(d, PROTO_MSG_PRESCRIBE, 60001u, &m);
}

static void start(device_t *d, uint8_t mode)
{
    pump_config_t cfg;
    device_options_t opt;
    pump_default_config(&cfg);
    if ((mode & 4u) == 0u) {
        cfg.stroke_nl = 10000u;   /* the largest stroke the core accepts */
    }
    device_default_options(&opt);
    opt.test_features = 1u;
    opt.telemetry_period_ms = (mode & 2u) ? 3600000u : 0u;
    must(device_init(d, &cfg, &opt), "device_init");
    if (mode & 1u) {
        program(d);
    }
    if (mode & 16u) {
        static const uint8_t clinician[32] = {1u, 2u, 3u};
        static const uint8_t patient[32] = {4u, 5u, 6u};
        static const uint8_t seed[32] = {7u};
        must(device_provision(d, clinician, patient), "device_provision");
        must(device_seed(d, seed, sizeof seed), "device_seed");
    }
}

static void check_pump(const device_t *d)
{
    pump_balance_t b;
    const pump_t *p = device_pump(d);
    if (pump_check(p) != PUMP_OK) { fail("pump_check"); }
    pump_get_balance(p, &b);
    if (b.filled_nl != b.discarded_nl + b.pumped_nl + (uint64_t)b.reservoir_nl) {
        fail("volumes do not balance");
    }
}

static void check_output(const uint8_t *out, size_t len)
{
    static proto_decoder_t dec;
    proto_frame_t f;
    int ready = 0;
    size_t pos = 0u;
    size_t i;
    proto_decoder_init(&dec);
    while (pos < len) {
        pos += proto_decoder_feed(&dec, out + pos, len - pos, &f, &ready);
    }
    for (i = 0u; i < PROTO_DROP_COUNT; i++) {
        if (dec.dropped_chunks[i] != 0u) { fail("the device sent a damaged frame"); }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t out_whole;
    size_t out_bytes;
    size_t image_len = 0u;
    size_t i;
    uint8_t mode;

    if (size == 0u) {
        return 0;
    }
    mode = data[0];
    data++;
    size--;
    start(&g_whole, mode);
    start(&g_bytes, mode);
    out_whole = drain(&g_whole, g_out_whole, 0u);
    out_bytes = drain(&g_bytes, g_out_bytes, 0u);

    out_whole = feed(&g_whole, data, size, g_out_whole, out_whole);
    for (i = 0u; i < size; i++) {
        out_bytes = feed(&g_bytes, data + i, 1u, g_out_bytes, out_bytes);
    }
    out_whole = drain(&g_whole, g_out_whole, out_whole);
    out_bytes = drain(&g_bytes, g_out_bytes, out_bytes);
    if (out_whole != out_bytes ||
        memcmp(g_out_whole, g_out_bytes, out_whole < OUT_MAX ? out_whole : OUT_MAX) != 0) {
        fail("output depends on how the input bytes were split");
    }
    check_output(g_out_whole, out_whole < OUT_MAX ? out_whole : OUT_MAX);
    check_pump(&g_whole);

    if ((mode & 8u) == 0u) {
        return 0;
    }
    must(device_save(&g_whole, g_image, sizeof g_image, &image_len), "device_save");
    start(&g_loaded, 0u);
    must(device_load(&g_loaded, g_image, image_len), "device_load of a saved image");
    check_pump(&g_loaded);
    return 0;
}
