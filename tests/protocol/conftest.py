"""Fixtures of the protocol tests: the golden vectors."""
from __future__ import annotations

from typing import Any

import pytest

from pyemu.protocol import vectors as V
from pyemu.protocol.gen import ROOT


@pytest.fixture(scope="session")
def golden() -> list[dict[str, Any]]:
    return V.load(ROOT)
