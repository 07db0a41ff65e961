"""``pyemu report``: plot a therapy timeline (scenario or recording) and the trumpet curve."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pyemu import units
from pyemu.therapy.plotting import PlotUnavailable, require_matplotlib
from pyemu.therapy.report import FORMATS, save_figure, timeline_figure, trumpet_figure, trumpet_table
from pyemu.therapy.timeline import load_timeline
from pyemu.therapy.trumpet import trumpet_at_rate

def register(subparsers) -> None:
    """Add `pyemu report` to the CLI."""
    p = subparsers.add_parser(
        "report", help="plot a therapy timeline or the trumpet curve (PNG and SVG)",
        description="Plot a therapy timeline from a scenario file or a recording, "
                    "and/or the IEC 60601-2-24 trumpet curve from the dosing core's "
                    "stroke record.")
    p.add_argument("source", nargs="?",
                   help="scenario (.toml, or the name of a shipped one) or recording (.jsonl)")
    p.add_argument("--trumpet", action="store_true", help="also plot the trumpet curve")
    p.add_argument("--rates", default="0.5mL/day,24mL/day",
                   help="set rates for the trumpet curve (default: %(default)s)")
    p.add_argument("--out", default="pyemu-report", help="output folder (default: %(default)s)")
    p.add_argument("--format", action="append", choices=FORMATS,
                   help="image format (repeatable; default: png and svg)")
    p.set_defaults(func=_cmd_report)


def _cmd_report(args: argparse.Namespace) -> int:
    out = Path(args.out)
    formats = tuple(args.format or FORMATS)
    if not args.source and not args.trumpet:
        print("pyemu report: give a scenario or recording, and/or --trumpet", file=sys.stderr)
        return 2
    try:
        require_matplotlib()   # before any scenario is played
    except PlotUnavailable as exc:
        print(f"pyemu report: {exc}", file=sys.stderr)
        return 2
    if args.source:
        try:
            tl = load_timeline(args.source)
        except (OSError, ValueError) as exc:
            print(f"pyemu report: {exc}", file=sys.stderr)
            return 2
        for path in save_figure(timeline_figure(tl), out / "timeline", formats):
            print(f"wrote {path}")
    if args.trumpet:
        try:
            rates = [units.rate_nl_per_day(x.strip()) for x in args.rates.split(",")]
        except ValueError as exc:
            print(f"pyemu report: --rates: {exc}", file=sys.stderr)
            return 2
        results = [trumpet_at_rate(r) for r in rates]
        print(trumpet_table(results))
        for path in save_figure(trumpet_figure(results), out / "trumpet", formats):
            print(f"wrote {path}")
    return 0
