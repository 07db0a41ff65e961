"""Conformance scenarios: scripts of client calls, the same for every target.

A scenario is a list of steps played through :class:`pyemu.pump.client.Client`
on a fresh pump in the manual clock mode (time moves only with ADVANCE).
After each step the runner records the outcome, the STATUS, the new event
log entries and the unsolicited frames; targets must agree on all of it.

A step names a client method and its arguments, and what the script's author
expects: ``"ok"`` or the NAK reason name (``"E_LOCKOUT"``, ``"BAD_FIELD"``),
taken from the semantics in ``firmware/core/pump.h`` and
``protocol/spec.md``. ``None`` means "whatever it is, identical everywhere".
Special actions the runner knows: ``garbage`` (raw bytes on the line),
``repeat_last`` (the previous step's request again, byte for byte, as a
client does after a lost reply; outcome ``replayed`` when the device answered
from its reply cache) and ``ack_active`` (acknowledge whatever alarms are
active; outcome ``none active`` if there are none).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from pyemu.pump.client import PatientBolus, Step as RxStep

DAY = 86_400_000
HOUR = 3_600_000
MINUTE = 60_000
ML = 1_000_000  # nL


@dataclass(frozen=True)
class Step:
    action: str
    args: Dict[str, Any] = field(default_factory=dict)
    expect: Optional[str] = "ok"
    label: str = ""

    def describe(self) -> str:
        if self.label:
            return self.label
        args = ", ".join(f"{k}={v!r}" for k, v in self.args.items() if k != "data")
        return f"{self.action}({args})"


@dataclass(frozen=True)
class Scenario:
    name: str
    doc: str
    steps: Tuple[Step, ...]


def S(action: str, expect: Optional[str] = "ok", label: str = "", **args: Any) -> Step:
    return Step(action, args, expect, label)


def baclofen_rx(rate_nl_day: int = 500_000, **extra: Any) -> Dict[str, Any]:
    # 500 ug/mL, 24-h limit 1 mg: inside the drug library (baclofen soft limit 1 mg/24 h)
    rx: Dict[str, Any] = dict(drug="baclofen", conc_ug_ml=500, rate_nl_day=rate_nl_day,
                              max_dose_ug_24h=1000)
    rx.update(extra)
    return rx


def garbage(seed: int, n: int) -> bytes:
    """Seeded noise without 0x00, then one delimiter: a damaged chunk the decoder drops."""
    rng = random.Random(seed)
    return bytes(rng.randrange(1, 256) for _ in range(n)) + b"\x00"


SCENARIOS: List[Scenario] = [
    Scenario(
        "basal_until_empty",
        "Fill, prescribe 0.5 mL/day, run through low-reservoir to empty, acknowledge, refill.",
        (
            S("hello"),
            S("status"),
            S("refill", volume_nl=20 * ML, drug="baclofen", conc_ug_ml=500),
            S("prescribe", **baclofen_rx()),
            S("advance", delta_ms=HOUR),
            S("advance", delta_ms=DAY - HOUR),
            S("advance", delta_ms=30 * DAY),
            S("advance", delta_ms=6 * DAY, label="advance into low reservoir"),
            S("ack_alarm", alarms=["low_reservoir"]),
            S("advance", delta_ms=5 * DAY, label="advance until empty"),
            S("ack_alarm", alarms=["reservoir_empty"]),
            S("advance", delta_ms=DAY, label="advance while empty: nothing delivered"),
            S("refill", volume_nl=20 * ML, drug="baclofen", conc_ug_ml=500),
            S("advance", delta_ms=DAY),
        ),
    ),
    Scenario(
        "boluses_and_lockout",
        "Clinician, prime and patient boluses; lockout, count and cancellation.",
        (
            S("refill", volume_nl=20 * ML, drug="baclofen", conc_ug_ml=500),
            S("patient_bolus", expect="E_PB_DISABLED", label="patient bolus before a prescription"),
            S("prescribe", **baclofen_rx(
                patient_bolus=PatientBolus(volume_nl=50_000, duration_ms=10 * MINUTE,
                                           lockout_ms=2 * HOUR, max_per_24h=3))),
            S("prime_bolus", volume_nl=0, duration_ms=HOUR),
            S("clinician_bolus", volume_nl=100_000, duration_ms=HOUR,
              expect="E_BOLUS_ACTIVE", label="clinician bolus while the prime runs"),
            S("advance", delta_ms=HOUR),
            S("clinician_bolus", volume_nl=100_000, duration_ms=HOUR),
            S("advance", delta_ms=30 * MINUTE),
            S("cancel_bolus"),
            S("cancel_bolus", expect="E_NO_BOLUS"),
            S("patient_bolus"),
            S("patient_bolus", expect="E_BOLUS_ACTIVE", label="patient bolus while one runs"),
            S("advance", delta_ms=20 * MINUTE),
            S("patient_bolus", expect="E_LOCKOUT"),
            S("advance", delta_ms=2 * HOUR),
            S("patient_bolus"),
            S("advance", delta_ms=2 * HOUR),
            S("patient_bolus"),
            S("advance", delta_ms=2 * HOUR),
            S("patient_bolus", expect="E_COUNT", label="fourth patient bolus in 24 h"),
            S("advance", delta_ms=DAY),
            S("patient_bolus"),
        ),
    ),
    Scenario(
        "dose_limit",
        "A bolus that would pass the 24-h dose limit is refused and raises DOSE_LIMIT.",
        (
            S("refill", volume_nl=20 * ML, drug="morphine", conc_ug_ml=10_000),
            S("prescribe", drug="morphine", conc_ug_ml=10_000, rate_nl_day=500_000,
              max_dose_ug_24h=4_999, expect="E_DOSE_LIMIT", label="basal alone over the limit"),
            S("prescribe", drug="morphine", conc_ug_ml=10_000, rate_nl_day=500_000,
              max_dose_ug_24h=6_000),
            S("clinician_bolus", volume_nl=200_000, duration_ms=HOUR,
              expect="E_DOSE_LIMIT", label="bolus over the 24-h limit"),
            S("ack_alarm", alarms=["dose_limit"]),
            S("clinician_bolus", volume_nl=50_000, duration_ms=HOUR),
            S("advance", delta_ms=DAY),
        ),
    ),
    Scenario(
        "schedule_doses_and_drug_change",
        "A 24-step schedule, dose programming in ug/day, and a refill with another drug.",
        (
            S("refill", volume_nl=40 * ML, drug="baclofen", conc_ug_ml=500,
              expect="E_OVERFILL", label="overfill a 20 mL reservoir"),
            S("refill", volume_nl=18 * ML, drug="baclofen", conc_ug_ml=500),
            S("prescribe", drug="baclofen", conc_ug_ml=500, max_dose_ug_24h=1000,
              steps=[RxStep(60 * h, 200_000 + 20_000 * h) for h in range(24)]),
            S("advance", delta_ms=DAY + 7 * HOUR + 13 * MINUTE + 17),
            S("prescribe", drug="baclofen", conc_ug_ml=500, max_dose_ug_24h=1000,
              dose_ug_day=700),
            S("advance", delta_ms=3 * DAY),
            S("refill", volume_nl=18 * ML, drug="morphine", conc_ug_ml=10_000,
              label="refill with another drug: suspends"),
            S("resume", expect="E_DRUG"),
            S("prescribe", drug="morphine", conc_ug_ml=10_000, rate_nl_day=100_000,
              max_dose_ug_24h=2_000),
            S("resume"),
            S("resume", expect="E_NOT_SUSPENDED"),
            S("advance", delta_ms=2 * DAY),
        ),
    ),
    Scenario(
        "suspend_faults_alarms",
        "Suspend/resume, an injected motor stall and memory fault, acknowledging alarms.",
        (
            S("suspend", expect="E_NO_PRESCRIPTION"),
            S("refill", volume_nl=20 * ML, drug="ziconotide", conc_ug_ml=25),
            S("prescribe", drug="ziconotide", conc_ug_ml=25, rate_nl_day=96_000,
              max_dose_ug_24h=10),
            S("suspend"),
            S("suspend", expect="E_SUSPENDED"),
            S("advance", delta_ms=DAY),
            S("resume"),
            S("inject_fault", fault="motor_stall"),
            S("advance", delta_ms=HOUR),
            S("clinician_bolus", volume_nl=10_000, duration_ms=HOUR, expect="E_STALLED"),
            S("ack_alarm", alarms=["motor_stall"]),
            S("ack_alarm", alarms=["eos"], expect="E_ALARM"),
            S("inject_fault", fault="motor_stall", clear=True),
            S("advance", delta_ms=HOUR),
            S("inject_fault", fault="memory"),
            S("advance", delta_ms=HOUR),
            S("inject_fault", fault="memory", clear=True),
            S("advance", delta_ms=DAY),
        ),
    ),
    Scenario(
        "line_noise_and_retransmission",
        "Garbage between requests is dropped; a repeated request is answered from the cache.",
        (
            S("garbage", data=garbage(1, 40)),
            S("hello"),
            S("refill", volume_nl=20 * ML, drug="baclofen", conc_ug_ml=500),
            S("repeat_last", expect="replayed",
              label="refill sent again with the same seq: replayed, not redone"),
            S("garbage", data=garbage(2, 300), label="300 bytes of noise (oversize chunk)"),
            S("prescribe", **baclofen_rx(
                patient_bolus=PatientBolus(volume_nl=50_000, duration_ms=10 * MINUTE,
                                           lockout_ms=HOUR, max_per_24h=6))),
            S("patient_bolus"),
            S("repeat_last", expect="replayed", label="patient bolus retransmitted: one bolus only"),
            S("garbage", data=bytes(range(1, 200)) + b"\x00\x00\x00"),
            S("advance", delta_ms=DAY),
            S("repeat_last", expect="replayed", label="ADVANCE retransmitted: time moves once"),
        ),
    ),
    Scenario(
        "event_log_wraps",
        "More than 512 logged events: the ring overwrites the oldest, seq keeps counting.",
        tuple(
            [
                S("refill", volume_nl=20 * ML, drug="baclofen", conc_ug_ml=500),
                S("prescribe", **baclofen_rx(
                    patient_bolus=PatientBolus(volume_nl=10_000, duration_ms=MINUTE,
                                               lockout_ms=HOUR, max_per_24h=24))),
            ]
            + [S("patient_bolus", expect=None, label=f"patient request {i}") for i in range(560)]
            + [S("advance", delta_ms=DAY)]
        ),
    ),
    Scenario(
        "battery_to_end_of_service",
        "Years of therapy in a few jumps: ERI, then EOS stops delivery.",
        (
            S("refill", volume_nl=20 * ML, drug="hydromorphone", conc_ug_ml=1000),
            S("prescribe", drug="hydromorphone", conc_ug_ml=1000, rate_nl_day=500_000,
              max_dose_ug_24h=1000),
            S("advance", delta_ms=35 * DAY),
            S("refill", volume_nl=20 * ML, drug="hydromorphone", conc_ug_ml=1000),
        )
        + tuple(
            step
            for year in range(1, 10)
            for step in (
                S("advance", delta_ms=365 * DAY, label=f"year {year}"),
                S("refill", volume_nl=20 * ML, drug="hydromorphone", conc_ug_ml=1000,
                  expect=None, label=f"refill in year {year}"),
                S("ack_active", expect=None, label=f"acknowledge alarms, year {year}"),
            )
        )
        + (
            S("clinician_bolus", volume_nl=10_000, duration_ms=HOUR, expect="E_EOS",
              label="bolus at end of service"),
        ),
    ),
    Scenario(
        "physical_plant",
        "The physical plant (test benches, docs/plant.md): flow error constant and drifting, leak, an "
        "occlusion that stalls the motor, MRI with each recovery rule, pocket fill; the truth read between.",
        (
            S("refill", volume_nl=20 * ML, drug="morphine", conc_ug_ml=1000),
            S("prescribe", drug="morphine", conc_ug_ml=1000, rate_nl_day=500_000, max_dose_ug_24h=1000),
            S("plant_fault", fault="flow_error", value=1_200_000, label="flow error +20 %"),
            S("advance", delta_ms=10 * DAY),
            S("truth"),
            S("plant_fault", fault="flow_error", value=900_000, target=1_100_000, duration_ms=5 * DAY,
              label="flow error drifting from -10 % to +10 % over 5 days"),
            S("advance", delta_ms=7 * DAY),
            S("truth"),
            S("plant_fault", fault="leak", value=300_000, label="leak 30 %"),
            S("advance", delta_ms=2 * DAY),
            S("truth"),
            S("plant_fault", fault="occlusion", value=20, label="occlusion stalling after 20 strokes"),
            S("advance", delta_ms=DAY),
            S("truth"),
            S("plant_fault", fault="occlusion", clear=True),
            S("plant_fault", fault="flow_error", clear=True),
            S("plant_fault", fault="mri", value=0, duration_ms=45 * MINUTE, label="MRI, recovery immediate"),
            S("advance", delta_ms=HOUR),
            S("plant_fault", fault="mri", value=1, duration_ms=45 * MINUTE, delay_ms=2 * HOUR,
              label="MRI, recovery after 2 h"),
            S("advance", delta_ms=HOUR),
            S("advance", delta_ms=2 * HOUR),
            S("plant_fault", fault="mri", value=2, duration_ms=45 * MINUTE,
              label="MRI, recovery at interrogation (the runner's status request)"),
            S("advance", delta_ms=DAY),
            S("truth"),
            S("plant_fault", fault="pocket_fill"),
            S("refill", volume_nl=20 * ML, drug="morphine", conc_ug_ml=1000, label="refill into the pocket"),
            S("advance", delta_ms=DAY),
            S("truth"),
            S("plant_fault", fault="leak", clear=True, expect="E_NO_FAULT",
              label="the occlusion replaced the leak"),
            S("plant_fault", fault="flow_error", value=2_000_001, expect="BAD_FIELD"),
        ),
    ),
]

BY_NAME = {s.name: s for s in SCENARIOS}
