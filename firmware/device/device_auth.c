/*
 * device_auth.c — authenticated sessions on the device (protocol/spec.md
 * section 6, rules in device.h): provisioning, the handshake, the receive
 * rule for sealed requests, roles, sealing of outgoing frames and the
 * coalesced SECURITY events. Key derivation, tags and counters are
 * firmware/crypto/auth.c.
 */
#include <string.h>

#include "crypto.h"
#include "device.h"
#include "device_int.h"
#include "proto_msgs.h"
#include "pump_internal.h"   /* pump__log: SECURITY is logged by this layer */

/* Largest raw frame without CRC: header, payload, trailer. */
#define RAW_MAX (PROTO_HEADER_LEN + PROTO_MAX_PAYLOAD + PROTO_AUTH_LEN)

int device_provisioned(const device_t *d)
{
    return (d != NULL && d->auth.provisioned != 0u) ? 1 : 0;
}

#ifndef DEVICE_NO_AUTH

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0u;
    size_t i;

    for (i = 0u; i < n; i++) {
        acc = (uint8_t)(acc | p[i]);
    }
    return acc == 0u;
}

int device_provision(device_t *d, const uint8_t clinician[AUTH_KEY_LEN],
                     const uint8_t patient[AUTH_KEY_LEN])
{
    if (d == NULL || clinician == NULL || patient == NULL ||
        all_zero(clinician, AUTH_KEY_LEN) || all_zero(patient, AUTH_KEY_LEN)) {
        return DEVICE_E_ARG;
    }
    (void)memcpy(d->auth.keys[0], clinician, AUTH_KEY_LEN);
    (void)memcpy(d->auth.keys[1], patient, AUTH_KEY_LEN);
    d->auth.provisioned = 1u;
    d->auth.failed_proofs = 0u;                 /* counts failures against these keys */
    auth_close(&d->auth.session);
    (void)memset(d->auth.challenge, 0, sizeof d->auth.challenge);
    d->nv_generation += 1u;
    return DEVICE_OK;
}

int device_seed(device_t *d, const uint8_t *entropy, size_t n)
{
    uint8_t next[CRYPTO_SHA256_SIZE];

    if (d == NULL || entropy == NULL || n < AUTH_NONCE_LEN) {
        return DEVICE_E_ARG;
    }
    /* seed' = HMAC(seed, entropy): fresh entropy never lowers what is there. */
    if (crypto_hmac_sha256(d->auth.seed, AUTH_KEY_LEN, entropy, n, next) != CRYPTO_OK) {
        return DEVICE_E_INTERNAL;
    }
    (void)memcpy(d->auth.seed, next, AUTH_KEY_LEN);
    crypto_wipe(next, sizeof next);
    d->auth.seeded = 1u;
    return DEVICE_OK;
}


static void put_u64(uint8_t *p, uint64_t v)
{
    size_t pos = 0u;
    proto_put_u64(p, &pos, v);
}

static uint64_t get_u64(const uint8_t *p)
{
    size_t pos = 0u;
    return proto_get_u64(p, &pos);
}

/* One SECURITY event per reason per DEVICE_SECURITY_PERIOD_MS (spec 6.4):
 * data0 = reason, data1 = msg_type | role << 8 | suppressed << 16. */
static void security_log(device_t *d, uint32_t i, uint8_t msg_type)
{
    uint32_t suppressed = (d->auth.sec_suppressed[i] > 0xFFFFu) ? 0xFFFFu : d->auth.sec_suppressed[i];

    pump__log(&d->pump, (uint16_t)PUMP_EV_SECURITY, (uint32_t)PROTO_NAK_AUTH_REQUIRED + i,
              (uint32_t)msg_type | ((uint32_t)d->auth.session.role << 8) | (suppressed << 16));
    d->auth.sec_logged[i] = 1u;
    d->auth.sec_last_ms[i] = device_now_ms(d);
    d->auth.sec_suppressed[i] = 0u;
    d->nv_generation += 1u;      /* the log is non-volatile */
}

static void security(device_t *d, int reason, uint8_t msg_type)
{
    uint32_t i = (uint32_t)(reason - PROTO_NAK_AUTH_REQUIRED);

    if (reason < PROTO_NAK_AUTH_REQUIRED || i >= DEVICE_SECURITY_REASONS) {
        return;
    }
    if (d->auth.sec_logged[i] != 0u &&
        device_now_ms(d) - d->auth.sec_last_ms[i] < DEVICE_SECURITY_PERIOD_MS) {
        device_count(&d->auth.sec_suppressed[i]);
        return;
    }
    security_log(d, i, msg_type);
}

/* A keyholder got in: the burst of refusals before it is over, so the counts
 * still suppressed are written now (msg_type 0: a summary), not at some later
 * refusal that may never come (a manual clock never ends the minute). */
static void security_flush(device_t *d)
{
    uint32_t i;

    for (i = 0u; i < DEVICE_SECURITY_REASONS; i++) {
        if (d->auth.sec_suppressed[i] != 0u) {
            security_log(d, i, 0u);
        }
    }
}

/* The session ended: the handshake that opened it can no longer be answered again. */
static void forget_accepted(device_t *d)
{
    uint32_t r;

    for (r = 0u; r < 2u; r++) {
        if (d->auth.challenge[r].state == 2u) {
            (void)memset(&d->auth.challenge[r], 0, sizeof d->auth.challenge[r]);
        }
    }
}

/* Requests a device with keys answers without a session. */
static int open_request(uint8_t type)
{
    return type == PROTO_MSG_HELLO || type == PROTO_MSG_AUTH_BEGIN || type == PROTO_MSG_AUTH_PROVE;
}

static int check_sealed(device_t *d, const proto_frame_t *f)
{
    uint8_t raw[RAW_MAX];
    size_t len = PROTO_HEADER_LEN + (size_t)f->payload_len;
    size_t pos = 0u;
    int rc;

    if (d->auth.session.open == 0u || f->auth == NULL || f->payload_len > PROTO_MAX_PAYLOAD) {
        return PROTO_NAK_AUTH_REQUIRED;
    }
    if (device_now_ms(d) - d->auth.last_ms >= DEVICE_AUTH_IDLE_MS) {
        auth_close(&d->auth.session);          /* idle: the session has ended */
        forget_accepted(d);
        return PROTO_NAK_AUTH_REQUIRED;
    }
    /* The header as sent: these fields passed the decoder's checks. */
    proto_put_u8(raw, &pos, f->version);
    proto_put_u8(raw, &pos, f->msg_type);
    proto_put_u16(raw, &pos, f->seq);
    proto_put_u8(raw, &pos, f->flags);
    proto_put_u8(raw, &pos, f->payload_len);
    (void)memcpy(&raw[PROTO_HEADER_LEN], f->payload, f->payload_len);
    (void)memcpy(&raw[len], f->auth, PROTO_AUTH_LEN);
    rc = auth_accept(&d->auth.session, raw, len + PROTO_AUTH_LEN);
    if (rc == AUTH_OK || rc == AUTH_RETRANSMIT) {
        return PROTO_OK;
    }
    return (rc == AUTH_E_REPLAY) ? PROTO_NAK_AUTH_REPLAY : PROTO_NAK_AUTH_FAILED;
}

int device_auth_check(device_t *d, const proto_frame_t *f, proto_frame_t *inner)
{
    int rc = PROTO_OK;

    *inner = *f;
    d->auth.current = 0u;
    d->auth.requests = (uint16_t)(d->auth.requests + 1u);   /* wraps: the hold takes differences */
    if (d->auth.provisioned == 0u) {
        return PROTO_OK;                        /* version 1: the codec answers AUTH */
    }
    if ((f->flags & PROTO_FLAG_AUTH) != 0u) {
        rc = check_sealed(d, f);
        if (rc == PROTO_OK) {
            inner->flags = (uint8_t)(f->flags & (uint8_t)~PROTO_FLAG_AUTH);
            inner->auth = NULL;
            d->auth.current = 1u;
            d->auth.last_ms = device_now_ms(d);
        }
    } else if (open_request(f->msg_type) == 0) {
        rc = PROTO_NAK_AUTH_REQUIRED;
    } else {
        /* HELLO and the handshake: answered unsealed */
    }
    if (rc != PROTO_OK) {
        security(d, rc, f->msg_type);
    }
    return rc;
}

int device_auth_role(device_t *d, uint8_t msg_type)
{
    if (d->auth.current == 0u || d->auth.session.role == AUTH_ROLE_CLINICIAN) {
        return PROTO_OK;
    }
    if (msg_type == PROTO_MSG_HELLO || msg_type == PROTO_MSG_GET_STATUS ||
        msg_type == PROTO_MSG_GET_STATUS_EXT || msg_type == PROTO_MSG_GET_DRUG_STATUS ||
        msg_type == PROTO_MSG_PATIENT_BOLUS || msg_type == PROTO_MSG_AUTH_END) {
        return PROTO_OK;
    }
    security(d, PROTO_NAK_AUTH_ROLE, msg_type);
    return PROTO_NAK_AUTH_ROLE;
}

/* nonce = HMAC(seed, "pyemu/1 nonce" || session)[0:16]: fresh per handshake
 * (session numbers never repeat while the seed lasts: it is reseeded on restart). */
static int make_nonce(const device_t *d, uint32_t session, uint8_t nonce[AUTH_NONCE_LEN])
{
    uint8_t out[AUTH_TAG_LEN];
    int rc = auth_tag(d->auth.seed, (const uint8_t *)"pyemu/1 nonce", 13u, session, out);

    if (rc == AUTH_OK) {
        (void)memcpy(nonce, out, AUTH_NONCE_LEN);
    }
    crypto_wipe(out, sizeof out);
    return rc;
}

/* May this AUTH_BEGIN take the role's challenge slot? (device.h, DENIAL OF
 * SERVICE.) 1 yes, 0 rate limited, -1 no coin (a defect). */
static int admit(const device_t *d, const device_challenge_t *c)
{
    uint8_t coin[AUTH_TAG_LEN];
    int rc;

    if (c->state != 1u) {
        return 1;                                /* empty, or its handshake is done */
    }
    if ((uint16_t)(d->auth.requests - c->issued) < DEVICE_AUTH_HOLD_REQUESTS) {
        return 0;                                /* its proof may still be on the way */
    }
    /* Keyed by the secret seed: a flood cannot tell which request will win. */
    rc = auth_tag(d->auth.seed, (const uint8_t *)"pyemu/1 admit", 13u, d->auth.requests, coin);
    if (rc != AUTH_OK) {
        return -1;
    }
    rc = ((coin[0] % DEVICE_AUTH_ADMIT_ODDS) == 0u) ? 1 : 0;
    crypto_wipe(coin, sizeof coin);
    return rc;
}

int device_auth_begin(device_t *d, const proto_auth_begin_t *m, proto_auth_challenge_t *out)
{
    uint8_t device_nonce[AUTH_NONCE_LEN];
    device_challenge_t *c;
    uint32_t session;
    int rc;

    d->auth.current = 0u;                       /* handshake replies are never sealed */
    if (d->auth.seeded == 0u) {
        return PROTO_NAK_UNSUPPORTED;           /* no entropy: no nonce worth the name */
    }
    /* role is 1 or 2: the codec checked the enum */
    c = &d->auth.challenge[(m->role == AUTH_ROLE_CLINICIAN) ? 0 : 1];
    rc = admit(d, c);
    if (rc == 0) {
        security(d, PROTO_NAK_AUTH_RATE_LIMITED, (uint8_t)PROTO_MSG_AUTH_BEGIN);
        return PROTO_NAK_AUTH_RATE_LIMITED;
    }
    session = d->auth.next_session + 1u;        /* wraps after 2^32 handshakes: reseeded on restart */
    if (rc < 0 || make_nonce(d, session, device_nonce) != AUTH_OK) {
        return PUMP_E_ARG;
    }
    d->auth.next_session = session;
    c->state = 1u;
    c->issued = d->auth.requests;
    c->session = session;
    put_u64(c->host_nonce, m->host_nonce_lo);
    put_u64(&c->host_nonce[8], m->host_nonce_hi);
    out->session = session;
    out->device_nonce_lo = get_u64(device_nonce);
    out->device_nonce_hi = get_u64(&device_nonce[8]);
    crypto_wipe(device_nonce, sizeof device_nonce);
    return PROTO_OK;
}

/* Does `got` prove the key of the challenge in slot r? 1 yes (*s opened for
 * the device, device_proof written), 0 no. */
static int proves(device_t *d, uint32_t r, const uint8_t got[AUTH_PROOF_LEN], uint32_t serial,
                  auth_session_t *s, uint8_t device_proof[AUTH_PROOF_LEN])
{
    const device_challenge_t *c = &d->auth.challenge[r];
    uint8_t device_nonce[AUTH_NONCE_LEN];
    uint8_t host_proof[AUTH_PROOF_LEN];
    int ok = 0;

    if (c->state != 0u && make_nonce(d, c->session, device_nonce) == AUTH_OK &&
        auth_open(s, 1, d->auth.keys[r], (uint8_t)(r + 1u), serial, c->session, c->host_nonce,
                  device_nonce, host_proof, device_proof) == AUTH_OK &&
        crypto_equal(host_proof, got, AUTH_PROOF_LEN) != 0) {
        ok = 1;
    }
    crypto_wipe(device_nonce, sizeof device_nonce);
    crypto_wipe(host_proof, sizeof host_proof);
    return ok;
}

int device_auth_prove(device_t *d, const proto_auth_prove_t *m, proto_auth_accept_t *out)
{
    auth_session_t s;
    uint8_t device_proof[AUTH_PROOF_LEN];
    uint8_t got[AUTH_PROOF_LEN];
    pump_config_t cfg;
    uint32_t r;
    int rc = PROTO_NAK_AUTH_FAILED;

    d->auth.current = 0u;
    put_u64(got, m->proof_lo);
    put_u64(&got[8], m->proof_hi);
    /* Both roles' challenges (the proof does not say which): at most 2 x 6 HMACs. */
    for (r = 0u; r < 2u && rc != PROTO_OK; r++) {
        if (pump_get_config(&d->pump, &cfg) == PUMP_OK && proves(d, r, got, cfg.serial, &s, device_proof) != 0) {
            /* A retransmitted proof (lost AUTH_ACCEPT) is answered again without
             * restarting the session the host may already be using. */
            if (d->auth.challenge[r].state == 1u) {
                forget_accepted(d);              /* one session at a time: the old one ends */
                d->auth.session = s;
                d->auth.last_ms = device_now_ms(d);
                d->auth.challenge[r].state = 2u;
                security_flush(d);
            }
            out->proof_lo = get_u64(device_proof);
            out->proof_hi = get_u64(&device_proof[8]);
            rc = PROTO_OK;
        }
    }
    if (rc != PROTO_OK) {
        /* Counted and logged; it cancels no challenge: a keyless sender must
         * not be able to break a keyholder's handshake (device.h). */
        device_count(&d->auth.failed_proofs);   /* saved with the next image */
        security(d, rc, (uint8_t)PROTO_MSG_AUTH_PROVE);
    }
    crypto_wipe(&s, sizeof s);
    crypto_wipe(device_proof, sizeof device_proof);
    return rc;
}

uint32_t device_auth_failed_proofs(const device_t *d)
{
    return (d != NULL) ? d->auth.failed_proofs : 0u;
}

int device_auth_seal(device_t *d, uint8_t *raw, size_t len, size_t cap, size_t *out_len)
{
    return (auth_seal(&d->auth.session, raw, len, cap, out_len) == AUTH_OK) ? DEVICE_OK : DEVICE_E_INTERNAL;
}

int device_auth_unsolicited(const device_t *d)
{
    if (d->auth.provisioned == 0u) {
        return 0;
    }
    return (d->auth.session.open != 0u) ? 1 : -1;
}

void device_auth_after_reply(device_t *d)
{
    if (d->auth.current != 0u) {
        d->auth.last_ms = device_now_ms(d);   /* idle time counts from the end of a request */
    }
    if (d->auth.end_after_reply != 0u ||
        (d->auth.session.open != 0u && d->auth.session.tx_counter == UINT32_MAX)) {
        auth_close(&d->auth.session);
        forget_accepted(d);
    }
    d->auth.end_after_reply = 0u;
    d->auth.current = 0u;
}

#else  /* DEVICE_NO_AUTH: the device is always a version-1 device */

int device_provision(device_t *d, const uint8_t clinician[AUTH_KEY_LEN],
                     const uint8_t patient[AUTH_KEY_LEN])
{
    (void)d;
    (void)clinician;
    (void)patient;
    return DEVICE_E_OPTIONS;                    /* this build has no sessions */
}

int device_seed(device_t *d, const uint8_t *entropy, size_t n)
{
    (void)entropy;
    return (d == NULL || n < AUTH_NONCE_LEN) ? DEVICE_E_ARG : DEVICE_OK;
}

int device_auth_check(device_t *d, const proto_frame_t *f, proto_frame_t *inner)
{
    (void)d;
    *inner = *f;
    return PROTO_OK;
}

int device_auth_role(device_t *d, uint8_t msg_type)
{
    (void)d;
    (void)msg_type;
    return PROTO_OK;
}

int device_auth_begin(device_t *d, const proto_auth_begin_t *m, proto_auth_challenge_t *out)
{
    (void)d;
    (void)m;
    (void)out;
    return PROTO_NAK_UNSUPPORTED;
}

int device_auth_prove(device_t *d, const proto_auth_prove_t *m, proto_auth_accept_t *out)
{
    (void)d;
    (void)m;
    (void)out;
    return PROTO_NAK_UNSUPPORTED;
}

uint32_t device_auth_failed_proofs(const device_t *d)
{
    (void)d;
    return 0u;
}

int device_auth_seal(device_t *d, uint8_t *raw, size_t len, size_t cap, size_t *out_len)
{
    (void)d;
    (void)raw;
    (void)len;
    (void)cap;
    (void)out_len;
    return DEVICE_E_INTERNAL;
}

int device_auth_unsolicited(const device_t *d)
{
    (void)d;
    return 0;
}

void device_auth_after_reply(device_t *d)
{
    (void)d;
}

#endif /* DEVICE_NO_AUTH */
