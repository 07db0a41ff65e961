/*
 * test_auth.c — authenticated-session building blocks (firmware/crypto/auth.c)
 * under ASan/UBSan: a host and a device session opened from the same key and
 * nonces agree on proofs and keys; sealed frames are accepted in order; a
 * byte-identical copy of the last frame is a retransmission; older counters,
 * every single-bit flip, another key and a reflected frame are refused and
 * change nothing; exhausted and closed sessions seal nothing. Cross-checked
 * against Python's hmac in tests/security/test_auth.py. Exits non-zero on
 * any failure.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

#include "check.h"

static uint8_t g_key[AUTH_KEY_LEN];
static uint8_t g_hn[AUTH_NONCE_LEN];
static uint8_t g_dn[AUTH_NONCE_LEN];

static void open_pair(auth_session_t *host, auth_session_t *dev, const uint8_t *host_key)
{
    uint8_t hp[AUTH_PROOF_LEN];
    uint8_t dp[AUTH_PROOF_LEN];
    uint8_t hp2[AUTH_PROOF_LEN];
    uint8_t dp2[AUTH_PROOF_LEN];
    CHECK(auth_open(host, 0, host_key, AUTH_ROLE_CLINICIAN, 42u, 7u, g_hn, g_dn, hp, dp) == AUTH_OK, "host");
    CHECK(auth_open(dev, 1, g_key, AUTH_ROLE_CLINICIAN, 42u, 7u, g_hn, g_dn, hp2, dp2) == AUTH_OK, "dev");
    CHECK((memcmp(hp, hp2, sizeof hp) == 0) == (host_key == g_key), "host proofs agree iff same key");
    CHECK(memcmp(hp, dp, sizeof hp) != 0, "the two proofs differ");
}

static size_t seal(auth_session_t *s, uint8_t *buf, uint8_t seq)
{
    size_t n = 0u;
    const uint8_t head[6] = {1u, 4u, 0u, 0u, 8u, 2u};
    memcpy(buf, head, sizeof head);
    buf[2] = seq;
    buf[6] = 0xAAu;
    buf[7] = seq;
    CHECK(auth_seal(s, buf, 8u, 64u, &n) == AUTH_OK, "seal");
    CHECK(n == 8u + AUTH_TRAILER_LEN, "sealed length");
    return n;
}

static void test_order_retransmit_replay(void)
{
    auth_session_t host;
    auth_session_t dev;
    uint8_t a[64];
    uint8_t b[64];
    size_t na;
    size_t nb;
    open_pair(&host, &dev, g_key);
    na = seal(&host, a, 1u);
    nb = seal(&host, b, 2u);
    CHECK(auth_accept(&dev, a, na) == AUTH_OK, "first");
    CHECK(auth_accept(&dev, a, na) == AUTH_RETRANSMIT, "same bytes again");
    CHECK(auth_accept(&dev, b, nb) == AUTH_OK, "second");
    CHECK(auth_accept(&dev, a, na) == AUTH_E_REPLAY, "older frame");
    CHECK(dev.rx_counter == 2u, "counter %u", (unsigned)dev.rx_counter);
    CHECK(auth_accept(&host, b, nb) == AUTH_E_FAILED, "a host frame reflected to the host");
}

static void test_bit_flips_and_keys(void)
{
    auth_session_t host;
    auth_session_t dev;
    uint8_t f[64];
    uint8_t other[AUTH_KEY_LEN];
    size_t n;
    size_t bit;
    open_pair(&host, &dev, g_key);
    n = seal(&host, f, 9u);
    for (bit = 0u; bit < n * 8u; bit++) {
        f[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
        CHECK(auth_accept(&dev, f, n) == AUTH_E_FAILED, "bit %u", (unsigned)bit);
        f[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
    }
    CHECK(dev.rx_counter == 0u, "refusals change nothing");
    CHECK(auth_accept(&dev, f, n) == AUTH_OK, "the intact frame");
    memset(other, 0x11, sizeof other);
    open_pair(&host, &dev, other);
    n = seal(&host, f, 1u);
    CHECK(auth_accept(&dev, f, n) == AUTH_E_FAILED, "another key");
}

static void test_limits(void)
{
    auth_session_t host;
    auth_session_t dev;
    uint8_t f[64];
    size_t n = 0u;
    open_pair(&host, &dev, g_key);
    CHECK(auth_open(&host, 0, g_key, 3u, 1u, 1u, g_hn, g_dn, NULL, NULL) == AUTH_E_ARG, "role 3");
    host.tx_counter = UINT32_MAX;
    memset(f, 0, sizeof f);
    CHECK(auth_seal(&host, f, 8u, sizeof f, &n) == AUTH_E_ARG, "exhausted counter");
    host.tx_counter = 0u;
    CHECK(auth_seal(&host, f, 50u, 60u, &n) == AUTH_E_ARG, "no room for the trailer");
    CHECK(auth_accept(&dev, f, 10u) == AUTH_E_ARG, "too short");
    auth_close(&host);
    CHECK(host.open == 0u && host.tx_key[0] == 0u, "closed and wiped");
    CHECK(auth_seal(&host, f, 8u, sizeof f, &n) == AUTH_E_ARG, "closed");
}

int main(void)
{
    size_t i;
    for (i = 0u; i < sizeof g_key; i++) {
        g_key[i] = (uint8_t)i;
    }
    for (i = 0u; i < sizeof g_hn; i++) {
        g_hn[i] = (uint8_t)(100u + i);
        g_dn[i] = (uint8_t)(200u + i);
    }
    test_order_retransmit_replay();
    test_bit_flips_and_keys();
    test_limits();
    printf("test_auth: %d checks, %d failures\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
