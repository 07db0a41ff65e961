"""The oracle keeps its own copy of pump.h's numbers on purpose (it must not read the C);
this checks that copy against the vocabulary, so a renumbering cannot slip past both."""
from pyemu.testing import oracle
from pyemu.protocol import vocabulary as V


def test_oracle_constants_equal_the_vocabulary():
    """Invariant: every reason, alarm, event kind, bolus kind, fault, state and drug number the oracle uses."""
    for name in ("ARG", "RATE_RANGE", "STEPS", "CONCENTRATION", "DOSE_LIMIT", "LIMIT_RANGE", "BOLUS_RANGE",
                 "BOLUS_ACTIVE", "NO_BOLUS", "SUSPENDED", "EMPTY", "EOS", "STALLED", "OVERFILL", "LOCKOUT",
                 "COUNT", "PB_DISABLED", "TIME", "NOT_SUSPENDED", "NO_PRESCRIPTION", "FAULT_KIND", "ALARM",
                 "DRUG", "CONFIG", "NO_FAULT", "MEMORY"):
        assert getattr(oracle, "E_" + name) == V.Reason[name], name
    assert oracle.OK == V.Reason.OK
    short = {"LOW": "LOW_RESERVOIR", "EMPTY": "RESERVOIR_EMPTY", "ERI": "ERI", "EOS": "EOS",
             "STALL": "MOTOR_STALL", "DOSE": "DOSE_LIMIT", "MEMORY": "MEMORY_ERROR"}
    for mine, theirs in short.items():
        assert getattr(oracle, mine) == V.Alarm[theirs], mine
    assert oracle.ALARM_ORDER == tuple(int(a) for a in V.Alarm if a)
    assert oracle.CRITICAL == V.CRITICAL_ALARMS and oracle.ALL_ALARMS == sum(int(a) for a in V.Alarm)
    for k in V.EventKind:
        if hasattr(oracle, "EV_" + k.name):
            assert getattr(oracle, "EV_" + k.name) == k, k
    assert oracle.EV_FAULT_CLEARED == V.EventKind.FAULT_CLEARED
    for k in V.BolusKind:
        assert getattr(oracle, "BOLUS_" + k.name) == k
    assert (oracle.FAULT_STALL, oracle.FAULT_MEMORY) == (V.Fault.MOTOR_STALL, V.Fault.MEMORY)
    for s in V.State:
        assert getattr(oracle, s.name) == s
    assert (oracle.DRUG_NONE, oracle.DRUG_SALINE, oracle.DRUG_COUNT) == (V.Drug.NONE, V.Drug.SALINE, len(V.Drug))
