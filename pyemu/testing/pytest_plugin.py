"""pytest plugin, installed with pyemu (entry point ``pytest11: pyemu``).

Fixtures for projects that test against the emulated pump::

    def test_patient_bolus_needs_a_prescription(pyemu_client):
        with pytest.raises(DeviceRefused, match="PB_DISABLED"):
            pyemu_client.patient_bolus()

* ``pyemu_emulator``: a fresh ``pyemu serve`` in a child process on a pty,
  manual clock, test features on, state file in the test's tmp_path; its
  ``.port`` is the pty path. Stopped (SIGTERM: saves and exits) afterwards.
* ``pyemu_client``: a :class:`pyemu.pump.client.Client` connected to it. Time
  moves only when the test says so (``pyemu_client.advance(ms)``), so tests
  are deterministic.
* ``pyemu_scenario``: a function that plays a scenario file (or a shipped
  one by name) on that emulator and returns the
  :class:`pyemu.therapy.player.RunResult`.

Nothing is imported until a fixture is used, so installing pyemu costs other
projects' test runs nothing. Fixture names start with ``pyemu_`` so they
never shadow a project's own.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest


@pytest.fixture
def pyemu_emulator(tmp_path) -> Iterator[Any]:
    """A running emulated pump on a pty with a manual clock (``.port``: its path)."""
    # deferred (here and below): pytest loads this plugin in every session of a
    # project that installs pyemu; the emulator loads only when a test asks for it
    from pyemu.host.emulator import ServeProcess

    emu = ServeProcess.manual_pty(state=str(tmp_path / "pump.state"))
    emu.start()
    try:
        yield emu
    finally:
        code = emu.stop()
        # A crash of the emulator is a failure of the test, not noise.
        if code not in (0, None, -15):
            pytest.fail(f"pyemu serve exited with status {code}:\n{emu.stderr()[-2000:]}")


@pytest.fixture
def pyemu_client(pyemu_emulator) -> Iterator[Any]:
    """A pyemu.pump.client.Client connected to the emulated pump."""
    from pyemu.pump.client import Client  # deferred: see pyemu_emulator

    client = Client.connect(pyemu_emulator.port)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def pyemu_scenario(pyemu_client) -> Callable[[str], Any]:
    """play(name_or_path) -> RunResult of a scenario on the emulated pump."""
    # deferred: see pyemu_emulator
    from pyemu.therapy.scenario import load_scenario
    from pyemu.therapy.player import play
    from pyemu.therapy.targets import ClientTarget

    def run(source: str):
        return play(load_scenario(source), ClientTarget(pyemu_client))
    return run
