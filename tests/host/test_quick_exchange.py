"""The client's one-pass exchange (WireSession._quick_send) hands everything
unusual to the general loop, so a reply is taken exactly as before: frames
read with the reply are kept (unsolicited ones dispatched), a stale reply or
a BUSY NAK does not end the exchange, a reply in pieces is joined.

The device side is one end of a socketpair, preloaded by the test with what
the pump "answers" before the client sends (the client reads whatever is
there after its write); the client's seq is fixed, so the answers can carry it.
"""
import socket

import pytest
from hypothesis import given, strategies as st

from pyemu import protocol as P
from pyemu.pump.client import Client
from bench.codec import STATUS_FIELDS
from pyemu.pump.records import Status
from socket_line import Later, SocketLine


def _status(seq: int, flags: int = P.KIND_RESPONSE, **changes) -> bytes:
    fields = dict(STATUS_FIELDS, **changes)
    return P.encode("STATUS", seq=seq, flags=flags, **fields)


@pytest.fixture
def line():
    device, client_end = socket.socketpair()
    pair = SocketLine(client_end)
    client = Client(pair, timeout=2.0, retries=0, seq=99)   # its next request is seq 100
    seen = []
    client.on_unsolicited = seen.append
    yield device, client, seen
    client.close()
    device.close()


def test_the_quick_path_serves_a_plain_reply(line):
    device, client, _ = line
    assert client.transport.quick_fd is not None
    device.sendall(_status(100, reservoir_nl=1234))
    assert client.status().reservoir_nl == 1234
    assert client.stats.requests == 1 and client.last_request[1] == 100
    assert device.recv(4096) == P.encode("GET_STATUS", seq=100, flags=P.KIND_REQUEST)


def test_an_unsolicited_frame_read_with_the_reply_is_dispatched(line):
    """Invariant: every unsolicited frame reaches on_unsolicited, whichever path read it."""
    device, client, seen = line
    device.sendall(_status(7, flags=P.KIND_UNSOLICITED, reservoir_nl=1) + _status(100, reservoir_nl=2))
    assert client.status().reservoir_nl == 2
    assert len(seen) == 1 and seen[0].reservoir_nl == 1 and seen[0].unsolicited


def test_a_stale_reply_before_ours_is_skipped(line):
    device, client, _ = line
    device.sendall(_status(42, reservoir_nl=1) + _status(100, reservoir_nl=2))
    assert client.status().reservoir_nl == 2
    assert client.stats.stale == 1


def test_a_stale_reply_alone_makes_the_client_wait_for_its_own(line):
    """The one read brought only another seq's reply: the general loop waits
    on, without sending the request again."""
    device, client, _ = line
    device.sendall(_status(42, reservoir_nl=1))
    with Later(device, _status(100, reservoir_nl=2)):
        assert client.status().reservoir_nl == 2
    assert device.recv(4096) == P.encode("GET_STATUS", seq=100, flags=P.KIND_REQUEST)   # sent once


def test_a_reply_in_two_pieces_is_joined(line):
    device, client, _ = line
    wire = _status(100, reservoir_nl=5)
    device.sendall(wire[:10])
    with Later(device, wire[10:]):
        assert client.status().reservoir_nl == 5


def test_busy_is_not_the_answer(line):
    """A BUSY NAK means "not executed, send again": the same bytes go out again."""
    device, client, _ = line
    client.busy_wait = 0.0
    client.retries = 1
    device.sendall(P.encode("NAK", seq=100, flags=P.KIND_RESPONSE, req_type=2, reason=int(P.NakReason.BUSY)))
    with Later(device, _status(100, reservoir_nl=9)):
        assert client.status().reservoir_nl == 9
    request = P.encode("GET_STATUS", seq=100, flags=P.KIND_REQUEST)
    assert device.recv(4096) == request + request


REQUESTS = {
    "GET_STATUS": st.fixed_dictionaries({}),
    "ADVANCE": st.fixed_dictionaries({"delta_ms": st.integers(0, 2**48)}),
    "READ_EVENTS": st.fixed_dictionaries({"from_seq": st.integers(0, 2**32 - 1), "max_count": st.integers(1, 9)}),
    "PATIENT_BOLUS": st.fixed_dictionaries({}),
    "ACK_ALARM": st.fixed_dictionaries({"alarm_bits": st.integers(0, 2**32 - 1)}),
}


@given(st.sampled_from(sorted(REQUESTS)).flatmap(lambda m: st.tuples(st.just(m), REQUESTS[m])),
       st.integers(0, 0xFFFE))
def test_the_quick_path_sends_the_bytes_the_python_encoder_builds(request, seq):
    """Invariant: the firmware's encoder in host_request writes exactly the bytes
    pyemu.protocol builds for the same request, and last_request says them."""
    msg, fields = request
    device, client_end = socket.socketpair()
    client = Client(SocketLine(client_end), timeout=2.0, retries=0, seq=seq)
    try:
        wire = P.encode_fields(msg, seq + 1, P.KIND_REQUEST, fields)
        device.sendall(P.encode("NAK", seq=seq + 1, flags=P.KIND_RESPONSE, req_type=P.MESSAGES[msg].id,
                                reason=int(P.NakReason.BAD_FIELD)))
        with pytest.raises(Exception, match="bad_field"):
            client.request(msg, **fields)
        assert device.recv(4096) == wire
        assert client.last_request == (msg, seq + 1, wire)
    finally:
        client.close()
        device.close()


_U = {"u8": 8, "u16": 16, "u32": 32, "u64": 64}


@given(st.fixed_dictionaries({f.name: st.integers(0, 2**_U[f.type] - 1)
                              for f in P.MESSAGES["STATUS"].fields}))
def test_a_reply_decoded_by_the_firmware_decoder_gives_the_same_status(fields):
    """Invariant: the one-pass path (the firmware's decoder finds the frame,
    pyemu.protocol checks flags and fields) gives the Status the Python decoder gives."""
    device, client_end = socket.socketpair()
    client = Client(SocketLine(client_end), timeout=2.0, retries=0, seq=99)
    try:
        wire = P.encode("STATUS", seq=100, flags=P.KIND_RESPONSE, **fields)
        device.sendall(wire)
        assert client.status() == Status.from_frame(P.FrameDecoder().feed(wire)[0])
        assert client._link.r.one_frame          # the firmware's decoder took it
        assert client._decoder.stats.frames == 1
    finally:
        client.close()
        device.close()
