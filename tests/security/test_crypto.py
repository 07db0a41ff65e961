"""The firmware's SHA-256 and HMAC-SHA256 (firmware/crypto, through cffi) against hashlib/hmac.

The C code is checked against the FIPS 180-4 and RFC 4231 vectors in
firmware/tests/test_crypto.c; here it must agree with Python's standard
library on any message and key, fed whole or in pieces, so the host side
(stdlib ``hmac``) and the device side (C) compute the same tags.
"""
from __future__ import annotations

import hashlib
import hmac

from hypothesis import given, strategies as st

from pyemu._core import ffi, lib


def c_sha256(pieces) -> bytes:
    ctx = ffi.new("crypto_sha256_t *")
    assert lib.crypto_sha256_init(ctx) == lib.CRYPTO_OK
    for piece in pieces:
        assert lib.crypto_sha256_update(ctx, piece, len(piece)) == lib.CRYPTO_OK
    out = ffi.new("uint8_t[32]")
    assert lib.crypto_sha256_final(ctx, out) == lib.CRYPTO_OK
    return bytes(out)


def c_hmac(key: bytes, pieces) -> bytes:
    ctx = ffi.new("crypto_hmac_t *")
    assert lib.crypto_hmac_init(ctx, key, len(key)) == lib.CRYPTO_OK
    for piece in pieces:
        assert lib.crypto_hmac_update(ctx, piece, len(piece)) == lib.CRYPTO_OK
    out = ffi.new("uint8_t[32]")
    assert lib.crypto_hmac_final(ctx, out) == lib.CRYPTO_OK
    return bytes(out)


@given(st.lists(st.binary(max_size=200), max_size=6))
def test_c_sha256_equals_hashlib_however_the_message_is_split(pieces):
    """Invariant: SHA-256 in C of the concatenated pieces == hashlib.sha256."""
    assert c_sha256(pieces) == hashlib.sha256(b"".join(pieces)).digest()


@given(st.binary(max_size=200), st.lists(st.binary(max_size=150), max_size=5))
def test_c_hmac_equals_stdlib_hmac_for_any_key(key, pieces):
    """Invariant: HMAC-SHA256 in C == hmac.new(key, msg, sha256), keys shorter,
    equal to and longer than a block included."""
    expected = hmac.new(key, b"".join(pieces), hashlib.sha256).digest()
    assert c_hmac(key, pieces) == expected
    one = ffi.new("uint8_t[32]")
    msg = b"".join(pieces)
    assert lib.crypto_hmac_sha256(key, len(key), msg, len(msg), one) == lib.CRYPTO_OK
    assert bytes(one) == expected


def test_block_boundary_keys_and_messages():
    for n in (0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129):
        data = bytes(range(256))[:n] * 1
        assert c_sha256([data]) == hashlib.sha256(data).digest()
        assert c_hmac(data, [data]) == hmac.new(data, data, hashlib.sha256).digest()


@given(st.binary(min_size=1, max_size=32), st.binary(min_size=1, max_size=32))
def test_constant_time_compare_agrees_with_hmac_compare_digest(a, b):
    n = min(len(a), len(b))
    assert bool(lib.crypto_equal(a, b, n)) == hmac.compare_digest(a[:n], b[:n])
