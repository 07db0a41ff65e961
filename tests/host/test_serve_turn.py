"""The serve loop's usual turn in C (firmware/ports/host/host_turn.c) answers
exactly what the Python turn answers: same bytes out, in the same order,
for any stream of requests, garbage and pieces, with a state file (a command
that dirties the state is saved before its reply leaves: the C turn hands
that to Python) and pipelined bursts (what one read brings beyond the first
frame waits for the next turn).

The line is one end of a socketpair (what is written is readable at once,
unlike a pty, whose bytes move through the kernel asynchronously), so each
run is deterministic.
"""
import os
import socket

from hypothesis import given, strategies as st

from pyemu import protocol as P
from pyemu.host.device import Device
from pyemu.host.emulator import Emulator, ManualClock
from pyemu.host.statefile import StateFile
from pyemu.host.turn import HostTurn
from socket_line import SocketLine

ENTROPY = bytes(range(32))


class Served:
    """An emulator on a socketpair; ``send`` gives it bytes and returns its answer."""

    def __init__(self, c_turn: bool, state_path: str = "") -> None:
        self.client, server = socket.socketpair()
        self.client.setblocking(False)
        self.emulator = Emulator(Device(entropy=ENTROPY, test_features=True, hold_until_saved=bool(state_path),
                                        telemetry_period_ms=600_000),
                                 SocketLine(server), ManualClock(), StateFile(state_path) if state_path else None,
                                 c_turn=c_turn)
        self.turns = 0
        self.codes = []
        if self.emulator._turn is not None:
            run = self.emulator._turn.run

            def counted(*args):
                self.turns += 1
                code = run(*args)
                self.codes.append((code, int(self.emulator._turn.t.turns)))
                return code
            self.emulator._turn.run = counted
        self.written = 0

    def send(self, data: bytes) -> bytes:
        self.client.sendall(data)
        self.written += len(data)
        e = self.emulator
        for _ in range(10 * len(data) + 10):   # bounded: each turn takes at least one byte or frame
            if e.stats.rx_bytes >= self.written and not e._pending:
                break
            e.step(0)
        out = b""
        while True:
            try:
                got = self.client.recv(65536)
            except BlockingIOError:
                return out
            out += got

    def close(self) -> None:
        self.emulator.transport.close()
        self.client.close()


REQUESTS = [
    ("GET_STATUS", {}),
    ("HELLO", {}),
    ("ADVANCE", {"delta_ms": 3_600_000}),
    ("READ_EVENTS", {"from_seq": 0, "max_count": 4}),
    ("PATIENT_BOLUS", {}),
]


@st.composite
def streams(draw):
    """Requests (some sent twice with one seq: the reply cache), garbage, cut anywhere."""
    parts = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.integers(0, 5)) == 0:
            parts.append(draw(st.binary(min_size=1, max_size=40)))
            continue
        name, fields = REQUESTS[draw(st.integers(0, len(REQUESTS) - 1))]
        seq = draw(st.integers(0, 5))
        parts.append(P.encode(name, seq=seq, flags=P.KIND_REQUEST, **fields))
    stream = b"".join(parts)
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    return [stream[a:b] for a, b in zip([0] + cuts, cuts + [len(stream)]) if b > a]


@given(streams())
def test_the_c_turn_answers_the_same_bytes_as_the_python_turn(tmp_path_factory, chunks):
    """Invariant: for any chunked stream, the C turn and the Python turn send the
    same bytes in the same order, and save the same state."""
    d = tmp_path_factory.mktemp("turn")
    fast, slow = Served(True, str(d / "fast.state")), Served(False, str(d / "slow.state"))
    try:
        for chunk in chunks:
            assert fast.send(chunk) == slow.send(chunk)
        assert fast.emulator.device.save() == slow.emulator.device.save()
        assert fast.turns > 0
    finally:
        fast.close()
        slow.close()


def test_the_c_turn_serves_a_plain_request_and_python_an_observed_one(tmp_path):
    served = Served(True, str(tmp_path / "p.state"))
    try:
        reply = served.send(P.encode("GET_STATUS", seq=1, flags=P.KIND_REQUEST))
        assert P.FrameDecoder().feed(reply)[0].msg_type == P.MsgType.STATUS
        assert served.turns >= 1
        # With a recording (it sees every byte), the turn is Python's.
        class Recorder:
            def __init__(self):
                self.rx_bytes = b""

            def rx(self, data, now_ms):
                self.rx_bytes += data

            def tx(self, data, now_ms):
                pass
        served.emulator.recorder = rec = Recorder()
        before = served.turns
        request = P.encode("GET_STATUS", seq=2, flags=P.KIND_REQUEST)
        served.send(request)
        assert served.turns == before and rec.rx_bytes == request
    finally:
        served.close()


def test_without_a_state_file_requests_stay_in_c():
    """Nothing to save: a served request is SERVED, so host_serve goes on to the
    next request in C. (The state of a pump without a state file is never
    clean; every request used to end the C loop as HOST_TURN_SAVE.)"""
    served = Served(True)
    try:
        for seq in range(3):
            served.send(P.encode("ADVANCE", seq=seq, flags=P.KIND_REQUEST, delta_ms=60_000))
            served.send(P.encode("GET_STATUS", seq=100 + seq, flags=P.KIND_REQUEST))
        # Each call served its request and went on to wait for the next (an idle
        # turn ended it: step(0) waits no longer): two turns, never a SAVE.
        assert served.codes == [(HostTurn.IDLE, 2)] * 6
    finally:
        served.close()
