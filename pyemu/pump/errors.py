"""What the pump interface raises: the device or the core refused, or the line failed."""
from __future__ import annotations

from pyemu.protocol import vocabulary as V
from pyemu.pump.names import reason_text

__all__ = ["Refusal", "ClientError", "NoReply", "LinkError", "ProtocolError", "NotExecuted",
           "AuthenticationError", "DeviceRefused"]

# -- errors ----------------------------------------------------------------------

class Refusal(Exception):
    """The pump refused a command and nothing changed: what every pump of the
    interface (:mod:`pyemu.pump.interface`) raises for a refusal, the core
    (:class:`pyemu.pump.core.PumpError`) and a pump on the wire
    (:class:`DeviceRefused`) alike.

    ``reason_code`` is the pump's reason code (``V.Reason``, the NAK reason on
    the wire), ``text`` says it in words; ``user_reason`` is the spelling users
    see (``lockout``).
    """

    reason_code: int
    text: str

    @property
    def user_reason(self) -> str:
        return V.reason_name(self.reason_code)


class ClientError(Exception):
    """Base of everything the client raises about the device or the line."""


class NoReply(ClientError):
    """No reply after every retry."""


class LinkError(ClientError):
    """The line failed (closed, unplugged) and could not be reopened."""


class ProtocolError(ClientError):
    """The device answered with something this client cannot use."""


class NotExecuted(ClientError):
    """The pump did not execute the request: its seq, type and payload matched an
    older request it remembers (another program drew the same seq), so it answered
    that one's reply, flagged REPLAYED."""


class AuthenticationError(ClientError):
    """The handshake failed: wrong key or role, or the device could not prove it holds the key."""


class DeviceRefused(ClientError, Refusal):
    """The device answered NAK: the request had no effect."""

    def __init__(self, request: str, code: int) -> None:
        self.request = request
        self.code = code
        self.reason_code = code
        self.reason_name, self.text = reason_text(code)
        self.reason = V.reason_name(code)       # what users see: ``lockout``
        super().__init__(f"{request} refused: {self.reason} ({self.text})")
