"""The pump firmware images: they build within budget, boot in QEMU and behave as a board.

Behaviour shared with the emulator (every command, status, event log) is
the conformance suite's job (tests/conformance). Here: what only the board
has — size and stack limits, the boot and the serial line, the user button
and LED (through the QEMU port's side channel), the boot-time clock option,
and the Nucleo image's clock fallback when RCC does not answer.
"""
from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pyemu.host import hil
from pyemu.pump.client import Client, DeviceRefused, PatientBolus

FLASH_BUDGET = 64 * 1024   # Makefile BOARD_FLASH_BUDGET (firmware/ports/README.md, Budget)
RAM_BUDGET = 24 * 1024     # Makefile BOARD_RAM_BUDGET
PUMP_IMAGES = ("qemu_netduinoplus2", "nucleo_f4")
EV_PATIENT_GRANTED, EV_PATIENT_DENIED = 9, 10
E_LOCKOUT = 15


def image(name: str) -> Path:
    return hil.FIRMWARE_DIR / f"{name}.elf"


def sizes(name: str) -> tuple[int, int]:
    """(flash, RAM) of an image: text + data, data + bss (stack included)."""
    size = hil.require_tool("arm-none-eabi-size")
    out = subprocess.run([size, str(image(name))], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    return text + data, data + bss


@pytest.fixture
def board(firmware, qemu_bin):
    with hil.QemuBoard(image("qemu_netduinoplus2"), qemu=qemu_bin) as b:
        yield b


@pytest.fixture
def client(board):
    with Client.connect(board.url, timeout=2.0) as c:
        yield c


# -- the images ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", PUMP_IMAGES)
def test_image_fits_32k_flash_and_16k_ram(firmware, name):
    """The whole image (core with its event log, codec, device layer, port) fits the budget."""
    flash, ram = sizes(name)
    assert flash <= FLASH_BUDGET and ram <= RAM_BUDGET, (
        f"{name}: flash {flash} B of {FLASH_BUDGET}, RAM {ram} B of {RAM_BUDGET}"
        + (f"\nmake firmware: {firmware.strip()[-600:]}" if firmware else "")
    )


@pytest.mark.parametrize("name", PUMP_IMAGES)
def test_worst_case_stack_is_bounded_and_fits(firmware, name):
    """Static call-graph analysis bounds main + both interrupt handlers below the stack size."""
    report = (hil.FIRMWARE_DIR / f"{name}.stack").read_text()
    m = re.search(r"worst-case stack (\d+) B of (\d+) B", report)
    assert m, report
    assert int(m.group(1)) <= int(m.group(2)), report
    assert "cannot bound" not in report, report


@pytest.mark.parametrize("name", PUMP_IMAGES)
def test_image_links_no_malloc_or_printf(firmware, name):
    syms = hil.image_symbols(image(name))
    assert {"main", "device_rx", "pump_advance", "proto_decoder_feed"} <= syms
    assert not syms & {"malloc", "_malloc_r", "free", "printf", "_printf_r", "_vfprintf_r",
                       "fprintf", "sprintf", "abort", "_sbrk"}


# -- boot and serial line ------------------------------------------------------------------

def test_boots_in_qemu_and_answers_hello(board, client):
    assert board.diag_lines[0] == "READY qemu_netduinoplus2"
    hello = client.hello()
    assert hello.protocol_version == 1
    assert hello.schema_matches
    assert hello.clock_name == "manual"
    assert "fault_injection" in hello.capability_names


def test_noise_on_the_line_is_dropped_and_the_next_request_answered(client):
    """Seeded garbage (with delimiters) never crashes or wedges the firmware."""
    rng = random.Random(5)
    for _ in range(20):
        client.transport.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
        assert client.status().state == 0


def test_stack_use_stays_below_the_static_bound(board, client, firmware):
    """After the heaviest requests (long event reads, big prescriptions), the painted
    stack shows real use below what the static analysis allows."""
    client.refill(20_000_000, "baclofen", 2000)
    client.prescribe(drug="baclofen", conc_ug_ml=2000, max_dose_ug_24h=2000,
                     steps=[(60 * h, 100_000 + 10_000 * h) for h in range(24)],
                     patient_bolus=PatientBolus(50_000, 600_000, 3_600_000, 24))
    for _ in range(40):
        try:
            client.patient_bolus()
        except DeviceRefused:
            pass
    client.advance(30 * 86_400_000)
    assert len(list(client.read_events())) > 40
    board._send_side(b"S")
    used, size = (int(x) for x in board.wait_line("STACK").split()[1:])
    bound = int(re.search(r"worst-case stack (\d+)",
                          (hil.FIRMWARE_DIR / "qemu_netduinoplus2.stack").read_text()).group(1))
    assert 0 < used <= bound <= size


# -- button and LED --------------------------------------------------------------------------

def _events(client):
    return list(client.read_events())


def test_button_press_requests_one_patient_bolus(board, client):
    """A debounced press = one PATIENT_BOLUS request, logged like the hand-held controller's."""
    client.refill(20_000_000, "baclofen", 2000)
    client.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=2000,
                     patient_bolus=PatientBolus(50_000, 600_000, 3_600_000, 4))
    before = len(_events(client))
    # The firmware counts a press only after it has seen the button released
    # (stable for the debounce time): a button held from reset never boluses.
    board.wait_line("BUTTON 0")
    for _ in range(2):
        cursor = board.line_count()
        board.press_button()
        board.wait_line("BUTTON 1", after=cursor)
        board.release_button()
        board.wait_line("BUTTON 0", after=cursor)
        client.advance(11 * 60_000)      # past the 10-min bolus, inside the 1-h lockout
    kinds = [(e.kind, e.data1) for e in _events(client)[before:]]
    granted = [k for k in kinds if k[0] == EV_PATIENT_GRANTED]
    denied = [k for k in kinds if k[0] == EV_PATIENT_DENIED]
    assert len(granted) == 1 and denied == [(EV_PATIENT_DENIED, E_LOCKOUT)], kinds


def test_led_flashes_on_strokes_and_shows_critical_alarms(board, client):
    client.refill(20_000_000, "baclofen", 2000)
    client.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=2000)
    cursor = board.line_count()
    client.advance(3_600_000)                       # about 83 strokes: one flash
    board.wait_line("LED 1", after=cursor)
    board.wait_line("LED 0", after=cursor)
    client.inject_fault("motor_stall")
    client.advance(3_600_000)                       # the next stroke fails: critical alarm
    assert "motor_stall" in client.status().alarm_names
    cursor = board.line_count()
    for _ in range(3):                              # the triple flash repeats
        board.wait_line("LED 1", after=cursor)
        cursor = board.line_count()
        board.wait_line("LED 0", after=cursor)
        cursor = board.line_count()


# -- clock options ------------------------------------------------------------------------------

@pytest.mark.parametrize("speed", [1, 3600])
def test_realtime_boot_option_runs_the_clock_and_refuses_advance(firmware, qemu_bin, speed):
    with hil.QemuBoard(image("qemu_netduinoplus2"), qemu=qemu_bin, clock="realtime",
                       speed=speed) as b, Client.connect(b.url, timeout=2.0) as c:
        hello = c.hello()
        assert (hello.clock_name, hello.clock_speed) == (
            ("realtime", 1) if speed == 1 else ("accelerated", speed))
        first = c.status().now_ms
        with pytest.raises(DeviceRefused) as refusal:
            c.advance(1000)
        assert refusal.value.reason_name == "CLOCK_MODE"
        assert c.status().now_ms >= first


def test_nucleo_image_falls_back_to_hsi_and_ignores_a_button_held_at_boot(firmware, qemu_bin):
    """The Nucleo image in QEMU: RCC never reports ready, so the bounded clock waits give up
    and the firmware runs on; GPIO reads 0, i.e. B1 held (active low) from reset, which
    selects the real-time clock and must never count as a bolus request."""
    board = hil.QemuBoard(image("nucleo_f4"), qemu=qemu_bin, wait_ready=False)
    board.start()
    with board, Client.connect(board.url, timeout=1.0, retries=10) as c:
        hello = c.hello()
        assert hello.clock_name == "realtime"
        c.refill(20_000_000, "baclofen", 2000)
        c.prescribe(drug="baclofen", conc_ug_ml=2000, rate_nl_day=500_000, max_dose_ug_24h=2000,
                    patient_bolus=PatientBolus(50_000, 600_000, 3_600_000, 4))
        kinds = {e.kind for e in c.read_events()}
        assert not kinds & {EV_PATIENT_GRANTED, EV_PATIENT_DENIED}


# -- the command -------------------------------------------------------------------------------

def test_pyemu_hil_check_boots_and_prints_hello(firmware, qemu_bin):
    out = subprocess.run([sys.executable, "-m", "pyemu", "hil", "--check", "--json"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    hello = json.loads(out.stdout)
    assert hello["port"].startswith("socket://127.0.0.1:")
    assert hello["clock"] == "manual" and hello["schema_matches"]


def test_pyemu_hil_reports_a_missing_board_with_exit_status_3(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pyemu", "hil", "--port", str(tmp_path / "ttyACM9")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 3
    assert "no HELLO" in out.stderr
