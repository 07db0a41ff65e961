"""``pyemu fleet``: the virtual-patient Monte Carlo (:mod:`pyemu.therapy.fleet`) as a command."""
from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any, Optional

from pyemu import units
from pyemu.therapy.fleet import Progress, run_fleet
from pyemu.therapy.fleet_plan import MS_PER_DAY
from pyemu.therapy.fleet_plant import DEFAULT_RATES, Rate, parse_rate
from pyemu.therapy.plotting import PlotUnavailable, require_matplotlib

# -- the command ---------------------------------------------------------------------

def _span_days(text: str) -> int:
    """Whole days: ``365``, ``365d``, ``52w``, ``2y`` (a year is 365 days here)."""

    t = text.strip()
    if t.isdigit():
        t += "d"
    try:
        if t.endswith("y") and t[:-1].strip().isdigit():
            days = int(t[:-1]) * 365
        else:
            ms = units.duration_ms(t)
            if ms % MS_PER_DAY:
                raise argparse.ArgumentTypeError(f"{text!r}: the span is whole days, e.g. 365d, 52w or 2y")
            days = ms // MS_PER_DAY
    except units.UnitError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if days < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the span must be at least one day")
    return days


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    """Add ``pyemu fleet``."""
    p = subparsers.add_parser(
        "fleet", help="simulate a population of virtual patients and report risk figures",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""\
Simulate N virtual patients, each an emulated pump with a random but clinically
plausible prescription (drug, concentration, daily schedule, patient-bolus
settings, refill habits including late refills) and random patient-bolus
requests, and report population figures: alarms per patient-year by kind,
refused patient boluses by reason, dose-limit hits, days spent empty, and
the battery's years to ERI, with a plot.

The same --seed gives the same report on one worker or many, locally or on
a Dask cluster.""",
        epilog="""\
examples:
  pyemu fleet                                   200 patients x 1 year on every CPU
  pyemu fleet -n 2000 --span 3y --seed 7 --plot fleet.png --json fleet.json
  pyemu fleet -n 10000 --scheduler tcp://scheduler-host:8786   on a Dask cluster
  pyemu fleet --plant                           the plant's faults: which check catches what, when
  pyemu fleet --plant -n 200000 --rate pocket_fill=1e-4/refill --rate occlusion=0.02/patient-year

On a Dask cluster every worker needs the same pyemu installed (it imports
pyemu.therapy.fleet or fleet_plant and runs the C core); `pip install 'pyemu[fleet]'` adds Dask here.
""")
    p.add_argument("-n", "--patients", type=int, default=None, metavar="N",
                   help="number of virtual patients (default: 200; with --plant 2000)")
    p.add_argument("--span", type=_span_days, default=365, metavar="DURATION",
                   help="therapy simulated per patient, whole days: 365d, 52w, 2y... "
                        "(default: 365d)")
    p.add_argument("--seed", type=int, default=1, help="population seed (default: %(default)s)")
    p.add_argument("-j", "--workers", type=int, default=None, metavar="N",
                   help="local worker processes (default: one per CPU)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on a Dask distributed cluster, e.g. tcp://host:8786")
    p.add_argument("--plot", metavar="PNG", default=None,
                   help="write the population plot here (default: fleet.png; with --plant "
                        "fleet-plant.png; '' for none)")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON (with per-patient rows)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--plant", action="store_true",
                   help="the physical plant's faults instead (docs/plant.md): morphine patients through the C "
                        "batch with the plant in the loop, faults drawn at --rate; prints how often each "
                        "clinical check caught each fault and after how many days")
    defaults = " ".join(str(Rate(f, v)) for f, v in DEFAULT_RATES.items())
    p.add_argument("--rate", action="append", metavar="FAULT=RATE/UNIT", default=None,
                   help="with --plant: a fault's rate, per patient-year (flow_error, occlusion, mri: an "
                        "exponential onset) or per refill (pocket_fill: a chance at every refill), e.g. "
                        "--rate pocket_fill=1e-4/refill --rate occlusion=0.02/patient-year; repeat for "
                        "several; only the faults given are drawn. Default (illustrative, to fill every "
                        f"row of a default run): {defaults}")
    p.set_defaults(func=main)


def _unwritable(path: str) -> Optional[str]:
    """Why the report could not be written to path after the run, or None."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        return "is a folder; give a file name"
    if not os.path.isdir(folder):
        return f"the folder {folder} does not exist; create it or write elsewhere"
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        return "cannot be written here (permission denied); write elsewhere"
    return None


def _progress_printer(stream: Any) -> Progress:
    t0 = time.perf_counter()
    last = [0.0]
    tty = hasattr(stream, "isatty") and stream.isatty()

    def show(done: int, total: int) -> None:
        now = time.perf_counter()
        if done < total and now - last[0] < (0.2 if tty else 5.0):
            return
        last[0] = now
        rate = done / (now - t0) if now > t0 else 0.0
        eta = (total - done) / rate if rate else 0.0
        text = (f"fleet: {done}/{total} patients ({done / total:.0%}), {rate:.1f} patients/s, "
                f"~{eta:.0f} s left")
        stream.write(("\r" + text + ("\n" if done == total else "")) if tty else text + "\n")
        stream.flush()

    return show


def main(args: argparse.Namespace) -> int:
    """Run ``pyemu fleet`` from parsed arguments; returns the exit status."""
    if args.patients is None:
        args.patients = 2000 if args.plant else 200
    if args.plot is None:
        args.plot = "fleet-plant.png" if args.plant else "fleet.png"
    if args.rate and not args.plant:
        print("pyemu fleet: --rate is for the plant's faults: add --plant", file=sys.stderr)
        return 2
    if args.patients < 1:
        print("pyemu fleet: --patients must be at least 1", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("pyemu fleet: --workers must be at least 1", file=sys.stderr)
        return 2
    for option, path in (("--plot", args.plot), ("--json", args.json)):
        problem = _unwritable(path) if path else None
        if problem:              # before the run, not after it
            print(f"pyemu fleet: {option} {path}: {problem}", file=sys.stderr)
            return 2
    if args.plot:
        try:
            require_matplotlib()   # before the run, not after it
        except PlotUnavailable as exc:
            print(f"pyemu fleet: {exc} (or --plot '' for no plot)", file=sys.stderr)
            return 2
    if args.plant:
        return _plant(args)
    progress = None if args.quiet else _progress_printer(sys.stderr)
    try:
        report = run_fleet(args.patients, args.span, args.seed, workers=args.workers,
                           scheduler=args.scheduler, progress=progress)
    except (RuntimeError, OSError) as exc:
        print(f"pyemu fleet: {exc}", file=sys.stderr)
        return 3
    return _show(report, args)


def _plant(args: argparse.Namespace) -> int:
    """``pyemu fleet --plant``: the detection table (pyemu.therapy.fleet_plant)."""
    from pyemu.therapy.fleet_plant import run_plant_fleet

    rates = dict(DEFAULT_RATES)
    if args.rate:
        rates = {}
        for text in args.rate:
            try:
                rate, note = parse_rate(text)
            except ValueError as exc:
                print(f"pyemu fleet: --rate {exc}", file=sys.stderr)
                return 2
            if note:
                print(f"pyemu fleet: note: {note}", file=sys.stderr)
            if rate.fault in rates:
                print(f"pyemu fleet: --rate {text!r}: {rate.fault} is given twice "
                      f"(already {Rate(rate.fault, rates[rate.fault])}); give each fault once", file=sys.stderr)
                return 2
            rates[rate.fault] = rate.value
    progress = None if args.quiet else _progress_printer(sys.stderr)
    try:
        report = run_plant_fleet(args.patients, seed=args.seed, span_days=args.span, rates=rates,
                                 workers=args.workers, scheduler=args.scheduler, progress=progress)
    except ValueError as exc:
        print(f"pyemu fleet: {exc}", file=sys.stderr)
        return 2
    except (RuntimeError, OSError) as exc:
        print(f"pyemu fleet: {exc}", file=sys.stderr)
        return 3
    return _show(report, args)


def _show(report: Any, args: argparse.Namespace) -> int:
    """Print a fleet report (either kind) and write its plot and JSON where asked."""
    print(report.format_text())
    if args.plot:
        print(f"plot: {report.plot(args.plot)}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            f.write(report.to_json(with_patients=True) + "\n")
        print(f"json: {args.json}")
    return 0
