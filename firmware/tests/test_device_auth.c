/*
 * test_device_auth.c — authenticated sessions on the device (device_auth.c,
 * protocol/spec.md section 6) with a host side written from auth.h, under
 * ASan/UBSan: provisioning, the handshake, sealed requests and replies, the
 * refusals (no session, replay, forgery) and the key block of the image.
 * tests/security/test_session.py covers the same against the Python host.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "device.h"
#include "proto_msgs.h"

static int failures;

#define CHECK(cond) check((cond) ? 1 : 0, #cond, __FILE__, __LINE__)

static void check(int ok, const char *what, const char *file, int line)
{
    if (!ok) {
        failures++;
        printf("FAIL %s:%d: %s\n", file, line, what);
    }
}

/* The first frame the device answered with: header fields, payload, trailer. */
typedef struct {
    uint8_t  type;
    uint8_t  flags;
    uint8_t  len;
    uint8_t  raw[PROTO_HEADER_LEN + PROTO_MAX_PAYLOAD + PROTO_AUTH_LEN];   /* header + payload + trailer */
    size_t   raw_len;
    proto_msg_t m;
} reply_t;

static device_t dev;
static device_t dev2;
static uint8_t image[65536];
static const uint8_t clin[AUTH_KEY_LEN] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                           17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t pat[AUTH_KEY_LEN] = {99, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                          17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t entropy[32] = {7};

static void start(device_t *d)
{
    pump_config_t cfg;
    device_options_t o;

    pump_default_config(&cfg);
    cfg.serial = 4242u;
    device_default_options(&o);
    CHECK(device_init(d, &cfg, &o) == DEVICE_OK);
    CHECK(device_seed(d, entropy, sizeof entropy) == DEVICE_OK);
}

/* Feed wire bytes; decode the device's first response into *r (0 if none). */
static int exchange(device_t *d, const uint8_t *wire, size_t n, reply_t *r)
{
    static uint8_t out[DEVICE_TXQ_SIZE];
    proto_decoder_t dec;
    proto_frame_t f;
    size_t got;
    size_t pos = 0u;

    CHECK(device_rx(d, wire, n, &got) == DEVICE_OK && got == n);
    got = device_tx(d, out, sizeof out);
    proto_decoder_init(&dec);
    while (pos < got) {
        int ready = 0;
        pos += proto_decoder_feed(&dec, &out[pos], got - pos, &f, &ready);
        if (ready != 0 && (f.flags & PROTO_KIND_MASK) == PROTO_KIND_RESPONSE) {
            proto_frame_t plain = f;
            r->type = f.msg_type;
            r->flags = f.flags;
            r->len = f.payload_len;
            r->raw[0] = f.version;
            r->raw[1] = f.msg_type;
            r->raw[2] = (uint8_t)f.seq;
            r->raw[3] = (uint8_t)(f.seq >> 8);
            r->raw[4] = f.flags;
            r->raw[5] = f.payload_len;
            (void)memcpy(&r->raw[PROTO_HEADER_LEN], f.payload, f.payload_len);
            r->raw_len = PROTO_HEADER_LEN + (size_t)f.payload_len;
            if (f.auth != NULL) {
                (void)memcpy(&r->raw[r->raw_len], f.auth, PROTO_AUTH_LEN);
                r->raw_len += PROTO_AUTH_LEN;
            }
            plain.flags = (uint8_t)(f.flags & (uint8_t)~PROTO_FLAG_AUTH);
            CHECK(proto_frame_decode(&plain, &r->m) == PROTO_OK);
            return 1;
        }
    }
    return 0;
}

static size_t plain(uint8_t type, uint16_t seq, const proto_msg_t *m, uint8_t *wire)
{
    size_t n = 0u;

    CHECK(proto_encode(type, seq, (uint8_t)PROTO_KIND_REQUEST, m, wire, PROTO_MAX_WIRE, &n) == PROTO_OK);
    return n;
}

/* A request sealed by the host's session. */
static size_t sealed(auth_session_t *host, uint8_t type, uint16_t seq, const proto_msg_t *m, uint8_t *wire)
{
    uint8_t raw[PROTO_HEADER_LEN + PROTO_MAX_PAYLOAD + PROTO_AUTH_LEN];
    size_t plen = 0u;
    size_t len = 0u;
    size_t n = 0u;

    CHECK(proto_msg_encode(type, m, &raw[PROTO_HEADER_LEN], PROTO_MAX_PAYLOAD, &plen) == PROTO_OK);
    raw[0] = (uint8_t)PROTO_VERSION;
    raw[1] = type;
    raw[2] = (uint8_t)seq;
    raw[3] = (uint8_t)(seq >> 8);
    raw[4] = (uint8_t)(PROTO_KIND_REQUEST | PROTO_FLAG_AUTH);
    raw[5] = (uint8_t)plen;
    CHECK(auth_seal(host, raw, PROTO_HEADER_LEN + plen, sizeof raw, &len) == AUTH_OK);
    CHECK(proto_frame_encode_raw(raw, len, wire, PROTO_MAX_WIRE, &n) == PROTO_OK);
    return n;
}

static uint64_t u64_at(const uint8_t *p)
{
    size_t pos = 0u;
    return proto_get_u64(p, &pos);
}

static void put64(uint8_t *p, uint64_t v)
{
    size_t pos = 0u;
    proto_put_u64(p, &pos, v);
}

/* The handshake of spec 6.2 from the host side; 1 if the session opened. */
static int handshake(device_t *d, auth_session_t *host, const uint8_t *key, uint8_t role)
{
    static const uint8_t host_nonce[AUTH_NONCE_LEN] = {1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144};
    uint8_t wire[PROTO_MAX_WIRE];
    uint8_t device_nonce[AUTH_NONCE_LEN];
    uint8_t host_proof[AUTH_PROOF_LEN];
    uint8_t device_proof[AUTH_PROOF_LEN];
    uint8_t got[AUTH_PROOF_LEN];
    proto_msg_t m;
    reply_t r;

    (void)memset(&m, 0, sizeof m);
    m.auth_begin.role = role;
    m.auth_begin.host_nonce_lo = u64_at(host_nonce);
    m.auth_begin.host_nonce_hi = u64_at(&host_nonce[8]);
    if (exchange(d, wire, plain(PROTO_MSG_AUTH_BEGIN, 1u, &m, wire), &r) == 0 ||
        r.type != PROTO_MSG_AUTH_CHALLENGE) {
        return 0;
    }
    put64(device_nonce, r.m.auth_challenge.device_nonce_lo);
    put64(&device_nonce[8], r.m.auth_challenge.device_nonce_hi);
    CHECK(auth_open(host, 0, key, role, 4242u, r.m.auth_challenge.session, host_nonce, device_nonce,
                    host_proof, device_proof) == AUTH_OK);
    m.auth_prove.proof_lo = u64_at(host_proof);
    m.auth_prove.proof_hi = u64_at(&host_proof[8]);
    if (exchange(d, wire, plain(PROTO_MSG_AUTH_PROVE, 2u, &m, wire), &r) == 0 ||
        r.type != PROTO_MSG_AUTH_ACCEPT || (r.flags & PROTO_FLAG_AUTH) != 0u) {
        return 0;
    }
    put64(got, r.m.auth_accept.proof_lo);
    put64(&got[8], r.m.auth_accept.proof_hi);
    return memcmp(got, device_proof, AUTH_PROOF_LEN) == 0;
}

static int nak(const reply_t *r, int reason)
{
    return r->type == PROTO_MSG_NAK && (r->flags & PROTO_FLAG_AUTH) == 0u && r->m.nak.reason == reason;
}

static void test_provisioning(void)
{
    static const uint8_t zero[AUTH_KEY_LEN];

    start(&dev);
    CHECK(device_provisioned(&dev) == 0);
    CHECK(device_provision(&dev, zero, pat) == DEVICE_E_ARG);
    CHECK(device_provision(&dev, clin, NULL) == DEVICE_E_ARG);
    CHECK(device_seed(&dev, entropy, 8u) == DEVICE_E_ARG);
    CHECK(device_provision(&dev, clin, pat) == DEVICE_OK && device_provisioned(&dev) == 1);
    CHECK(device_nv_dirty(&dev) == 1);
}

static void test_session(void)
{
    auth_session_t host;
    uint8_t wire[PROTO_MAX_WIRE];
    uint8_t replay[PROTO_MAX_WIRE];
    size_t replay_len;
    proto_msg_t m;
    reply_t r;

    start(&dev);
    CHECK(device_provision(&dev, clin, pat) == DEVICE_OK);
    (void)memset(&m, 0, sizeof m);
    CHECK(exchange(&dev, wire, plain(PROTO_MSG_GET_STATUS, 5u, &m, wire), &r) == 1);
    CHECK(nak(&r, PROTO_NAK_AUTH_REQUIRED));
    CHECK(exchange(&dev, wire, plain(PROTO_MSG_HELLO, 6u, &m, wire), &r) == 1);
    CHECK(r.type == PROTO_MSG_HELLO_INFO && (r.m.hello_info.capabilities & PROTO_CAPABILITY_BITS_AUTH) != 0u);
    CHECK(handshake(&dev, &host, pat, AUTH_ROLE_CLINICIAN) == 0);     /* wrong key for the role */
    CHECK(handshake(&dev, &host, clin, AUTH_ROLE_CLINICIAN) == 1);

    /* sealed request, sealed reply that the host verifies */
    CHECK(exchange(&dev, wire, sealed(&host, PROTO_MSG_GET_STATUS, 7u, &m, wire), &r) == 1);
    CHECK(r.type == PROTO_MSG_STATUS && (r.flags & PROTO_FLAG_AUTH) != 0u);
    CHECK(auth_accept(&host, r.raw, r.raw_len) == AUTH_OK);
    CHECK(auth_accept(&host, r.raw, r.raw_len) == AUTH_RETRANSMIT);   /* a copy is no new frame */

    /* replay of an older request: refused, not executed */
    m.set_clock.unix_ms = 1700000000000u;
    replay_len = sealed(&host, PROTO_MSG_SET_CLOCK, 8u, &m, replay);
    CHECK(exchange(&dev, replay, replay_len, &r) == 1 && r.type == PROTO_MSG_ACK);
    CHECK(exchange(&dev, replay, replay_len, &r) == 1 && r.type == PROTO_MSG_ACK &&
          (r.flags & PROTO_FLAG_REPLAYED) != 0u);                       /* retransmission: cached */
    CHECK(exchange(&dev, wire, sealed(&host, PROTO_MSG_RESUME, 9u, &m, wire), &r) == 1);
    CHECK(r.type == PROTO_MSG_NAK && (r.flags & PROTO_FLAG_AUTH) != 0u);  /* core: not suspended */
    CHECK(exchange(&dev, replay, replay_len, &r) == 1 && nak(&r, PROTO_NAK_AUTH_REPLAY));

    /* forged: one payload bit of a sealed frame, CRC made right again */
    {
        uint8_t raw[64];
        size_t n = 0u;
        size_t len = 0u;
        m.set_clock.unix_ms = 1u;
        CHECK(proto_msg_encode(PROTO_MSG_SET_CLOCK, &m, &raw[6], 32u, &n) == PROTO_OK);
        raw[0] = 1u; raw[1] = PROTO_MSG_SET_CLOCK; raw[2] = 10u; raw[3] = 0u;
        raw[4] = (uint8_t)PROTO_FLAG_AUTH; raw[5] = (uint8_t)n;
        CHECK(auth_seal(&host, raw, 6u + n, sizeof raw, &len) == AUTH_OK);
        raw[6] ^= 0x01u;
        CHECK(proto_frame_encode_raw(raw, len, wire, sizeof wire, &n) == PROTO_OK);
        CHECK(exchange(&dev, wire, n, &r) == 1 && nak(&r, PROTO_NAK_AUTH_FAILED));
    }

    /* the image keeps the keys, never the session */
    {
        size_t len = 0u;
        CHECK(device_save(&dev, image, sizeof image, &len) == DEVICE_OK);
        start(&dev2);
        CHECK(device_load(&dev2, image, len) == DEVICE_OK && device_provisioned(&dev2) == 1);
        (void)device_tx(&dev2, wire, sizeof wire);
        CHECK(exchange(&dev2, wire, sealed(&host, PROTO_MSG_GET_STATUS, 11u, &m, wire), &r) == 1);
        CHECK(nak(&r, PROTO_NAK_AUTH_REQUIRED));
        CHECK(handshake(&dev2, &host, clin, AUTH_ROLE_CLINICIAN) == 1);
    }
}

static void test_patient_role(void)
{
    auth_session_t host;
    uint8_t wire[PROTO_MAX_WIRE];
    proto_msg_t m;
    reply_t r;

    start(&dev);
    CHECK(device_provision(&dev, clin, pat) == DEVICE_OK);
    CHECK(handshake(&dev, &host, pat, AUTH_ROLE_PATIENT) == 1);
    (void)memset(&m, 0, sizeof m);
    CHECK(exchange(&dev, wire, sealed(&host, PROTO_MSG_GET_STATUS, 3u, &m, wire), &r) == 1);
    CHECK(r.type == PROTO_MSG_STATUS);
    CHECK(exchange(&dev, wire, sealed(&host, PROTO_MSG_SUSPEND, 4u, &m, wire), &r) == 1);
    CHECK(r.type == PROTO_MSG_NAK && r.m.nak.reason == PROTO_NAK_AUTH_ROLE && (r.flags & PROTO_FLAG_AUTH) != 0u);
    CHECK(exchange(&dev, wire, sealed(&host, PROTO_MSG_AUTH_END, 5u, &m, wire), &r) == 1);
    CHECK(r.type == PROTO_MSG_ACK && (r.flags & PROTO_FLAG_AUTH) != 0u);
    CHECK(exchange(&dev, wire, sealed(&host, PROTO_MSG_GET_STATUS, 6u, &m, wire), &r) == 1);
    CHECK(nak(&r, PROTO_NAK_AUTH_REQUIRED));                            /* the session ended */
}

int main(void)
{
    test_provisioning();
    test_session();
    test_patient_role();
    if (failures != 0) {
        printf("test_device_auth: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_device_auth: all checks passed\n");
    return 0;
}
