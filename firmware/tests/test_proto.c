/*
 * test_proto.c — the C codec (firmware/proto) under ASan/UBSan.
 *
 * Golden vectors (proto_vectors.h, generated from protocol/vectors/ JSON files)
 * fed whole, byte by byte and split at every point; re-encoding of every valid
 * frame; every single-bit flip of every valid frame rejected; a byte-
 * accounting invariant on pseudo-random streams; encoder refusals; the table
 * agreeing with the dosing core's pump.h. Exits non-zero on any failure.
 */
#include <stdio.h>
#include <string.h>

#include "proto_msgs.h"
#include "pump.h"
#include "proto_vectors.h"

#include "check.h"

/* ------------------------------------------------------------ reference bits */

/* CRC-32 bit by bit, straight from the definition (reflected 0xEDB88320). */
static uint32_t ref_crc32(uint32_t seed, const uint8_t *p, size_t n)
{
    uint32_t c = ~seed;
    size_t i;
    int k;
    for (i = 0u; i < n; i++) {
        c ^= p[i];
        for (k = 0; k < 8; k++) {
            c = ((c & 1u) != 0u) ? ((c >> 1) ^ 0xEDB88320u) : (c >> 1);
        }
    }
    return ~c;
}

/* Independent encoder: 0x00, COBS(raw ^ 0xA5), 0x00. Returns wire length. */
static size_t ref_wire(const uint8_t *raw, size_t n, uint8_t *out)
{
    size_t o = 2u;
    size_t code_at = 1u;
    size_t i;
    out[0] = 0u;
    for (i = 0u; i < n; i++) {
        uint8_t b = (uint8_t)(raw[i] ^ 0xA5u);
        if (b == 0u) {
            out[code_at] = (uint8_t)(o - code_at);
            code_at = o;
            o++;
        } else {
            out[o] = b;
            o++;
        }
    }
    out[code_at] = (uint8_t)(o - code_at);
    out[o] = 0u;
    return o + 1u;
}

/* Raw frame with a right CRC for msg_type (any flags, any payload, auth trailer if given). */
static size_t ref_raw(uint8_t msg_type, uint16_t seq, uint8_t flags, const uint8_t *payload, size_t plen,
                      const uint8_t *auth, uint8_t *raw)
{
    const proto_msg_info_t *info = proto_msg_info(msg_type);
    size_t n = 0u;
    size_t i;
    uint32_t crc;
    raw[n++] = 1u;
    raw[n++] = msg_type;
    raw[n++] = (uint8_t)(seq & 0xFFu);
    raw[n++] = (uint8_t)(seq >> 8);
    raw[n++] = flags;
    raw[n++] = (uint8_t)plen;
    for (i = 0u; i < plen; i++) {
        raw[n++] = payload[i];
    }
    if (auth != NULL) {
        for (i = 0u; i < PROTO_AUTH_LEN; i++) {
            raw[n++] = auth[i];
        }
    }
    crc = ref_crc32((info != NULL) ? info->def_crc : 0u, raw, n);
    for (i = 0u; i < 4u; i++) {
        raw[n++] = (uint8_t)(crc >> (8u * i));
    }
    return n;
}

/* ------------------------------------------------------------ stream runner */

#define MAX_FRAMES 16

typedef struct {
    size_t n;
    uint8_t type[MAX_FRAMES];
    uint16_t seq[MAX_FRAMES];
    uint8_t flags[MAX_FRAMES];
    int error[MAX_FRAMES];
    uint8_t payload[MAX_FRAMES][PROTO_MAX_PAYLOAD];
    size_t plen[MAX_FRAMES];
    size_t wire_bytes;   /* encoded bytes of the delivered frames (without delimiters) */
} got_t;

static void take(got_t *g, const proto_frame_t *f)
{
    proto_msg_t m;
    size_t k = g->n;
    if (k < MAX_FRAMES) {
        g->type[k] = f->msg_type;
        g->seq[k] = f->seq;
        g->flags[k] = f->flags;
        g->error[k] = proto_frame_decode(f, &m);
        g->plen[k] = f->payload_len;
        memcpy(g->payload[k], f->payload, f->payload_len);
    }
    g->wire_bytes += PROTO_OVERHEAD + 1u + f->payload_len + ((f->auth != NULL) ? PROTO_AUTH_LEN : 0u);
    g->n++;
}

/* Feed data in pieces of at most `piece` bytes (0 = byte by byte through push). */
static void run(proto_decoder_t *d, const uint8_t *data, size_t len, size_t piece, got_t *g)
{
    proto_frame_t f;
    size_t off = 0u;
    memset(g, 0, sizeof *g);
    if (piece == 0u) {
        for (off = 0u; off < len; off++) {
            if (proto_decoder_push(d, data[off], &f) != 0) {
                take(g, &f);
            }
        }
        return;
    }
    while (off < len) {
        size_t end = ((len - off) > piece) ? (off + piece) : len;
        while (off < end) {
            int ready = 0;
            size_t used = proto_decoder_feed(d, &data[off], end - off, &f, &ready);
            CHECK(used > 0u && used <= end - off, "feed consumed %zu of %zu", used, end - off);
            if (used == 0u) {
                return;
            }
            off += used;
            if (ready != 0) {
                take(g, &f);
            }
        }
    }
}

static size_t pending(const proto_decoder_t *d)
{
    return (d->discarding > 0u) ? (size_t)d->discarding : (size_t)d->len;
}

static void check_vector(const vec_t *v, size_t piece)
{
    proto_decoder_t d;
    got_t g;
    size_t k;
    proto_decoder_init(&d);
    run(&d, v->wire, v->wire_len, piece, &g);
    CHECK(g.n == v->n_frames, "%s (piece %zu): %zu frames, want %zu", v->name, piece, g.n, v->n_frames);
    for (k = 0u; k < g.n && k < v->n_frames && k < MAX_FRAMES; k++) {
        const vec_frame_t *e = &v->frames[k];
        CHECK(g.type[k] == e->msg_type && g.seq[k] == e->seq && g.flags[k] == e->flags,
              "%s frame %zu header", v->name, k);
        CHECK(g.error[k] == e->error, "%s frame %zu: error %d, want %d", v->name, k, g.error[k], e->error);
        CHECK(g.plen[k] == e->payload_len && memcmp(g.payload[k], e->payload, e->payload_len) == 0,
              "%s frame %zu payload", v->name, k);
    }
    for (k = 0u; k < (size_t)PROTO_DROP_COUNT; k++) {
        CHECK(d.dropped_chunks[k] == v->drop_chunks[k] && d.dropped_bytes[k] == v->drop_bytes[k],
              "%s: drop %s %u/%u, want %u/%u", v->name, proto_drop_name((int)k), d.dropped_chunks[k],
              d.dropped_bytes[k], v->drop_chunks[k], v->drop_bytes[k]);
    }
    CHECK(pending(&d) == v->pending, "%s: pending %zu, want %zu", v->name, pending(&d), v->pending);
    CHECK(d.frames == (uint32_t)v->n_frames, "%s: frames counter", v->name);
}

/* Decode a valid vector's frame and encode it again: the same bytes. */
static void check_reencode(const vec_t *v)
{
    proto_decoder_t d;
    proto_frame_t f;
    proto_msg_t m;
    uint8_t out[PROTO_MAX_WIRE];
    size_t n = 0u;
    size_t off = 0u;
    int ready = 0;
    proto_decoder_init(&d);
    while (off < v->wire_len && ready == 0) {
        off += proto_decoder_feed(&d, &v->wire[off], v->wire_len - off, &f, &ready);
    }
    CHECK(ready == 1, "%s: no frame", v->name);
    if (ready != 1) {
        return;
    }
    memset(&m, 0xEE, sizeof m);      /* decode must set every field it encodes */
    CHECK(proto_frame_decode(&f, &m) == PROTO_OK, "%s: decode", v->name);
    CHECK(proto_encode(f.msg_type, f.seq, f.flags, &m, out, sizeof out, &n) == PROTO_OK, "%s: encode", v->name);
    CHECK(n == v->wire_len && memcmp(out, v->wire, n) == 0, "%s: re-encoded bytes differ", v->name);
}

static void test_vectors(void)
{
    size_t i;
    size_t piece;
    for (i = 0u; i < VEC_COUNT; i++) {
        const vec_t *v = &k_vectors[i];
        check_vector(v, v->wire_len);
        check_vector(v, 0u);
        for (piece = 1u; piece < 8u; piece++) {
            check_vector(v, piece);
        }
        if (v->encode_check != 0) {
            check_reencode(v);
        }
    }
}

/* Every single-bit flip of a valid frame is rejected, and the next frame still decodes. */
static void test_bit_flips(void)
{
    size_t i;
    for (i = 0u; i < VEC_COUNT; i++) {
        const vec_t *v = &k_vectors[i];
        uint8_t buf[2u * PROTO_MAX_WIRE];
        size_t bit;
        if (v->encode_check == 0) {
            continue;
        }
        for (bit = 0u; bit < 8u * v->wire_len; bit++) {
            proto_decoder_t d;
            got_t g;
            memcpy(buf, v->wire, v->wire_len);
            memcpy(&buf[v->wire_len], v->wire, v->wire_len);
            buf[bit / 8u] = (uint8_t)(buf[bit / 8u] ^ (1u << (bit % 8u)));
            proto_decoder_init(&d);
            run(&d, buf, 2u * v->wire_len, 2u * v->wire_len, &g);
            CHECK(g.n == 1u, "%s: bit %zu flipped gives %zu frames, want the 1 intact", v->name, bit, g.n);
        }
    }
}

/* Pseudo-random streams: every non-delimiter byte is a delivered frame's, a dropped chunk's or pending. */
static uint32_t g_rng = 12345u;
static uint32_t rnd(void)
{
    g_rng = g_rng * 1103515245u + 12345u;
    return g_rng >> 8;
}

static void test_accounting(void)
{
    static uint8_t stream[4096];
    int round;
    for (round = 0; round < 400; round++) {
        proto_decoder_t d;
        got_t g;
        size_t len = 0u;
        size_t nonzero = 0u;
        size_t dropped = 0u;
        size_t k;
        while (len < sizeof stream - 300u) {
            uint32_t what = rnd() % 4u;
            const vec_t *v = &k_vectors[rnd() % VEC_COUNT];
            if (what == 0u) {
                size_t n = rnd() % 40u;
                for (k = 0u; k < n; k++) {
                    stream[len++] = (uint8_t)(((rnd() % 8u) == 0u) ? 0u : rnd());
                }
            } else if (v->wire_len < 300u) {
                memcpy(&stream[len], v->wire, v->wire_len);
                if (what == 1u) {
                    stream[len + rnd() % v->wire_len] ^= (uint8_t)(1u << (rnd() % 8u));
                }
                len += (what == 2u) ? (rnd() % v->wire_len) : v->wire_len;
            } else {
                /* oversize vector: skip */
            }
        }
        for (k = 0u; k < len; k++) {
            nonzero += (stream[k] != 0u) ? 1u : 0u;
        }
        proto_decoder_init(&d);
        run(&d, stream, len, 1u + (rnd() % 64u), &g);
        for (k = 0u; k < (size_t)PROTO_DROP_COUNT; k++) {
            dropped += d.dropped_bytes[k];
        }
        CHECK(g.wire_bytes + dropped + pending(&d) == nonzero,
              "round %d: %zu frame + %zu dropped + %zu pending != %zu bytes", round, g.wire_bytes, dropped,
              pending(&d), nonzero);
    }
}

/* ------------------------------------------------------------ bulk decode */

#define BULK_MAX 256

/* The reference: proto_decoder_feed + proto_frame_decode, one frame at a time. */
static size_t bulk_reference(proto_decoder_t *d, const uint8_t *data, size_t len, proto_bulk_frame_t *out,
                             proto_msg_t *msgs)
{
    size_t off = 0u;
    size_t n = 0u;
    while (off < len) {
        proto_frame_t f;
        int ready = 0;
        off += proto_decoder_feed(d, &data[off], len - off, &f, &ready);
        if (ready != 0 && n < BULK_MAX) {
            memset(&out[n], 0, sizeof out[n]);
            out[n].msg_type = f.msg_type;
            out[n].flags = f.flags;
            out[n].seq = f.seq;
            out[n].payload_len = f.payload_len;
            memcpy(out[n].payload, f.payload, f.payload_len);
            if (f.auth != NULL) {
                out[n].auth_len = (uint8_t)PROTO_AUTH_LEN;
                memcpy(out[n].auth, f.auth, PROTO_AUTH_LEN);
            }
            out[n].result = (uint8_t)proto_frame_decode(&f, &msgs[n]);
            n++;
        }
    }
    return n;
}

static int bulk_same(const proto_bulk_frame_t *a, const proto_bulk_frame_t *b)
{
    return a->msg_type == b->msg_type && a->flags == b->flags && a->seq == b->seq &&
           a->payload_len == b->payload_len && a->result == b->result && a->auth_len == b->auth_len &&
           memcmp(a->payload, b->payload, a->payload_len) == 0 && memcmp(a->auth, b->auth, a->auth_len) == 0;
}

/* Bulk decoding gives the stream decoder's frames, fields, drops and pending bytes, for any
 * split of the input and any max_frames, on pseudo-random streams of valid, damaged and cut frames. */
static void test_bulk_matches_stream(void)
{
    static uint8_t stream[8192];
    static proto_bulk_frame_t want[BULK_MAX];
    static proto_bulk_frame_t got[BULK_MAX];
    static proto_msg_t want_msg[BULK_MAX];
    static proto_msg_t got_msg[BULK_MAX];
    int round;
    for (round = 0; round < 300; round++) {
        proto_decoder_t dr;
        proto_decoder_t db;
        size_t len = 0u;
        size_t n_want;
        size_t n_got = 0u;
        size_t ok_total = 0u;
        size_t ok_want = 0u;
        size_t off = 0u;
        size_t max = 1u + (rnd() % 40u);
        size_t piece = 1u + (rnd() % 3000u);
        size_t k;
        while (len < sizeof stream - 300u) {
            uint32_t what = rnd() % 4u;
            const vec_t *v = &k_vectors[rnd() % VEC_COUNT];
            if (what == 0u) {
                size_t n = rnd() % 40u;
                for (k = 0u; k < n; k++) {
                    stream[len++] = (uint8_t)(((rnd() % 8u) == 0u) ? 0u : rnd());
                }
            } else if (v->wire_len < 300u) {
                memcpy(&stream[len], v->wire, v->wire_len);
                if (what == 1u) {
                    stream[len + rnd() % v->wire_len] ^= (uint8_t)(1u << (rnd() % 8u));
                }
                len += (what == 2u) ? (rnd() % v->wire_len) : v->wire_len;
            } else {
                /* oversize vector: skip */
            }
        }
        memset(want_msg, 0, sizeof want_msg);
        memset(got_msg, 0, sizeof got_msg);
        proto_decoder_init(&dr);
        n_want = bulk_reference(&dr, stream, len, want, want_msg);
        CHECK(n_want < BULK_MAX, "round %d: %zu frames overflow the test's table", round, n_want);
        proto_decoder_init(&db);
        while (off < len) {                       /* pieces of `piece` bytes, as reads arrive */
            size_t end = ((len - off) > piece) ? (off + piece) : len;
            while (off < end) {
                size_t count = 0u;
                size_t ok = 0u;
                size_t room = (n_got + max <= BULK_MAX) ? max : (BULK_MAX - n_got);
                size_t used;
                if (room == 0u) {
                    break;
                }
                used = proto_decode_bulk(&db, &stream[off], end - off, &got[n_got], &got_msg[n_got], room,
                                         &count, &ok);
                CHECK(used > 0u && used <= end - off && count <= room && ok <= count,
                      "round %d: used %zu of %zu, %zu frames (room %zu), %zu ok", round, used, end - off, count,
                      room, ok);
                if (used == 0u) {
                    return;
                }
                off += used;
                n_got += count;
                ok_total += ok;
            }
            if (n_got >= BULK_MAX) {
                break;
            }
        }
        CHECK(n_got == n_want, "round %d: bulk %zu frames, stream %zu", round, n_got, n_want);
        for (k = 0u; k < n_got && k < n_want; k++) {
            ok_want += (want[k].result == PROTO_OK) ? 1u : 0u;
            CHECK(bulk_same(&got[k], &want[k]), "round %d frame %zu differs", round, k);
            CHECK(memcmp(&got_msg[k], &want_msg[k], sizeof got_msg[k]) == 0, "round %d frame %zu fields", round, k);
        }
        CHECK(ok_total == ok_want, "round %d: ok %zu, want %zu", round, ok_total, ok_want);
        CHECK(db.frames == dr.frames && pending(&db) == pending(&dr), "round %d: counters", round);
        for (k = 0u; k < (size_t)PROTO_DROP_COUNT; k++) {
            CHECK(db.dropped_chunks[k] == dr.dropped_chunks[k] && db.dropped_bytes[k] == dr.dropped_bytes[k],
                  "round %d: drop %s", round, proto_drop_name((int)k));
        }
    }
}

/* NULL arguments or no room: nothing consumed, nothing counted. */
static void test_bulk_refusals(void)
{
    static proto_bulk_frame_t fr[2];
    static proto_msg_t msgs[2];
    proto_decoder_t d;
    size_t count = 7u;
    size_t ok = 7u;
    const vec_t *v = &k_vectors[0];
    proto_decoder_init(&d);
    CHECK(proto_decode_bulk(&d, v->wire, v->wire_len, fr, msgs, 0u, &count, &ok) == 0u && count == 0u && ok == 0u,
          "max_frames 0");
    CHECK(proto_decode_bulk(NULL, v->wire, v->wire_len, fr, msgs, 2u, &count, &ok) == 0u, "NULL decoder");
    CHECK(proto_decode_bulk(&d, NULL, v->wire_len, fr, msgs, 2u, &count, &ok) == 0u, "NULL data");
    CHECK(proto_decode_bulk(&d, v->wire, v->wire_len, NULL, msgs, 2u, &count, &ok) == 0u, "NULL frames");
    CHECK(proto_decode_bulk(&d, v->wire, v->wire_len, fr, NULL, 2u, &count, &ok) == 0u, "NULL msgs");
    CHECK(proto_decode_bulk(&d, v->wire, v->wire_len, fr, msgs, 2u, NULL, &ok) == 0u, "NULL count");
    CHECK(proto_decode_bulk(&d, v->wire, v->wire_len, fr, msgs, 2u, &count, NULL) == 0u, "NULL ok");
    CHECK(d.frames == 0u && pending(&d) == 0u, "refused calls left the decoder untouched");
}

static void test_crc(void)
{
    static const uint8_t check[] = "123456789";
    uint8_t one[1];
    unsigned b;
    CHECK(proto_crc32(0u, check, 9u) == 0xCBF43926u, "CRC-32 check value: 0x%08X",
          (unsigned)proto_crc32(0u, check, 9u));
    for (b = 0u; b < 256u; b++) {
        one[0] = (uint8_t)b;
        CHECK(proto_crc32(0x1234u, one, 1u) == ref_crc32(0x1234u, one, 1u), "table entry %u", b);
    }
    CHECK(proto_crc32(7u, NULL, 3u) == 7u, "NULL data");
}

/* Frames the encoder cannot make: the largest payload, the AUTH trailer (254-byte raw frame). */
static void test_edges(void)
{
    uint8_t payload[PROTO_MAX_PAYLOAD];
    uint8_t auth[PROTO_AUTH_LEN];
    uint8_t raw[PROTO_MAX_RAW + 8u];
    uint8_t wire[PROTO_MAX_WIRE + 8u];
    uint8_t out[PROTO_MAX_WIRE];
    proto_decoder_t d;
    got_t g;
    size_t n;
    size_t w;
    size_t i;
    for (i = 0u; i < sizeof payload; i++) {
        payload[i] = (uint8_t)(i * 7u);
    }
    for (i = 0u; i < sizeof auth; i++) {
        auth[i] = (uint8_t)(0xA5u + i);
    }
    /* largest raw frame: 224-byte payload + auth trailer = 254 bytes */
    n = ref_raw(PROTO_MSG_SUSPEND, 9u, PROTO_FLAG_AUTH, payload, PROTO_MAX_PAYLOAD, auth, raw);
    CHECK(n == PROTO_MAX_RAW, "raw %zu", n);
    w = ref_wire(raw, n, wire);
    proto_decoder_init(&d);
    run(&d, wire, w, w, &g);
    CHECK(g.n == 1u && g.error[0] == PROTO_NAK_UNSUPPORTED, "254-byte AUTH frame: %zu frames", g.n);
    /* 255 encoded bytes are buffered and checked; 256 are oversize (counted whole) */
    memset(wire, 0xFE, sizeof wire);
    wire[0] = 0u;
    wire[256] = 0u;
    proto_decoder_init(&d);
    run(&d, wire, 257u, 257u, &g);
    CHECK(g.n == 0u && d.dropped_chunks[PROTO_DROP_OVERSIZE] == 0u && d.dropped_chunks[PROTO_DROP_COBS] == 1u &&
          d.dropped_bytes[PROTO_DROP_COBS] == 255u, "255-byte chunk is decoded (and fails COBS)");
    wire[256] = 0xFEu;
    wire[257] = 0u;
    proto_decoder_init(&d);
    run(&d, wire, 258u, 7u, &g);
    CHECK(g.n == 0u && d.dropped_chunks[PROTO_DROP_OVERSIZE] == 1u && d.dropped_bytes[PROTO_DROP_OVERSIZE] == 256u,
          "256-byte chunk is OVERSIZE");
    /* largest frame the encoder makes: a 224-byte payload on a message whose body is smaller */
    CHECK(proto_frame_encode(PROTO_MSG_ACK, 1u, PROTO_KIND_RESPONSE, payload, PROTO_MAX_PAYLOAD, out, sizeof out,
                             &w) == PROTO_OK, "224-byte payload");
    CHECK(w == PROTO_MAX_PAYLOAD + PROTO_OVERHEAD + 3u, "wire %zu", w);
    proto_decoder_init(&d);
    run(&d, out, w, 1u, &g);
    CHECK(g.n == 1u && g.error[0] == PROTO_NAK_BAD_LENGTH, "ACK with 224 bytes: BAD_LENGTH");
    /* a payload_len byte above the maximum is a LENGTH drop even with a right CRC */
    n = ref_raw(PROTO_MSG_SUSPEND, 9u, 0u, payload, 0u, NULL, raw);
    raw[5] = (uint8_t)(PROTO_MAX_PAYLOAD + 1u);
    w = ref_wire(raw, n, wire);
    proto_decoder_init(&d);
    run(&d, wire, w, w, &g);
    CHECK(g.n == 0u && d.dropped_chunks[PROTO_DROP_LENGTH] == 1u, "payload_len 225");
}

static void test_encoder_refusals(void)
{
    proto_msg_t m;
    uint8_t out[PROTO_MAX_WIRE];
    uint8_t small[8];
    size_t n = 0u;
    memset(&m, 0, sizeof m);
    CHECK(proto_encode(0x20u, 1u, 0u, &m, out, sizeof out, &n) == PROTO_ERR_UNKNOWN_TYPE, "unknown type");
    CHECK(proto_frame_encode(PROTO_MSG_SUSPEND, 1u, PROTO_FLAG_AUTH, NULL, 0u, out, sizeof out, &n) ==
          PROTO_ERR_ARG, "AUTH flag");
    CHECK(proto_frame_encode(PROTO_MSG_SUSPEND, 1u, 0x10u, NULL, 0u, out, sizeof out, &n) == PROTO_ERR_ARG,
          "reserved flag");
    CHECK(proto_frame_encode(PROTO_MSG_SUSPEND, 1u, PROTO_KIND_RESPONSE, NULL, 0u, out, sizeof out, &n) ==
          PROTO_ERR_ARG, "request sent as a response");
    CHECK(proto_frame_encode(PROTO_MSG_ACK, 1u, PROTO_KIND_UNSOLICITED | PROTO_FLAG_REPLAYED, NULL, 0u, out,
                             sizeof out, &n) == PROTO_ERR_ARG, "REPLAYED unsolicited");
    CHECK(proto_frame_encode(PROTO_MSG_SUSPEND, 1u, 0u, NULL, 0u, small, sizeof small, &n) == PROTO_ERR_NOSPACE,
          "small buffer");
    CHECK(proto_frame_encode(PROTO_MSG_SUSPEND, 1u, 0u, NULL, 0u, NULL, sizeof out, &n) == PROTO_ERR_ARG, "NULL");
    m.read_events.from_seq = 1u;
    m.read_events.max_count = 0u;
    CHECK(proto_encode(PROTO_MSG_READ_EVENTS, 1u, 0u, &m, out, sizeof out, &n) == PROTO_NAK_BAD_FIELD,
          "max_count 0");
    m.read_events.max_count = 10u;
    CHECK(proto_encode(PROTO_MSG_READ_EVENTS, 1u, 0u, &m, out, sizeof out, &n) == PROTO_NAK_BAD_FIELD,
          "max_count 10");
    memset(&m, 0, sizeof m);
    m.prescribe.n_steps = 25u;
    CHECK(proto_encode(PROTO_MSG_PRESCRIBE, 1u, 0u, &m, out, sizeof out, &n) == PROTO_NAK_BAD_FIELD, "25 steps");
    m.prescribe.n_steps = 0u;
    CHECK(proto_encode(PROTO_MSG_PRESCRIBE, 1u, 0u, &m, out, sizeof out, &n) == PROTO_NAK_BAD_FIELD, "0 steps");
    m.prescribe.n_steps = 1u;
    m.prescribe.step_unit = 2u;
    CHECK(proto_encode(PROTO_MSG_PRESCRIBE, 1u, 0u, &m, out, sizeof out, &n) == PROTO_NAK_BAD_FIELD, "unit 2");
    memset(&m, 0, sizeof m);
    memcpy(m.hello_info.model, "PUMP\001", 6u);
    CHECK(proto_encode(PROTO_MSG_HELLO_INFO, 1u, PROTO_KIND_RESPONSE, &m, out, sizeof out, &n) ==
          PROTO_NAK_BAD_FIELD, "control char in model");
    memset(m.hello_info.model, 'A', sizeof m.hello_info.model);
    CHECK(proto_encode(PROTO_MSG_HELLO_INFO, 1u, PROTO_KIND_RESPONSE, &m, out, sizeof out, &n) ==
          PROTO_NAK_BAD_FIELD, "model of 17 chars");
    m.hello_info.model[16] = '\0';
    CHECK(proto_encode(PROTO_MSG_HELLO_INFO, 1u, PROTO_KIND_RESPONSE, &m, out, sizeof out, &n) == PROTO_OK,
          "model of 16 chars");
    CHECK(proto_msg_encode(PROTO_MSG_STATUS, NULL, out, sizeof out, &n) == PROTO_ERR_ARG, "NULL message");
    CHECK(proto_msg_encode(PROTO_MSG_STATUS, &m, out, 10u, &n) == PROTO_ERR_NOSPACE, "payload buffer");
}

/* The table (messages.json) and the dosing core (pump.h) name the same values. */
static void test_table_matches_core(void)
{
    int r;
    CHECK(PROTO_DRUG_MORPHINE == PUMP_DRUG_MORPHINE && PROTO_DRUG_OTHER == PUMP_DRUG_OTHER &&
          PROTO_DRUG_OTHER + 1u == PUMP_DRUG_COUNT, "drug codes");
    CHECK(PROTO_STATE_SUSPENDED == PUMP_STATE_SUSPENDED && PROTO_STATE_RUNNING == PUMP_STATE_RUNNING, "states");
    CHECK(PROTO_BOLUS_KIND_PATIENT == PUMP_BOLUS_PATIENT && PROTO_BOLUS_KIND_PRIME == PUMP_BOLUS_PRIME, "bolus");
    CHECK(PROTO_FAULT_MOTOR_STALL == PUMP_FAULT_MOTOR_STALL && PROTO_FAULT_MEMORY == PUMP_FAULT_MEMORY, "faults");
    CHECK(PROTO_ALARM_BITS_LOW_RESERVOIR == PUMP_ALARM_LOW_RESERVOIR &&
          PROTO_ALARM_BITS_RESERVOIR_EMPTY == PUMP_ALARM_RESERVOIR_EMPTY && PROTO_ALARM_BITS_ERI == PUMP_ALARM_ERI &&
          PROTO_ALARM_BITS_EOS == PUMP_ALARM_EOS && PROTO_ALARM_BITS_MOTOR_STALL == PUMP_ALARM_MOTOR_STALL &&
          PROTO_ALARM_BITS_DOSE_LIMIT == PUMP_ALARM_DOSE_LIMIT &&
          PROTO_ALARM_BITS_MEMORY_ERROR == PUMP_ALARM_MEMORY_ERROR &&
          PROTO_ALARM_BITS_DRUG_EXPIRED == PUMP_ALARM_DRUG_EXPIRED, "alarm bits");
    CHECK(PROTO_EVENT_KIND_MRI_RECOVERED + 1u == PUMP_EV_KIND_COUNT && PROTO_EVENT_KIND_REFILL == PUMP_EV_REFILL &&
          PROTO_EVENT_KIND_CLOCK_SET == PUMP_EV_CLOCK_SET, "event kinds");
    for (r = 1; r < (int)PUMP_RESULT_COUNT; r++) {
        CHECK(strcmp(proto_nak_name(r), "?") != 0, "core reason %d (%s) missing from messages.json", r,
              pump_result_name(r));
    }
    CHECK(strcmp(proto_nak_name((int)PUMP_RESULT_COUNT), "?") == 0, "table lists a reason the core lacks");
    CHECK(proto_schema_crc() == PROTO_SCHEMA_CRC, "schema CRC");
    CHECK(proto_msg_info(0u) == NULL && proto_msg_info(0x33u) == NULL, "reserved ids are not messages");
}

int main(void)
{
    test_crc();
    test_table_matches_core();
    test_vectors();
    test_bit_flips();
    test_accounting();
    test_bulk_matches_stream();
    test_bulk_refusals();
    test_edges();
    test_encoder_refusals();
    printf("test_proto: %d checks, %d failures (%u vectors)\n", g_checks, g_failures, (unsigned)VEC_COUNT);
    return (g_failures == 0) ? 0 : 1;
}
