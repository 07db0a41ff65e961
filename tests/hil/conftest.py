"""Fixtures for the board tests: cross compiler, QEMU, built images.

A test that needs a missing tool fails when CI is set (CI must have them:
.ci/run installs them) and is skipped otherwise, with the package to install.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

from pyemu.host import hil
from tool_check import need_tool


@pytest.fixture(scope="session")
def echo_images() -> dict[str, Path]:
    """The serial-link bring-up images, built if stale."""
    need_tool(hil.CROSS_CC)
    hil.build_firmware(targets=("build/firmware/qemu_echo.elf", "build/firmware/nucleo_echo.elf"))
    return {
        "qemu": hil.FIRMWARE_DIR / "qemu_echo.elf",
        "nucleo": hil.FIRMWARE_DIR / "nucleo_echo.elf",
    }


@pytest.fixture(scope="session")
def qemu_bin() -> str:
    return need_tool(hil.QEMU)


@pytest.fixture(scope="session")
def firmware() -> Optional[str]:
    """Build the pump images (make firmware); returns the budget failure text, or None.

    Images over the size budget are still built (with the budget lifted) so
    the behaviour tests run; test_images_fit_the_budget reports the overrun.
    """
    need_tool(hil.CROSS_CC)
    return hil.build_firmware_for_tests()
