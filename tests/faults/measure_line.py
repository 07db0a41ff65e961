"""Measure the worst byte-error rate at which scripted sessions still complete.

    .venv/bin/python tests/faults/measure_line.py [SESSIONS]

For each retry budget, the highest rate (0.1% steps) at which every one of
SESSIONS seeded 200-command sessions completes with answers and event log
equal to the clean line's. Two lines: bit flips only, and a mix (half flips,
a quarter drops, a quarter duplicates, plus 5% splitting delays). Virtual
time: the figures do not depend on the machine.
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402  (MonkeyPatch)

from line_support import comparable_events, run_session, script  # noqa: E402
from pyemu.link.lossy import LineFaults  # noqa: E402


def survives(commands, clean, faults, sessions, retries, mp) -> bool:
    for seed in range(sessions):
        r = run_session(commands, mp, faults, seed=seed, retries=retries)
        if r.failed_at is not None:
            return False
        assert r.outcomes == clean.outcomes and comparable_events(r.device) == comparable_events(clean.device), \
            f"exactly-once broken at {faults} seed {seed}"
    return True


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    mp = pytest.MonkeyPatch()
    commands = script(1, 200)
    clean = run_session(commands, mp)
    lines = {
        "flips": lambda r: LineFaults(flip=r),
        "mixed": lambda r: LineFaults(flip=r / 2, drop=r / 4, dup=r / 4, delay=0.05),
    }
    print(f"{sessions} sessions x 200 commands each; rate = damaged bytes / bytes, each direction")
    for retries in (3, 10, 30, 100, 1000):
        for name, make in lines.items():
            best = 0
            for step in range(1, 200):
                if not survives(commands, clean, make(step / 1000), sessions, retries, mp):
                    break
                best = step
            print(f"retries {retries:5d}  {name}: every session completes up to {best / 10:.1f}% byte errors")
    mp.undo()


if __name__ == "__main__":
    main()
