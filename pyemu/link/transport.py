"""Byte transports; one URL picks the kind (as python-can's interfaces do).

=============================  ==============================================
URL                            transport
=============================  ==============================================
``pty``                        a new pseudo-terminal pair: this side holds the
                               master, :attr:`Transport.peer` is the slave
                               path another program opens (as socat does)
``/dev/ttyUSB0``, any path     a serial device, with baud rate and framing
``socket://host:port``         pyserial URL handlers: a TCP client; ``loop://``,
``loop://``, ``rfc2217://``    ``rfc2217://``, ``spy://`` … as pyserial reads them
``tcp-listen://host:port``     a TCP server taking one client at a time (port
                               0 picks a free one; a second is refused with a
                               line saying why); :attr:`peer` is the
                               ``socket://`` URL a client opens
``unix:///path``               a client of a Unix socket (a pump's observer
                               port, :mod:`pyemu.link.observe`)
``lossy://URL?OPTIONS``        any of the above through a seeded noisy line
                               (``flip``, ``drop``, ``dup``, ``delay``,
                               ``seed``; :mod:`pyemu.link.lossy`), for fault tests
=============================  ==============================================

Every transport has the same small interface: :meth:`~Transport.read` returns
what has arrived (waiting at most ``timeout`` seconds for the first byte, and
``b""`` if nothing came), :meth:`~Transport.write` sends everything or raises,
:meth:`~Transport.close`, and :meth:`~Transport.fileno` for ``select`` where
the transport has one descriptor. A line that is gone for good (the other end
of a pty or socket closed) raises :class:`TransportClosed`.

Where pyserial gives a plain descriptor (device paths, ``socket://``), reads
and writes use it directly with ``select``: pyserial re-programs the port on
every timeout change, which would cost a ``tcsetattr`` per read.
"""
from __future__ import annotations

import errno
import os
import select
import socket
import stat
import termios
import time
import tty
from typing import Any, Optional
from urllib.parse import urlsplit

from pyemu.link.base import Transport, TransportClosed, TransportError
from pyemu.link.lossy import open_lossy
from pyemu.link.observe import observer_for

__all__ = [
    "Transport",
    "TransportError",
    "TransportClosed",
    "PtyTransport",
    "SerialTransport",
    "TcpListenTransport",
    "UnixSocketTransport",
    "open_transport",
    "SERIAL_DEFAULTS",
]

_CHUNK = 65536
#: How a refusal line from ``pyemu serve`` starts (a second client on tcp-listen).
_REFUSAL = b"pyemu serve: refused"
#: Bytes of the stream kept to find that line when the socket closes (it is < 200 B).
_REFUSAL_TAIL = 512
SERIAL_DEFAULTS = {"baudrate": 115200, "bytesize": 8, "parity": "N", "stopbits": 1}


def _wait(poller: "select.poll", timeout: Optional[float]) -> bool:
    """True once the poller's descriptor is ready; False on timeout (EINTR retried, PEP 475)."""
    ms = None if timeout is None else max(0, int(timeout * 1000 + 0.999))
    return bool(poller.poll(ms))


def _poller(fd: int, for_write: bool) -> "select.poll":
    poller = select.poll()
    poller.register(fd, select.POLLOUT if for_write else select.POLLIN)
    return poller


class _FdTransport(Transport):
    """Shared read/write on one non-blocking descriptor."""

    _fd: int = -1
    #: Writes wait this long for room before giving up (None: forever).
    write_timeout: Optional[float] = 5.0
    _readable: Optional["select.poll"] = None
    _writable: Optional["select.poll"] = None
    _last_read: bytes = b""
    #: Reads and writes are plain os.read/os.write on ``_fd`` (see Transport.quick_fd).
    _direct = True

    def _set_fd(self, fd: int) -> None:
        """Use ``fd`` (non-blocking from now on); pollers are made once, not per call."""
        self._fd = fd
        os.set_blocking(fd, False)
        # A socket's server may send a refusal line just before it closes: keep the tail.
        self.keeps_tail = stat.S_ISSOCK(os.fstat(fd).st_mode)
        self._readable = _poller(fd, False)
        self._writable = _poller(fd, True)

    def _closed_error(self) -> TransportClosed:
        """The line closed; with the server's reason when it sent one.

        A tcp-listen server refuses a second client with one line (starting
        ``pyemu serve: refused``) before closing. That line may have come in
        pieces (the tail of the stream is kept), or still wait unread when a
        write is the first to see the close (EPIPE/ECONNRESET), so what is
        readable is read first."""
        tail = self._last_read
        if _REFUSAL not in tail and self._fd >= 0:
            try:
                tail += os.read(self._fd, _CHUNK)
            except OSError:
                pass
        at = tail.rfind(_REFUSAL)
        if at >= 0:
            line = tail[at:].split(b"\n", 1)[0]
            return TransportClosed(f"{self.url}: {line.decode(errors='replace').strip()}")
        return TransportClosed(f"{self.url}: the other end closed the line")

    @property
    def quick_fd(self) -> Optional[int]:
        return self._fd if self._fd >= 0 and self._direct else None

    def note_read(self, data: bytes) -> None:
        if self.keeps_tail:
            self._last_read = (self._last_read + data)[-_REFUSAL_TAIL:]

    def read(self, timeout: Optional[float]) -> bytes:
        if self._fd < 0:
            raise TransportClosed(f"{self.url}: transport is closed")
        assert self._readable is not None
        if not _wait(self._readable, timeout):
            return b""
        return _FdTransport.read_ready(self)

    def read_ready(self) -> bytes:
        if self._fd < 0:
            raise TransportClosed(f"{self.url}: transport is closed")
        try:
            data = os.read(self._fd, _CHUNK)
        except BlockingIOError:
            return b""
        except OSError as exc:
            # A pty whose other side closed reports EIO on Linux.
            if exc.errno in (errno.EIO, errno.ECONNRESET, errno.EBADF):
                raise self._closed_error() from None
            raise
        if not data:
            raise self._closed_error()
        if self.keeps_tail:
            self._last_read = (self._last_read + data)[-_REFUSAL_TAIL:]
        return data

    def write(self, data: bytes) -> None:
        if self._fd < 0:
            raise TransportClosed(f"{self.url}: transport is closed")
        try:
            # The usual case: the kernel takes a frame whole, in one syscall.
            written = os.write(self._fd, data)
        except BlockingIOError:
            written = 0
        except OSError as exc:
            if exc.errno in (errno.EIO, errno.EPIPE, errno.ECONNRESET):
                raise self._closed_error() from None
            raise
        if written == len(data):
            return
        view = memoryview(data)[written:]
        deadline = None if self.write_timeout is None else time.monotonic() + self.write_timeout
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                remaining = None if deadline is None else deadline - time.monotonic()
                assert self._writable is not None
                if remaining is not None and remaining <= 0 or not _wait(self._writable, remaining):
                    raise TransportError(
                        f"{self.url}: nobody is reading; {len(view)} bytes could not be sent"
                    ) from None
                continue
            except OSError as exc:
                if exc.errno in (errno.EIO, errno.EPIPE, errno.ECONNRESET):
                    raise self._closed_error() from None
                raise
            view = view[written:]

    def fileno(self) -> Optional[int]:
        return self._fd if self._fd >= 0 else None


class PtyTransport(_FdTransport):
    """The master side of a new pseudo-terminal pair, both sides in raw mode.

    The slave stays open in this process too, so the line survives clients
    opening and closing it (a serial port does not vanish when a terminal
    program exits). Bytes written while no client is reading wait in the
    kernel's buffer; when that is full, :meth:`write` drops what does not
    fit after ``write_timeout`` (as a UART with nobody listening would) and
    counts it in :attr:`dropped`. A client should flush its input on open.
    """

    def __init__(self, link: Optional[str] = None, write_timeout: float = 0.05) -> None:
        master, slave = os.openpty()
        for fd in (master, slave):
            tty.setraw(fd, termios.TCSANOW)
            os.set_inheritable(fd, False)
        self._set_fd(master)
        self._slave = slave
        self.url = "pty"
        self.path = os.ttyname(slave)
        self.peer = self.path
        self.link = link
        self.write_timeout = write_timeout
        self.dropped = 0
        if link:
            # A stable name for a path that changes on every start (socat's link=).
            tmp = f"{link}.{os.getpid()}.tmp"
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            os.symlink(self.path, tmp)
            os.replace(tmp, link)
            self.peer = link

    def write(self, data: bytes) -> None:
        try:
            super().write(data)
        except TransportClosed:
            raise
        except TransportError as exc:
            # Nobody is reading: the line drops what it cannot hold.
            self.dropped += len(data)
            raise TransportError(str(exc)) from None

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            os.close(self._slave)
            self._fd = -1
            if self.link and os.path.islink(self.link) and os.readlink(self.link) == self.path:
                os.unlink(self.link)


class SerialTransport(_FdTransport):
    """Anything pyserial opens: a device path or a pyserial URL."""

    def __init__(self, url: str, **options: Any) -> None:
        import serial  # imported here: the pty and TCP transports do not need it

        # exclusive (pyserial's name): lock a tty/pty against a second pyemu program.
        exclusive = options.pop("exclusive", True)
        settings = dict(SERIAL_DEFAULTS)
        settings.update({k: v for k, v in options.items() if v is not None})
        self.url = url
        self.peer = url
        try:
            self._serial = serial.serial_for_url(url, timeout=0, write_timeout=None, **settings)
        except (serial.SerialException, ValueError, OSError) as exc:
            raise TransportError(f"cannot open {url}: {exc}") from None
        self._direct = False
        fd = None
        if type(self._serial).__module__ in ("serial.serialposix", "serial.urlhandler.protocol_socket"):
            try:
                fd = self._serial.fileno()
            except Exception:  # pragma: no cover - pyserial backends without one
                fd = None
        if fd is not None:
            self._set_fd(fd)
            self._direct = True
            if type(self._serial).__module__ == "serial.serialposix" and exclusive:
                self._lock(fd)
                # Bytes a previous client left unread in the line are not ours.
                self._serial.reset_input_buffer()
        self._timeout: Optional[float] = 0

    def _lock(self, fd: int) -> None:
        """One program at a time on a device or pty: a second reader would take
        replies meant for the first. An advisory lock (flock, released when the
        holder exits however it exits) that pyemu's programs all take; another
        program that does not lock is not seen."""
        import fcntl  # deferred: POSIX only, and only this lock needs it

        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                return   # a device without locks: nothing to check
            self._serial.close()
            self._fd = -1
            hint = ""
            try:
                observe = observer_for(self.url)
            except Exception:  # pragma: no cover - the hint is optional
                observe = None
            if observe:
                hint = f"; to watch the pump beside it: pyemu monitor --port {observe}"
            raise TransportError(
                f"{self.url} is in use by another program (pyemu ctl, monitor or a script): "
                f"one program talks on a port at a time{hint}"
            ) from None

    def read_ready(self) -> bytes:
        return super().read_ready() if self._direct else self.read(0)

    # pyserial-only backends (loop://, rfc2217://, spy://): go through its API.
    def read(self, timeout: Optional[float]) -> bytes:
        if self._direct:
            return super().read(timeout)
        import serial  # deferred: pyserial, only for a serial line

        try:
            if timeout != self._timeout:
                self._serial.timeout = timeout
                self._timeout = timeout
            first = self._serial.read(1)
            if not first:
                return b""
            waiting = self._serial.in_waiting
            return first + (self._serial.read(waiting) if waiting else b"")
        except serial.SerialException as exc:
            raise TransportClosed(f"{self.url}: {exc}") from None

    def write(self, data: bytes) -> None:
        if self._direct:
            super().write(data)
            return
        import serial  # deferred: pyserial, only for a serial line

        try:
            self._serial.write(data)
        except serial.SerialException as exc:
            raise TransportClosed(f"{self.url}: {exc}") from None

    def close(self) -> None:
        if self._serial is not None:
            try:
                self._serial.close()
            except OSError:
                pass
            self._fd = -1


class TcpListenTransport(Transport):
    """A TCP server for one client at a time (the emulator's side of ``socket://``).

    While no client is connected, reads wait for one and writes are dropped
    (counted in :attr:`dropped`). A second client while the first is
    connected is refused at once: it gets one line saying why (starting
    ``pyemu serve: refused``, shown by pyemu's clients) and is closed, so two
    programs never share one reply stream; :attr:`refusal_hint` adds where
    to go instead (the observer port). A client that went away (closed,
    killed: the kernel closes its socket) frees the port; one cut off
    without a close is found by TCP keepalive. :attr:`connections` counts
    accepted clients: the serve loop resets the device's receive state for
    each new one.
    """

    def __init__(self, host: str, port: int) -> None:
        self.url = f"tcp-listen://{host}:{port}"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._listener.bind((host, port))
        except OSError as exc:
            self._listener.close()
            raise TransportError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        self._listener.listen(4)
        self._listener.setblocking(False)
        bound_port = self._listener.getsockname()[1]
        shown = f"[{host}]" if family == socket.AF_INET6 else host
        self.peer = f"socket://{shown}:{bound_port}"
        self.port = bound_port
        self._conn: Optional[socket.socket] = None
        self.dropped = 0
        self.connections = 0
        self.refused = 0
        self.refusal_hint = ""
        self._refusing: list = []

    def _current_alive(self) -> bool:
        """False if the current client has hung up (EOF or error, nothing unread)."""
        if self._conn is None:
            return False
        try:
            peek = self._conn.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except (BlockingIOError, InterruptedError):
            return True
        except OSError:
            peek = b""
        if peek:
            return True
        self._conn.close()
        self._conn = None
        return False

    def _accept(self) -> None:
        try:
            conn, _ = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return
        if self._current_alive():
            self.refused += 1
            text = ("pyemu serve: refused: this pump already has a client on this port "
                    "(one at a time)" + (f"; {self.refusal_hint}" if self.refusal_hint else "") + "\n")
            try:
                conn.setblocking(False)
                conn.send(text.encode())
                conn.shutdown(socket.SHUT_WR)
            except OSError:
                conn.close()
                return
            # Kept until it hangs up, its bytes read and discarded: closing now
            # would answer its first request with a reset that discards the line.
            self._refusing.append(conn)
            if len(self._refusing) > 8:
                self._refusing.pop(0).close()
            return
        conn.setblocking(False)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._conn = conn
        self.connections += 1

    def poll_fds(self) -> list:
        return ([self._listener.fileno()] + ([self._conn.fileno()] if self._conn is not None else [])
                + [r.fileno() for r in self._refusing])

    def read(self, timeout: Optional[float]) -> bytes:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            fds = [self._listener] + ([self._conn] if self._conn is not None else []) + self._refusing
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select(fds, [], [], remaining)
            for refused in [r for r in self._refusing if r in ready]:
                try:
                    gone = not refused.recv(_CHUNK)
                except (BlockingIOError, InterruptedError):
                    gone = False
                except OSError:
                    gone = True
                if gone:
                    self._refusing.remove(refused)
                    refused.close()
            # The current client first: what it sent (and its hang-up) comes
            # before a next client is taken (or refused).
            if self._conn is not None and self._conn in ready:
                try:
                    data = self._conn.recv(_CHUNK)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError:
                    data = b""
                if data:
                    return data
                if data == b"":
                    # The client hung up; wait for the next one.
                    self._conn.close()
                    self._conn = None
            if self._listener in ready:
                self._accept()
            if deadline is not None and time.monotonic() >= deadline:
                return b""

    def write(self, data: bytes) -> None:
        if self._conn is None:
            self._accept()
        if self._conn is None:
            self.dropped += len(data)
            return
        try:
            self._conn.setblocking(True)
            self._conn.settimeout(5.0)
            self._conn.sendall(data)
        except OSError:
            self.dropped += len(data)
            self._conn.close()
            self._conn = None
        else:
            self._conn.setblocking(False)

    def fileno(self) -> Optional[int]:
        return None  # two sockets: callers use read(timeout)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        for refused in self._refusing:
            refused.close()
        self._refusing = []
        self._listener.close()


class UnixSocketTransport(_FdTransport):
    """``unix:///PATH``: a client of a Unix stream socket (a pump's observer port)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.peer = url
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(url[len("unix://"):])
        except OSError as exc:
            sock.close()
            raise TransportError(f"cannot open {url}: {exc.strerror or exc}") from None
        self._sock = sock
        self._set_fd(sock.fileno())

    def close(self) -> None:
        if self._fd >= 0:
            self._sock.close()
            self._fd = -1


class TcpSocketTransport(UnixSocketTransport):
    """``socket://HOST:PORT``: a TCP client (what ``tcp-listen://`` prints).

    Our own rather than pyserial's socket:// backend, whose open flushes the
    input: that discarded the line a tcp-listen server sends a second client
    at once to say why it refuses it, so the client could only report a
    closed line. A URL with options (``?logging=...``) still goes to pyserial."""

    def __init__(self, url: str, host: str, port: int, connect_timeout: float = 5.0) -> None:
        self.url = url
        self.peer = url
        try:
            sock = socket.create_connection((host, port), timeout=connect_timeout)
        except OSError as exc:
            raise TransportError(f"cannot open {url}: {exc.strerror or exc}") from None
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._sock = sock
        self._set_fd(sock.fileno())


def open_transport(url: str, *, link: Optional[str] = None, **serial_options: Any) -> Transport:
    """Open the transport ``url`` names (see the module docstring).

    ``serial_options`` (baudrate, bytesize, parity, stopbits, rtscts, xonxoff)
    apply to serial devices and pyserial URLs. ``link`` names a symlink to a
    pty's slave path that stays the same across restarts.
    """
    if url == "pty":
        return PtyTransport(link=link)
    if url.startswith("lossy://"):
        # a test line that damages bytes (pyemu/link/lossy.py) around any other line
        return open_lossy(url, open_transport, link=link, **serial_options)
    if url.startswith("unix://"):
        return UnixSocketTransport(url)
    if url.startswith("socket://") and "?" not in url:
        parts = urlsplit(url)
        if parts.hostname is None or parts.port is None:
            raise TransportError(f"{url}: write socket://HOST:PORT, e.g. socket://127.0.0.1:5555")
        return TcpSocketTransport(url, parts.hostname, parts.port)
    if url.startswith("tcp-listen://"):
        parts = urlsplit(url)
        if parts.hostname is None or parts.port is None:
            raise TransportError(f"{url}: write tcp-listen://HOST:PORT, e.g. tcp-listen://127.0.0.1:5555")
        return TcpListenTransport(parts.hostname, parts.port)
    if "://" not in url and not url.startswith("/") and not url.startswith("."):
        raise TransportError(
            f"{url!r} is not a port: give 'pty', a device path such as /dev/ttyUSB0 or "
            "/dev/pts/5, or a URL such as socket://127.0.0.1:5555 or tcp-listen://127.0.0.1:5555"
        )
    if "://" not in url and not os.path.exists(url):
        raise TransportError(f"{url} does not exist (is the device plugged in, or the emulator running?)")
    return SerialTransport(url, **serial_options)
