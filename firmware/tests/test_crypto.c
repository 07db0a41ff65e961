/*
 * test_crypto.c — SHA-256 and HMAC-SHA256 (firmware/crypto) under ASan/UBSan.
 *
 * The FIPS 180-4 example messages (one block, empty, two blocks, 896 bits,
 * a million 'a'), the seven RFC 4231 HMAC-SHA-256 test cases (case 5 is
 * compared on its 128-bit truncation, as the RFC gives it), every split of
 * a message into two updates, padding at every length around the block
 * boundary (55, 56, 63, 64, 65 bytes), refusals (NULL, finished context,
 * length limit) and the constant-time comparison. Exits non-zero on any
 * failure.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"

#include "check.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') { return c - '0'; }
    if (c >= 'a' && c <= 'f') { return c - 'a' + 10; }
    return -1;
}

/* Compare the first strlen(hex)/2 bytes of got with hex. */
static int same_hex(const uint8_t *got, const char *hex)
{
    size_t n = strlen(hex) / 2u;
    size_t i;
    for (i = 0u; i < n; i++) {
        int hi = hexval(hex[2u * i]);
        int lo = hexval(hex[2u * i + 1u]);
        if (hi < 0 || lo < 0 || got[i] != (uint8_t)(hi * 16 + lo)) {
            return 0;
        }
    }
    return 1;
}

static void fill(uint8_t *buf, size_t n, uint8_t v)
{
    memset(buf, v, n);
}

static uint8_t g_big[1000000];

static void test_fips_180_4(void)
{
    static const struct { const char *msg; const char *hex; } v[] = {
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
         "mnopqrstnopqrstu", "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
    };
    uint8_t out[CRYPTO_SHA256_SIZE];
    crypto_sha256_t c;
    size_t i;
    size_t k;
    for (i = 0u; i < sizeof v / sizeof v[0]; i++) {
        const uint8_t *m = (const uint8_t *)v[i].msg;
        size_t n = strlen(v[i].msg);
        CHECK(crypto_sha256(m, n, out) == CRYPTO_OK, "vector %u", (unsigned)i);
        CHECK(same_hex(out, v[i].hex), "FIPS 180-4 vector %u", (unsigned)i);
        for (k = 0u; k <= n; k++) {   /* every split into two updates */
            CHECK(crypto_sha256_init(&c) == CRYPTO_OK, "init");
            CHECK(crypto_sha256_update(&c, m, k) == CRYPTO_OK, "update 1");
            CHECK(crypto_sha256_update(&c, m + k, n - k) == CRYPTO_OK, "update 2");
            CHECK(crypto_sha256_final(&c, out) == CRYPTO_OK, "final");
            CHECK(same_hex(out, v[i].hex), "vector %u split at %u", (unsigned)i, (unsigned)k);
        }
    }
    fill(g_big, sizeof g_big, (uint8_t)'a');
    CHECK(crypto_sha256(g_big, sizeof g_big, out) == CRYPTO_OK, "million a");
    CHECK(same_hex(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "million a");
    /* The same million fed in 997-byte pieces (not a divisor of 64). */
    CHECK(crypto_sha256_init(&c) == CRYPTO_OK, "init");
    for (k = 0u; k < sizeof g_big; k += 997u) {
        size_t take = sizeof g_big - k < 997u ? sizeof g_big - k : 997u;
        CHECK(crypto_sha256_update(&c, g_big + k, take) == CRYPTO_OK, "update");
    }
    CHECK(crypto_sha256_final(&c, out) == CRYPTO_OK, "final");
    CHECK(same_hex(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "million a in pieces");
}

static void test_rfc_4231(void)
{
    static const char *data6 = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char *data7 = "This is a test using a larger than block-size key and a larger than block-size data."
                               " The key needs to be hashed before being used by the HMAC algorithm.";
    uint8_t key[131];
    uint8_t data[50];
    uint8_t out[CRYPTO_SHA256_SIZE];
    size_t i;

    fill(key, 20u, 0x0bu);
    CHECK(crypto_hmac_sha256(key, 20u, (const uint8_t *)"Hi There", 8u, out) == CRYPTO_OK, "case 1");
    CHECK(same_hex(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"), "RFC 4231 case 1");

    CHECK(crypto_hmac_sha256((const uint8_t *)"Jefe", 4u, (const uint8_t *)"what do ya want for nothing?",
                             28u, out) == CRYPTO_OK, "case 2");
    CHECK(same_hex(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), "RFC 4231 case 2");

    fill(key, 20u, 0xaau);
    fill(data, 50u, 0xddu);
    CHECK(crypto_hmac_sha256(key, 20u, data, 50u, out) == CRYPTO_OK, "case 3");
    CHECK(same_hex(out, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"), "RFC 4231 case 3");

    for (i = 0u; i < 25u; i++) {
        key[i] = (uint8_t)(i + 1u);
    }
    fill(data, 50u, 0xcdu);
    CHECK(crypto_hmac_sha256(key, 25u, data, 50u, out) == CRYPTO_OK, "case 4");
    CHECK(same_hex(out, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"), "RFC 4231 case 4");

    fill(key, 20u, 0x0cu);
    CHECK(crypto_hmac_sha256(key, 20u, (const uint8_t *)"Test With Truncation", 20u, out) == CRYPTO_OK, "5");
    CHECK(same_hex(out, "a3b6167473100ee06e0c796c2955552b"), "RFC 4231 case 5 (128-bit truncation)");

    fill(key, 131u, 0xaau);
    CHECK(crypto_hmac_sha256(key, 131u, (const uint8_t *)data6, strlen(data6), out) == CRYPTO_OK, "case 6");
    CHECK(same_hex(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"), "RFC 4231 case 6");
    CHECK(crypto_hmac_sha256(key, 131u, (const uint8_t *)data7, strlen(data7), out) == CRYPTO_OK, "case 7");
    CHECK(same_hex(out, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"), "RFC 4231 case 7");
}

/* Padding edges: the digest of n bytes equals the digest of the same bytes
 * fed one at a time, for every n from 0 to 130 (covers 55/56/63/64/119/120). */
static void test_padding_edges(void)
{
    uint8_t msg[130];
    uint8_t a[CRYPTO_SHA256_SIZE];
    uint8_t b[CRYPTO_SHA256_SIZE];
    crypto_sha256_t c;
    size_t n;
    size_t i;
    for (i = 0u; i < sizeof msg; i++) {
        msg[i] = (uint8_t)(i * 7u + 3u);
    }
    for (n = 0u; n <= sizeof msg; n++) {
        CHECK(crypto_sha256(msg, n, a) == CRYPTO_OK, "one call");
        CHECK(crypto_sha256_init(&c) == CRYPTO_OK, "init");
        for (i = 0u; i < n; i++) {
            CHECK(crypto_sha256_update(&c, msg + i, 1u) == CRYPTO_OK, "update");
        }
        CHECK(crypto_sha256_final(&c, b) == CRYPTO_OK, "final");
        CHECK(memcmp(a, b, sizeof a) == 0, "length %u: bytewise differs", (unsigned)n);
    }
}

static void test_refusals(void)
{
    uint8_t out[CRYPTO_SHA256_SIZE];
    crypto_sha256_t c;
    crypto_hmac_t h;
    CHECK(crypto_sha256(NULL, 1u, out) == CRYPTO_E_ARG, "NULL data with a length");
    CHECK(crypto_sha256(NULL, 0u, out) == CRYPTO_OK, "NULL data, length 0 is the empty message");
    CHECK(same_hex(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "empty");
    CHECK(crypto_sha256_init(NULL) == CRYPTO_E_ARG, "NULL context");
    CHECK(crypto_sha256_init(&c) == CRYPTO_OK, "init");
    CHECK(crypto_sha256_final(&c, out) == CRYPTO_OK, "final");
    CHECK(crypto_sha256_update(&c, out, 1u) == CRYPTO_E_STATE, "update after final");
    CHECK(crypto_sha256_final(&c, out) == CRYPTO_E_STATE, "final twice");
    CHECK(crypto_sha256_init(&c) == CRYPTO_OK, "init");
    c.total = 0x1FFFFFFFFFFFFFF0ull;   /* near the 2^61 - 1 byte limit */
    CHECK(crypto_sha256_update(&c, out, 32u) == CRYPTO_E_LENGTH, "past the length limit");
    CHECK(crypto_sha256_final(&c, out) == CRYPTO_E_STATE, "a failed context does not finish");
    CHECK(crypto_hmac_init(&h, NULL, 3u) == CRYPTO_E_ARG, "NULL key with a length");
    CHECK(crypto_hmac_init(&h, NULL, 0u) == CRYPTO_OK, "empty key");
    CHECK(crypto_hmac_final(&h, out) == CRYPTO_OK, "final");
    CHECK(same_hex(out, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"), "HMAC(empty, empty)");
    CHECK(crypto_hmac_update(&h, out, 1u) == CRYPTO_E_STATE, "hmac update after final");
}

static void test_equal(void)
{
    uint8_t a[16];
    uint8_t b[16];
    size_t i;
    fill(a, sizeof a, 0x5au);
    fill(b, sizeof b, 0x5au);
    CHECK(crypto_equal(a, b, sizeof a) == 1, "equal");
    CHECK(crypto_equal(a, b, 0u) == 1, "empty ranges are equal");
    for (i = 0u; i < sizeof a * 8u; i++) {
        b[i / 8u] ^= (uint8_t)(1u << (i % 8u));
        CHECK(crypto_equal(a, b, sizeof a) == 0, "bit %u differs", (unsigned)i);
        b[i / 8u] ^= (uint8_t)(1u << (i % 8u));
    }
    CHECK(crypto_equal(NULL, b, 1u) == 0, "NULL is never equal");
}

int main(void)
{
    test_fips_180_4();
    test_rfc_4231();
    test_padding_edges();
    test_refusals();
    test_equal();
    printf("test_crypto: %d checks, %d failures\n", g_checks, g_failures);
    return g_failures == 0 ? 0 : 1;
}
