"""What every transport is: the :class:`Transport` interface and its errors.

Below :mod:`pyemu.link.transport` (the concrete lines), :mod:`pyemu.link.lossy`
and :mod:`pyemu.link.observe`, which all build on it.
"""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["Transport", "TransportError", "TransportClosed"]


class TransportError(OSError):
    """The transport could not be opened or used."""


class TransportClosed(TransportError):
    """The other end has gone away (closed pty, closed socket, unplugged device)."""


class Transport:
    """A bidirectional byte stream. Subclasses implement the four methods."""

    #: What was asked for (``pty``, ``socket://…``, ``/dev/ttyUSB0``).
    url: str = ""
    #: What another program should open to talk to this end.
    peer: str = ""

    def read(self, timeout: Optional[float]) -> bytes:
        """Bytes that have arrived; waits up to ``timeout`` s for the first (None: forever)."""
        raise NotImplementedError

    def write(self, data: bytes) -> None:
        """Send all of ``data``."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def fileno(self) -> Optional[int]:
        """A descriptor that select() reports readable when read() has data, or None."""
        return None

    def read_ready(self) -> bytes:
        """read(0), for a caller whose own poll found poll_fds() readable."""
        return self.read(0)

    # -- the request fast path (pyemu.pump.session): plain reads and writes ------------
    @property
    def quick_fd(self) -> Optional[int]:
        """A descriptor a client may os.write a request to and os.read its reply
        from, when this transport adds nothing to plain reads and writes; else None."""
        return None

    #: note_read wants to see what a caller read itself.
    keeps_tail = False

    def note_read(self, data: bytes) -> None:
        """Bytes a caller read from :attr:`quick_fd` itself (for what the transport keeps)."""

    def poll_fds(self) -> list:
        """Descriptors to wait on (readable) before calling read_ready(); [] if none."""
        fd = self.fileno()
        return [] if fd is None else [fd]

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url!r} peer={self.peer!r}>"
