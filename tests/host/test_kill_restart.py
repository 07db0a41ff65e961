"""SIGKILL the emulator at seeded random points of a scripted session and restart it
from its state file: no accepted command is lost, none takes effect twice, and the
volumes balance exactly.

The emulator kills itself (``PYEMU_TEST_KILL``) inside the windows that matter —
bytes received but not yet executed (``rx``), state saved but reply not yet sent
(``saved``), reply sent (``sent``) — and the test also SIGKILLs it from outside
between commands. The client reopens the pty (a stable ``--link`` name) through a
callback that restarts the emulator, and retries with the same sequence number.
Every outcome and the whole event log (less the RESET entries the restarts add)
must equal those of the same script run without kills.
"""
import random

import pytest

from pyemu.pump.client import Client, DeviceRefused, PatientBolus
from pyemu.host.emulator import ServeProcess
from pyemu.link.transport import open_transport

HOUR = 3_600_000
ARGS = ("--clock", "manual", "--test-features", "--telemetry-period", "1h", "--quiet")


def make_script(rng):
    """A session a clinician and a patient could produce, with refusals in it."""
    script = [
        ("refill", (20_000_000, "baclofen", 500)),
        ("prescribe", dict(drug="baclofen", conc_ug_ml=500, rate_nl_day=2_000_000,
                           max_dose_ug_24h=2000, low_reservoir_nl=2_000_000,
                           patient_bolus=PatientBolus(50_000, 600_000, 2 * HOUR, 6))),
        ("prime_bolus", (0, HOUR)),
    ]
    for _ in range(30):
        kind = rng.choice(["advance", "advance", "advance", "patient_bolus", "patient_bolus",
                           "clinician_bolus", "cancel_bolus", "suspend", "resume", "refill",
                           "ack_alarm"])
        if kind == "advance":
            script.append((kind, (rng.randrange(10 * 60_000, 3 * 86_400_000),)))
        elif kind == "clinician_bolus":
            script.append((kind, (rng.randrange(1, 200) * 1000, rng.randrange(1, 120) * 60_000)))
        elif kind == "refill":
            script.append((kind, (rng.randrange(2, 21) * 1_000_000, "baclofen", 500)))
        elif kind == "ack_alarm":
            script.append((kind, (0x7F,)))
        else:
            script.append((kind, ()))
    return script


def play(client, script):
    """Run the script; each step's outcome: 'ok' (+ the status ADVANCE returns) or the reason."""
    outcomes = []
    for name, args in script:
        try:
            reply = getattr(client, name)(**args) if isinstance(args, dict) else getattr(client, name)(*args)
        except DeviceRefused as refusal:
            outcomes.append((name, refusal.reason_name))
            continue
        if name == "advance":
            outcomes.append((name, reply.now_ms, reply.reservoir_nl, reply.pumped_nl, reply.delivered_pg))
        else:
            outcomes.append((name, "ok"))
    return outcomes


class Restarting:
    """Starts the emulator on a state file, and again whenever it has died."""

    def __init__(self, tmp_path, kills):
        self.state = str(tmp_path / "pump.state")
        self.link = str(tmp_path / "pump-tty")
        self.kills = list(kills)  # PYEMU_TEST_KILL for each incarnation, then none
        self.starts = 0
        self.proc = None

    def start(self):
        env = {"PYEMU_TEST_KILL": self.kills.pop(0)} if self.kills else {"PYEMU_TEST_KILL": ""}
        self.proc = ServeProcess("--port", "pty", "--link", self.link, "--state", self.state,
                                 *ARGS, env=env)
        self.proc.start()
        self.starts += 1
        return self.link

    def reopen(self):
        """The client's way back: wait for the dead one to be gone, start a new one."""
        status = self.proc.proc.wait(timeout=30)
        assert status == -9, f"the emulator died of something else ({status}): {self.proc.stderr()}"
        self.start()
        return open_transport(self.link)

    def stop(self):
        return self.proc.stop()


def run(tmp_path, script, kills=(), external_kills=()):
    emu = Restarting(tmp_path, kills)
    port = emu.start()
    client = Client(open_transport(port), timeout=5.0, retries=3, reopen=emu.reopen, seq=1234)
    outcomes = []
    for index, step in enumerate(script):
        if index in external_kills:
            emu.proc.kill()  # from outside, between two commands
        outcomes.extend(play(client, [step]))
    status = client.status()
    events = list(client.read_events())
    client.close()
    assert emu.stop() == 0
    return outcomes, status, events, emu.starts


def semantic(events):
    """The log as what happened, without the restarts (which shift sequence numbers)."""
    return [(e.time_ms, e.kind_name, e.data0, e.data1) for e in events if e.kind_name != "RESET"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    script = make_script(random.Random(2024))
    return script, run(tmp_path_factory.mktemp("reference"), script)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_killed_and_restarted_emulator_loses_nothing_and_doubles_nothing(tmp_path, reference, seed):
    """Outcomes, event log and volumes equal the uninterrupted run, for SIGKILLs at
    seeded points inside every window (received / saved-not-replied / replied)."""
    script, (ref_outcomes, ref_status, ref_events, _) = reference
    rng = random.Random(seed)
    kills = [f"{rng.choice(['rx', 'saved', 'sent'])}:{rng.randrange(2, 8)}" for _ in range(4)]
    external = set(rng.sample(range(3, len(script)), 2))
    outcomes, status, events, starts = run(tmp_path, script, kills, external)

    assert starts >= 1 + len(external), "the emulator really was killed and restarted"
    assert outcomes == ref_outcomes, "every command had the same outcome, once"
    assert semantic(events) == semantic(ref_events), "the same log: nothing lost, nothing twice"
    assert sum(e.kind_name == "RESET" for e in events) == starts - 1, "each restart is logged"
    accepted_boluses = sum(1 for (name, *rest) in outcomes
                           if name in ("clinician_bolus", "prime_bolus", "patient_bolus") and rest == ["ok"])
    assert sum(e.kind_name == "BOLUS_START" for e in events) == accepted_boluses
    for field in ("now_ms", "reservoir_nl", "pumped_nl", "delivered_pg"):
        assert getattr(status, field) == getattr(ref_status, field), field
    filled = sum(e.data0 for e in events if e.kind_name == "REFILL")
    discarded = sum(e.data1 for e in events if e.kind_name == "REFILL")
    assert filled - discarded - status.pumped_nl == status.reservoir_nl, "volumes balance to the nL"


def test_the_reference_session_exercises_refusals_and_boluses(reference):
    """The scripted session is not trivial: boluses given, refusals met, time moved."""
    _, (outcomes, status, events, _) = reference
    assert any(o[1] not in ("ok",) and o[0] != "advance" for o in outcomes), "some refusals"
    assert sum(e.kind_name == "BOLUS_START" for e in events) >= 3
    assert status.now_ms > 86_400_000
