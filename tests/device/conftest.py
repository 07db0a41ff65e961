"""Fixtures of the device tests (helpers live in device_host.py)."""
from __future__ import annotations

import pytest

from device_host import Host
from pyemu.host.device import Device


@pytest.fixture
def host() -> Host:
    """A manual-clock device with test features, its reset delimiter already read."""
    dev = Device(test_features=True)
    assert dev.read_output() == b"\x00"
    return Host(dev)
