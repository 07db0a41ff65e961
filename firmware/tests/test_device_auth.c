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
    uint32_t attempt;
    proto_msg_t m;
    reply_t r;

    (void)memset(&m, 0, sizeof m);
    m.auth_begin.role = role;
    m.auth_begin.host_nonce_lo = u64_at(host_nonce);
    m.auth_begin.host_nonce_hi = u64_at(&host_nonce[8]);
    /* As pyemu.client: AUTH_BEGIN again while it is rate limited (a challenge
     * of this role is pending: device.h, DENIAL OF SERVICE). */
    for (attempt = 0u; attempt < DEVICE_AUTH_MAX_ATTEMPTS; attempt++) {
        if (exchange(d, wire, plain(PROTO_MSG_AUTH_BEGIN, 1u, &m, wire), &r) == 0 ||
            r.type != PROTO_MSG_NAK || r.m.nak.reason != PROTO_NAK_AUTH_RATE_LIMITED) {
            break;
        }
    }
    if (r.type != PROTO_MSG_AUTH_CHALLENGE) {
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


/* ---- denial of service by a keyless sender (spec 6.2, rate limiting) ---- */

/* One AUTH_BEGIN: 1 and the challenge's session and device nonce, or 0 and
 * the NAK reason in *reason. */
static int begin(device_t *d, uint8_t role, const uint8_t nonce[AUTH_NONCE_LEN], uint16_t seq,
                 uint32_t *session, uint8_t device_nonce[AUTH_NONCE_LEN], int *reason)
{
    uint8_t wire[PROTO_MAX_WIRE];
    proto_msg_t m;
    reply_t r;

    (void)memset(&m, 0, sizeof m);
    m.auth_begin.role = role;
    m.auth_begin.host_nonce_lo = u64_at(nonce);
    m.auth_begin.host_nonce_hi = u64_at(&nonce[8]);
    *reason = -1;
    if (exchange(d, wire, plain(PROTO_MSG_AUTH_BEGIN, seq, &m, wire), &r) == 0) {
        return 0;
    }
    if (r.type != PROTO_MSG_AUTH_CHALLENGE) {
        *reason = (r.type == PROTO_MSG_NAK) ? (int)r.m.nak.reason : -2;
        return 0;
    }
    *session = r.m.auth_challenge.session;
    put64(device_nonce, r.m.auth_challenge.device_nonce_lo);
    put64(&device_nonce[8], r.m.auth_challenge.device_nonce_hi);
    return 1;
}

/* One AUTH_PROVE of 16 bytes: the reply's type, or the NAK reason + 1000. */
static int prove(device_t *d, const uint8_t proof[AUTH_PROOF_LEN], uint16_t seq, uint8_t got[AUTH_PROOF_LEN])
{
    uint8_t wire[PROTO_MAX_WIRE];
    proto_msg_t m;
    reply_t r;

    (void)memset(&m, 0, sizeof m);
    m.auth_prove.proof_lo = u64_at(proof);
    m.auth_prove.proof_hi = u64_at(&proof[8]);
    if (exchange(d, wire, plain(PROTO_MSG_AUTH_PROVE, seq, &m, wire), &r) == 0) {
        return -1;
    }
    if (r.type == PROTO_MSG_NAK) {
        return 1000 + (int)r.m.nak.reason;
    }
    if (got != NULL) {
        put64(got, r.m.auth_accept.proof_lo);
        put64(&got[8], r.m.auth_accept.proof_hi);
    }
    return (int)r.type;
}

/* Flooder: what a keyless sender's frame got back, by NAK reason. */
static uint32_t flood_naks[256];
static uint32_t flood_frames;

/* n frames of a keyless flood: bad proofs and AUTH_BEGIN for both roles. */
static void flood(device_t *d, uint32_t n)
{
    static const uint8_t junk[AUTH_NONCE_LEN] = {0xEE, 1, 2, 3};
    uint8_t nonce[AUTH_NONCE_LEN];
    uint32_t session = 0u;
    uint32_t i;
    int reason = 0;

    for (i = 0u; i < n; i++) {
        uint32_t k = flood_frames % 3u;
        flood_frames++;
        if (k == 0u) {
            int rc = prove(d, junk, (uint16_t)(40000u + (flood_frames & 0xFFFu)), NULL);
            CHECK(rc >= 1000);
            if (rc >= 1000 && rc < 1256) {
                flood_naks[(uint32_t)(rc - 1000)]++;
            }
        } else {
            (void)memcpy(nonce, junk, sizeof nonce);
            nonce[15] = (uint8_t)flood_frames;
            if (begin(d, (k == 1u) ? AUTH_ROLE_CLINICIAN : AUTH_ROLE_PATIENT, nonce,
                      (uint16_t)(50000u + (flood_frames & 0xFFFu)), &session, nonce, &reason) == 0 &&
                reason >= 0 && reason < 256) {
                flood_naks[(uint32_t)reason]++;
            }
        }
    }
}

/* A keyholder's handshake while `gap` flood frames go between each of its
 * frames; returns the attempts it took (AUTH_BEGIN sent), 0 if none in `max`. */
static uint32_t handshake_in_flood(device_t *d, auth_session_t *host, const uint8_t *key, uint8_t role,
                                   uint32_t gap, uint32_t max)
{
    uint8_t nonce[AUTH_NONCE_LEN] = {0x42};
    uint8_t device_nonce[AUTH_NONCE_LEN];
    uint8_t host_proof[AUTH_PROOF_LEN];
    uint8_t device_proof[AUTH_PROOF_LEN];
    uint8_t got[AUTH_PROOF_LEN];
    uint32_t session = 0u;
    uint32_t attempt;
    int reason = 0;

    for (attempt = 1u; attempt <= max; attempt++) {
        nonce[1] = (uint8_t)attempt;
        nonce[2] = (uint8_t)(attempt >> 8);
        flood(d, gap);
        if (begin(d, role, nonce, (uint16_t)attempt, &session, device_nonce, &reason) == 0) {
            CHECK(reason == PROTO_NAK_AUTH_RATE_LIMITED);   /* never AUTH_FAILED: the key is not at fault */
            continue;
        }
        CHECK(auth_open(host, 0, key, role, 4242u, session, nonce, device_nonce, host_proof,
                        device_proof) == AUTH_OK);
        flood(d, gap);
        if (prove(d, host_proof, (uint16_t)(attempt + 20000u), got) == (int)PROTO_MSG_AUTH_ACCEPT) {
            CHECK(memcmp(got, device_proof, AUTH_PROOF_LEN) == 0);
            return attempt;
        }
    }
    return 0u;
}

/* SECURITY entries for a reason; *suppressed: the counts they carry; *summaries:
 * those that stand for no refusal of their own. */
static uint32_t security_events(const device_t *d, uint32_t reason, uint32_t *suppressed,
                                uint32_t *summaries)
{
    static pump_event_t ev[PUMP_LOG_CAPACITY];
    uint32_t got = pump_read_events(device_pump(d), 0u, ev, PUMP_LOG_CAPACITY, NULL);
    uint32_t n = 0u;
    uint32_t i;

    *suppressed = 0u;
    *summaries = 0u;
    for (i = 0u; i < got; i++) {
        if (ev[i].kind == (uint16_t)PUMP_EV_SECURITY && ev[i].data0 == reason) {
            n++;
            *suppressed += ev[i].data1 >> 16;
            *summaries += ((ev[i].data1 & 0xFFu) == 0u) ? 1u : 0u;   /* msg_type 0: counts only */
        }
    }
    return n;
}

static void test_failed_proofs_never_lock_out_the_keyholder(void)
{
    static const uint8_t bad[AUTH_PROOF_LEN] = {1};
    auth_session_t host;
    uint32_t i;

    start(&dev);
    CHECK(device_provision(&dev, clin, pat) == DEVICE_OK);
    for (i = 0u; i < 100u; i++) {
        CHECK(prove(&dev, bad, (uint16_t)(100u + i), NULL) == 1000 + (int)PROTO_NAK_AUTH_FAILED);
    }
    /* manual clock: no time passes, yet both roles get in at once */
    CHECK(handshake(&dev, &host, clin, AUTH_ROLE_CLINICIAN) == 1);
    CHECK(handshake(&dev, &host, pat, AUTH_ROLE_PATIENT) == 1);
    CHECK(device_auth_failed_proofs(&dev) == 100u);
}

static void test_bad_proofs_between_begin_and_prove_do_not_break_the_handshake(void)
{
    static const uint8_t bad[AUTH_PROOF_LEN] = {2};
    uint8_t nonce[AUTH_NONCE_LEN] = {9};
    uint8_t device_nonce[AUTH_NONCE_LEN];
    uint8_t host_proof[AUTH_PROOF_LEN];
    auth_session_t host;
    uint32_t session = 0u;
    uint32_t i;
    int reason = 0;

    start(&dev);
    CHECK(device_provision(&dev, clin, pat) == DEVICE_OK);
    CHECK(begin(&dev, AUTH_ROLE_PATIENT, nonce, 1u, &session, device_nonce, &reason) == 1);
    CHECK(auth_open(&host, 0, pat, AUTH_ROLE_PATIENT, 4242u, session, nonce, device_nonce, host_proof,
                    NULL) == AUTH_OK);
    for (i = 0u; i < 50u; i++) {
        CHECK(prove(&dev, bad, (uint16_t)(10u + i), NULL) == 1000 + (int)PROTO_NAK_AUTH_FAILED);
    }
    CHECK(prove(&dev, host_proof, 2u, NULL) == (int)PROTO_MSG_AUTH_ACCEPT);
    CHECK(prove(&dev, host_proof, 2u, NULL) == (int)PROTO_MSG_AUTH_ACCEPT);   /* lost ACCEPT: answered again */
}

static void test_a_keyholder_gets_in_through_a_keyless_flood(void)
{
    auth_session_t host;
    uint32_t worst = 0u;
    uint32_t total = 0u;
    uint32_t gap;
    uint32_t suppressed = 0u;
    uint32_t summaries = 0u;
    uint32_t logged;
    uint32_t before;
    size_t len = 0u;

    start(&dev);
    CHECK(device_provision(&dev, clin, pat) == DEVICE_OK);
    (void)memset(flood_naks, 0, sizeof flood_naks);
    flood_frames = 0u;
    for (gap = 0u; gap <= 12u; gap++) {
        uint32_t a = handshake_in_flood(&dev, &host, (gap & 1u) ? pat : clin,
                                        (gap & 1u) ? AUTH_ROLE_PATIENT : AUTH_ROLE_CLINICIAN,
                                        gap, DEVICE_AUTH_MAX_ATTEMPTS);
        CHECK(a != 0u);
        worst = (a > worst) ? a : worst;
        total += a;
    }
    printf("keyless flood: %u flood frames, keyholder attempts worst %u, total %u for 13 logins\n",
           (unsigned)flood_frames, (unsigned)worst, (unsigned)total);
    CHECK(flood_naks[(uint8_t)PROTO_NAK_AUTH_RATE_LIMITED] > 0u);   /* the flooder is told: rate limited */
    CHECK(flood_naks[(uint8_t)PROTO_NAK_AUTH_FAILED] > 0u);         /* its proofs: failed */
    /* the log: failed proofs in few entries that count the rest */
    logged = security_events(&dev, (uint32_t)PROTO_NAK_AUTH_FAILED, &suppressed, &summaries);
    CHECK(logged >= 1u && logged <= 2u * 13u);
    CHECK(logged - summaries + suppressed == device_auth_failed_proofs(&dev));   /* every one counted */
    CHECK(security_events(&dev, (uint32_t)PROTO_NAK_AUTH_RATE_LIMITED, &suppressed, &summaries) >= 1u);
    /* the counter survives a restart */
    before = device_auth_failed_proofs(&dev);
    CHECK(before > 0u);
    CHECK(device_save(&dev, image, sizeof image, &len) == DEVICE_OK);
    start(&dev2);
    CHECK(device_load(&dev2, image, len) == DEVICE_OK);
    CHECK(device_auth_failed_proofs(&dev2) == before);
}

int main(void)
{
    test_provisioning();
    test_session();
    test_patient_role();
    test_failed_proofs_never_lock_out_the_keyholder();
    test_bad_proofs_between_begin_and_prove_do_not_break_the_handshake();
    test_a_keyholder_gets_in_through_a_keyless_flood();
    if (failures != 0) {
        printf("test_device_auth: %d check(s) failed\n", failures);
        return 1;
    }
    printf("test_device_auth: all checks passed\n");
    return 0;
}
