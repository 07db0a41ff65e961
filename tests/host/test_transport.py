"""Transports: a real pty pair, TCP on loopback, pyserial's loop://, and URL errors."""
import os
import socket

import pytest

from pyemu.link.transport import (
    PtyTransport, SerialTransport, TcpListenTransport, TransportClosed, TransportError,
    open_transport,
)
from socket_line import SocketLine


def _read_exactly(transport, n, timeout=5.0):
    data = b""
    while len(data) < n:
        chunk = transport.read(timeout)
        assert chunk, f"line went quiet after {len(data)} of {n} bytes"
        data += chunk
    return data


@pytest.fixture
def pty_pair(tmp_path):
    master = open_transport("pty", link=str(tmp_path / "pump0"))
    client = open_transport(master.peer)
    yield master, client
    client.close()
    master.close()


def test_pty_carries_every_byte_both_ways_in_order(pty_pair):
    """All 256 byte values, in a block larger than the kernel's tty buffer, arrive unchanged."""
    master, client = pty_pair
    assert isinstance(master, PtyTransport) and isinstance(client, SerialTransport)
    block = bytes(range(256)) * 64  # 16 KiB, raw mode: no echo, no CR/LF mapping, no ^C
    for sender, receiver in ((client, master), (master, client)):
        received = b""
        for offset in range(0, len(block), 1024):
            sender.write(block[offset:offset + 1024])
            received += _read_exactly(receiver, 1024)
        assert received == block
    assert master.read(0) == b"" and client.read(0) == b""


def test_pty_link_names_the_slave_and_goes_away_on_close(tmp_path):
    link = tmp_path / "pump0"
    master = PtyTransport(link=str(link))
    assert os.readlink(link) == master.path and master.path.startswith("/dev/pts/")
    master.close()
    assert not link.exists()


def test_pty_survives_a_client_leaving_and_the_next_does_not_see_stale_bytes(pty_pair):
    master, client = pty_pair
    client.write(b"one")
    assert _read_exactly(master, 3) == b"one"
    master.write(b"left unread by the first client")
    client.close()
    second = open_transport(master.peer)
    try:
        assert second.read(0.05) == b""
        master.write(b"fresh")
        assert _read_exactly(second, 5) == b"fresh"
        second.write(b"two")
        assert _read_exactly(master, 3) == b"two"
    finally:
        second.close()


def test_pty_with_nobody_reading_drops_output_instead_of_blocking():
    master = PtyTransport(write_timeout=0.0)
    try:
        with pytest.raises(TransportError, match="nobody is reading"):
            for _ in range(10_000):
                master.write(bytes(64))
        assert master.dropped > 0
    finally:
        master.close()


def test_client_sees_the_emulator_side_closing(pty_pair):
    master, client = pty_pair
    master.close()
    with pytest.raises(TransportClosed):
        client.read(5.0)


def test_tcp_listen_serves_one_client_at_a_time_and_accepts_the_next():
    server = open_transport("tcp-listen://127.0.0.1:0")
    assert isinstance(server, TcpListenTransport)
    assert server.peer == f"socket://127.0.0.1:{server.port}"
    try:
        server.write(b"nobody hears this")
        assert server.dropped == len(b"nobody hears this")
        first = open_transport(server.peer)
        first.write(b"ping")
        assert _read_exactly(server, 4) == b"ping"
        server.write(b"pong")
        assert _read_exactly(first, 4) == b"pong"
        # A second client while the first is connected is refused with the cause.
        refused = open_transport(server.peer)
        refused.write(b"hi")
        assert server.read(0.05) == b""          # accepted, told, never served
        assert server.refused == 1
        with pytest.raises(TransportClosed, match="pyemu serve: refused: this pump already has a client"):
            while True:
                refused.read(5.0)
        refused.close()
        # Once the first is gone (closed, or killed: the kernel closes it), the next is served.
        first.close()
        second = open_transport(server.peer)
        second.write(b"hi")
        assert _read_exactly(server, 2) == b"hi"
        assert server.connections == 2
        server.write(b"yo")
        assert _read_exactly(second, 2) == b"yo"
        second.close()
        assert server.read(0.05) == b""
    finally:
        server.close()


def test_pyserial_loop_url():
    loop = open_transport("loop://")
    try:
        loop.write(b"abc")
        assert _read_exactly(loop, 3) == b"abc"
        assert loop.read(0.01) == b""
    finally:
        loop.close()


@pytest.mark.parametrize(
    "url, says",
    [
        ("ttyUSB0", "is not a port"),
        ("/dev/does-not-exist-pyemu", "does not exist"),
        ("tcp-listen://127.0.0.1", "tcp-listen://HOST:PORT"),
        ("socket://127.0.0.1:1", "cannot open"),
        ("nosuchscheme://x", "cannot open"),
    ],
)
def test_bad_urls_give_a_clear_error(url, says):
    with pytest.raises(TransportError, match=says):
        open_transport(url)


def test_a_refusal_line_read_in_pieces_is_still_reported_when_the_socket_closes():
    """The refusal of a second tcp-listen client may arrive in several reads
    before the close (seen under load in `make soak`): the closed-line error
    still carries the server's sentence, never a bare "closed"."""
    server, client = socket.socketpair()
    line = SocketLine(client)
    try:
        server.sendall(b"pyemu serve: refused: this pump alr")
        assert line.read(5.0) == b"pyemu serve: refused: this pump alr"
        server.sendall(b"eady has a client on this port (one at a time)\n")
        assert line.read(5.0).endswith(b"(one at a time)\n")
        server.close()
        with pytest.raises(TransportClosed, match="pyemu serve: refused: this pump already has a client"):
            while True:
                line.read(5.0)
    finally:
        client.close()


def test_a_refusal_waiting_unread_is_reported_when_a_write_finds_the_line_closed():
    """The client may write its request after the server sent its refusal and
    closed: the write fails first (EPIPE), and the error still carries the
    server's sentence that waits unread (seen under load in the suite)."""
    server, client = socket.socketpair()
    line = SocketLine(client)
    try:
        server.sendall(b"pyemu serve: refused: this pump already has a client on this port\n")
        server.close()
        with pytest.raises(TransportClosed, match="pyemu serve: refused: this pump already has a client"):
            line.write(b"\x00request\x00")
    finally:
        client.close()


def test_a_client_whose_request_meets_a_refusal_reports_the_refusal():
    """End to end through the client: the request's write is the first to see
    the refusing server's close; the client says the server's sentence (who
    holds the port, where to watch) instead of "did the device stop?", and
    does not retry. (test_serve_clients' second-client test failed this way
    under load.)"""
    from pyemu.pump.client import Client, LinkError

    server, client = socket.socketpair()
    try:
        server.sendall(b"pyemu serve: refused: this pump already has a client on this port\n")
        server.close()
        with pytest.raises(LinkError, match="pyemu serve: refused: this pump already has a client"):
            Client(SocketLine(client), timeout=1.0, retries=0).status()
    finally:
        client.close()
