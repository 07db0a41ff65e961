"""Sessions over a noisy line: every command completes, and takes effect exactly once.

The line (``pyemu.link.lossy``) flips bits, drops, duplicates and delays bytes at
seeded rates. The client retries a request byte-identical (same seq) until a
reply comes; the device answers a retry of an executed request from its
reply cache. So the same script over a clean line and over a noisy one must
give the same answers and the same event log: a retry executed twice would
add an entry, a lost command would miss one.
"""
from __future__ import annotations

import threading

import pytest
from hypothesis import given, strategies as st

from line_support import DAY_MS, comparable_events, run_session, script
from pyemu.pump.client import Client
from pyemu.host.device import Device
from pyemu.host.emulator import Emulator, ManualClock
from pyemu.link.lossy import Impairer, LineFaults, LossyTransport, parse_lossy_url
from pyemu.host.statefile import StateFile
from pyemu.link.transport import TransportError, open_transport

COMMANDS = script(seed=1, n=200)


@pytest.fixture(scope="module")
def clean_run():
    mp = pytest.MonkeyPatch()
    try:
        result = run_session(COMMANDS, mp)
    finally:
        mp.undo()
    assert result.failed_at is None and result.client.stats.retries == 0
    kinds = {o[0] for o in result.outcomes}
    assert {"ACK", "NAK", "STATUS", "EVENTS"} <= kinds, "the script must exercise every kind of reply"
    return result


def assert_same_as_clean(noisy, clean) -> None:
    assert noisy.failed_at is None, noisy.error
    assert noisy.outcomes == clean.outcomes, "a command was answered differently over the noisy line"
    assert comparable_events(noisy.device) == comparable_events(clean.device), \
        "the event log differs: a command took effect twice or not at all"
    a, b = noisy.device.balance(), clean.device.balance()
    assert (a.pumped_nl, a.reservoir_nl, a.delivered_pg) == (b.pumped_nl, b.reservoir_nl, b.delivered_pg)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_one_percent_byte_errors_every_command_completes_exactly_once(monkeypatch, clean_run, seed):
    """Invariant: with 1% of bytes damaged in both directions, a 200-command
    session completes and its effects equal the clean line's exactly."""
    noisy = run_session(COMMANDS, monkeypatch, LineFaults(flip=0.01), seed=seed)
    assert_same_as_clean(noisy, clean_run)
    assert noisy.line.tx_stats.flipped and noisy.line.rx_stats.flipped
    assert noisy.client.stats.retries > 0 and noisy.client.stats.replayed > 0, \
        "the line must have forced retries answered from the reply cache"


def test_drops_duplicates_and_delays_every_command_completes_exactly_once(monkeypatch, clean_run):
    """Invariant: bytes lost, doubled and held back (1% all told, plus splitting
    delays) change nothing the device does."""
    faults = LineFaults(flip=0.004, drop=0.003, dup=0.003, delay=0.05)
    noisy = run_session(COMMANDS, monkeypatch, faults, seed=9)
    assert_same_as_clean(noisy, clean_run)
    s = noisy.line.rx_stats
    assert s.dropped and s.duplicated and s.delayed and s.flipped


def test_noisy_session_with_a_state_file_saves_before_every_reply(monkeypatch, clean_run, tmp_path):
    """The emulator's save-before-reply path under noise: same effects, and the
    state file holds the final state."""
    with StateFile(str(tmp_path / "pump.state")) as state:
        noisy = run_session(COMMANDS, monkeypatch, LineFaults(flip=0.01), seed=5, state=state)
        assert_same_as_clean(noisy, clean_run)
        restarted = Device.load(state.load(), clock="manual")
    assert [e.seq for e in restarted.events()][:-1] == [e.seq for e in noisy.device.events()]


def test_a_session_that_cannot_complete_says_so_and_nothing_is_doubled(monkeypatch, clean_run):
    """Past the line's limit the client gives up with NoReply, and everything
    done up to then matches the clean run's prefix (no double effect)."""
    noisy = run_session(COMMANDS, monkeypatch, LineFaults(flip=0.05), seed=1, retries=3)
    assert noisy.failed_at is not None and "no reply" in noisy.error
    assert noisy.outcomes == clean_run.outcomes[:noisy.failed_at]


# -- the wrapper itself ------------------------------------------------------------

@given(st.binary(max_size=300), st.integers(0, 2**32))
def test_a_clean_impairer_passes_bytes_unchanged(data, seed):
    assert Impairer(LineFaults(), seed).pass_bytes(data) == data


@given(st.lists(st.binary(max_size=50), max_size=10), st.integers(0, 2**32))
def test_delays_split_the_stream_but_keep_every_byte_in_order(chunks, seed):
    """Invariant: with only delays, the concatenation of what comes out is what went in."""
    imp = Impairer(LineFaults(delay=0.3), seed)
    out = b"".join(imp.pass_bytes(c) for c in chunks)
    while imp.held:
        out += imp.pass_bytes(b"")
    assert out == b"".join(chunks)


@given(st.binary(min_size=1, max_size=300), st.integers(0, 2**32))
def test_flips_change_exactly_one_bit_of_each_counted_byte(data, seed):
    """Invariant: with only flips, lengths match and the damage is one bit per flipped byte."""
    imp = Impairer(LineFaults(flip=0.2), seed)
    out = imp.pass_bytes(data)
    assert len(out) == len(data)
    diffs = [bin(a ^ b).count("1") for a, b in zip(data, out)]
    assert set(diffs) <= {0, 1} and sum(diffs) == imp.stats.flipped


@given(st.permutations(range(256)), st.integers(0, 2**32))
def test_drops_and_duplicates_keep_the_order_of_what_survives(order, seed):
    """Invariant: output = input with some bytes removed and some doubled, in order
    (the input's bytes are all distinct, so each output byte says where it came from)."""
    data = bytes(order)
    imp = Impairer(LineFaults(drop=0.2, dup=0.2), seed)
    out = imp.pass_bytes(data)
    position = {b: i for i, b in enumerate(data)}
    places = [position[b] for b in out]
    assert places == sorted(places), "order changed"
    counts = [places.count(p) for p in set(places)]
    assert set(counts) <= {1, 2}
    assert len(set(places)) == len(data) - imp.stats.dropped
    assert counts.count(2) == imp.stats.duplicated


def test_same_seed_same_damage():
    data = bytes(range(256)) * 8
    f = LineFaults(flip=0.05, drop=0.02, dup=0.02, delay=0.01)
    assert Impairer(f, 7).pass_bytes(data) == Impairer(f, 7).pass_bytes(data)
    assert Impairer(f, 7).pass_bytes(data) != Impairer(f, 8).pass_bytes(data)


@pytest.mark.parametrize("url, says", [
    ("lossy://loop://?flip=2", "probability"),
    ("lossy://loop://?flip=x", "not a number"),
    ("lossy://loop://?loss=0.1", "unknown option"),
    ("lossy://?flip=0.1", "name the line"),
])
def test_bad_lossy_urls_are_refused_with_a_reason(url, says):
    with pytest.raises(TransportError, match=says):
        open_transport(url)


def test_lossy_url_wraps_the_named_transport():
    inner, faults, seed = parse_lossy_url("lossy://socket://127.0.0.1:5555?flip=0.01&dup=0.002&seed=4")
    assert (inner, faults, seed) == ("socket://127.0.0.1:5555", LineFaults(flip=0.01, dup=0.002), "4")
    with open_transport("lossy://loop://?seed=1") as t:   # pyserial's loopback
        assert isinstance(t, LossyTransport)
        t.write(b"abc")
        assert t.read(1.0) == b"abc"


def test_client_over_a_lossy_url_to_a_served_emulator():
    """End to end through real sockets: ``Client.connect("lossy://socket://...")``."""
    dev = Device(clock="manual", test_features=True, telemetry_period_ms=DAY_MS)
    server = open_transport("tcp-listen://127.0.0.1:0")
    emulator = Emulator(dev, server, ManualClock())
    emulator.clock.wait_hint = lambda: 0.02
    thread = threading.Thread(target=emulator.run, daemon=True)
    thread.start()
    try:
        with Client.connect(f"lossy://{server.peer}?flip=0.005&seed=2", timeout=0.25,
                            retries=40, seq=10) as client:
            for name, fields in COMMANDS[:20]:
                try:
                    client.request(name, **fields)
                except Exception as exc:  # refusals are answers too
                    assert type(exc).__name__ == "DeviceRefused", exc
            assert isinstance(client.transport, LossyTransport)
    finally:
        emulator.stop()
        thread.join(timeout=30)
        server.close()
    assert dev.stats().executed >= 15


def test_pyemu_serve_on_a_lossy_pty_answers_every_command_once():
    """``pyemu serve --port "lossy://pty?..."``: the emulator's own line is noisy;
    a client with retries completes every command and each bolus request is logged once."""
    from pyemu.host.emulator import ServeProcess

    with ServeProcess("--port", "lossy://pty?flip=0.004&seed=3", "--clock", "manual",
                      "--test-features", "--quiet") as emu:
        with Client.connect(emu.port, timeout=0.3, retries=40, seq=500) as client:
            for name, fields in COMMANDS[:12]:
                try:
                    client.request(name, **fields)
                except Exception as exc:  # refusals are answers too
                    assert type(exc).__name__ == "DeviceRefused", exc
            patient = sum(1 for n, _ in COMMANDS[:12] if n == "PATIENT_BOLUS")
            events = list(client.read_events())
    logged = sum(1 for e in events if e.kind_name in ("PATIENT_GRANTED", "PATIENT_DENIED"))
    assert patient and logged == patient
