"""The host side of authenticated sessions (protocol/spec.md section 6), with stdlib hmac.

The device side is C (``firmware/crypto/auth.c``); tests/security/test_auth.py
holds both to the same bytes. This module derives the session from a role
key and both nonces, seals frames the host sends (counter + 128-bit tag) and
applies the receive rule to frames the device sends::

    host = Session.open(key, role=CLINICIAN, serial=..., session_id=..., host_nonce=hn,
                        device_nonce=dn, is_device=False)
    host.proofs -> (host_proof, device_proof)
    raw_with_trailer = host.seal(header_and_payload)
    host.accept(raw_with_trailer_from_device)   # "ok", "retransmit", or AuthError

Key files (``pyemu keys``): JSON ``{"format": "pyemu-keys/1", "clinician": hex,
"patient": hex}``, mode 0600, never overwritten; tools print
:func:`fingerprint`, never a key. :func:`seal_frame` and :func:`open_frame`
put the trailer on a host's request and check it on a device's frame
(``pyemu.pump.client`` uses them).
"""
from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass, field
from typing import Any, Tuple, Union

from pyemu.link.keyfile import (KEY_FILE_FORMAT, KEY_LEN, KeyFileError, create_key_file,  # noqa: F401
                           fingerprint, load_key_file, load_pump_keys)
from pyemu import protocol as P
from pyemu.protocol.framing import VERSION as PROTOCOL_VERSION, _raw, raw_to_wire
from pyemu.protocol.schema import FLAG_AUTH

__all__ = ["AuthError", "Session", "CLINICIAN", "PATIENT", "KEY_LEN", "NONCE_LEN", "TAG_LEN",
           "TRAILER_LEN", "tag", "ROLES", "KeyFileError", "fingerprint", "role_number",
           "create_key_file", "load_key_file", "load_pump_keys", "seal_frame", "open_frame", "nonce_fields", "nonce_bytes"]

NONCE_LEN = 16
TAG_LEN = 16
PROOF_LEN = 16
TRAILER_LEN = 20
HEADER_LEN = 6
CLINICIAN = 1
PATIENT = 2


class AuthError(Exception):
    """A frame failed authentication; ``reason`` is ``"failed"`` or ``"replay"``."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        super().__init__(message)


def _hmac(key: bytes, *parts: bytes) -> bytes:
    return hmac.new(key, b"".join(parts), hashlib.sha256).digest()


def tag(key: bytes, data: bytes, counter: int) -> bytes:
    """HMAC(key, data || counter LE)[0:16]."""
    return _hmac(key, data, struct.pack("<I", counter))[:TAG_LEN]


@dataclass
class Session:
    """One side of an open session."""

    tx_key: bytes = field(repr=False)     # secrets: never in a repr or a log
    rx_key: bytes = field(repr=False)
    role: int = CLINICIAN
    proofs: Tuple[bytes, bytes] = field(default=(b"", b""), repr=False)
    tx_counter: int = 0
    rx_counter: int = 0
    _rx_last_tag: bytes = field(default=b"", repr=False)

    @classmethod
    def open(cls, key: bytes, *, role: int, serial: int, session_id: int, host_nonce: bytes,
             device_nonce: bytes, is_device: bool) -> "Session":
        if role not in (CLINICIAN, PATIENT):
            raise ValueError(f"role must be {CLINICIAN} (clinician) or {PATIENT} (patient), got {role!r}")
        if len(key) != KEY_LEN or len(host_nonce) != NONCE_LEN or len(device_nonce) != NONCE_LEN:
            raise ValueError("keys are 32 bytes and nonces 16 bytes")
        ctx = bytes([role]) + struct.pack("<II", serial, session_id) + host_nonce + device_nonce
        ks = _hmac(key, b"pyemu/1 session", ctx)
        khd = _hmac(ks, b"pyemu/1 host->device")
        kdh = _hmac(ks, b"pyemu/1 device->host")
        proofs = (_hmac(ks, b"pyemu/1 host proof", ctx)[:PROOF_LEN],
                  _hmac(ks, b"pyemu/1 device proof", ctx)[:PROOF_LEN])
        tx, rx = (kdh, khd) if is_device else (khd, kdh)
        return cls(tx_key=tx, rx_key=rx, role=role, proofs=proofs)

    def seal(self, header_and_payload: bytes) -> bytes:
        """The frame with the next counter and its tag appended (no CRC)."""
        if len(header_and_payload) < HEADER_LEN:
            raise ValueError("a frame starts with its 6-byte header")
        if self.tx_counter >= 0xFFFFFFFF:
            raise AuthError("replay", "counter exhausted: the session must end (spec 6.3)")
        self.tx_counter += 1
        return header_and_payload + struct.pack("<I", self.tx_counter) + \
            tag(self.tx_key, header_and_payload, self.tx_counter)

    def accept(self, raw: bytes) -> str:
        """``"ok"`` (new frame) or ``"retransmit"`` (the last one again); AuthError otherwise."""
        if len(raw) < HEADER_LEN + TRAILER_LEN:
            raise AuthError("failed", "frame too short for an auth trailer")
        body, trailer = raw[:-TRAILER_LEN], raw[-TRAILER_LEN:]
        (counter,) = struct.unpack_from("<I", trailer)
        expected = tag(self.rx_key, body, counter)
        if not hmac.compare_digest(expected, trailer[4:]):
            raise AuthError("failed", "tag does not verify")
        if counter and counter == self.rx_counter and hmac.compare_digest(expected, self._rx_last_tag):
            return "retransmit"
        if counter <= self.rx_counter:
            raise AuthError("replay", f"counter {counter} is not after {self.rx_counter}")
        self.rx_counter = counter
        self._rx_last_tag = expected
        return "ok"


# -- roles and key files (spec 6.1) ------------------------------------------------

#: Role names as the CLI and key files spell them.
ROLES = {"clinician": CLINICIAN, "patient": PATIENT}


def role_number(role: Union[str, int]) -> int:
    """``"clinician"``/``"patient"`` (or 1/2) -> 1/2; ValueError otherwise."""
    if isinstance(role, int) and role in ROLES.values():
        return role
    if isinstance(role, str) and role.lower() in ROLES:
        return ROLES[role.lower()]
    raise ValueError(f"role must be clinician or patient, got {role!r}")


# -- frames on the host side --------------------------------------------------------

_HDR = struct.Struct("<BBHBB")


def seal_frame(session: Session, msg_type: int, seq: int, flags: int, payload: bytes) -> bytes:
    """One wire frame with flag AUTH, the session's next counter and its tag."""
    flags |= FLAG_AUTH
    body = _HDR.pack(PROTOCOL_VERSION, msg_type, seq, flags, len(payload)) + payload
    sealed = session.seal(body)
    return raw_to_wire(_raw(msg_type, seq, flags, payload, sealed[len(body):]))


def open_frame(session: Session, frame: Any) -> Any:
    """The device's sealed ``frame`` verified and decoded (its ``error``/``fields`` set as
    for a version-1 frame). AuthError if the tag or counter is wrong, or if it is a
    duplicate of the last accepted frame."""

    raw = _HDR.pack(PROTOCOL_VERSION, frame.msg_type, frame.seq, frame.flags, len(frame.payload))
    if session.accept(raw + frame.payload + frame.auth) != "ok":
        raise AuthError("replay", "a copy of the last frame accepted")
    try:
        fields, error = P.decode_payload(frame.msg_type, frame.payload), None
    except P.DecodeError as exc:
        fields, error = None, exc.reason
    return frame._replace(fields=fields, error=error)


def nonce_fields(nonce: bytes) -> Tuple[int, int]:
    """A 16-byte nonce or proof as the two u64 fields that carry it."""
    return struct.unpack("<QQ", nonce)


def nonce_bytes(lo: int, hi: int) -> bytes:
    """Inverse of :func:`nonce_fields`."""
    return struct.pack("<QQ", lo, hi)
