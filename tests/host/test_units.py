"""Clinician units: exact conversion to the pump's integers, and clear refusals."""
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from pyemu import units
from pyemu.units import UnitError

U32 = units.U32_MAX


@pytest.mark.parametrize(
    "func, text, expected",
    [
        (units.rate_nl_per_day, "0.5mL/day", 500_000),
        (units.rate_nl_per_day, "500uL/day", 500_000),
        (units.rate_nl_per_day, "500µL/day", 500_000),
        (units.rate_nl_per_day, "500μL/day", 500_000),  # Greek mu, not the micro sign
        (units.rate_nl_per_day, "20uL/h", 480_000),
        (units.rate_nl_per_day, "1mL/24h", 1_000_000),
        (units.rate_nl_per_day, "0.048 mL / day", 48_000),
        (units.dose_ug_per_day, "300ug/day", 300),
        (units.dose_ug_per_day, "300mcg/day", 300),
        (units.dose_ug_per_day, "0.3mg/day", 300),
        (units.dose_ug_per_day, "12.5ug/h", 300),
        (units.concentration_ug_per_ml, "2mg/mL", 2000),
        (units.concentration_ug_per_ml, "2000ug/mL", 2000),
        (units.concentration_ug_per_ml, "2000µg/ml", 2000),
        (units.concentration_ug_per_ml, "0.5mg/mL", 500),
        (units.duration_ms, "30d", 30 * 86_400_000),
        (units.duration_ms, "12h", 12 * 3_600_000),
        (units.duration_ms, "90s", 90_000),
        (units.duration_ms, "15min", 900_000),
        (units.duration_ms, "1.5h", 5_400_000),
        (units.duration_ms, "500ms", 500),
        (units.volume_nl, "1.5mL", 1_500_000),
        (units.volume_nl, "250uL", 250_000),
        (units.volume_nl, ".25mL", 250_000),
        (units.volume_nl, "20mL", 20_000_000),
        (units.mass_ug, "600ug", 600),
        (units.mass_ug, "0.6mg", 600),
        (units.mass_ng, "1.5ug", 1500),
    ],
)
def test_documented_forms_convert_exactly(func, text, expected):
    assert func(text) == expected


@pytest.mark.parametrize(
    "func, text, says",
    [
        (units.volume_nl, "0.0000001mL", "whole nL"),
        (units.rate_nl_per_day, "1mL/7h", "whole nL/day"),
        (units.dose_ug_per_day, "0.5ug/day", "whole µg/day"),
        (units.volume_nl, "1,5mL", "decimal point"),
        (units.volume_nl, "-1mL", "negative"),
        (units.volume_nl, "5", "unit is missing"),
        (units.duration_ms, "30", "unit is missing"),
        (units.volume_nl, "1e3uL", "cannot read"),
        (units.volume_nl, "1 ML", "unknown unit"),
        (units.volume_nl, "1mg", "mass unit"),
        (units.rate_nl_per_day, "0.5mg/day", "needs a volume unit before '/'"),
        (units.rate_nl_per_day, "0.5mL", "lacks the '/'"),
        (units.rate_nl_per_day, "0.5mL/kg", "needs a time unit"),
        (units.concentration_ug_per_ml, "2mg/h", "needs a volume unit after '/'"),
        (units.concentration_ug_per_ml, "2mg", "lacks the '/'"),
        (units.duration_ms, "1mL/day", "not a unit of duration"),
        (units.volume_nl, "5000mL", "largest value"),
        (units.volume_nl, "", "cannot read"),
        (units.volume_nl, "mL", "cannot read"),
        (units.duration_ms, "nan h", "cannot read"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_an_example(func, text, says):
    with pytest.raises(UnitError) as info:
        func(text)
    message = str(info.value)
    assert says in message
    assert repr(text) in message
    # Every refusal shows something the user can type instead, except range
    # errors, which show a value that fits.
    assert "for example" in message or "lands on a whole" in message


_VOLUME_UNITS = ["nL", "uL", "µL", "mL"]


@given(st.integers(0, U32), st.sampled_from(_VOLUME_UNITS))
def test_volume_format_then_parse_is_identity(nl, unit):
    """For every uint32 volume and unit, parse(format(v)) == v."""
    assert units.volume_nl(units.format_volume(nl, unit)) == nl


@given(st.integers(0, U32), st.sampled_from(["nL/day", "uL/day", "mL/day", "mL/d", "uL/24h"]))
def test_rate_format_then_parse_is_identity(rate, unit):
    """For every uint32 rate and a per-day unit, parse(format(r)) == r."""
    assert units.rate_nl_per_day(units.format_rate(rate, unit)) == rate


@given(st.integers(0, units.U64_MAX))
def test_duration_format_then_parse_is_identity(ms):
    """For every uint64 duration, parse(format(d)) == d, in the largest exact unit."""
    text = units.format_duration(ms)
    assert units.duration_ms(text) == ms


@given(st.integers(0, U32), st.sampled_from(["ng", "ug", "µg", "mg"]))
def test_mass_format_then_parse_is_identity(ng, unit):
    """For every uint32 mass in ng, parse(format(m)) == m."""
    assert units.mass_ng(units.format_mass(ng, unit)) == ng


@given(
    st.decimals(min_value=0, max_value=10_000, places=7, allow_nan=False, allow_infinity=False),
    st.sampled_from([("mL", 1_000_000), ("uL", 1_000), ("nL", 1)]),
)
def test_volume_is_exact_or_refused(number, unit_scale):
    """A decimal volume converts to exactly number x scale nL, or is refused if that is not whole."""
    unit, scale = unit_scale
    text = f"{number:f}{unit}"
    exact = Fraction(Decimal(number)) * scale
    if exact.denominator == 1 and exact <= U32:
        assert units.volume_nl(text) == exact
    else:
        with pytest.raises(UnitError):
            units.volume_nl(text)


@given(st.text(max_size=20))
def test_any_text_gives_a_value_or_a_unit_error(text):
    """No input makes a parser raise anything but UnitError."""
    for func in (units.volume_nl, units.rate_nl_per_day, units.dose_ug_per_day,
                 units.concentration_ug_per_ml, units.duration_ms, units.mass_ug):
        try:
            value = func(text)
        except UnitError:
            continue
        assert isinstance(value, int) and value >= 0


@pytest.mark.parametrize("text, expected", [
    ("1h30min", 5_400_000),
    ("6d12h", 6 * 86_400_000 + 12 * 3_600_000),
    ("35d 1h", 35 * 86_400_000 + 3_600_000),
    ("1h 30min 15s", 5_415_000),
    ("1.5y", 547 * 86_400_000 + 43_200_000),      # a year is 365 days
    ("2y", 730 * 86_400_000),
    ("1w2d", 9 * 86_400_000),
    ("1min500ms", 60_500),
])
def test_compound_durations_read_as_the_sum_of_their_parts(text, expected):
    """A duration may be written in parts, largest unit first (1h30min, 6d12h, 1.5y)."""
    assert units.duration_ms(text) == expected


@pytest.mark.parametrize("text, says", [
    ("30min1h", "largest unit first"),
    ("1h1h", "largest unit first"),
    ("1h30", "unit is missing"),
    ("1h-30min", "cannot read"),
])
def test_compound_durations_out_of_order_or_incomplete_are_refused(text, says):
    with pytest.raises(UnitError, match=says):
        units.duration_ms(text)
