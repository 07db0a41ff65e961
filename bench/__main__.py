"""``python -m bench`` (``make bench``): run every section, print one table, write JSON."""
from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback

from bench.table import Row, compare, render, to_json, write_json

SECTIONS = ("sim", "codec", "link", "footprint", "fleet")
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    ap.add_argument("sections", nargs="*", metavar="SECTION",
                    help=f"run only these sections, of: {' '.join(SECTIONS)} (default: all)")
    ap.add_argument("--json", default=os.path.join(ROOT, "bench-results", "bench.json"),
                    help="where to write the results (default: %(default)s)")
    ap.add_argument("--compare", metavar="OLD_JSON",
                    help="also show each figure beside the same figure of an earlier run's JSON")
    args = ap.parse_args(argv)
    old = None
    if args.compare:
        with open(args.compare, encoding="utf-8") as f:
            old = json.load(f)
    chosen = args.sections or SECTIONS
    unknown = [s for s in chosen if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {' '.join(unknown)}; choose from {' '.join(SECTIONS)}")
    rows: list[Row] = []
    errors: dict[str, str] = {}
    t0 = time.perf_counter()
    for name in chosen:
        print(f"bench: {name} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        try:
            rows.extend(importlib.import_module(f"bench.{name}").rows())
        except Exception as exc:  # one broken section must not hide the others' figures
            traceback.print_exc()
            errors[name] = f"{type(exc).__name__}: {exc}"
            rows.append(Row(name, f"{name} section", None, "", note=f"FAILED: {errors[name]}"))
        print(f"bench: {name} took {time.perf_counter() - t:.1f} s", file=sys.stderr, flush=True)
    elapsed = time.perf_counter() - t0
    print(render(rows))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{len(rows)} figures in {elapsed:.0f} s on {os.cpu_count()} CPUs (load average {load}: "
          f"other work on the machine slows every figure); written to {os.path.relpath(args.json, ROOT)}")
    if old is not None:
        print("\n" + compare(rows, old))
    write_json(args.json, to_json(rows, elapsed, errors))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
