/*
 * auth.c — handshake key derivation, frame tags and the counter rule (auth.h,
 * protocol/spec.md section 6).
 */
#include "auth.h"

#include <string.h>

#include "crypto.h"

/* Context of spec 6.2: role, serial, session, host nonce, device nonce. */
#define AUTH_CTX_LEN (1u + 4u + 4u + AUTH_NONCE_LEN + AUTH_NONCE_LEN)

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* out = HMAC(key, label || data). */
static int labelled(const uint8_t *key, size_t key_len, const char *label, const uint8_t *data,
                    size_t len, uint8_t out[CRYPTO_SHA256_SIZE])
{
    crypto_hmac_t h;
    int rc = crypto_hmac_init(&h, key, key_len);
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_update(&h, (const uint8_t *)label, strlen(label));
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_update(&h, data, len);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_final(&h, out);
    }
    crypto_wipe(&h, sizeof h);
    return rc;
}

int auth_open(auth_session_t *s, int is_device, const uint8_t key[AUTH_KEY_LEN], uint8_t role,
              uint32_t serial, uint32_t session_id, const uint8_t host_nonce[AUTH_NONCE_LEN],
              const uint8_t device_nonce[AUTH_NONCE_LEN], uint8_t host_proof[AUTH_PROOF_LEN],
              uint8_t device_proof[AUTH_PROOF_LEN])
{
    uint8_t ctx[AUTH_CTX_LEN];
    uint8_t ks[CRYPTO_SHA256_SIZE];
    uint8_t khd[CRYPTO_SHA256_SIZE];
    uint8_t kdh[CRYPTO_SHA256_SIZE];
    uint8_t proof[CRYPTO_SHA256_SIZE];
    int rc;
    if (s == NULL || key == NULL || host_nonce == NULL || device_nonce == NULL ||
        (role != AUTH_ROLE_CLINICIAN && role != AUTH_ROLE_PATIENT)) {
        return AUTH_E_ARG;
    }
    ctx[0] = role;
    put_u32(ctx + 1, serial);
    put_u32(ctx + 5, session_id);
    memcpy(ctx + 9, host_nonce, AUTH_NONCE_LEN);
    memcpy(ctx + 9 + AUTH_NONCE_LEN, device_nonce, AUTH_NONCE_LEN);
    rc = labelled(key, AUTH_KEY_LEN, "pyemu/1 session", ctx, sizeof ctx, ks);
    if (rc == CRYPTO_OK) {
        rc = labelled(ks, sizeof ks, "pyemu/1 host->device", NULL, 0u, khd);
    }
    if (rc == CRYPTO_OK) {
        rc = labelled(ks, sizeof ks, "pyemu/1 device->host", NULL, 0u, kdh);
    }
    if (rc == CRYPTO_OK && host_proof != NULL) {
        rc = labelled(ks, sizeof ks, "pyemu/1 host proof", ctx, sizeof ctx, proof);
        memcpy(host_proof, proof, AUTH_PROOF_LEN);
    }
    if (rc == CRYPTO_OK && device_proof != NULL) {
        rc = labelled(ks, sizeof ks, "pyemu/1 device proof", ctx, sizeof ctx, proof);
        memcpy(device_proof, proof, AUTH_PROOF_LEN);
    }
    if (rc == CRYPTO_OK) {
        memset(s, 0, sizeof *s);
        memcpy(s->tx_key, is_device ? kdh : khd, AUTH_KEY_LEN);
        memcpy(s->rx_key, is_device ? khd : kdh, AUTH_KEY_LEN);
        s->role = role;
        s->open = 1u;
    }
    crypto_wipe(ks, sizeof ks);
    crypto_wipe(khd, sizeof khd);
    crypto_wipe(kdh, sizeof kdh);
    crypto_wipe(proof, sizeof proof);
    return rc == CRYPTO_OK ? AUTH_OK : AUTH_E_ARG;
}

int auth_tag(const uint8_t key[AUTH_KEY_LEN], const uint8_t *data, size_t len, uint32_t counter,
             uint8_t tag[AUTH_TAG_LEN])
{
    crypto_hmac_t h;
    uint8_t c[4];
    uint8_t full[CRYPTO_SHA256_SIZE];
    int rc;
    if (key == NULL || tag == NULL || (data == NULL && len != 0u)) {
        return AUTH_E_ARG;
    }
    put_u32(c, counter);
    rc = crypto_hmac_init(&h, key, AUTH_KEY_LEN);
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_update(&h, data, len);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_update(&h, c, sizeof c);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_final(&h, full);
    }
    if (rc == CRYPTO_OK) {
        memcpy(tag, full, AUTH_TAG_LEN);
    }
    crypto_wipe(&h, sizeof h);
    crypto_wipe(full, sizeof full);
    return rc == CRYPTO_OK ? AUTH_OK : AUTH_E_ARG;
}

int auth_seal(auth_session_t *s, uint8_t *raw, size_t len, size_t cap, size_t *out_len)
{
    uint32_t counter;
    int rc;
    if (s == NULL || raw == NULL || out_len == NULL || s->open == 0u || len < AUTH_HEADER_LEN ||
        cap < AUTH_TRAILER_LEN || len > cap - AUTH_TRAILER_LEN || s->tx_counter == UINT32_MAX) {
        return AUTH_E_ARG;
    }
    counter = s->tx_counter + 1u;   /* < UINT32_MAX + 1: checked above */
    rc = auth_tag(s->tx_key, raw, len, counter, raw + len + 4u);
    if (rc != AUTH_OK) {
        return rc;
    }
    put_u32(raw + len, counter);
    s->tx_counter = counter;
    *out_len = len + AUTH_TRAILER_LEN;
    return AUTH_OK;
}

int auth_accept(auth_session_t *s, const uint8_t *raw, size_t len)
{
    uint8_t tag[AUTH_TAG_LEN];
    size_t body;
    uint32_t counter;
    int rc;
    if (s == NULL || raw == NULL || s->open == 0u || len < AUTH_HEADER_LEN + AUTH_TRAILER_LEN) {
        return AUTH_E_ARG;
    }
    body = len - AUTH_TRAILER_LEN;
    counter = get_u32(raw + body);
    rc = auth_tag(s->rx_key, raw, body, counter, tag);
    if (rc != AUTH_OK) {
        return rc;
    }
    if (!crypto_equal(tag, raw + body + 4u, AUTH_TAG_LEN)) {
        crypto_wipe(tag, sizeof tag);
        return AUTH_E_FAILED;
    }
    /* The tag covers every byte but itself, so an equal counter and an equal
     * tag mean the same frame: the last one, sent again. */
    if (counter != 0u && counter == s->rx_counter && crypto_equal(tag, s->rx_last_tag, AUTH_TAG_LEN)) {
        crypto_wipe(tag, sizeof tag);
        return AUTH_RETRANSMIT;
    }
    if (counter <= s->rx_counter) {
        crypto_wipe(tag, sizeof tag);
        return AUTH_E_REPLAY;
    }
    s->rx_counter = counter;
    memcpy(s->rx_last_tag, tag, AUTH_TAG_LEN);
    crypto_wipe(tag, sizeof tag);
    return AUTH_OK;
}

void auth_close(auth_session_t *s)
{
    crypto_wipe(s, s == NULL ? 0u : sizeof *s);
}
