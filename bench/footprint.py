"""Firmware footprint: board images' flash/RAM, and instructions per simulated day.

Flash and RAM come from ``arm-none-eabi-size`` on the ELF images ``make firmware``
leaves (flash = text + data, RAM = data + bss). Instructions per day come from
``valgrind --tool=callgrind`` on a small host driver (bench/instr_per_day.c)
compiled against firmware/core: instruction counts, unlike times, repeat
exactly on a noisy machine.
"""
from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
import tempfile

from bench.table import Row, goal_at_most

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The firmware's warning flags, as the Makefile and setup.py read them ('#' starts a comment).
with open(os.path.join(ROOT, "firmware", "cwarn.flags"), encoding="utf-8") as _f:
    CWARN = [flag for line in _f for flag in line.split("#", 1)[0].split()]
DAYS = 7 * 365 + 2  # 7 device-years, two leap days


def _make_budget(name: str) -> int:
    """A board budget as the Makefile sets it (its one definition; the linker script enforces it)."""
    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        for line in f:
            m = re.match(rf"{name}\s*\??=\s*(\d+)\s*$", line)
            if m:
                return int(m.group(1))
    raise RuntimeError(f"{name} not found in the Makefile")


FLASH_BUDGET = _make_budget("BOARD_FLASH_BUDGET")
RAM_BUDGET = _make_budget("BOARD_RAM_BUDGET")
_GOALS = (f"< {FLASH_BUDGET // 1024} KiB", f"< {RAM_BUDGET // 1024} KiB")


def _images() -> list[str]:
    """The pump images of `make firmware` (the *_echo bring-up images are not the product)."""
    found = glob.glob(os.path.join(ROOT, "build", "firmware", "*.elf"))
    return sorted(f for f in found if not os.path.basename(f).endswith("_echo.elf"))


def _make_firmware() -> str:
    """Build the board images if the toolchain is here; '' on success, else why not."""
    if not shutil.which("arm-none-eabi-gcc"):
        return "arm-none-eabi-gcc not installed"
    proc = subprocess.run(["make", "-s", "firmware"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["?"]
        return f"`make firmware` failed: {tail[0][:120]}"
    return ""


def board_rows() -> list[Row]:
    why = _make_firmware()
    images = _images()
    if images and not shutil.which("arm-none-eabi-size"):
        why, images = "arm-none-eabi-size not installed", []
    if not images:
        return [Row("footprint", "board image flash / RAM", None, "", f"{_GOALS[0]} / {_GOALS[1]}", None,
                    why or "no ELF image found after `make firmware`")]
    rows: list[Row] = []
    for elf in images:
        out = subprocess.run(["arm-none-eabi-size", "--format=berkeley", elf], capture_output=True,
                             text=True, check=True).stdout.splitlines()[1].split()
        text, data, bss = (int(x) for x in out[:3])
        name = os.path.basename(elf)[: -len(".elf")]
        flash, ram = text + data, data + bss
        rows.append(Row("footprint", f"flash {name}", flash / 1024, "KiB", _GOALS[0],
                        goal_at_most(flash, FLASH_BUDGET)))
        rows.append(Row("footprint", f"RAM {name}", ram / 1024, "KiB", _GOALS[1],
                        goal_at_most(ram, RAM_BUDGET)))
    if why:
        rows[0].note = f"{why}; sizes are of the images already in build/firmware"
    return rows


def _build_driver(workdir: str) -> str:
    exe = os.path.join(workdir, "instr_per_day")
    core = os.path.join(ROOT, "firmware", "core")
    sources = sorted(glob.glob(os.path.join(core, "*.c")))
    if not sources:
        raise RuntimeError("firmware/core has no C sources yet")
    cmd = [os.environ.get("CC", "cc"), *CWARN, "-O2", "-g", "-I", core, "-o", exe,
           os.path.join(ROOT, "bench", "instr_per_day.c"), *sources]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    return exe


def instructions_per_day() -> tuple[float, str]:
    """Instructions callgrind counts in simulate_days(), divided by the days simulated."""
    if not shutil.which("valgrind"):
        raise RuntimeError("valgrind not installed")
    with tempfile.TemporaryDirectory() as tmp:
        exe = _build_driver(tmp)
        out_file = os.path.join(tmp, "callgrind.out")
        proc = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
             "--toggle-collect=simulate_days", exe, str(DAYS)],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"driver failed: {proc.stdout.strip()} {proc.stderr.strip()[-300:]}")
        with open(out_file, encoding="utf-8") as f:
            text = f.read()
    m = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
    if not m:
        raise RuntimeError("no totals in callgrind output")
    return int(m.group(1)) / DAYS, proc.stdout.strip()


def rows() -> list[Row]:
    out = board_rows()
    try:
        per_day, summary = instructions_per_day()
        out.append(Row("footprint", "host core: instructions / simulated day", per_day, "instr",
                       note=f"callgrind, {DAYS} days of the bench therapy; {summary}"))
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        err = getattr(exc, "stderr", "") or str(exc)
        out.append(Row("footprint", "host core: instructions / simulated day", None, "",
                       note=str(err).strip().splitlines()[-1][:160] if str(err).strip() else repr(exc)))
    return out
