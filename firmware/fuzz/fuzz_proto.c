/*
 * fuzz_proto.c — libFuzzer harness over the C frame decoder (firmware/proto).
 *
 * Input: any byte stream, as a serial line could deliver it. Checked for
 * every input, beyond what AddressSanitizer and UBSan catch:
 *   1. Feeding the stream in one call and one byte at a time gives the same
 *      frames and the same drop counts (the decoder keeps no hidden state
 *      that depends on how bytes arrive).
 *   2. Every delivered frame passes checks 1-7 (version, lengths, known
 *      type) and its payload pointer lies inside the decoder's buffer.
 *   3. A frame whose payload decodes (checks 8-15) re-encodes to a wire frame
 *      that decodes to the same type, seq, flags and payload bytes
 *      (decode and encode are inverse on everything accepted).
 *   4. Every byte is accounted for: frames + dropped chunks never exceed
 *      the number of delimiters + 1.
 * A failed check aborts, which libFuzzer reports as a crash with the input.
 *
 * Build and run: `make fuzz` (clang -fsanitize=fuzzer,address,undefined).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "proto_msgs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FRAMES 4096u

typedef struct {
    uint8_t  msg_type;
    uint16_t seq;
    uint8_t  flags;
    uint8_t  payload_len;
    uint32_t payload_crc;
} seen_frame_t;

static seen_frame_t g_whole[MAX_FRAMES];
static seen_frame_t g_bytes[MAX_FRAMES];

static void fail(const char *what)
{
    (void)fprintf(stderr, "fuzz_proto: invariant broken: %s\n", what);
    abort();
}

static void check_frame(const proto_decoder_t *d, const proto_frame_t *f)
{
    const uint8_t *lo = d->buf;
    const uint8_t *hi = d->buf + sizeof d->buf;
    if (f->version != PROTO_VERSION) { fail("delivered a frame of another version"); }
    if (proto_msg_info(f->msg_type) == NULL) { fail("delivered a frame of an unknown type"); }
    if (f->payload_len > PROTO_MAX_PAYLOAD) { fail("payload longer than the maximum"); }
    if (f->payload_len > 0u && (f->payload < lo || f->payload + f->payload_len > hi)) {
        fail("payload outside the decoder's buffer");
    }
}

static void check_round_trip(const proto_frame_t *f)
{
    static proto_msg_t msg;
    static uint8_t wire[PROTO_MAX_WIRE];
    static proto_decoder_t again;
    size_t wire_len = 0u;
    proto_frame_t back;
    int ready = 0;
    size_t used;

    if (proto_frame_decode(f, &msg) != PROTO_OK) {
        return;   /* refused with a NAK reason: nothing to re-encode */
    }
    if (proto_encode(f->msg_type, f->seq, f->flags, &msg, wire, sizeof wire, &wire_len) != PROTO_OK) {
        fail("an accepted frame does not re-encode");
    }
    proto_decoder_init(&again);
    /* Skip the leading delimiter, then the frame must come out whole. */
    used = proto_decoder_feed(&again, wire, wire_len, &back, &ready);
    while (!ready && used < wire_len) {
        used += proto_decoder_feed(&again, wire + used, wire_len - used, &back, &ready);
    }
    if (!ready) { fail("a re-encoded frame does not decode"); }
    if (back.msg_type != f->msg_type || back.seq != f->seq || back.flags != f->flags ||
        back.payload_len != f->payload_len ||
        (f->payload_len > 0u && memcmp(back.payload, f->payload, f->payload_len) != 0)) {
        fail("decode and encode are not inverse");
    }
}

static void remember(seen_frame_t *list, size_t *n, const proto_frame_t *f)
{
    if (*n < MAX_FRAMES) {
        list[*n].msg_type = f->msg_type;
        list[*n].seq = f->seq;
        list[*n].flags = f->flags;
        list[*n].payload_len = f->payload_len;
        list[*n].payload_crc = proto_crc32(0u, f->payload, f->payload_len);
    }
    *n += 1u;
}

static uint32_t total_drops(const proto_decoder_t *d)
{
    uint32_t sum = 0u;
    size_t i;
    for (i = 0u; i < PROTO_DROP_COUNT; i++) {
        sum += d->dropped_chunks[i];
    }
    return sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static proto_decoder_t whole;
    static proto_decoder_t bytes;
    size_t n_whole = 0u;
    size_t n_bytes = 0u;
    size_t pos = 0u;
    size_t i;
    size_t delimiters = 0u;
    proto_frame_t f;
    int ready = 0;

    proto_decoder_init(&whole);
    proto_decoder_init(&bytes);
    while (pos < size) {
        size_t used = proto_decoder_feed(&whole, data + pos, size - pos, &f, &ready);
        if (used == 0u || used > size - pos) { fail("feed made no progress or overran"); }
        pos += used;
        if (ready) {
            check_frame(&whole, &f);
            check_round_trip(&f);
            remember(g_whole, &n_whole, &f);
        }
    }
    for (i = 0u; i < size; i++) {
        if (data[i] == 0u) { delimiters++; }
        if (proto_decoder_push(&bytes, data[i], &f)) {
            check_frame(&bytes, &f);
            remember(g_bytes, &n_bytes, &f);
        }
    }
    if (n_whole != n_bytes || whole.frames != bytes.frames) {
        fail("feeding whole and byte by byte gave different frame counts");
    }
    for (i = 0u; i < n_whole && i < MAX_FRAMES; i++) {
        const seen_frame_t *a = &g_whole[i];
        const seen_frame_t *b = &g_bytes[i];
        if (a->msg_type != b->msg_type || a->seq != b->seq || a->flags != b->flags ||
            a->payload_len != b->payload_len || a->payload_crc != b->payload_crc) {
            fail("feeding whole and byte by byte gave different frames");
        }
    }
    if (memcmp(whole.dropped_chunks, bytes.dropped_chunks, sizeof whole.dropped_chunks) != 0 ||
        memcmp(whole.dropped_bytes, bytes.dropped_bytes, sizeof whole.dropped_bytes) != 0) {
        fail("feeding whole and byte by byte gave different drop counts");
    }
    if ((size_t)whole.frames + total_drops(&whole) > delimiters + 1u) {
        fail("more frames and drops than chunks");
    }
    return 0;
}
