/*
 * crypto.h — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) for the firmware.
 *
 * Pure C99: no malloc, no tables built at run time, the caller owns every
 * context. Used by the authenticated sessions (protocol/spec.md section 6)
 * to derive session keys and to tag frames; the same code runs in the
 * emulator (pyemu._core) and on the board. Verified against the FIPS 180-4
 * examples and the RFC 4231 HMAC vectors (firmware/tests/test_crypto.c) and
 * against Python's hashlib/hmac (tests/security/test_crypto.py).
 *
 * Lengths: a message may be up to 2^61 - 1 bytes (the 64-bit bit count of
 * the padding); longer input is refused with CRYPTO_E_LENGTH and the context
 * is left unusable for finishing (final refuses it). Key material copied
 * into a context is wiped by crypto_hmac_final and crypto_wipe.
 */
#ifndef PYEMU_CRYPTO_H
#define PYEMU_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SHA256_SIZE   32u   /* digest bytes */
#define CRYPTO_SHA256_BLOCK  64u   /* block bytes */

#define CRYPTO_OK            0
#define CRYPTO_E_ARG         1     /* NULL pointer (with a non-zero length) */
#define CRYPTO_E_LENGTH      2     /* message longer than 2^61 - 1 bytes */
#define CRYPTO_E_STATE       3     /* context not initialised, failed or finished */

typedef struct {
    uint32_t h[8];                         /* chaining value */
    uint64_t total;                        /* message bytes so far */
    uint8_t  block[CRYPTO_SHA256_BLOCK];   /* partial block */
    uint32_t fill;                         /* bytes in block, 0..63 */
    uint32_t magic;                        /* CRYPTO_LIVE while usable */
} crypto_sha256_t;

typedef struct {
    crypto_sha256_t inner;                 /* H((K ^ ipad) || m) */
    crypto_sha256_t outer;                 /* H((K ^ opad) || inner digest) */
} crypto_hmac_t;

/* SHA-256 in steps: init, update any number of times, final. */
int crypto_sha256_init(crypto_sha256_t *c);
int crypto_sha256_update(crypto_sha256_t *c, const uint8_t *data, size_t len);
int crypto_sha256_final(crypto_sha256_t *c, uint8_t out[CRYPTO_SHA256_SIZE]);
/* One call. */
int crypto_sha256(const uint8_t *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE]);

/* HMAC-SHA256: a key longer than a block is hashed first (RFC 2104). */
int crypto_hmac_init(crypto_hmac_t *h, const uint8_t *key, size_t key_len);
int crypto_hmac_update(crypto_hmac_t *h, const uint8_t *data, size_t len);
int crypto_hmac_final(crypto_hmac_t *h, uint8_t out[CRYPTO_SHA256_SIZE]);
int crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data, size_t len,
                       uint8_t out[CRYPTO_SHA256_SIZE]);

/* 1 if the n bytes are equal, else 0; time depends on n only (tag checks). */
int crypto_equal(const uint8_t *a, const uint8_t *b, size_t n);

/* Overwrite n bytes with zeros in a way the compiler keeps. */
void crypto_wipe(void *p, size_t n);

#endif /* PYEMU_CRYPTO_H */
