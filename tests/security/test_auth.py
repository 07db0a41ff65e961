"""Authenticated-session building blocks: C (firmware/crypto/auth.c) and Python (pyemu.link.auth) agree,
and the receive rule refuses forged, replayed and reordered frames.

These tests pin the cryptographic contract both sides share (protocol/spec.md
section 6): session keys and proofs from the same role key and nonces,
128-bit tags over header, payload and counter, and the counter rule with its
one exception (a byte-identical retransmission of the last frame). The
device using them is tested in test_session.py.
"""
from __future__ import annotations

import struct

import pytest
from hypothesis import given, strategies as st

from pyemu.link import auth
from pyemu._core import ffi, lib

KEY = bytes(range(32))
HN = bytes(range(100, 116))
DN = bytes(range(200, 216))


def c_open(key, role, serial, sid, hn, dn, is_device):
    s = ffi.new("auth_session_t *")
    hp, dp = ffi.new("uint8_t[16]"), ffi.new("uint8_t[16]")
    assert lib.auth_open(s, 1 if is_device else 0, key, role, serial, sid, hn, dn, hp, dp) == lib.AUTH_OK
    return s, bytes(hp), bytes(dp)


def c_seal(s, frame: bytes) -> bytes:
    buf = ffi.new("uint8_t[]", len(frame) + 20)
    ffi.memmove(buf, frame, len(frame))
    n = ffi.new("size_t *")
    assert lib.auth_seal(s, buf, len(frame), len(frame) + 20, n) == lib.AUTH_OK
    return bytes(ffi.buffer(buf, n[0]))


def c_accept(s, raw: bytes) -> int:
    return int(lib.auth_accept(s, raw, len(raw)))


keys = st.binary(min_size=32, max_size=32)
nonces = st.binary(min_size=16, max_size=16)
frames = st.binary(min_size=6, max_size=230)


@given(keys, st.sampled_from([1, 2]), st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), nonces, nonces)
def test_c_and_python_derive_the_same_session_and_proofs(key, role, serial, sid, hn, dn):
    """Invariant: same key, role, serial, session id and nonces -> same proofs and
    direction keys on both sides; the host's send key is the device's receive key."""
    dev, hp, dp = c_open(key, role, serial, sid, hn, dn, True)
    host = auth.Session.open(key, role=role, serial=serial, session_id=sid, host_nonce=hn,
                             device_nonce=dn, is_device=False)
    assert host.proofs == (hp, dp) and hp != dp
    assert bytes(dev.rx_key) == host.tx_key and bytes(dev.tx_key) == host.rx_key
    assert host.tx_key != host.rx_key


@given(keys, frames, st.integers(1, 2**32 - 1))
def test_c_and_python_tags_agree(key, data, counter):
    out = ffi.new("uint8_t[16]")
    assert lib.auth_tag(key, data, len(data), counter, out) == lib.AUTH_OK
    assert bytes(out) == auth.tag(key, data, counter)


@given(st.lists(frames, min_size=1, max_size=6))
def test_frames_sealed_by_either_side_are_accepted_by_the_other(payloads):
    """Invariant: host.seal -> device accept OK, device seal -> host accept ok, in order."""
    dev, _, _ = c_open(KEY, 1, 7, 9, HN, DN, True)
    host = auth.Session.open(KEY, role=1, serial=7, session_id=9, host_nonce=HN, device_nonce=DN,
                             is_device=False)
    for p in payloads:
        assert c_accept(dev, host.seal(p)) == lib.AUTH_OK
        assert host.accept(c_seal(dev, p)) == "ok"


def _pair():
    dev, _, _ = c_open(KEY, 2, 7, 9, HN, DN, True)
    host = auth.Session.open(KEY, role=2, serial=7, session_id=9, host_nonce=HN, device_nonce=DN,
                             is_device=False)
    return dev, host


def test_a_retransmission_of_the_last_frame_is_told_apart_from_a_replay():
    dev, host = _pair()
    first = host.seal(b"\x01\x06\x01\x00\x08\x00")
    second = host.seal(b"\x01\x06\x02\x00\x08\x00")
    assert c_accept(dev, first) == lib.AUTH_OK
    assert c_accept(dev, first) == lib.AUTH_RETRANSMIT     # lost reply: the same bytes again
    assert c_accept(dev, second) == lib.AUTH_OK
    assert c_accept(dev, second) == lib.AUTH_RETRANSMIT
    assert c_accept(dev, first) == lib.AUTH_E_REPLAY       # an older frame: replay
    assert int(dev.rx_counter) == 2


def test_reordered_frames_are_refused():
    dev, host = _pair()
    a, b, c = (host.seal(bytes([1, 2, i, 0, 8, 0])) for i in range(3))
    assert c_accept(dev, c) == lib.AUTH_OK
    assert c_accept(dev, a) == lib.AUTH_E_REPLAY and c_accept(dev, b) == lib.AUTH_E_REPLAY


@given(st.integers(0, 8 * 26 - 1))
def test_every_single_bit_flip_of_a_sealed_frame_is_refused(bit):
    """Invariant: a frame changed in any bit (header, payload, counter or tag) fails."""
    dev, host = _pair()
    sealed = bytearray(host.seal(b"\x01\x04\x07\x00\x08\x00"))
    sealed[bit // 8] ^= 1 << (bit % 8)
    assert c_accept(dev, bytes(sealed)) == lib.AUTH_E_FAILED
    assert int(dev.rx_counter) == 0, "a refused frame changes nothing"


def test_a_frame_under_another_key_role_or_direction_is_refused():
    dev, host = _pair()
    other = auth.Session.open(bytes(32), role=2, serial=7, session_id=9, host_nonce=HN,
                              device_nonce=DN, is_device=False)
    clinician = auth.Session.open(KEY, role=1, serial=7, session_id=9, host_nonce=HN,
                                  device_nonce=DN, is_device=False)
    frame = b"\x01\x06\x01\x00\x08\x00"
    assert c_accept(dev, other.seal(frame)) == lib.AUTH_E_FAILED
    assert c_accept(dev, clinician.seal(frame)) == lib.AUTH_E_FAILED
    reflected = c_seal(dev, frame)             # the device's own frame sent back to it
    assert c_accept(dev, reflected) == lib.AUTH_E_FAILED
    with pytest.raises(auth.AuthError) as info:
        host.accept(host.seal(frame))          # and the host's back to the host
    assert info.value.reason == "failed"


def test_python_receive_rule_matches_c():
    dev, host = _pair()
    sent = [c_seal(dev, bytes([1, 0x43, i, 0, 0x10, 0])) for i in range(3)]
    assert host.accept(sent[0]) == "ok" and host.accept(sent[0]) == "retransmit"
    assert host.accept(sent[2]) == "ok"
    with pytest.raises(auth.AuthError, match="not after"):
        host.accept(sent[1])


def test_a_closed_or_exhausted_session_seals_nothing():
    dev, _ = _pair()
    dev.tx_counter = 2**32 - 1
    buf = ffi.new("uint8_t[40]")
    n = ffi.new("size_t *")
    assert lib.auth_seal(dev, buf, 6, 40, n) == lib.AUTH_E_ARG
    lib.auth_close(dev)
    assert dev.open == 0 and bytes(dev.rx_key) == bytes(32)
    assert lib.auth_seal(dev, buf, 6, 40, n) == lib.AUTH_E_ARG
    assert struct.calcsize("<I") + lib.AUTH_TAG_LEN == lib.AUTH_TRAILER_LEN == auth.TRAILER_LEN
