"""How big the attack harnesses run: small in `make test`, large in `make soak`.

The harnesses of the reliability issue (pipelining, monitor beside ctl,
keyless flood, power cuts, years of therapy over a noisy line) run in the
suite at a size that keeps `make test` within its budget; `make soak`
(PYEMU_SOAK=1, HYPOTHESIS_PROFILE=deep) runs the same code ten or more times
longer. The size is part of the test's output (its assertion messages name
the counts), so a soak failure says how far it got.
"""
import os

SOAK = os.environ.get("PYEMU_SOAK") == "1" or os.environ.get("HYPOTHESIS_PROFILE") == "deep"


def scaled(ci: int, soak: int) -> int:
    """``ci`` in the suite, ``soak`` under `make soak`."""
    return soak if SOAK else ci
