"""Targets for the conformance suite: the emulator, the firmware in QEMU, a real board.

Every target is a fresh pump in the manual clock mode with test features,
reached through a URL the ordinary client opens:

* ``emulator`` — ``pyemu serve --port tcp-listen://127.0.0.1:0 --clock manual
  --test-features --telemetry-period 60s`` in a child process (the options
  the board firmware starts with);
* ``qemu`` — ``build/firmware/qemu_netduinoplus2.elf`` in QEMU (``make
  firmware``), one boot per scenario;
* ``board`` — a real board, when ``PYEMU_BOARD_URL`` names its port (e.g.
  ``/dev/ttyACM0``). Each scenario needs a fresh pump: set
  ``PYEMU_BOARD_RESET`` to a command that resets the board (e.g.
  ``pyocd reset -t stm32f401re``); without it the board must be reset by
  hand before a single scenario is run (``-k``).

The emulator's records are the reference every other target must equal.
When CI is set, a missing cross compiler or QEMU fails the QEMU tests
instead of skipping them.
"""
from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from pyemu.host import hil  # noqa: E402
from tool_check import need_tool  # noqa: E402
from pyemu.host.emulator import ServeProcess  # noqa: E402

from conformance_runner import EMULATOR_ARGS, StepRecord, play  # noqa: E402
from conformance_scenarios import Scenario  # noqa: E402

BOARD_URL = os.environ.get("PYEMU_BOARD_URL", "")
BOARD_RESET = os.environ.get("PYEMU_BOARD_RESET", "")


def other_targets() -> List[str]:
    return ["qemu"] + (["board"] if BOARD_URL else [])


Player = Callable[[Scenario], List[StepRecord]]


@pytest.fixture(scope="session")
def emulator_records() -> Callable[[Scenario], List[StepRecord]]:
    """The reference: each scenario played once on a fresh emulator, cached."""
    cache: Dict[str, List[StepRecord]] = {}

    def records(scenario: Scenario) -> List[StepRecord]:
        if scenario.name not in cache:
            with ServeProcess(*EMULATOR_ARGS) as emulator:
                cache[scenario.name] = play(emulator.port, scenario)
        return cache[scenario.name]

    return records


@pytest.fixture(scope="session")
def qemu_image() -> Path:
    need_tool(hil.CROSS_CC)
    need_tool(hil.QEMU)
    # The size budget has its own test (tests/hil); conformance is about
    # behaviour, so an image over budget is still played here.
    hil.build_firmware_for_tests()
    return hil.QEMU_IMAGE


def _play_qemu(image: Path) -> Player:
    def run(scenario: Scenario) -> List[StepRecord]:
        with hil.QemuBoard(image) as board:
            return play(board.url, scenario)
    return run


def _play_board(scenario: Scenario) -> List[StepRecord]:
    if BOARD_RESET:
        subprocess.run(shlex.split(BOARD_RESET), check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return play(BOARD_URL, scenario, timeout=3.0)


@pytest.fixture(params=other_targets())
def target(request: pytest.FixtureRequest) -> Iterator[Player]:
    """A player for each non-reference target."""
    if request.param == "qemu":
        yield _play_qemu(request.getfixturevalue("qemu_image"))
    else:
        yield _play_board


@pytest.fixture(params=other_targets())
def target_url(request: pytest.FixtureRequest):
    """A context-manager factory giving the URL of a fresh pump of each non-reference target
    (for tests that talk to the line directly rather than through a scenario)."""
    import contextlib

    @contextlib.contextmanager
    def fresh() -> Iterator[str]:
        if request.param == "qemu":
            with hil.QemuBoard(request.getfixturevalue("qemu_image")) as board:
                yield board.url
        else:
            if BOARD_RESET:
                subprocess.run(shlex.split(BOARD_RESET), check=True, timeout=60,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            yield BOARD_URL
    return fresh
