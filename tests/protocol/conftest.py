"""Fixtures of the protocol tests: the golden vectors."""
from __future__ import annotations

from typing import Any

import pytest

import sys
from pathlib import Path

# The code generator and the vector cases are tools of the checkout
# (protocol/tools/), not modules of the package: the tests import them from there.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "protocol" / "tools"))

import gen_vectors as V  # noqa: E402
from gen import ROOT  # noqa: E402


@pytest.fixture(scope="session")
def golden() -> list[dict[str, Any]]:
    return V.load(ROOT)
