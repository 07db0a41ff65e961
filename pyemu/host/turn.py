"""The serve loop's usual turn in C: the Python side of ``host_turn``
(firmware/ports/host/host_turn.h).

:class:`pyemu.host.emulator.Emulator` hands a turn to C when nothing needs
Python (no recording, no observer connected, nothing left over): wait on the
line and the observer port's descriptors, feed one frame, send the reply,
and again for the next request, without coming back to Python.
Everything else comes back as a code and is done by the Python turn, so both
paths answer the same bytes (tests/host/test_serve_turn.py).
"""
from __future__ import annotations

from typing import Any, Iterator, Optional, Tuple

from pyemu._core import ffi, lib

__all__ = ["HostTurn"]

_RX_CAP = 65536                         # what the Python turn reads at once too
_OUT_CAP = 2 * int(lib.DEVICE_TXQ_SIZE)  # more than the queue: one device_tx drains it
#: Turns one call may serve before Python looks again (its stop flag, a periodic
#: save): a few milliseconds of back-to-back requests. A wait that ends with nothing
#: to read, or a signal, ends the call at once.
MAX_TURNS = 256


class HostTurn:
    """Buffers and descriptors for ``host_turn`` on one device."""

    IDLE = int(lib.HOST_TURN_IDLE)
    SERVED = int(lib.HOST_TURN_SERVED)
    OTHER = int(lib.HOST_TURN_OTHER)
    SAVE = int(lib.HOST_TURN_SAVE)
    READ_ERR = int(lib.HOST_TURN_READ_ERR)
    UNSENT = int(lib.HOST_TURN_UNSENT)

    def __init__(self, device: Any, saves: bool) -> None:
        """``saves``: the host keeps a state file (a dirty state is handed back to be
        saved before its reply leaves); without one the state never becomes clean."""
        self._d = device._d
        self.rx = ffi.new("uint8_t[]", _RX_CAP)
        self._out = ffi.new("uint8_t[]", _OUT_CAP)
        self.t = ffi.new("host_turn_t *")
        self.t.rx, self.t.rx_cap = self.rx, _RX_CAP
        self.t.out, self.t.out_cap = self._out, _OUT_CAP
        self.t.saves = 1 if saves else 0
        self.line_fd = -1
        self._fds: Any = None
        self._nfds = 0
        self._key: Optional[Tuple[int, int]] = None

    def _watch(self, line_fd: int, hub: Any) -> None:
        """The pollfd array: the line first, then the observer port's descriptors
        (rebuilt only when one of them, or what it waits for, changed)."""
        key = (line_fd, -1 if hub is None else hub.version)
        if key == self._key:
            return
        watched = [] if hub is None else hub.fds()
        writers = set() if hub is None else hub.write_fds()
        fds = ffi.new("struct pollfd[]", 1 + len(watched))
        fds[0].fd, fds[0].events = line_fd, lib.POLLIN
        for i, fd in enumerate(watched, 1):
            fds[i].fd = fd
            fds[i].events = lib.POLLIN | (lib.POLLOUT if fd in writers else 0)
        self._fds, self._nfds, self._key, self.line_fd = fds, 1 + len(watched), key, line_fd

    def run(self, line_fd: int, hub: Any, timeout_ms: int) -> int:
        """Turns until one is not a plain request served whole (host_serve; the GIL
        is released meanwhile): the last turn's HOST_TURN_* code or -(device result)."""
        self._watch(line_fd, hub)
        return int(lib.host_serve(self._d, self.t, self._fds, self._nfds, timeout_ms, MAX_TURNS))

    def ready(self) -> Iterator[Tuple[int, int]]:
        """(descriptor, events) of each descriptor the last wait found ready."""
        fds = self._fds
        for i in range(self._nfds):
            if fds[i].revents:
                yield int(fds[i].fd), int(fds[i].revents)

    def rx_bytes(self, start: int, end: int) -> bytes:
        return ffi.buffer(self.rx, end)[start:end]

    def out_bytes(self, start: int, end: int) -> bytes:
        return ffi.buffer(self._out, end)[start:end]
