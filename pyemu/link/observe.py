"""The observer port: programs that watch a pump beside the one that controls it.

One program talks on a pump's line (``pyemu ctl``, a script, a test): a pty
or a serial line has one reader, and a second program reading it would take
replies meant for the first. So ``pyemu serve`` also opens an **observer
port** (``OBSERVE <url>`` on stdout after ``PORT``), by default a Unix
socket in a private runtime folder (``unix:///run/user/UID/pyemu/...``),
that any number of observers (``pyemu monitor``) connect to:

* every **unsolicited** frame the pump sends (STATUS telemetry, ALARM) goes
  to the controlling client and to every observer;
* an observer may send the **read-only** requests HELLO, GET_STATUS and
  READ_EVENTS; the pump answers them, and the reply goes to that observer
  only (never to the controlling client); any other frame from an observer
  is not executed and not answered (logged once per connection);
* replies to the controlling client go to it only.

The serve loop (:mod:`pyemu.host.emulator`) feeds an observer's request to the
device only between two frames of the controlling client, so the two
streams never mix inside the device's decoder.

:func:`observer_for` finds the observer port of a pump from the port its
controlling client uses (the pty path, its ``--link``, or
``socket://127.0.0.1:PORT``), through a socket named after that port in the
runtime folder: ``pyemu monitor --port /dev/pts/5`` watches through it
without a flag.
"""
from __future__ import annotations

import errno
import os
import socket
import stat
import tempfile
from typing import Dict, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from pyemu import protocol as P
from pyemu.link.base import TransportError

__all__ = ["ObserverHub", "OBSERVER_REQUESTS", "observer_for", "runtime_dir", "port_key"]

#: What an observer may ask: reads only (spec section 3: nothing to double).
OBSERVER_REQUESTS = frozenset({int(P.MsgType.HELLO), int(P.MsgType.GET_STATUS),
                               int(P.MsgType.READ_EVENTS)})
_IN_MAX = 4096   # bytes of an unfinished observer frame kept (a frame is < 300)
_OUT_MAX = 1 << 20  # bytes queued for a slow observer before it is dropped


def runtime_dir() -> str:
    """This user's private folder for observer sockets (created 0700)."""
    base = os.environ.get("XDG_RUNTIME_DIR")
    path = os.path.join(base, "pyemu") if base and os.path.isdir(base) else \
        os.path.join(tempfile.gettempdir(), f"pyemu-{os.getuid()}")
    os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        raise TransportError(f"{path} is not a private folder of this user; observer port not opened")
    return path


def port_key(url: str) -> Optional[str]:
    """A name for the line ``url`` reaches, the same for the server and its clients."""
    if url.startswith(("socket://", "tcp-listen://")):
        parts = urlsplit(url)
        if parts.port is None:
            return None
        return f"tcp-{parts.port}"
    if "://" in url:
        return None
    try:
        st = os.stat(url)   # follows a --link symlink
    except OSError:
        return None
    if not stat.S_ISCHR(st.st_mode):
        return None
    return f"tty-{os.major(st.st_rdev)}-{os.minor(st.st_rdev)}"


def _default_path(control_url: str) -> Optional[str]:
    key = port_key(control_url)
    return None if key is None else os.path.join(runtime_dir(), f"observe-{key}.sock")


def observer_for(url: str) -> Optional[str]:
    """The observer URL of the pump whose controlling port is ``url``, if one is
    serving now (a socket left by a killed emulator does not count)."""
    if url.startswith("unix://"):
        return None
    try:
        path = _default_path(url)
    except TransportError:
        return None
    if path is None or not os.path.exists(path):
        return None
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(path)
    except OSError:
        return None
    finally:
        probe.close()
    return f"unix://{path}"


class _Observer:
    def __init__(self, sock: socket.socket, name: str) -> None:
        self.sock = sock
        self.name = name
        self.inbuf = b""
        self.out = bytearray()
        self.warned = False
        self.wants_write = False


class ObserverHub:
    """The server side of the observer port (see the module docstring)."""

    def __init__(self, url: str, control_peer: str, log=None) -> None:
        self._log = log or (lambda message: None)
        self._unlink: Optional[str] = None
        if url == "auto":
            path = _default_path(control_peer)
            if path is None:
                raise TransportError(f"no observer port for {control_peer}: give --observe URL")
            url = f"unix://{path}"
        if url.startswith("unix://"):
            path = url[len("unix://"):]
            try:
                os.unlink(path)   # a socket left by a killed emulator
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise TransportError(f"cannot open the observer port {url}: {exc.strerror}") from None
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                old = os.umask(0o077)
                try:
                    listener.bind(path)
                finally:
                    os.umask(old)
            except OSError as exc:
                listener.close()
                raise TransportError(f"cannot open the observer port {url}: {exc.strerror}") from None
            self._unlink = path
            self.url = url
        elif url.startswith("tcp-listen://"):
            parts = urlsplit(url)
            if parts.hostname is None or parts.port is None:
                raise TransportError(f"{url}: write tcp-listen://HOST:PORT")
            family = socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET
            listener = socket.socket(family, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind((parts.hostname, parts.port))
            except OSError as exc:
                listener.close()
                raise TransportError(f"cannot open the observer port {url}: {exc.strerror}") from None
            shown = f"[{parts.hostname}]" if family == socket.AF_INET6 else parts.hostname
            self.url = f"socket://{shown}:{listener.getsockname()[1]}"
        else:
            raise TransportError(f"--observe {url}: give auto, none, unix:///PATH or tcp-listen://HOST:PORT")
        listener.listen(16)
        listener.setblocking(False)
        self._listener = listener
        self._obs: Dict[int, _Observer] = {}
        self.requests: List[Tuple[int, bytes]] = []   # (observer fd, one wire frame)
        self.refused = 0
        #: +1 whenever fds() or write_fds() may have changed (the serve loop's poll set).
        self.version = 0

    # -- descriptors for the serve loop's poll ---------------------------------------
    def fds(self) -> List[int]:
        return [self._listener.fileno(), *self._obs]

    def write_fds(self) -> Set[int]:
        return {fd for fd, o in self._obs.items() if o.wants_write}

    @property
    def count(self) -> int:
        return len(self._obs)

    def handle(self, fd: int, readable: bool = True, writable: bool = False) -> None:
        """Service one ready descriptor: accept, read requests, send what is queued."""
        if fd == self._listener.fileno():
            self._accept()
            return
        o = self._obs.get(fd)
        if o is None:
            return
        if writable and o.out:
            self._flush(o)
        if readable and fd in self._obs:
            self._read(o)

    def poll_all(self) -> None:
        """Without a poll of its own (a transport without descriptors): try everything."""
        self._accept()
        for o in list(self._obs.values()):
            self._read(o)
            if o.out and o.sock.fileno() in self._obs:
                self._flush(o)

    def _accept(self) -> None:
        while True:
            try:
                sock, addr = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE):
                    return
                raise
            sock.setblocking(False)
            name = addr if isinstance(addr, str) and addr else f"observer {sock.fileno()}"
            self._obs[sock.fileno()] = _Observer(sock, str(name))
            self.version += 1

    def _drop(self, o: _Observer) -> None:
        self._obs.pop(o.sock.fileno(), None)
        o.sock.close()
        self.version += 1

    def _read(self, o: _Observer) -> None:
        try:
            data = o.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._drop(o)
            return
        buf = o.inbuf + data
        *frames, rest = buf.split(b"\x00")
        o.inbuf = rest[-_IN_MAX:]
        for chunk in frames:
            if not chunk:
                continue
            wire = b"\x00" + chunk + b"\x00"
            decoded = P.FrameDecoder().feed(wire)
            if (len(decoded) == 1 and decoded[0].error is None
                    and decoded[0].msg_type in OBSERVER_REQUESTS
                    and decoded[0].flags & P.KIND_MASK == P.KIND_REQUEST
                    and not decoded[0].flags & P.FLAG_AUTH):
                self.requests.append((o.sock.fileno(), wire))
                continue
            self.refused += 1
            if not o.warned:
                o.warned = True
                self._log(f"an observer sent a frame that is not HELLO, GET_STATUS or READ_EVENTS; "
                          f"not executed (observers only read; control the pump on its port)")

    def send(self, fd: int, data: bytes) -> None:
        """Queue bytes for one observer (its own reply)."""
        o = self._obs.get(fd)
        if o is not None:
            self._queue(o, data)

    def broadcast(self, data: bytes) -> None:
        """Queue bytes for every observer (unsolicited frames)."""
        for o in list(self._obs.values()):
            self._queue(o, data)

    def _queue(self, o: _Observer, data: bytes) -> None:
        if not data:
            return
        if len(o.out) + len(data) > _OUT_MAX:
            self._log(f"{o.name} does not read; disconnected")
            self._drop(o)
            return
        o.out += data
        self._flush(o)

    def _flush(self, o: _Observer) -> None:
        try:
            n = o.sock.send(o.out)
        except (BlockingIOError, InterruptedError):
            n = 0
        except OSError:
            self._drop(o)
            return
        del o.out[:n]
        if bool(o.out) != o.wants_write:
            o.wants_write = bool(o.out)
            self.version += 1   # starts or stops waiting for room

    def close(self) -> None:
        for o in list(self._obs.values()):
            self._drop(o)
        self._listener.close()
        if self._unlink:
            try:
                os.unlink(self._unlink)
            except OSError:
                pass


def split_unsolicited(data: bytes) -> Tuple[bytes, bytes]:
    """(replies, unsolicited frames) of a run of whole wire frames, order kept in each."""
    replies = bytearray()
    unsolicited = bytearray()
    for chunk in data.split(b"\x00"):
        if not chunk:
            continue
        wire = b"\x00" + chunk + b"\x00"
        frames = P.FrameDecoder().feed(wire)
        if frames and frames[0].flags & P.KIND_MASK == P.KIND_UNSOLICITED:
            unsolicited += wire
        else:
            replies += wire
    return bytes(replies), bytes(unsolicited)
