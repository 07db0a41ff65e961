"""Status.from_frame (the hot path of every status() over the wire) gives the
same record as the Status constructor, for every code a frame can carry."""
from __future__ import annotations

import enum

from hypothesis import given, strategies as st

from pyemu import protocol as P
from pyemu.pump.records import Status

_FIELDS = dict(now_ms=5, state=1, rate_nl_day=100, basal_nl_day=100, reservoir_nl=20_000,
               pumped_nl=3, delivered_pg=4, battery_nc=5, battery_permille=900, days_to_eri=700,
               alarms=0, unacked_alarms=0, bolus_kind=0, bolus_remaining_nl=0, drug=1,
               conc_ug_ml=500, dose_24h_ug=6, last_event_seq=7)
_U8 = st.integers(0, 255)


def _frame(flags: int, **fields: int) -> P.Frame:
    frames = P.FrameDecoder().feed(P.encode("STATUS", seq=9, flags=flags, **{**_FIELDS, **fields}))
    assert len(frames) == 1
    return frames[0]


@given(state=_U8, alarms=_U8, unacked=_U8, bolus=_U8, drug=_U8, unsolicited=st.booleans())
def test_from_frame_equals_the_constructor_for_known_and_unknown_codes(
        state: int, alarms: int, unacked: int, bolus: int, drug: int, unsolicited: bool) -> None:
    """For any code byte, from_frame's record equals the constructor's: equal, same
    repr, and each code the same type (an enum member when the vocabulary knows
    the code, a plain int when it does not)."""
    flags = P.KIND_UNSOLICITED if unsolicited else P.KIND_RESPONSE
    codes = dict(state=state, alarms=alarms, unacked_alarms=unacked, bolus_kind=bolus, drug=drug)
    got = Status.from_frame(_frame(flags, **codes))
    want = Status(seq=9, unsolicited=unsolicited, **{**_FIELDS, **codes})
    assert got == want
    assert repr(got) == repr(want)
    for name in codes:
        assert type(getattr(got, name)) is type(getattr(want, name)), name
        assert isinstance(getattr(got, "alarms"), enum.IntFlag)
