"""Two programs that draw the same sequence number (issue 11, item 1): a
REPLAYED reply to a request the client had not sent before means "not
executed" (protocol/spec.md section 3), never success. Over a real pty to a
``pyemu serve`` child with a manual clock. Two clients share the pty here
(``exclusive=False`` on the second) to stand for two programs run one after
the other that drew the same seqs."""
import random

import pytest

from pyemu.cli.common import EXIT_OK, EXIT_REFUSED
from pyemu.cli.main import main
from pyemu.pump.client import Client, NotExecuted, PatientBolus
from pyemu.host.emulator import ServeProcess

HOUR = 3_600_000
SERVE_ARGS = ("--clock", "manual", "--test-features", "--quiet")


@pytest.fixture
def emulator():
    """A fresh pump per test: the cache contents matter here."""
    with ServeProcess("--port", "pty", *SERVE_ARGS) as emu:
        yield emu


def _granted(client):
    return sum(1 for e in client.read_events(1) if e.kind_name == "PATIENT_GRANTED")


def test_advance_by_two_clients_with_one_seq_moves_time_twice(emulator):
    random.seed(11)
    with Client.connect(emulator.port, timeout=5.0, seq=4000) as a, \
            Client.connect(emulator.port, timeout=5.0, seq=4000, exclusive=False) as b:
        start = a.status().now_ms            # seq 4001: a read, not remembered
        a.advance(HOUR)                      # seq 4002
        b.status()                           # seq 4001
        after = b.advance(HOUR)              # seq 4002, same bytes as a's: REPLAYED, then a new seq
        assert b.stats.collisions == 1 and not b.last_replayed
        assert after.now_ms == start + 2 * HOUR
        assert a.status().now_ms == start + 2 * HOUR


def test_without_collision_retries_the_second_client_is_told_not_executed(emulator):
    with Client.connect(emulator.port, timeout=5.0, seq=100) as a, \
            Client.connect(emulator.port, timeout=5.0, seq=100, collision_retries=0,
                           exclusive=False) as b:
        start = a.status().now_ms
        a.advance(HOUR)
        b.status()
        with pytest.raises(NotExecuted, match="NOT executed"):
            b.advance(HOUR)
        assert a.status().now_ms == start + HOUR          # moved once, and b said so


def test_a_collided_patient_bolus_is_given_or_refused_never_reported_granted_unexecuted(emulator):
    random.seed(12)
    with Client.connect(emulator.port, timeout=5.0, seq=700) as a, \
            Client.connect(emulator.port, timeout=5.0, seq=700, exclusive=False) as b:
        a.refill(20_000_000, "baclofen", 2000)
        a.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=2000,
                    patient_bolus=PatientBolus(25_000, 600_000, HOUR, 4))
        a.patient_bolus()                    # seq 703, granted
        a.advance(2 * HOUR)                  # past the lockout
        b._seq = 702                         # b's next request: PATIENT_BOLUS with seq 703
        b.patient_bolus()                    # REPLAYED ACK of a's: resent with a new seq, granted
        assert b.stats.collisions == 1
        assert _granted(a) == 2


def test_explicit_seq_first_sent_and_replayed_is_not_executed(emulator):
    with Client.connect(emulator.port, timeout=5.0) as a, Client.connect(emulator.port, timeout=5.0, exclusive=False) as b:
        start = a.status().now_ms
        a.request("ADVANCE", seq=9, delta_ms=HOUR)
        with pytest.raises(NotExecuted):
            b.request("ADVANCE", seq=9, delta_ms=HOUR)
        again = a.request("ADVANCE", seq=9, delta_ms=HOUR)   # a's own retry: the normal answer
        assert again.flags & 0x04 and a.status().now_ms == start + HOUR


def test_ctl_patient_bolus_never_prints_granted_for_a_replayed_first_attempt(emulator, capsys,
                                                                              monkeypatch):
    """Every seq this ctl draws collides (randomness pinned): it must say
    "not executed" and exit 1, and the pump's log has one grant only."""
    with Client.connect(emulator.port, timeout=5.0) as setup:
        setup.refill(20_000_000, "baclofen", 2000)
        setup.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=2000,
                        patient_bolus=PatientBolus(25_000, 600_000, HOUR, 4))
    sent = []                                # (message, seq) of every request ctl sends
    real_once = Client._request_once

    def spy(self, msg, seq, fields, payload):
        sent.append((msg, seq))
        return real_once(self, msg, seq, fields, payload)

    draws = []

    def randrange(n):
        # A run's first draw starts the counter at 5000 (as the first run's did);
        # every redraw after a collision lands on the first run's bolus seq again.
        draws.append(n)
        return 5000 if len(draws) == 1 else bolus_seq - 1

    monkeypatch.setattr(Client, "_request_once", spy)
    monkeypatch.setattr("pyemu.pump.session.random.randrange", randrange)
    argv = ["ctl", "--port", emulator.port, "--timeout", "5s", "patient-bolus"]
    assert main(argv) == EXIT_OK
    assert "granted" in capsys.readouterr().out
    bolus_seq = next(seq for msg, seq in sent if msg == "PATIENT_BOLUS")
    draws.clear()
    sent.clear()
    with Client.connect(emulator.port, timeout=5.0, seq=7000) as other:
        other.advance(2 * HOUR)              # past the lockout: a grant would be possible
    status = main(argv)
    out, err = capsys.readouterr()
    assert status == EXIT_REFUSED and "granted" not in out, (sent, draws, bolus_seq, out, err)
    assert "NOT executed" in err
    assert [seq for msg, seq in sent if msg == "PATIENT_BOLUS"] == [bolus_seq] * 4   # 1 + 3 retries
    with Client.connect(emulator.port, timeout=5.0, seq=8000) as check:
        assert _granted(check) == 1
