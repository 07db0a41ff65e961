"""Hardware in the loop: the board firmware in QEMU, or a real board on a serial port.

The board runs the same C (core, codec, device dispatcher) as the emulator;
only the port underneath differs (``firmware/ports/``). This module gives a
test or a user one URL to open with the ordinary client, whatever the target:

* ``QemuBoard`` runs the board image ``qemu_netduinoplus2.elf`` in
  ``qemu-system-arm -M netduinoplus2``; :func:`firmware_image` says where
  the image comes from (``--image``, ``$PYEMU_FIRMWARE_DIR``, a checkout's
  ``build/firmware/`` after ``make firmware``, or the images an installed
  wheel ships in ``pyemu/firmware/``):

  - USART2, the pump's serial line, is a TCP server on loopback. The
    listening socket is bound here (port 0: the kernel picks a free one) and
    handed to QEMU as a descriptor, so no other program can take the port
    between choosing and listening. :attr:`QemuBoard.url` is the
    ``socket://127.0.0.1:PORT`` URL a client opens. Bytes the firmware sends
    while no client is connected are lost, as on a serial line nobody reads.
  - USART1 is QEMU's stdio: the port's side channel (``READY``, ``LED``,
    ``BUTTON``, ``STACK``, ``PANIC`` lines out; ``P``/``R`` in press and
    release the user button, ``S`` asks for the stack's high-water mark). :meth:`QemuBoard.start` returns when the firmware has
    written ``READY``, i.e. once USART2 receives; the model drops bytes that
    arrive earlier, so waiting for this line is what makes start-up
    deterministic instead of a guess.

* A real board (``--port /dev/ttyACM0``) needs nothing started: its URL is
  its device path.

* ``--keys FILE`` (:func:`build_provisioned_firmware`) builds the images with
  that key file's role keys (``make firmware KEYS=FILE``) and boots the QEMU
  one: the same authenticated sessions as ``pyemu serve --keys``. QEMU has
  no TRNG, so every boot gets fresh nonce entropy in its boot options.
  Only in a checkout: make is never run outside one.

The ``pyemu hil`` command is :mod:`pyemu.cli.hil`.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any, Callable, Deque, List, Optional, Sequence, Tuple

__all__ = [
    "HilError",
    "ToolMissing",
    "BoardPanic",
    "FirmwareNotFound",
    "REPO_ROOT",
    "FIRMWARE_DIR",
    "FIRMWARE_ENV",
    "PACKAGE_FIRMWARE_DIR",
    "checkout_root",
    "firmware_image",
    "QEMU_IMAGE",
    "NUCLEO_IMAGE",
    "tool_path",
    "require_tool",
    "build_firmware",
    "build_firmware_for_tests",
    "build_provisioned_firmware",
    "PROVISIONED_QEMU_IMAGE",
    "image_symbols",
    "QemuBoard",
]

#: The source tree this package runs from (editable install / checkout); for an
#: installed package, the folder it is installed in (see :func:`checkout_root`).
REPO_ROOT = Path(__file__).resolve().parents[2]   # pyemu/host/hil.py -> the checkout
#: Where ``make firmware`` writes the images, in a checkout.
FIRMWARE_DIR = REPO_ROOT / "build" / "firmware"
#: A folder holding board images (``make firmware``'s output, copied anywhere);
#: when set, images are taken from there and nowhere else.
FIRMWARE_ENV = "PYEMU_FIRMWARE_DIR"
#: The images an installed wheel ships (setup.py builds them when the cross
#: compiler is present at install time).
PACKAGE_FIRMWARE_DIR = Path(__file__).resolve().parents[1] / "firmware"   # pyemu/firmware/
QEMU_IMAGE = FIRMWARE_DIR / "qemu_netduinoplus2.elf"
NUCLEO_IMAGE = FIRMWARE_DIR / "nucleo_f4.elf"

QEMU = "qemu-system-arm"
CROSS_CC = "arm-none-eabi-gcc"
MACHINE = "netduinoplus2"
PROVISIONED_DIR = FIRMWARE_DIR / "provisioned"
#: ``make firmware KEYS=FILE`` builds the images with role keys here (mode 0700).
PROVISIONED_QEMU_IMAGE = PROVISIONED_DIR / "qemu_netduinoplus2.elf"
#: Boot options of the QEMU port: { magic "PYCB", clock mode, speed } at the end of RAM,
#: then { magic "PYCE", 32 bytes of entropy } for the session nonces (QEMU has no TRNG).
BOOTCFG_ADDR = 0x2001FFC0
BOOTCFG_MAGIC = 0x42435950
ENTROPY_ADDR = BOOTCFG_ADDR + 12
ENTROPY_MAGIC = 0x45435950
ENTROPY_LEN = 32
#: Diagnostic lines kept for error messages (the LED reports one per change).
_DIAG_KEEP = 4096


class HilError(RuntimeError):
    """The board could not be started or stopped working."""


class ToolMissing(HilError):
    """A program the board needs (QEMU, the cross compiler) is not installed."""


class BoardPanic(HilError):
    """The firmware reported a fatal error on its side channel."""


class FirmwareNotFound(HilError):
    """No board image where one was looked for; the message says how to get one."""


def checkout_root() -> Optional[Path]:
    """The pyemu source checkout this package runs from, or None (an installed package).

    Only in a checkout may images be built with make (``build/firmware/``).
    """
    return REPO_ROOT if _is_checkout(REPO_ROOT) else None


def _is_checkout(root: Path) -> bool:
    return ((root / "Makefile").is_file() and (root / "firmware" / "ports").is_dir()
            and (root / "pyproject.toml").is_file())


def firmware_image(name: str = "qemu_netduinoplus2.elf", *, build: bool = False) -> Path:
    """The path of board image ``name``; raises :class:`FirmwareNotFound` saying what to do.

    Looked for, first match wins:

    1. ``$PYEMU_FIRMWARE_DIR/name`` when the variable is set (and only there);
    2. in a checkout, ``build/firmware/name``; with ``build``, ``make firmware``
       runs first (it rebuilds only what changed);
    3. in an installed package, ``pyemu/firmware/name`` (the wheel's images).

    make runs only in a checkout; an installed package never builds.
    """
    advice = (
        f"give the image with --image FILE, or set {FIRMWARE_ENV} to a folder holding {name} "
        f"(`make firmware` in a pyemu checkout writes them to build/firmware/), or reinstall "
        f"pyemu with {CROSS_CC} on PATH so the package includes the images "
        f"(Debian/Ubuntu: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi)"
    )
    env_dir = os.environ.get(FIRMWARE_ENV, "").strip()
    if env_dir:
        path = Path(env_dir) / name
        if not path.is_file():
            raise FirmwareNotFound(f"no {name} in {FIRMWARE_ENV}={env_dir}: {advice}")
        return path
    root = checkout_root()
    if root is not None:
        if build:
            build_firmware(root)
        path = root / "build" / "firmware" / name
        if not path.is_file():
            raise FirmwareNotFound(f"no firmware image at {path}: run `make firmware` in {root}, "
                                   f"or {advice}")
        return path
    path = PACKAGE_FIRMWARE_DIR / name
    if not path.is_file():
        raise FirmwareNotFound(f"this installed pyemu has no board image {name}: {advice}")
    return path


def tool_path(name: str) -> Optional[str]:
    """Full path of program ``name`` on PATH, or None."""
    return shutil.which(name)


def require_tool(name: str) -> str:
    """Full path of program ``name``; raises :class:`ToolMissing` with the package to install."""
    path = tool_path(name)
    if path is None:
        package = {
            QEMU: "qemu-system-arm",
            CROSS_CC: "gcc-arm-none-eabi libnewlib-arm-none-eabi",
        }.get(name, name)
        raise ToolMissing(f"{name} is not installed (Debian/Ubuntu: apt-get install {package})")
    return path


def build_firmware(
    root: Path = REPO_ROOT,
    targets: Sequence[str] = ("firmware",),
    extra: Sequence[str] = (),
    timeout: float = 600.0,
) -> str:
    """Run ``make firmware`` (or other ``targets``) in ``root``; returns make's output.

    For ``firmware`` the output ends with the size and stack report. Make
    rebuilds only what changed, so calling this from every test session
    costs one up-to-date check. ``extra`` are ``VAR=value`` make arguments.
    Only in a pyemu checkout (:func:`checkout_root`): raises :class:`HilError`
    for any other folder.
    """
    if not _is_checkout(root):
        raise HilError(f"{root} is not a pyemu checkout: board images are built there with "
                       f"`make firmware`; an installed pyemu uses the images it ships "
                       f"or --image / {FIRMWARE_ENV}")
    require_tool(CROSS_CC)
    make = require_tool("make")
    proc = subprocess.run(
        [make, "--no-print-directory", *targets, *extra],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise HilError(f"make firmware failed:\n{proc.stdout}{proc.stderr}")
    return proc.stdout


def build_firmware_for_tests(root: Path = REPO_ROOT) -> Optional[str]:
    """``make firmware`` for the test suite; returns None, or the budget failure.

    If the images only fail the size budget (``firmware over budget`` or the
    linker's budget ASSERT), they are built again with the budget lifted, so
    the behaviour tests still run; the budget test reports the failure.
    """
    try:
        build_firmware(root)
        return None
    except HilError as exc:
        text = str(exc)
        if "over budget" not in text and "exceeds the budget" not in text:
            raise
    build_firmware(root, extra=("BOARD_RAM_BUDGET=1048576", "BOARD_FLASH_BUDGET=1048576"))
    return text


def build_provisioned_firmware(keys: os.PathLike[str] | str, root: Optional[Path] = None) -> Path:
    """``make firmware KEYS=keys``: the pump images with a key file's two role keys.

    They go to ``build/firmware/provisioned/`` (the open images stay where
    they are); returns the QEMU image's path. The key file must be a
    ``pyemu keys`` file of mode 0600 holding both roles' keys. Needs a
    checkout (the images are compiled with the keys); outside one, the error
    says how to build them and pass them with ``--image``.
    """
    root = REPO_ROOT if root is None else root
    if not _is_checkout(root):
        raise HilError(
            "--keys compiles the firmware with the keys, which needs a pyemu source checkout "
            f"and {CROSS_CC}: there run `make firmware KEYS=FILE` and give "
            "--image build/firmware/provisioned/qemu_netduinoplus2.elf instead of --keys")
    keys_path = Path(keys).resolve()
    build_firmware(root, extra=(f"KEYS={keys_path}",))
    return root / "build" / "firmware" / "provisioned" / "qemu_netduinoplus2.elf"


def image_symbols(image: os.PathLike[str] | str) -> set[str]:
    """Names of the symbols linked into a firmware image (``arm-none-eabi-nm``)."""
    nm = require_tool("arm-none-eabi-nm")
    out = subprocess.run([nm, str(image)], capture_output=True, text=True, check=True).stdout
    return {parts[-1] for parts in (line.split() for line in out.splitlines()) if parts}


class QemuBoard:
    """The firmware image running in QEMU, its USART2 on a loopback TCP port.

    Use as a context manager, or call :meth:`start` and :meth:`stop`::

        with QemuBoard() as board:
            client = Client(board.url)   # any client that opens pyserial URLs
    """

    def __init__(
        self,
        image: Optional[os.PathLike[str] | str] = None,
        *,
        qemu: Optional[str] = None,
        ready_timeout: float = 30.0,
        wait_ready: bool = True,
        clock: str = "manual",
        speed: int = 1,
        entropy: Optional[bytes] = None,
    ) -> None:
        #: None: found by :func:`firmware_image` when the board starts.
        self.image: Optional[Path] = Path(image) if image is not None else None
        self.qemu = qemu
        self.ready_timeout = ready_timeout
        #: False for images without the QEMU side channel (the Nucleo image run in
        #: QEMU): start() then returns at once and the caller must probe the line.
        self.wait_ready = wait_ready
        if clock not in ("manual", "realtime"):
            raise ValueError("clock must be 'manual' or 'realtime'")
        if clock == "realtime" and not 1 <= speed <= 1_000_000:
            raise ValueError("speed must be 1 (real time) .. 1000000")
        #: The device's clock mode, written into the firmware's boot options.
        self.clock = clock
        self.speed = speed
        if entropy is not None and len(entropy) != ENTROPY_LEN:
            raise ValueError(f"entropy must be {ENTROPY_LEN} bytes")
        #: Seed input for the firmware's handshake nonces, written at boot
        #: (fresh os.urandom bytes unless a test fixes them).
        self.entropy = entropy
        self.url = ""
        self.port = 0
        #: Seconds from starting QEMU to the firmware's READY line.
        self.boot_seconds: Optional[float] = None
        #: time.monotonic() when QEMU was started.
        self.started_at = 0.0
        self._proc: Optional[subprocess.Popen[bytes]] = None
        self._lines: List[str] = []
        self._dropped_lines = 0
        self._stderr: Deque[str] = deque(maxlen=200)
        self._cond = threading.Condition()
        self._eof = False
        self._threads: List[threading.Thread] = []

    # -- life cycle ---------------------------------------------------------------
    def start(self) -> str:
        """Start QEMU and wait for the firmware's READY; returns :attr:`url`."""
        if self._proc is not None:
            raise HilError("board already started")
        if self.image is None:
            self.image = firmware_image()
        if not self.image.is_file():
            raise FirmwareNotFound(f"no firmware image at {self.image}: give an existing image "
                                   f"(--image FILE), or build one with `make firmware` in a pyemu checkout")
        qemu = self.qemu or require_tool(QEMU)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            self.port = listener.getsockname()[1]
            fd = listener.fileno()
            cmd = [
                qemu, "-M", MACHINE, "-nodefaults", "-display", "none", "-monitor", "none",
                "-serial", "stdio",                                   # USART1: side channel
                # nodelay: the USART model sends each byte as it is written; with
                # Nagle's algorithm every reply would wait ~40 ms for a delayed ACK.
                "-chardev", f"socket,id=usart2,fd={fd},server=on,wait=off,nodelay=on",
                "-serial", "chardev:usart2",                          # USART2: the pump line
                "-kernel", str(self.image),
                *self._boot_options(),
            ]
            started = self.started_at = time.monotonic()
            self._proc = subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(fd,),
                start_new_session=True,   # a terminal's Ctrl-C reaches us, and we stop QEMU
            )
        finally:
            listener.close()              # QEMU holds its own copy of the socket
        self._spawn_reader(self._read_stdout, "qemu-diag")
        self._spawn_reader(self._read_stderr, "qemu-stderr")
        if self.wait_ready:
            try:
                self.wait_line("READY", timeout=self.ready_timeout)
            except HilError:
                self.stop()
                raise
            self.boot_seconds = time.monotonic() - started
        self.url = f"socket://127.0.0.1:{self.port}"
        return self.url

    def _boot_options(self) -> List[str]:
        """QEMU loader devices that write the firmware's boot options.

        The QEMU port reads { magic, mode, speed } from the last 64 bytes of RAM
        (``firmware/ports/qemu_netduinoplus2``); without them it starts manual.
        After them, { magic, 32 bytes }: the entropy its handshake nonces are
        seeded from (a real board would use its TRNG), fresh at every start.
        """
        words: List[Tuple[int, int]] = []
        if self.clock != "manual":
            mode, speed = (1, 1) if self.speed == 1 else (2, self.speed)
            words += [(BOOTCFG_ADDR, BOOTCFG_MAGIC), (BOOTCFG_ADDR + 4, mode), (BOOTCFG_ADDR + 8, speed)]
        entropy = self.entropy if self.entropy is not None else os.urandom(ENTROPY_LEN)
        words.append((ENTROPY_ADDR, ENTROPY_MAGIC))
        words += [(ENTROPY_ADDR + 4 + i, int.from_bytes(entropy[i:i + 4], "little"))
                  for i in range(0, ENTROPY_LEN, 4)]
        args: List[str] = []
        for addr, value in words:
            args += ["-device", f"loader,addr=0x{addr:08X},data=0x{value:08X},data-len=4"]
        return args

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """Stop QEMU (SIGTERM, then SIGKILL after ``timeout``); returns its exit status."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        # QEMU has exited: its pipes reach end-of-file and the readers finish
        # on their own; close the streams only after they have.
        for thread in self._threads:
            thread.join(timeout)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        self._proc = None
        return proc.returncode

    def __enter__(self) -> "QemuBoard":
        if self._proc is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    # -- side channel (USART1) ----------------------------------------------------
    @property
    def diag_lines(self) -> List[str]:
        """Every side-channel line so far (oldest may be dropped past a few thousand)."""
        with self._cond:
            return list(self._lines)

    def line_count(self) -> int:
        """Lines seen so far, including dropped ones: a cursor for :meth:`wait_line`."""
        with self._cond:
            return self._dropped_lines + len(self._lines)

    def wait_line(self, prefix: str, timeout: float = 10.0, after: int = 0) -> str:
        """The first side-channel line starting with ``prefix`` whose index is >= ``after``.

        Raises :class:`BoardPanic` if the firmware panics first, and
        :class:`HilError` if QEMU exits or ``timeout`` passes.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                start = max(0, after - self._dropped_lines)
                for line in self._lines[start:]:
                    if line.startswith("PANIC"):
                        raise BoardPanic(f"firmware: {line}")
                    if line.startswith(prefix):
                        return line
                if self._eof:
                    raise HilError(f"QEMU exited before {prefix!r}: {self._stderr_text()}")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise HilError(
                        f"no {prefix!r} from the firmware within {timeout:.1f} s "
                        f"(side channel: {self._lines[-5:]}; stderr: {self._stderr_text()})"
                    )
                self._cond.wait(remaining)

    def press_button(self) -> None:
        """Press the user button (held until :meth:`release_button`)."""
        self._send_side(b"P")

    def release_button(self) -> None:
        self._send_side(b"R")

    def _send_side(self, data: bytes) -> None:
        proc = self._proc
        if proc is None or proc.stdin is None:
            raise HilError("board not running")
        try:
            proc.stdin.write(data)
            proc.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            raise HilError(f"QEMU is not running: {exc}") from None

    def _stderr_text(self) -> str:
        return " | ".join(self._stderr) or "(nothing on stderr)"

    def _spawn_reader(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _read_stdout(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stdout is not None
        try:
            for raw in proc.stdout:
                line = raw.decode("ascii", "replace").rstrip("\r\n")
                with self._cond:
                    self._lines.append(line)
                    if len(self._lines) > _DIAG_KEEP:
                        drop = len(self._lines) - _DIAG_KEEP
                        del self._lines[:drop]
                        self._dropped_lines += drop
                    self._cond.notify_all()
        except (OSError, ValueError):
            pass  # the stream was closed under us
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        proc = self._proc
        assert proc is not None and proc.stderr is not None
        try:
            for raw in proc.stderr:
                self._stderr.append(raw.decode("utf-8", "replace").rstrip())
        except (OSError, ValueError):
            pass  # the stream was closed under us: nothing more to collect


# -- the `pyemu hil` command -----------------------------------------------------------
