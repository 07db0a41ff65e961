"""Clinician units in, exact integers out.

Clinicians write ``0.5mL/day``, ``300ug/day``, ``2mg/mL``, ``30d``; the pump
speaks integers (nL, nL/day, µg, µg/day, µg/mL, ms). This module turns the
first into the second *exactly*: numbers are read as decimals (never floats),
scaled with :class:`fractions.Fraction`, and a value that does not land on a
whole base unit, is negative, or does not fit the field is refused with a
message that shows the accepted forms. Nothing is rounded silently: a
rounded dose is a wrong dose.

Accepted spellings (case matters where it changes meaning: ``mL`` and ``ml``
are both millilitres, but there is no ``ML``):

* volume: ``nL``, ``uL`` / ``µL`` / ``μL`` / ``mcL``, ``mL``
* mass: ``ng``, ``ug`` / ``µg`` / ``μg`` / ``mcg``, ``mg``
* time: ``ms``, ``s``, ``min``, ``h``, ``d`` (and ``sec``, ``hr``, ``hour``,
  ``day``, ``week``/``w`` with plurals)
* duration: a time, or several written largest unit first (``1h30min``,
  ``6d12h``, ``35d 1h``), and also ``y``/``year`` (365 days, as in
  ``1.5y``); a year is not a rate's denominator
* rate: volume ``/`` time (``0.5mL/day``, ``20uL/h``)
* dose rate: mass ``/`` time (``300ug/day``)
* concentration: mass ``/`` volume (``2mg/mL``, ``2000ug/mL``)

The ``format_*`` functions write integers back in the same notation, and
``parse(format(x)) == x`` holds for every value (a property test checks it).
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Dict, Optional, Tuple

__all__ = [
    "UnitError",
    "volume_nl",
    "rate_nl_per_day",
    "mass_ug",
    "mass_ng",
    "dose_ug_per_day",
    "concentration_ug_per_ml",
    "duration_ms",
    "format_volume",
    "format_rate",
    "format_duration",
    "format_mass",
    "U32_MAX",
    "U64_MAX",
]

U32_MAX = 2**32 - 1
U64_MAX = 2**64 - 1


class UnitError(ValueError):
    """A quantity that cannot be read, or does not fit its field exactly."""


# Every spelling -> its size in the base unit of its dimension
# (volume: nL, mass: ng, time: ms).
_VOLUME: Dict[str, int] = {
    "nL": 1, "nl": 1,
    "uL": 1_000, "ul": 1_000, "µL": 1_000, "µl": 1_000, "μL": 1_000, "μl": 1_000,
    "mcL": 1_000, "mcl": 1_000,
    "mL": 1_000_000, "ml": 1_000_000,
}
_MASS: Dict[str, int] = {
    "ng": 1,
    "ug": 1_000, "µg": 1_000, "μg": 1_000, "mcg": 1_000,
    "mg": 1_000_000,
}
_TIME: Dict[str, int] = {
    "ms": 1,
    "s": 1_000, "sec": 1_000, "secs": 1_000, "second": 1_000, "seconds": 1_000,
    "min": 60_000, "mins": 60_000, "minute": 60_000, "minutes": 60_000,
    "h": 3_600_000, "hr": 3_600_000, "hrs": 3_600_000, "hour": 3_600_000, "hours": 3_600_000,
    "d": 86_400_000, "day": 86_400_000, "days": 86_400_000,
    "w": 604_800_000, "week": 604_800_000, "weeks": 604_800_000,
}
_MS_PER_DAY = 86_400_000
# Durations (not rates) may also be written in years; a year here is 365 days,
# as in the fleet's spans, because no calendar is involved.
_DURATION: Dict[str, int] = dict(_TIME, y=365 * _MS_PER_DAY, yr=365 * _MS_PER_DAY,
                                 year=365 * _MS_PER_DAY, years=365 * _MS_PER_DAY)

# A plain decimal number: no sign, no exponent, no thousands separator.
_NUMBER = r"(?P<num>[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_UNIT = r"(?P<unit>[A-Za-zµμ]+(?:\s*/\s*(?:[0-9]+\s*)?[A-Za-zµμ]+)?)"
_QUANTITY = re.compile(r"^\s*" + _NUMBER + r"\s*" + _UNIT + r"\s*$")

_EXAMPLES = {
    "volume": "1.5mL, 250uL or 800nL",
    "rate": "0.5mL/day, 500uL/day or 20uL/h",
    "dose rate": "300ug/day, 0.3mg/day or 12.5ug/h",
    "mass": "600ug, 0.6mg or 50ng",
    "concentration": "2mg/mL, 2000ug/mL or 500mcg/mL",
    "duration": "30d, 12h, 1h30min, 90s or 500ms",
}
_MU_NOTE = " (µ, u and mc all mean micro)"


def _dimension_of(unit: str) -> str:
    """Name what a unit measures, for error messages."""
    if unit in _VOLUME:
        return "a volume unit"
    if unit in _MASS:
        return "a mass unit"
    if _time_denominator(unit) is not None:
        return "a time unit"
    return "an unknown unit"


def _fail(kind: str, text: str, why: str) -> UnitError:
    return UnitError(
        f"{text!r} is not a {kind}: {why}. Write a number and a unit, "
        f"for example {_EXAMPLES[kind]}{_MU_NOTE if kind != 'duration' else ''}"
    )


def _split(text: str, kind: str) -> Tuple[Fraction, str]:
    """Split ``text`` into an exact number and its unit string."""
    if not isinstance(text, str):
        raise _fail(kind, str(text), "expected text")
    stripped = text.strip()
    if stripped.startswith("-"):
        raise _fail(kind, text, "negative amounts are not accepted")
    if re.match(r"^\s*[0-9]*,[0-9]", stripped):
        raise _fail(kind, text, "use a decimal point, not a comma")
    match = _QUANTITY.match(text)
    if match is None:
        if re.match(r"^\s*" + _NUMBER + r"\s*$", text):
            raise _fail(kind, text, "the unit is missing")
        raise _fail(kind, text, "cannot read it")
    try:
        number = Fraction(Decimal(match.group("num")))
    except InvalidOperation:  # pragma: no cover - the regex admits only decimals
        raise _fail(kind, text, "cannot read the number") from None
    return number, re.sub(r"\s+", "", match.group("unit"))


def _time_denominator(unit: str) -> Optional[int]:
    """'day' -> ms per day; '24h' -> 24 h in ms; unknown -> None."""
    match = re.match(r"^([0-9]*)([A-Za-z]+)$", unit)
    if match is None:
        return None
    count = int(match.group(1)) if match.group(1) else 1
    size = _TIME.get(match.group(2))
    if size is None or count == 0:
        return None
    return count * size


def _to_int(value: Fraction, text: str, kind: str, base: str, max_value: int,
            hint: str) -> int:
    if value.denominator != 1:
        raise UnitError(
            f"{text!r} is {_decimal_str(value)} {base}; {kind}s are programmed in whole "
            f"{base} ({hint}), so give a value that lands on a whole {base}"
        )
    result = value.numerator
    if result > max_value:
        raise UnitError(
            f"{text!r} is {result} {base}, more than the largest value this field holds "
            f"({max_value} {base}); for example {_EXAMPLES[kind].split(',')[0]} fits"
        )
    return result


def _decimal_str(value: Fraction) -> str:
    """Exact decimal text if the fraction has one, else a 6-digit approximation."""
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den == 1:
        digits = max(twos, fives)
        text = f"{Decimal(value.numerator) / Decimal(value.denominator):.{digits}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"about {float(value):.6g}"


def _parse(text: str, kind: str, numerators: Dict[str, int],
           denominators: Optional[Dict[str, int]], per_time: bool) -> Fraction:
    """Value of ``text`` in base numerator units per base denominator unit.

    ``per_time`` denominators are read as time and scaled to *per day*.
    """
    number, unit = _split(text, kind)
    if denominators is None and not per_time:
        if "/" in unit:
            raise _fail(kind, text, f"{unit!r} is a ratio, not a unit of {kind}")
        size = numerators.get(unit)
        if size is None:
            raise _fail(kind, text, f"{unit!r} is {_dimension_of(unit)}, not a unit of {kind}")
        return number * size
    if "/" not in unit:
        raise _fail(kind, text, f"{unit!r} lacks the '/' part of a {kind}")
    top, bottom = unit.split("/", 1)
    size = numerators.get(top)
    if size is None:
        raise _fail(kind, text, f"{top!r} is {_dimension_of(top)}, but a {kind} needs "
                    f"{'a volume' if numerators is _VOLUME else 'a mass'} unit before '/'")
    if per_time:
        per = _time_denominator(bottom)
        if per is None:
            raise _fail(kind, text, f"{bottom!r} is {_dimension_of(bottom)}, but a {kind} "
                        "needs a time unit after '/'")
        return number * size * Fraction(_MS_PER_DAY, per)
    assert denominators is not None
    per_size = denominators.get(bottom)
    if per_size is None:
        raise _fail(kind, text, f"{bottom!r} is {_dimension_of(bottom)}, but a {kind} "
                    "needs a volume unit after '/'")
    return number * Fraction(size, per_size)


def volume_nl(text: str, max_value: int = U32_MAX) -> int:
    """``'1.5mL'`` -> 1500000 (nL)."""
    value = _parse(text, "volume", _VOLUME, None, False)
    return _to_int(value, text, "volume", "nL", max_value, "1 mL = 1,000,000 nL")


def rate_nl_per_day(text: str, max_value: int = U32_MAX) -> int:
    """``'0.5mL/day'`` -> 500000 (nL/day); ``'20uL/h'`` -> 480000."""
    value = _parse(text, "rate", _VOLUME, None, True)
    return _to_int(value, text, "rate", "nL/day", max_value, "0.5 mL/day = 500,000 nL/day")


def mass_ng(text: str, max_value: int = U32_MAX) -> int:
    """``'0.6mg'`` -> 600000 (ng)."""
    value = _parse(text, "mass", _MASS, None, False)
    return _to_int(value, text, "mass", "ng", max_value, "1 µg = 1,000 ng")


def mass_ug(text: str, max_value: int = U32_MAX) -> int:
    """``'0.6mg'`` -> 600 (µg)."""
    value = _parse(text, "mass", _MASS, None, False) / 1000
    return _to_int(value, text, "mass", "µg", max_value, "1 mg = 1,000 µg")


def dose_ug_per_day(text: str, max_value: int = U32_MAX) -> int:
    """``'300ug/day'`` -> 300 (µg/day)."""
    value = _parse(text, "dose rate", _MASS, None, True) / 1000
    return _to_int(value, text, "dose rate", "µg/day", max_value, "1 mg/day = 1,000 µg/day")


def concentration_ug_per_ml(text: str, max_value: int = U32_MAX) -> int:
    """``'2mg/mL'`` -> 2000 (µg/mL)."""
    value = _parse(text, "concentration", _MASS, _VOLUME, False) * 1_000_000 / 1000
    return _to_int(value, text, "concentration", "µg/mL", max_value, "1 mg/mL = 1,000 µg/mL")


_DURATION_PART = re.compile(_NUMBER + r"\s*(?P<unit>[A-Za-zµμ]+)\s*")


def duration_ms(text: str, max_value: int = U64_MAX) -> int:
    """``'30d'`` -> 2592000000 (ms); ``'1h30min'``, ``'6d12h'``, ``'1.5y'`` too.

    A bare number is refused (say which unit). Parts are added exactly; they
    must come largest unit first, each unit once, so ``30min1h`` (likely a
    typing slip) is refused rather than guessed."""
    if isinstance(text, str):
        body = text.strip()
        parts = list(_DURATION_PART.finditer(body))
        if len(parts) > 1 and parts[0].start() == 0 and "".join(m.group(0) for m in parts) == body:
            total = Fraction(0)
            previous = None
            for m in parts:
                size = _DURATION.get(m.group("unit"))
                if size is None:
                    raise _fail("duration", text, f"{m.group('unit')!r} is "
                                f"{_dimension_of(m.group('unit'))}, not a unit of duration")
                if previous is not None and size >= previous:
                    raise _fail("duration", text, "write the parts largest unit first, each "
                                "unit once (1h30min, 6d12h)")
                previous = size
                total += Fraction(Decimal(m.group("num"))) * size
            return _to_int(total, text, "duration", "ms", max_value, "1 s = 1,000 ms")
        if parts and re.search(r"[A-Za-zµμ]\s*" + _NUMBER + r"\s*$", body):
            raise _fail("duration", text, "the unit is missing after the last number")
    value = _parse(text, "duration", _DURATION, None, False)
    return _to_int(value, text, "duration", "ms", max_value, "1 s = 1,000 ms")


# --- formatting: integers back to clinician text --------------------------------

def _format(value: int, size: int, unit: str) -> str:
    text = _decimal_str(Fraction(value, size))
    return f"{text}{unit}"


def format_volume(nl: int, unit: str = "mL") -> str:
    """1500000 -> ``'1.5mL'`` (exact; any of nL, uL, µL, mL)."""
    return _format(nl, _VOLUME[unit], unit)


def format_rate(nl_per_day: int, unit: str = "mL/day") -> str:
    """500000 -> ``'0.5mL/day'``; ``unit`` may be e.g. ``'uL/h'``."""
    top, bottom = unit.split("/")
    per = _time_denominator(bottom)
    if per is None:
        raise ValueError(f"not a time unit: {bottom!r}")
    value = Fraction(nl_per_day * per, _MS_PER_DAY * _VOLUME[top])
    text = _decimal_str(value)
    if text.startswith("about"):
        raise ValueError(f"{nl_per_day} nL/day has no exact decimal in {unit}")
    return f"{text}{unit}"


def format_mass(ng: int, unit: str = "ug") -> str:
    """600000 -> ``'600ug'`` (from ng)."""
    return _format(ng, _MASS[unit], unit)


def format_duration(ms: int, unit: Optional[str] = None) -> str:
    """2592000000 -> ``'30d'``; picks the largest unit that is exact if none given."""
    if unit is None:
        for candidate in ("d", "h", "min", "s", "ms"):
            if ms % _TIME[candidate] == 0:
                unit = candidate
                break
    assert unit is not None
    return _format(ms, _TIME[unit], unit)
