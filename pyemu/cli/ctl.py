"""``pyemu ctl``: one protocol request per command, in clinician units, for people and scripts.

Human output goes to stdout, refusals and errors to stderr. With ``--json``
stdout carries exactly one JSON object, also when the command fails (then
``"ok": false`` with the reason), so a script can always parse it; the exit
status tells success (0), a refusal by the device (1), a usage error (2) or
no answer / a broken line (3).
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
from fractions import Fraction
from typing import Any, Callable, Dict, Optional, Tuple

from pyemu import units
from pyemu.protocol import vocabulary as V
from pyemu.pump.records import PLANT_FAULTS, plant_fault_accepts, plant_fault_fields
from pyemu.cli.common import (CONCENTRATION, DURATION, EXIT_LINK, EXIT_OK, EXIT_REFUSED, EXIT_USAGE,
                       PUMP_TIME_MAX_MS, RATE, U64_MAX, VOLUME, add_line_options,
                       bounded_duration, line_options, unit_type, whole_number)

__all__ = ["register", "format_sim_time", "format_status"]

_DRUGS = V.choices(V.Drug)        # the vocabulary's spellings (protocol/vocabulary.json)
_FAULTS = V.choices(V.Fault)


def _fault_kind(text: str) -> str:
    """A fault as users spell it (motor_stall); an older spelling (motor-stall) works with a note."""
    try:
        fault, note = V.lookup(V.Fault, text)
    except ValueError:
        return text            # argparse's choices check names the valid ones
    if note:
        print(f"pyemu ctl fault: {note}", file=sys.stderr)
    return V.user_name(fault)


# -- argument types ------------------------------------------------------------------

def _max_dose(text: str) -> int:
    """``600ug`` or ``600ug/day`` (the limit is per rolling 24 h) -> µg."""
    if "/" in text:
        return units.dose_ug_per_day(text)
    return units.mass_ug(text)


MAX_DOSE = unit_type(_max_dose, "24-hour dose limit")


def _length_mm(text: str) -> int:
    """A catheter length: ``60cm`` or ``600mm`` -> mm (1..2000)."""
    t = text.strip().lower().replace(" ", "")
    for suffix, factor in (("mm", 1), ("cm", 10)):
        if t.endswith(suffix):
            try:
                mm = Fraction(t[:-len(suffix)]) * factor
            except (ValueError, ZeroDivisionError):
                break
            if mm.denominator == 1 and 1 <= mm <= 2000:
                return int(mm)
            raise argparse.ArgumentTypeError(f"{text!r}: a catheter length of 1 mm to 200 cm, in whole mm")
    raise argparse.ArgumentTypeError(f"{text!r}: write a length with its unit, e.g. 60cm or 600mm")


def _ul_per_cm(text: str) -> int:
    """Catheter volume per length: ``2.6`` (uL/cm, the unit may be written) -> nL/cm (1..10,000)."""
    t = text.strip().lower().replace(" ", "").replace("µ", "u")
    if t.endswith("ul/cm"):
        t = t[:-5]
    try:
        nl = Fraction(t) * 1000
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r}: write the catheter's uL per cm, e.g. 2.6") from None
    if nl.denominator != 1 or not 1 <= nl <= 10_000:
        raise argparse.ArgumentTypeError(f"{text!r}: 0.001 to 10 uL/cm, to the nL")
    return int(nl)
DOSE_MASS = unit_type(units.mass_ng, "dose")


def _step(text: str) -> Tuple[int, str, int]:
    """``08:00=0.5mL/day`` -> (480, 'rate', 500000); ``08:00=300ug/day`` -> (480, 'dose', 300)."""
    when, sep, value = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(
            f"{text!r}: write a step as HH:MM=RATE or HH:MM=DOSE, e.g. 08:00=0.5mL/day or 22:00=300ug/day"
        )
    if when.strip().startswith("-"):
        raise argparse.ArgumentTypeError(
            f"{text!r}: a negative start time is not accepted; write HH:MM between 00:00 and 23:59")
    hours, colon, minutes = when.strip().partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2
            and int(hours) < 24 and int(minutes) < 60):
        raise argparse.ArgumentTypeError(f"{text!r}: the start time must be HH:MM between 00:00 and 23:59")
    start = int(hours) * 60 + int(minutes)
    try:
        return start, "rate", units.rate_nl_per_day(value)
    except units.UnitError as rate_error:
        try:
            return start, "dose", units.dose_ug_per_day(value)
        except units.UnitError:
            raise argparse.ArgumentTypeError(
                f"{text!r}: the step value is neither a rate (0.5mL/day) nor a dose (300ug/day): {rate_error}"
            ) from None


STEP = _step

# The pump's clock counts ms since implant up to 2^48 - 1 (pump.h); said in days and years.
_MS_PER_DAY = 86_400_000
_TIME_LIMIT_TEXT = (f"the pump's clock ends at 2^48 - 1 ms since implant "
                    f"({PUMP_TIME_MAX_MS // _MS_PER_DAY:,} days, about "
                    f"{PUMP_TIME_MAX_MS // (_MS_PER_DAY * 36525 // 100):,} years)")
ADVANCE_DURATION = bounded_duration("duration", PUMP_TIME_MAX_MS,
                                    f"past the pump's time limit: {_TIME_LIMIT_TEXT}")


# -- output ----------------------------------------------------------------------------

def format_sim_time(ms: int) -> str:
    """Simulated time as ``12d 08:30:00`` (days since implant)."""
    seconds, milli = divmod(ms, 1000)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
    return text + (f".{milli:03d}" if milli else "")


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _volume(nl: int) -> str:
    """``20 mL`` or ``25 uL``, exact."""
    return f"{_number(nl / 1_000_000)} mL" if nl >= 1_000_000 else f"{_number(nl / 1000)} uL"


def _ml(nl: int) -> str:
    return f"{nl / 1_000_000:.3f} mL"


def format_status(status: Any) -> str:
    """A status as the lines a clinician reads."""
    s = status
    alarms = ", ".join(
        name + ("" if name not in s.to_json()["unacked_alarms"] else " (unacknowledged)")
        for name in s.alarm_names
    ) or "none"
    rate = f"{_number(s.rate_nl_day / 1_000_000)} mL/day"
    lines = [
        f"time        {format_sim_time(s.now_ms)} since implant",
        f"state       {s.state_name}" + (f", {s.bolus_name} bolus running ({s.bolus_remaining_nl / 1000:g} uL left)"
                                          if s.bolus_kind else ""),
        f"rate        {rate} ({s.rate_nl_day / 24_000:.3f} uL/h)",
        f"reservoir   {_ml(s.reservoir_nl)} of {s.to_json()['drug']}"
        + (f" at {s.conc_ug_ml} ug/mL" if s.conc_ug_ml else ""),
        f"pumped      {_ml(s.pumped_nl)} since implant",
        f"delivered   {s.delivered_pg / 1_000_000:.3f} ug at the catheter tip "
        f"({s.dose_24h_ug} ug in the last 24 h)",
        f"battery     {s.battery_permille / 10:.1f} %, "
        + (f"{s.days_to_eri} days to elective replacement" if s.days_to_eri else "ERI reached"),
        f"alarms      {alarms}",
    ]
    return "\n".join(lines)


class _Output:
    """Collects what a command says, in human and JSON form."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def done(self, command: str, human: str, data: Optional[Dict[str, Any]] = None,
             replayed: bool = False) -> int:
        if self.as_json:
            obj: Dict[str, Any] = {"ok": True, "command": command}
            if replayed:
                obj["replayed"] = True
            obj.update(data or {})
            print(json.dumps(obj))
        elif human:
            print(human)
        return EXIT_OK

    def failed(self, command: str, status: int, message: str, data: Optional[Dict[str, Any]] = None) -> int:
        print(f"pyemu ctl {command}: {message}", file=sys.stderr)
        if self.as_json:
            obj = {"ok": False, "command": command, "message": message}
            obj.update(data or {})
            print(json.dumps(obj))
        return status


# -- commands --------------------------------------------------------------------------

def _hello(client: Any, args: argparse.Namespace, out: _Output) -> int:
    info = client.hello()
    caps = ", ".join(info.capability_names) or "none"
    human = (f"{info.model} serial {info.serial}, firmware {info.firmware}, protocol "
             f"{info.protocol_version} ({'same' if info.schema_matches else 'DIFFERENT'} message table)\n"
             f"clock {info.clock_name}" + (f" x{info.clock_speed}" if info.clock_speed > 1 else "")
             + f", reservoir {info.reservoir_capacity_nl / 1_000_000:g} mL, test features: {caps}")
    return out.done("hello", human, info.to_json())


def _refill_date(days: int) -> Optional[str]:
    """The calendar date ``days`` from today (the programmer's calendar), None for never."""
    from pyemu.pump.records import NEVER_DAYS
    if days == NEVER_DAYS:
        return None
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def format_projection(ext: Any) -> str:
    """The refill projection, drug stability and implant lines of ``ctl status``."""
    from pyemu.pump.records import NEVER_DAYS
    if ext.days_to_low_reservoir == NEVER_DAYS:
        refill = "no projection (no prescription, or nothing is used)"
    else:
        refill = (f"{_refill_date(ext.days_to_low_reservoir)} (in {ext.days_to_low_reservoir} days at the "
                  f"current use; ")
        refill += ("never if every allowed patient bolus is taken)"
                   if ext.days_to_low_reservoir_max_use == NEVER_DAYS else
                   f"{ext.days_to_low_reservoir_max_use} days if every allowed patient bolus is taken)")
    lines = [f"refill by   {refill}"]
    if ext.days_to_drug_expiry != NEVER_DAYS:
        lines.append(f"drug        stable {ext.stability_days} days after the refill: "
                     + (f"{ext.days_to_drug_expiry} days left" if ext.days_to_drug_expiry else "EXPIRED"))
    lines.append(f"implant     {ext.dead_volume_nl / 1000:g} uL tubing + catheter; non-critical alarms "
                 f"re-sound {units.format_duration(ext.resound_ms)} after an acknowledgement")
    return "\n".join(lines)


def _status(client: Any, args: argparse.Namespace, out: _Output) -> int:
    status = client.status()
    ext = client.status_ext()
    data = status.to_json()
    data.update(ext.to_json())
    data["refill_date"] = _refill_date(ext.days_to_low_reservoir)
    data["refill_date_max_use"] = _refill_date(ext.days_to_low_reservoir_max_use)
    return out.done("status", format_status(status) + "\n" + format_projection(ext), data)


def _prescribe(client: Any, args: argparse.Namespace, out: _Output) -> int:
    from pyemu.pump.client import PatientBolus

    kinds = [x is not None for x in (args.rate, args.dose, args.step)]
    if sum(kinds) != 1:
        return out.failed("prescribe", EXIT_USAGE, "give one of --rate, --dose or --step (repeated)")
    steps = None
    steps_are_doses = False
    if args.step:
        ordered = sorted(args.step)
        if len({kind for _, kind, _ in ordered}) != 1:
            return out.failed("prescribe", EXIT_USAGE,
                              "all --step values must be rates (mL/day) or all doses (ug/day)")
        steps = [(start, value) for start, _, value in ordered]
        steps_are_doses = ordered[0][1] == "dose"
    pb = None
    if args.pb_volume is not None or args.pb_dose is not None:
        if args.pb_volume is not None and args.pb_dose is not None:
            return out.failed("prescribe", EXIT_USAGE, "give --pb-volume or --pb-dose, not both")
        volume = args.pb_volume
        if volume is None:
            volume = _dose_to_volume(args.pb_dose, args.concentration)
        pb = PatientBolus(volume_nl=volume, duration_ms=args.pb_duration,
                          lockout_ms=args.pb_lockout, max_per_24h=args.pb_max)
    client.prescribe(
        drug=args.drug, conc_ug_ml=args.concentration, max_dose_ug_24h=args.max_dose,
        rate_nl_day=args.rate, dose_ug_day=args.dose, steps=steps, steps_are_doses=steps_are_doses,
        low_reservoir_nl=args.low_reservoir, patient_bolus=pb, confirm_soft_limit=args.confirm_soft_limit,
    )
    human = "prescription accepted"
    if args.confirm_soft_limit:
        human += " (24-h dose limit above the drug library's soft limit: confirmed, logged)"
    return out.done("prescribe", human, {"confirmed_soft_limit": bool(args.confirm_soft_limit)},
                    client.last_replayed)


def _dose_to_volume(dose_ng: int, conc_ug_ml: int) -> int:
    """Volume holding ``dose_ng`` at ``conc_ug_ml``, rounded to the nearest nL."""
    if conc_ug_ml <= 0:
        raise ValueError("a dose needs a concentration above 0")
    # ng / (µg/mL) = ng * 1e6 nL / (1000 ng * conc) = dose_ng * 1000 / conc nL
    return round(Fraction(dose_ng * 1000, conc_ug_ml))


def _bolus(client: Any, args: argparse.Namespace, out: _Output) -> int:
    if (args.volume is None) == (args.dose is None):
        return out.failed("bolus", EXIT_USAGE, "give --volume or --dose")
    volume = args.volume
    note = ""
    if volume is None:
        conc = client.status().conc_ug_ml
        if conc == 0:
            return out.failed("bolus", EXIT_USAGE, "the reservoir has no drug concentration yet; give --volume")
        volume = _dose_to_volume(args.dose, conc)
        note = f" ({_number(args.dose / 1000)} ug at {conc} ug/mL)"
    client.clinician_bolus(volume, args.duration)
    human = f"clinician bolus of {_volume(volume)}{note} over " \
            f"{units.format_duration(args.duration)} started"
    return out.done("bolus", human, {"volume_nl": volume, "duration_ms": args.duration},
                    client.last_replayed)


def _prime(client: Any, args: argparse.Namespace, out: _Output) -> int:
    client.prime_bolus(args.volume, args.duration)
    what = "the configured dead volume" if args.volume == 0 else _volume(args.volume)
    return out.done("prime", f"prime bolus of {what} over {units.format_duration(args.duration)} started",
                    {"volume_nl": args.volume, "duration_ms": args.duration}, client.last_replayed)


def _simple(name: str, method: str, human: str) -> Callable[[Any, argparse.Namespace, _Output], int]:
    def run(client: Any, args: argparse.Namespace, out: _Output) -> int:
        getattr(client, method)()
        return out.done(name, human, {}, client.last_replayed)
    return run


_VERDICT_TEXT = {
    "within_tolerance": "within tolerance",
    "possible_over_infusion": "POSSIBLE OVER-INFUSION: less was withdrawn than the pump expected",
    "possible_under_infusion": "POSSIBLE UNDER-INFUSION or catheter occlusion: more was withdrawn than expected",
}


def format_reconciliation(rec: Any) -> str:
    """A refill's reconciliation as the lines a clinician reads."""
    signed = (rec.withdrawn_nl - rec.expected_nl) / 1000
    return (f"expected {_volume(rec.expected_nl)} in the reservoir, withdrawn {_volume(rec.withdrawn_nl)}: "
            f"{signed:+g} uL (tolerance {rec.tolerance_nl / 1000:g} uL for "
            f"{_volume(rec.delivered_nl)} delivered since the last refill)\n"
            f"verdict: {_VERDICT_TEXT.get(rec.verdict_name, rec.verdict_name)}")


def _refill(client: Any, args: argparse.Namespace, out: _Output) -> int:
    if args.withdrawn is None:
        print("pyemu ctl refill: warning: no --withdrawn volume, so the pump cannot reconcile this refill; "
              "measure what you draw out of the reservoir and give it (e.g. --withdrawn 2.9mL)", file=sys.stderr)
    rec = client.refill(args.volume, args.drug, args.concentration, withdrawn_nl=args.withdrawn)
    human = (f"refilled with {_volume(args.volume)} of {args.drug} at "
             f"{args.concentration} ug/mL")
    data: Dict[str, Any] = {}
    if rec is not None:
        human += "\n" + format_reconciliation(rec)
        data = rec.to_json()
    return out.done("refill", human, data, client.last_replayed)


def _configure(client: Any, args: argparse.Namespace, out: _Output) -> int:
    if (args.dead_volume is None) == (args.catheter_length is None):
        return out.failed("configure", EXIT_USAGE,
                          "give --dead-volume, or --catheter-length with --catheter-ul-per-cm")
    if args.catheter_length is not None:
        if args.catheter_ul_per_cm is None:
            return out.failed("configure", EXIT_USAGE, "--catheter-length needs --catheter-ul-per-cm (e.g. 2.6)")
        client.configure_implant(catheter_length_mm=args.catheter_length,
                                 catheter_nl_per_cm=args.catheter_ul_per_cm, tubing_nl=args.tubing)
    else:
        if args.catheter_ul_per_cm is not None or args.tubing:
            return out.failed("configure", EXIT_USAGE, "--dead-volume is the whole volume: no catheter options")
        client.configure_implant(dead_volume_nl=args.dead_volume)
    dead = client.status_ext().dead_volume_nl
    return out.done("configure", f"implant configured: {dead / 1000:g} uL of tubing + catheter",
                    {"dead_volume_ul": dead / 1000, "dead_volume_nl": dead}, client.last_replayed)


def _ack(client: Any, args: argparse.Namespace, out: _Output) -> int:
    from pyemu.pump.client import alarm_bits, alarm_names

    try:
        bits = alarm_bits(args.alarm or ["all"])
    except ValueError as exc:
        return out.failed("ack", EXIT_USAGE, str(exc))
    if not args.alarm:
        bits = client.status().unacked_alarms
        if not bits:
            return out.done("ack", "no unacknowledged alarms", {"acked": []})
    client.ack_alarm(bits)
    names = alarm_names(bits)
    return out.done("ack", f"acknowledged: {', '.join(names)}", {"acked": names}, client.last_replayed)


def _events(client: Any, args: argparse.Namespace, out: _Output) -> int:
    start = args.from_seq
    if args.last is not None:
        newest = client.status().last_event_seq
        start = max(1, newest - args.last + 1)
    events = list(client.read_events(start))
    if out.as_json:
        return out.done("events", "", {"events": [e.to_json() for e in events]})
    lines = [f"#{e.seq:<5} {format_sim_time(e.time_ms):>16}  {e.describe()}" for e in events]
    if events and events[0].seq > start:
        lines.insert(0, f"(events {start}..{events[0].seq - 1} were overwritten in the pump's log)")
    return out.done("events", "\n".join(lines) or "no events")


def _alarms(client: Any, args: argparse.Namespace, out: _Output) -> int:
    if args.resound is not None:
        client.set_alarm_resound(args.resound)
    status = client.status()
    data = status.to_json()
    active = data["alarms"]
    unacked = data["unacked_alarms"]
    human = "\n".join(f"{name}  ({'unacknowledged' if name in unacked else 'acknowledged, cause still present'})"
                      for name in active) or "no active alarms"
    data: Dict[str, Any] = {"alarms": active, "unacked_alarms": unacked}
    if args.resound is not None:
        human += f"\nnon-critical alarms re-sound {units.format_duration(args.resound)} after an acknowledgement"
        data["resound_ms"] = args.resound
    return out.done("alarms", human, data)


def _advance(client: Any, args: argparse.Namespace, out: _Output) -> int:
    from pyemu.pump.client import DeviceRefused

    try:
        status = client.advance(args.duration)
    except DeviceRefused as exc:
        if exc.code != V.Reason.TIME:
            raise
        # ADVANCE never moves time backwards: E_TIME here means past the limit.
        now = client.status().now_ms
        left = PUMP_TIME_MAX_MS - now
        message = (f"refused by the pump: {exc.reason} — {_TIME_LIMIT_TEXT}; it is at "
                   f"{format_sim_time(now)}, so at most {left // _MS_PER_DAY:,} days "
                   f"({left} ms) more can pass")
        return out.failed("advance", EXIT_REFUSED, message,
                          {"error": "refused", "reason": exc.reason, "code": exc.code,
                           "text": message, "limit_ms": PUMP_TIME_MAX_MS, "left_ms": left})
    return out.done("advance", format_status(status), status.to_json(), client.last_replayed)


def _percent(text: str) -> Fraction:
    """``+20``, ``-5.5`` or ``20%`` -> Fraction of a percent (exact)."""
    body = text.strip().rstrip("%").strip()
    try:
        return Fraction(body)
    except (ValueError, ZeroDivisionError):
        raise argparse.ArgumentTypeError(f"{text!r}: write a percentage, e.g. +20, -5 or 50%") from None


def _plant_fields(args: argparse.Namespace) -> Dict[str, int]:
    """PLANT_FAULT's fields from the fault options (ValueError: a usage error)."""
    options = {name: getattr(args, name) for name in ("percent", "drift_to", "over", "stall_after", "duration",
                                                      "recovery", "delay")}
    if args.clear:
        given = sorted("--" + k.replace("_", "-") for k, v in options.items() if v is not None)
        if given:
            raise ValueError(f"{', '.join(given)} do(es) not apply to clearing {args.kind}")
        return {}
    return plant_fault_fields(args.kind, spell=_spell, **options)


def _spell(name: str) -> str:
    """A plant fault's option as the command line spells it: drift_to -> --drift-to."""
    return "--" + name.replace("_", "-")


def _fault(client: Any, args: argparse.Namespace, out: _Output) -> int:
    if args.kind == "clear":                  # `fault clear KIND` = `fault KIND --clear`
        if args.target is None:
            raise ValueError("which fault? e.g. `pyemu ctl fault clear occlusion`")
        args.kind = _fault_kind(args.target)
        if args.kind not in _FAULTS:
            raise ValueError(f"{args.target!r}: not a fault ({', '.join(_FAULTS)})")
        args.clear = True
    elif args.target is not None:
        raise ValueError(f"unexpected {args.target!r} after the fault kind")
    verb = "cleared" if args.clear else "injected"
    if args.kind in PLANT_FAULTS:
        from pyemu.pump.client import DeviceRefused

        fields = _plant_fields(args)
        try:
            client.plant_fault(args.kind, clear=args.clear, **fields)
        except DeviceRefused as exc:
            if exc.code != V.Reason.BAD_FIELD:
                raise
            # bad_field names no option: say what the pump takes for this fault.
            accepts = plant_fault_accepts(args.kind, _spell, clear="`pyemu ctl fault clear mri`")
            message = f"refused by the pump: {exc.reason} — {args.kind} takes {accepts}"
            return out.failed("fault", EXIT_REFUSED, message,
                              {"error": "refused", "reason": exc.reason, "code": exc.code, "text": exc.text,
                               "accepts": accepts})
        return out.done("fault", f"fault {args.kind} {verb}",
                        {"fault": args.kind, "cleared": args.clear, **fields}, client.last_replayed)
    client.inject_fault(args.kind, clear=args.clear)
    return out.done("fault", f"fault {args.kind} {verb}", {"fault": args.kind, "cleared": args.clear},
                    client.last_replayed)


def _truth(client: Any, args: argparse.Namespace, out: _Output) -> int:
    t = client.truth()
    human = (f"reservoir {t.reservoir_nl / 1000:,.1f} uL (real), intrathecal {t.intrathecal_pg / 1e6:,.3f} ug, "
             f"tissue {t.tissue_pg / 1e6:,.3f} ug, held {t.held_pg / 1e6:,.3f} ug\n"
             f"catheter {t.catheter_name}, flow error {(t.factor_ppm - 1_000_000) / 10_000:+g} %, "
             f"faults: {', '.join(t.fault_names) or 'none'}")
    return out.done("truth", human, t.to_json())


def _clock(client: Any, args: argparse.Namespace, out: _Output) -> int:
    client.set_clock(args.unix_ms)
    return out.done("clock", "wall clock set", {}, client.last_replayed)


# -- parser ------------------------------------------------------------------------------

def register(subparsers: Any) -> None:
    """Add ``pyemu ctl`` and its commands."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print exactly one JSON object on stdout")
    ctl = subparsers.add_parser(
        "ctl", help="send one command to a pump (emulator or board)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Send one command to a pump and print its answer. Units are written the "
                    "way clinicians write them: 0.5mL/day, 300ug/day, 2mg/mL, 30d (u, µ and "
                    "mcg all mean micro).",
        epilog="""\
examples:
  pyemu ctl --port /dev/pts/5 status
  pyemu ctl --port /dev/pts/5 refill --volume 20mL --drug baclofen --concentration 2mg/mL
  pyemu ctl --port /dev/pts/5 prescribe --drug baclofen --concentration 2mg/mL \\
        --rate 0.5mL/day --max-dose 1500ug --pb-volume 25uL --pb-lockout 4h --pb-max 4
  pyemu ctl --port /dev/pts/5 refill --volume 20mL --drug baclofen --concentration 2mg/mL \\
        --withdrawn 2.9mL
  pyemu ctl --port /dev/pts/5 configure --catheter-length 60cm --catheter-ul-per-cm 2.6 --tubing 100uL
  pyemu ctl --port /dev/pts/5 alarms --resound 12h
  pyemu ctl --port /dev/pts/5 --json advance 30d
  PYEMU_PORT=socket://127.0.0.1:5555 pyemu ctl events --last 20

exit status: 0 done, 1 refused by the device (its reason is printed) or not
executed (a sequence-number collision the retries with new numbers did not
get past), 2 usage error, 3 no answer or the line failed.""",
    )
    ctl.add_argument("--port", default=os.environ.get("PYEMU_PORT"), metavar="URL",
                     help="what 'pyemu serve' printed (/dev/pts/N, socket://HOST:PORT) or a "
                          "serial device (default: $PYEMU_PORT)")
    ctl.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    ctl.add_argument("--timeout", type=DURATION, default=units.duration_ms("1s"), metavar="DURATION",
                     help="wait this long for each reply (default: 1s)")
    ctl.add_argument("--retries", type=whole_number("retry count", 0), default=3, metavar="N",
                     help="send an unanswered request again N times, with the same sequence "
                          "number so it takes effect once (default: %(default)s)")
    ctl.add_argument("--key", metavar="KEYFILE", default=os.environ.get("PYEMU_KEY"),
                     help="key file (from 'pyemu keys create') for a pump with keys: opens an "
                          "authenticated session (default: $PYEMU_KEY)")
    ctl.add_argument("--role", choices=("clinician", "patient"), default=None,
                     help="the session's role (default: clinician if the key file has that key)")
    add_line_options(ctl)
    sub = ctl.add_subparsers(dest="ctl_command", metavar="COMMAND", required=True)

    def add(name: str, func: Callable[..., int], help_text: str, description: str = "") -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=description or help_text, parents=[common])
        p.set_defaults(ctl_func=func)
        return p

    add("hello", _hello, "who the pump is: model, serial number, firmware, protocol")
    add("status", _status, "time, state, rate, reservoir, volumes, battery, alarms")

    p = add("prescribe", _prescribe, "program the therapy",
            "Program the therapy: drug and concentration (must match the reservoir), a rate, a dose "
            "or a daily schedule, the 24-hour dose limit, and optional patient boluses.")
    p.add_argument("--drug", required=True, choices=_DRUGS)
    p.add_argument("--concentration", required=True, type=CONCENTRATION, metavar="CONC",
                   help="e.g. 2mg/mL or 2000ug/mL")
    p.add_argument("--rate", type=RATE, help="continuous rate, e.g. 0.5mL/day or 20uL/h")
    p.add_argument("--dose", type=unit_type(units.dose_ug_per_day, "dose rate"),
                   help="continuous dose, e.g. 300ug/day (the pump converts it to a rate)")
    p.add_argument("--step", type=STEP, action="append", metavar="HH:MM=VALUE",
                   help="one step of a daily schedule (repeat, up to 24), e.g. --step 00:00=0.4mL/day "
                        "--step 08:00=0.6mL/day; all rates or all doses")
    p.add_argument("--max-dose", required=True, type=MAX_DOSE, metavar="MASS",
                   help="limit per rolling 24 h on basal + boluses, e.g. 1500ug or 1.5mg")
    p.add_argument("--low-reservoir", type=VOLUME, default=units.volume_nl("2mL"), metavar="VOLUME",
                   help="low-reservoir alarm threshold (default: 2mL)")
    p.add_argument("--pb-volume", type=VOLUME, metavar="VOLUME", help="patient bolus volume, e.g. 25uL")
    p.add_argument("--pb-dose", type=DOSE_MASS, metavar="MASS",
                   help="patient bolus as a dose, e.g. 50ug (volume from --concentration)")
    p.add_argument("--pb-duration", type=DURATION, default=units.duration_ms("10min"), metavar="DURATION",
                   help="patient bolus duration (default: 10min)")
    p.add_argument("--pb-lockout", type=DURATION, default=units.duration_ms("4h"), metavar="DURATION",
                   help="lockout after each granted patient bolus (default: 4h)")
    p.add_argument("--pb-max", type=whole_number("count", 0, 255), default=4, metavar="N",
                   help="patient boluses allowed per 24 h (default: %(default)s)")
    p.add_argument("--confirm-soft-limit", action="store_true",
                   help="confirm a 24-hour dose limit above the drug library's soft limit (logged); "
                        "hard limits are refused whatever you confirm")

    p = add("bolus", _bolus, "start a clinician bolus on top of the basal rate")
    p.add_argument("--volume", type=VOLUME, help="e.g. 0.1mL or 100uL")
    p.add_argument("--dose", type=DOSE_MASS, metavar="MASS",
                   help="e.g. 50ug (volume from the reservoir's concentration)")
    p.add_argument("--duration", type=DURATION, required=True, help="e.g. 30min")

    p = add("prime", _prime, "prime (after implant) or bridge (after a concentration change) bolus")
    p.add_argument("--volume", type=VOLUME, default=0,
                   help="volume to push (default: the pump's configured tubing + catheter volume)")
    p.add_argument("--duration", type=DURATION, default=units.duration_ms("1h"), help="default: 1h")

    add("patient-bolus", _simple("patient-bolus", "patient_bolus", "patient bolus granted"),
        "ask for the prescribed patient bolus, as the patient's hand-held controller does")
    add("cancel-bolus", _simple("cancel-bolus", "cancel_bolus", "bolus cancelled"), "stop the running bolus")
    add("suspend", _simple("suspend", "suspend", "delivery suspended"), "stop all delivery until resume")
    add("resume", _simple("resume", "resume", "delivery resumed"), "resume delivery after suspend")

    p = add("refill", _refill, "empty the reservoir and fill it with new drug")
    p.add_argument("--volume", type=VOLUME, required=True, help="e.g. 20mL")
    p.add_argument("--drug", required=True, choices=_DRUGS)
    p.add_argument("--concentration", type=CONCENTRATION, required=True, metavar="CONC", help="e.g. 2mg/mL")
    p.add_argument("--withdrawn", type=VOLUME, metavar="VOLUME",
                   help="volume drawn out of the reservoir before filling, e.g. 2.9mL: the pump "
                        "compares it with what it expected (within tolerance, possible over- or "
                        "under-infusion); a warning is printed without it")

    p = add("configure", _configure, "program the implant: pump tubing + catheter volume",
            "Program the implant's dead volume (pump tubing + catheter), which prime and bridge "
            "boluses push: directly, or from the catheter length left after trimming. Refused while "
            "a prescription runs: suspend first.")
    p.add_argument("--dead-volume", type=VOLUME, metavar="VOLUME", help="the whole volume, e.g. 200uL")
    p.add_argument("--catheter-length", type=_length_mm, metavar="LENGTH", help="e.g. 60cm")
    p.add_argument("--catheter-ul-per-cm", type=_ul_per_cm, metavar="UL",
                   help="the catheter model's volume per cm, e.g. 2.6")
    p.add_argument("--tubing", type=VOLUME, default=0, metavar="VOLUME",
                   help="pump tubing volume added to the catheter's, e.g. 100uL (default: 0)")

    p = add("ack", _ack, "acknowledge alarms: silences the tone; the alarm stays active until its "
                         "cause clears, and a non-critical one re-sounds after the re-sound interval "
                         "(default 24 h) while its cause lasts")
    p.add_argument("alarm", nargs="*",
                   help=", ".join(V.choices(V.Alarm)) + " or all (default: every unacknowledged alarm)")

    p = add("events", _events, "read the pump's event log")
    p.add_argument("--from", dest="from_seq", type=whole_number("event number", 0, 2**32 - 1),
                   default=1, metavar="SEQ", help="first event number (default: 1)")
    p.add_argument("--last", type=whole_number("count of events", 1, 2**32 - 1), metavar="N",
                   help="only the last N events (N >= 1)")

    p = add("alarms", _alarms, "active alarms, acknowledged or not; set the re-sound interval",
            "Active alarms and which are still unacknowledged. Acknowledging silences the tone only: "
            "an alarm stays active until its cause clears, and a non-critical one (low_reservoir, "
            "eri, drug_expired) re-sounds after the re-sound interval (default 24 h) while its "
            "cause lasts; a critical one stays silent until its cause clears.")
    p.add_argument("--resound", type=DURATION, metavar="DURATION",
                   help="set the re-sound interval of acknowledged non-critical alarms, 1min..7d (e.g. 12h)")

    p = add("advance", _advance, "move a manual-clock pump's time forward (test clock only)")
    p.add_argument("duration", type=ADVANCE_DURATION,
                   help="e.g. 30d, 12h, 90s (the clock ends after 3,257,812 days)")

    p = add("fault", _fault, "inject or clear a simulated fault (pumps serving --test-features)")
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = """\
examples (docs/plant.md; `pyemu ctl truth` shows what really happens):
  pyemu ctl fault flow_error --percent +20            # 20 % more than the firmware counts
  pyemu ctl fault flow_error --percent 0.5 --drift-to +10 --over 30d
  pyemu ctl fault occlusion --stall-after 100        # without --stall-after: loss of effect only
  pyemu ctl fault leak --percent 50
  pyemu ctl fault disconnect
  pyemu ctl fault pocket_fill                        # the next refill goes into the pocket
  pyemu ctl fault mri --duration 45min --recovery interrogation
  pyemu ctl fault mri --duration 45min --recovery delay --delay 2h
  pyemu ctl fault motor_stall
  pyemu ctl fault clear occlusion                    # or: fault occlusion --clear"""
    p.add_argument("kind", type=_fault_kind, choices=_FAULTS + ("clear",),
                   help="motor_stall or memory (the firmware's hardware); flow_error, occlusion, leak, "
                        "disconnect, pocket_fill or mri (the physical plant); `clear KIND` clears one "
                        "(motor-stall: deprecated spelling)")
    p.add_argument("target", nargs="?", default=None, help=argparse.SUPPRESS)
    p.add_argument("--clear", action="store_true", help="clear the fault instead")
    p.add_argument("--percent", type=_percent, default=None,
                   help="flow_error: flow error in %% (+20 = 20 %% more than commanded); leak: %% lost")
    p.add_argument("--drift-to", type=_percent, default=None, metavar="PERCENT",
                   help="flow_error: drift linearly (per day) to this error ...")
    p.add_argument("--over", type=DURATION, default=None, metavar="DURATION",
                   help="... over this time (1 day..49 days)")
    p.add_argument("--stall-after", type=whole_number("stroke count", 0, 10_000), default=None, metavar="N",
                   help="occlusion: the motor stalls after N strokes against it (default: never)")
    p.add_argument("--duration", type=DURATION, default=None,
                   help="mri: the scan's duration (1min..24h), e.g. 45min")
    p.add_argument("--recovery", choices=V.choices(V.MriRecovery, skip=()), default=None,
                   help="mri: when the motor runs again (default: interrogation, the next HELLO/STATUS)")
    p.add_argument("--delay", type=DURATION, default=None,
                   help="mri --recovery delay: how long after the scan, e.g. 2h")

    add("truth", _truth, "the physical plant: real reservoir, drug at the tip and in the tissue "
                         "(pumps serving --test-features)")

    p = add("clock", _clock, "tell the pump the wall-clock time (for its display and logs)")
    p.add_argument("--unix-ms", type=whole_number("time in ms since 1970", 0, U64_MAX), default=None,
                   help="default: this computer's time")

    ctl.set_defaults(func=run)


def _session_key(args: argparse.Namespace) -> Tuple[Optional[bytes], str]:
    """(key, role) from --key/--role; (None, "clinician") without a key file."""
    from pyemu.link.auth import load_key_file

    if not args.key:
        if args.role:
            raise ValueError("--role needs --key KEYFILE")
        return None, "clinician"
    keys = load_key_file(args.key)           # KeyFileError is a ValueError
    role = args.role or ("clinician" if "clinician" in keys else "patient")
    if role not in keys:
        raise ValueError(f"{args.key} holds no {role} key (it has: {', '.join(sorted(keys))})")
    return keys[role], role


def run(args: argparse.Namespace) -> int:
    """Handler of ``pyemu ctl``."""
    from pyemu.pump.client import (AuthenticationError, Client, ClientError, DeviceRefused, LinkError, NoReply,
                              NotExecuted)

    out = _Output(bool(args.json))
    command = args.ctl_command
    if not args.port:
        return out.failed(command, EXIT_USAGE,
                          "which pump? give --port (what 'pyemu serve' printed, e.g. /dev/pts/5) "
                          "or set PYEMU_PORT")
    try:
        key, role = _session_key(args)      # a bad key file is a usage error (ValueError)
        try:
            client = Client.connect(args.port, timeout=args.timeout / 1000, retries=max(0, args.retries),
                                    key=key, role=role, **line_options(args))
        except LinkError as exc:
            return out.failed(command, EXIT_LINK, f"{exc} — is `pyemu serve` running? It prints the port to use.",
                              {"error": "link"})
        with client:
            return int(args.ctl_func(client, args, out))
    except AuthenticationError as exc:
        return out.failed(command, EXIT_REFUSED, str(exc), {"error": "auth"})
    except DeviceRefused as exc:
        return out.failed(command, EXIT_REFUSED, f"refused by the pump: {exc.reason} — {exc.text}",
                          {"error": "refused", "reason": exc.reason, "code": exc.code, "text": exc.text})
    except NotExecuted as exc:
        # A seq collision the client could not get past: nothing was done.
        return out.failed(command, EXIT_REFUSED, str(exc), {"error": "not_executed"})
    except NoReply as exc:
        return out.failed(command, EXIT_LINK, str(exc), {"error": "no_reply"})
    except LinkError as exc:
        return out.failed(command, EXIT_LINK, str(exc), {"error": "link"})
    except ClientError as exc:
        return out.failed(command, EXIT_LINK, str(exc), {"error": "protocol"})
    except ValueError as exc:
        return out.failed(command, EXIT_USAGE, str(exc), {"error": "usage"})
