/*
 * crypto.c — SHA-256 and HMAC-SHA256 (see crypto.h).
 *
 * Written from FIPS 180-4 (sections 4.1.2, 4.2.2, 5.1.1, 5.3.3, 6.2) and
 * RFC 2104. Every loop has a fixed bound; every length is checked before it
 * is added, so no counter can wrap.
 */
#include "crypto.h"

#include <string.h>

#define CRYPTO_LIVE 0x53484132u   /* "SHA2": a context that may be updated */
/* 2^61 - 1: the largest message whose bit count fits the 64-bit length field. */
#define CRYPTO_MAX_BYTES 0x1FFFFFFFFFFFFFFFull

/* FIPS 180-4 4.2.2: first 32 bits of the fractional parts of the cube roots
 * of the first 64 primes. */
static const uint32_t K[64] = {
    0x428a2f98u, 0x71374491u, 0xb5c0fbcfu, 0xe9b5dba5u, 0x3956c25bu, 0x59f111f1u, 0x923f82a4u, 0xab1c5ed5u,
    0xd807aa98u, 0x12835b01u, 0x243185beu, 0x550c7dc3u, 0x72be5d74u, 0x80deb1feu, 0x9bdc06a7u, 0xc19bf174u,
    0xe49b69c1u, 0xefbe4786u, 0x0fc19dc6u, 0x240ca1ccu, 0x2de92c6fu, 0x4a7484aau, 0x5cb0a9dcu, 0x76f988dau,
    0x983e5152u, 0xa831c66du, 0xb00327c8u, 0xbf597fc7u, 0xc6e00bf3u, 0xd5a79147u, 0x06ca6351u, 0x14292967u,
    0x27b70a85u, 0x2e1b2138u, 0x4d2c6dfcu, 0x53380d13u, 0x650a7354u, 0x766a0abbu, 0x81c2c92eu, 0x92722c85u,
    0xa2bfe8a1u, 0xa81a664bu, 0xc24b8b70u, 0xc76c51a3u, 0xd192e819u, 0xd6990624u, 0xf40e3585u, 0x106aa070u,
    0x19a4c116u, 0x1e376c08u, 0x2748774cu, 0x34b0bcb5u, 0x391c0cb3u, 0x4ed8aa4au, 0x5b9cca4fu, 0x682e6ff3u,
    0x748f82eeu, 0x78a5636fu, 0x84c87814u, 0x8cc70208u, 0x90befffau, 0xa4506cebu, 0xbef9a3f7u, 0xc67178f2u,
};

/* FIPS 180-4 5.3.3: square roots of the first 8 primes. */
static const uint32_t H0[8] = {
    0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au, 0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u,
};

static uint32_t rotr(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32u - n));
}

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static void store_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* FIPS 180-4 6.2.2: one 64-byte block into the chaining value. */
static void compress(uint32_t h[8], const uint8_t block[CRYPTO_SHA256_BLOCK])
{
    uint32_t w[64];
    uint32_t v[8];
    unsigned t;
    for (t = 0u; t < 16u; t++) {
        w[t] = load_be32(block + 4u * t);
    }
    for (t = 16u; t < 64u; t++) {
        uint32_t s0 = rotr(w[t - 15u], 7u) ^ rotr(w[t - 15u], 18u) ^ (w[t - 15u] >> 3);
        uint32_t s1 = rotr(w[t - 2u], 17u) ^ rotr(w[t - 2u], 19u) ^ (w[t - 2u] >> 10);
        w[t] = w[t - 16u] + s0 + w[t - 7u] + s1;
    }
    for (t = 0u; t < 8u; t++) {
        v[t] = h[t];
    }
    for (t = 0u; t < 64u; t++) {
        uint32_t e = v[4];
        uint32_t a = v[0];
        uint32_t ch = (e & v[5]) ^ (~e & v[6]);
        uint32_t maj = (a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]);
        uint32_t t1 = v[7] + (rotr(e, 6u) ^ rotr(e, 11u) ^ rotr(e, 25u)) + ch + K[t] + w[t];
        uint32_t t2 = (rotr(a, 2u) ^ rotr(a, 13u) ^ rotr(a, 22u)) + maj;
        v[7] = v[6];
        v[6] = v[5];
        v[5] = v[4];
        v[4] = v[3] + t1;
        v[3] = v[2];
        v[2] = v[1];
        v[1] = v[0];
        v[0] = t1 + t2;
    }
    for (t = 0u; t < 8u; t++) {
        h[t] += v[t];
    }
    crypto_wipe(w, sizeof w);
    crypto_wipe(v, sizeof v);
}

void crypto_wipe(void *p, size_t n)
{
    volatile uint8_t *q = (volatile uint8_t *)p;
    size_t i;
    if (p == NULL) {
        return;
    }
    for (i = 0u; i < n; i++) {
        q[i] = 0u;
    }
}

int crypto_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint8_t diff = 0u;
    size_t i;
    if (a == NULL || b == NULL) {
        return 0;
    }
    for (i = 0u; i < n; i++) {
        diff = (uint8_t)(diff | (uint8_t)(a[i] ^ b[i]));
    }
    return diff == 0u;
}

int crypto_sha256_init(crypto_sha256_t *c)
{
    unsigned i;
    if (c == NULL) {
        return CRYPTO_E_ARG;
    }
    for (i = 0u; i < 8u; i++) {
        c->h[i] = H0[i];
    }
    c->total = 0u;
    c->fill = 0u;
    memset(c->block, 0, sizeof c->block);
    c->magic = CRYPTO_LIVE;
    return CRYPTO_OK;
}

int crypto_sha256_update(crypto_sha256_t *c, const uint8_t *data, size_t len)
{
    size_t pos = 0u;
    if (c == NULL || (data == NULL && len != 0u)) {
        return CRYPTO_E_ARG;
    }
    if (c->magic != CRYPTO_LIVE) {
        return CRYPTO_E_STATE;
    }
    /* total <= CRYPTO_MAX_BYTES always, so the subtraction cannot wrap. */
    if ((uint64_t)len > CRYPTO_MAX_BYTES - c->total) {
        c->magic = 0u;
        return CRYPTO_E_LENGTH;
    }
    c->total += (uint64_t)len;
    while (pos < len) {   /* bounded: pos grows by at least 1 each turn */
        size_t room = CRYPTO_SHA256_BLOCK - c->fill;
        size_t take = (len - pos < room) ? len - pos : room;
        memcpy(c->block + c->fill, data + pos, take);
        c->fill += (uint32_t)take;   /* take <= 64 */
        pos += take;
        if (c->fill == CRYPTO_SHA256_BLOCK) {
            compress(c->h, c->block);
            c->fill = 0u;
        }
    }
    return CRYPTO_OK;
}

int crypto_sha256_final(crypto_sha256_t *c, uint8_t out[CRYPTO_SHA256_SIZE])
{
    uint64_t bits;
    unsigned i;
    if (c == NULL || out == NULL) {
        return CRYPTO_E_ARG;
    }
    if (c->magic != CRYPTO_LIVE) {
        return CRYPTO_E_STATE;
    }
    bits = c->total << 3;   /* total < 2^61: no overflow */
    /* FIPS 180-4 5.1.1: 0x80, zeros, then the 64-bit big-endian bit count. */
    c->block[c->fill] = 0x80u;
    c->fill++;
    if (c->fill > CRYPTO_SHA256_BLOCK - 8u) {
        memset(c->block + c->fill, 0, CRYPTO_SHA256_BLOCK - c->fill);
        compress(c->h, c->block);
        c->fill = 0u;
    }
    memset(c->block + c->fill, 0, CRYPTO_SHA256_BLOCK - 8u - c->fill);
    store_be32(c->block + 56, (uint32_t)(bits >> 32));
    store_be32(c->block + 60, (uint32_t)bits);
    compress(c->h, c->block);
    for (i = 0u; i < 8u; i++) {
        store_be32(out + 4u * i, c->h[i]);
    }
    crypto_wipe(c, sizeof *c);   /* also clears magic: a finished context is not reused */
    return CRYPTO_OK;
}

int crypto_sha256(const uint8_t *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE])
{
    crypto_sha256_t c;
    int rc = crypto_sha256_init(&c);
    if (rc == CRYPTO_OK) {
        rc = crypto_sha256_update(&c, data, len);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_sha256_final(&c, out);
    }
    crypto_wipe(&c, sizeof c);
    return rc;
}

int crypto_hmac_init(crypto_hmac_t *h, const uint8_t *key, size_t key_len)
{
    uint8_t k[CRYPTO_SHA256_BLOCK];
    uint8_t pad[CRYPTO_SHA256_BLOCK];
    unsigned i;
    int rc = CRYPTO_OK;
    if (h == NULL || (key == NULL && key_len != 0u)) {
        return CRYPTO_E_ARG;
    }
    memset(k, 0, sizeof k);
    if (key_len > CRYPTO_SHA256_BLOCK) {
        rc = crypto_sha256(key, key_len, k);   /* RFC 2104: long keys are hashed */
    } else if (key_len > 0u) {
        memcpy(k, key, key_len);
    }
    if (rc == CRYPTO_OK) {
        for (i = 0u; i < CRYPTO_SHA256_BLOCK; i++) {
            pad[i] = (uint8_t)(k[i] ^ 0x36u);
        }
        rc = crypto_sha256_init(&h->inner);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_sha256_update(&h->inner, pad, sizeof pad);
    }
    if (rc == CRYPTO_OK) {
        for (i = 0u; i < CRYPTO_SHA256_BLOCK; i++) {
            pad[i] = (uint8_t)(k[i] ^ 0x5cu);
        }
        rc = crypto_sha256_init(&h->outer);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_sha256_update(&h->outer, pad, sizeof pad);
    }
    crypto_wipe(k, sizeof k);
    crypto_wipe(pad, sizeof pad);
    if (rc != CRYPTO_OK) {
        crypto_wipe(h, sizeof *h);
    }
    return rc;
}

int crypto_hmac_update(crypto_hmac_t *h, const uint8_t *data, size_t len)
{
    if (h == NULL) {
        return CRYPTO_E_ARG;
    }
    return crypto_sha256_update(&h->inner, data, len);
}

int crypto_hmac_final(crypto_hmac_t *h, uint8_t out[CRYPTO_SHA256_SIZE])
{
    uint8_t inner[CRYPTO_SHA256_SIZE];
    int rc;
    if (h == NULL || out == NULL) {
        return CRYPTO_E_ARG;
    }
    rc = crypto_sha256_final(&h->inner, inner);
    if (rc == CRYPTO_OK) {
        rc = crypto_sha256_update(&h->outer, inner, sizeof inner);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_sha256_final(&h->outer, out);
    }
    crypto_wipe(inner, sizeof inner);
    crypto_wipe(h, sizeof *h);
    return rc;
}

int crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                       uint8_t out[CRYPTO_SHA256_SIZE])
{
    crypto_hmac_t h;
    int rc = crypto_hmac_init(&h, key, key_len);
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_update(&h, data, len);
    }
    if (rc == CRYPTO_OK) {
        rc = crypto_hmac_final(&h, out);
    }
    crypto_wipe(&h, sizeof h);
    return rc;
}
