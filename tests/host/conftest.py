"""Fixtures for the host tests: emulators in child processes or threads, and clients.

Emulators run a manual clock, so nothing here depends on how fast the machine
is: readiness is the PORT line read with select, never a sleep.
"""
import threading

import pytest

from pyemu.pump.client import Client
from pyemu.host.emulator import Emulator, ManualClock, ServeProcess
from pyemu.link.transport import open_transport

SERVE_ARGS = ("--clock", "manual", "--test-features", "--telemetry-period", "1h", "--quiet")


@pytest.fixture(scope="module")
def shared_emulator():
    """One ``pyemu serve --port pty`` child for a whole test module (tests must not
    assume a fresh pump: they read the state they need first)."""
    with ServeProcess("--port", "pty", *SERVE_ARGS) as emu:
        yield emu


@pytest.fixture
def client(shared_emulator):
    with Client.connect(shared_emulator.port, timeout=5.0) as c:
        yield c


class ThreadedEmulator:
    """An :class:`Emulator` serving a fresh device in a thread of this process."""

    def __init__(self, url="tcp-listen://127.0.0.1:0", state=None, **device_options):
        from pyemu.host.device import Device

        options = dict(clock="manual", test_features=True, telemetry_period_ms=3_600_000)
        options.update(device_options)
        options["hold_until_saved"] = state is not None
        self.device = Device(**options)
        self.transport = open_transport(url)
        self.emulator = Emulator(self.device, self.transport, ManualClock(), state)
        self.emulator.clock.wait_hint = lambda: 0.02  # quick to notice stop()
        self.port = self.transport.peer
        self._thread = threading.Thread(target=self.emulator.run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.emulator.stop()
        self._thread.join(timeout=30)
        self.transport.close()


@pytest.fixture
def threaded_emulator():
    with ThreadedEmulator() as emu:
        yield emu


@pytest.fixture(scope="session")
def make_threaded_emulator():
    """:class:`ThreadedEmulator` itself, for a test that needs a fresh emulator for
    each hypothesis example (a function-scoped fixture would be shared by all)."""
    return ThreadedEmulator
