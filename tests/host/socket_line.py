"""One end of a socketpair as a pyemu transport, for tests that play the other
end themselves (a pump's answers, a refusing server, a client's requests).

Unlike a pty, what one end writes is readable at the other at once, so such
tests run the same every time.
"""
import socket
import threading

from pyemu.link.transport import _FdTransport


class SocketLine(_FdTransport):
    url = "socketpair"

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._set_fd(sock.fileno())

    def close(self) -> None:
        self._sock.close()
        self._fd = -1


class Later:
    """``with Later(sock, data):`` sends ``data`` on ``sock`` 50 ms into the block
    (while the code under test waits), and joins the sender on the way out."""

    def __init__(self, sock: socket.socket, data: bytes) -> None:
        self._timer = threading.Timer(0.05, lambda: sock.sendall(data))

    def __enter__(self) -> "Later":
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.join()
