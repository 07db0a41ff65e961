"""Trumpet-curve arithmetic (IEC 60601-2-24) against hand-computed cases."""
import pytest
from hypothesis import given, strategies as st

from pyemu.therapy.trumpet import (WINDOWS_MIN, samples_from_strokes, trumpet,
                           trumpet_from_strokes)

# Hand case: a 1000 nL stroke every 40 s from t = 40 s, set rate
# 1000 nL / 40 s = 1500 nL/min = 2,160,000 nL/day.
# A 0.5-min interval holds 0.75 strokes on average, so a window of P min
# (2P intervals) holds 1.5 P strokes on average:
#   P = 2  -> 3 strokes in every window               -> 0 %
#   P = 5  -> 7 or 8 strokes against 7.5              -> +-0.5/7.5  = +-6.6667 %
#   P = 11 -> 16 or 17 against 16.5                   -> +-0.5/16.5 = +-3.0303 %
#   P = 19 -> 28 or 29 against 28.5                   -> +-0.5/28.5 = +-1.7544 %
#   P = 31 -> 46 or 47 against 46.5                   -> +-0.5/46.5 = +-1.0753 %
# and the second hour holds exactly 90 strokes: A = 0 %.
STROKE = 1000
RATE = 2_160_000
STROKES = [40_000 * k for k in range(1, 200)]   # up to 132.7 min
HAND = {2: (0.0, 0.0), 5: (100 / 15, -100 / 15), 11: (100 / 33, -100 / 33),
        19: (100 / 57, -100 / 57), 31: (100 / 93, -100 / 93)}


def test_samples_count_strokes_at_or_before_each_half_minute():
    s = samples_from_strokes([30_000, 30_001, 95_000], 10, end_ms=120_000)
    # t = 0, 30 s (stroke at exactly 30 s counts), 60 s, 90 s, 120 s
    assert s == [0, 10, 20, 20, 30]


def test_regular_strokes_match_hand_computed_curve():
    r = trumpet_from_strokes(STROKES, STROKE, RATE)
    assert r.overall_pct == pytest.approx(0.0, abs=1e-12)
    assert [p.window_min for p in r.points] == list(WINDOWS_MIN)
    for p in r.points:
        hi, lo = HAND[p.window_min]
        assert p.max_pct == pytest.approx(hi, abs=1e-9), p
        assert p.min_pct == pytest.approx(lo, abs=1e-9), p
        # windows that fit the 60-min analysis period: 120 - 2P + 1
        assert p.n_windows == 121 - 2 * p.window_min


def test_missing_stroke_in_second_hour_shows_as_negative_dip():
    """Drop the stroke at exactly 90 min (t = 5400 s = 135 x 40 s).

    The 2-min windows that hold it see 2 strokes instead of 3: -33.33 %;
    the second hour holds 89 strokes instead of 90: A = -1.111 %.
    E_2(max) stays 0 %: no 2-min window gains a stroke.
    """
    strokes = [t for t in STROKES if t != 5_400_000]
    r = trumpet_from_strokes(strokes, STROKE, RATE)
    assert r.overall_pct == pytest.approx(-100 / 90, abs=1e-9)
    p2 = r.points[0]
    assert p2.min_pct == pytest.approx(-100 / 3, abs=1e-9)
    assert p2.max_pct == pytest.approx(0.0, abs=1e-12)


def test_first_hour_does_not_count():
    """A burst of strokes before 60 min changes nothing in the analysis."""
    extra = [1_000 * k for k in range(1, 50)]
    r1 = trumpet_from_strokes(STROKES, STROKE, RATE)
    r2 = trumpet_from_strokes(sorted(STROKES + extra), STROKE, RATE)
    assert r1.points == r2.points and r1.overall_pct == r2.overall_pct


def test_overall_error_for_wrong_set_rate():
    """Same strokes against a set rate 20 % higher: A = 1/1.2 - 1 = -16.67 %."""
    r = trumpet_from_strokes(STROKES, STROKE, RATE * 6 // 5)
    assert r.overall_pct == pytest.approx(-100 / 6, abs=1e-9)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="rate"):
        trumpet([0] * 241, 0)
    with pytest.raises(ValueError, match="samples"):
        trumpet([0] * 100, RATE)
    with pytest.raises(ValueError, match="decrease"):
        trumpet([0] * 200 + [5, 4] + [4] * 39, RATE)
    with pytest.raises(ValueError):
        samples_from_strokes([1], 0)


@given(st.lists(st.integers(0, 7_200_000), max_size=400), st.integers(1, 5000),
       st.integers(48_000, 24_000_000))
def test_windows_that_tile_the_hour_bracket_overall_mean(times, stroke, rate):
    """Invariant: E_P(min) <= E_P(max), and E_P(min) <= A <= E_P(max) for P dividing 60.

    For P = 2 and 5 the hour is tiled by disjoint windows, so A is the mean
    of some window means and must lie between the smallest and largest.
    """
    r = trumpet_from_strokes(times, stroke, rate)
    for p in r.points:
        assert p.min_pct <= p.max_pct
        if 60 % p.window_min == 0:
            assert p.min_pct - 1e-9 <= r.overall_pct <= p.max_pct + 1e-9


# --- the C core's stroke record ------------------------------------------------

def test_core_at_lowest_rate_matches_hand_computed_curve():
    """0.048 mL/day with 250 nL strokes: one stroke every 250 / 48000 day = 450 s.

    Hand computation: the second hour holds exactly 8 strokes (A = 0 %). A
    2-min window expects 48000 x 2 / 1440 = 66.67 nL and holds 0 or 1 stroke:
    -100 % or 250 / 66.67 - 1 = +275 %. A 31-min window expects 1033.3 nL and
    holds 4 or 5 strokes: 1000 / 1033.3 - 1 = -3.226 %, 1250 / 1033.3 - 1 = +20.968 %.
    """
    from pyemu.therapy.trumpet import stroke_record, trumpet_at_rate
    times, stroke = stroke_record(48_000)
    assert stroke == 250
    gaps = {b - a for a, b in zip(times, times[1:])}
    assert gaps == {450_000}
    r = trumpet_at_rate(48_000)
    assert r.overall_pct == pytest.approx(0.0, abs=1e-12)
    p2, p31 = r.points[0], r.points[-1]
    assert (p2.min_pct, p2.max_pct) == (pytest.approx(-100.0), pytest.approx(275.0))
    assert p31.min_pct == pytest.approx(100 * (1000 / (48_000 * 31 / 1440) - 1))
    assert p31.max_pct == pytest.approx(100 * (1250 / (48_000 * 31 / 1440) - 1))


def test_core_strokes_on_the_sample_grid_give_a_flat_curve():
    """1.44 mL/day = 1000 nL/min = one 250 nL stroke every 15 s: every window exact."""
    from pyemu.therapy.trumpet import trumpet_at_rate
    r = trumpet_at_rate(1_440_000)
    assert r.overall_pct == pytest.approx(0.0, abs=1e-12)
    for p in r.points:
        assert p.max_pct == pytest.approx(0.0, abs=1e-12)
        assert p.min_pct == pytest.approx(0.0, abs=1e-12)


def test_core_trumpet_narrows_with_window_at_high_rate():
    """24 mL/day: deviations shrink as windows grow (the trumpet shape)."""
    from pyemu.therapy.trumpet import trumpet_at_rate
    r = trumpet_at_rate(24_000_000)
    spans = [p.max_pct - p.min_pct for p in r.points]
    assert spans[0] > spans[-1] and spans[0] < 1.0
