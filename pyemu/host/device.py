"""The emulated pump as its serial line sees it: :class:`Device` over the C device layer.

``firmware/device`` (the same C the board firmware runs) takes received bytes
and the time and produces the bytes to send: it decodes frames, runs each
request on the dosing core, answers from its reply cache when a request is
retransmitted, and sends STATUS telemetry and ALARM frames. This module only
moves bytes and integers across cffi; no cffi object leaves it.

Host contract (details in ``firmware/device/device.h``)::

    used = dev.feed(received)          # bytes in order; keep received[used:]
    if dev.nv_dirty:                   # an accepted command changed the pump
        gen = dev.nv_generation
        statefile.save(dev.save())     # durable first ...
        dev.mark_saved(gen)
    transport.write(dev.read_output()) # ... then the reply leaves

With ``hold_until_saved=True`` the device itself withholds its output until
:meth:`Device.mark_saved`, so a host that forgets to save sends nothing
rather than an acknowledgement that a crash could take back.
"""
from __future__ import annotations

import dataclasses
import enum
import os
from typing import Optional, Union

from pyemu._core import ffi, lib
from pyemu.pump.core import Balance, Config, Event, Prescription, Pump, PumpError, Status

__all__ = ["ClockMode", "Device", "DeviceError", "DeviceStats", "ImageError"]

_U32 = 2**32 - 1
_U64 = 2**64 - 1
_TXQ_SIZE = int(lib.DEVICE_TXQ_SIZE)   # read once: read_output runs every turn

# Image refusals of device_load (the core's snapshot refusals pass through as PumpError).
_IMAGE_CODES = {
    int(lib.DEVICE_E_IMAGE_SIZE): "the image is truncated or of the wrong size",
    int(lib.DEVICE_E_IMAGE_MAGIC): "it is not a pyemu device image",
    int(lib.DEVICE_E_IMAGE_VERSION): "the image has a layout version this build does not know",
    int(lib.DEVICE_E_IMAGE_CRC): "the image is corrupt (CRC mismatch)",
    int(lib.DEVICE_E_IMAGE_INVALID): "the image decodes but a field is out of range",
}


class ClockMode(enum.IntEnum):
    """Who moves device time (HELLO_INFO.clock_mode)."""
    MANUAL = int(lib.DEVICE_CLOCK_MANUAL)            # only the ADVANCE command
    REALTIME = int(lib.DEVICE_CLOCK_REALTIME)        # the host's tick(), wall time
    ACCELERATED = int(lib.DEVICE_CLOCK_ACCELERATED)  # the host's tick(), wall time x speed


class DeviceError(Exception):
    """A call into the device layer failed; ``code`` and ``name`` say how."""

    def __init__(self, code: int, message: Optional[str] = None) -> None:
        self.code = code
        self.name = ffi.string(lib.device_result_name(code)).decode()
        super().__init__(message or f"device layer: {self.name} ({code})")


class ImageError(DeviceError):
    """A saved image was refused; the device it was loaded onto is unchanged."""


@dataclasses.dataclass(frozen=True)
class DeviceStats:
    """Counters since start or load (device_stats_t)."""
    rx_bytes: int
    rx_frames: int
    rx_dropped_chunks: int
    rx_ignored: int
    requests: int
    executed: int
    replayed: int
    naks: int
    busy: int
    replies_dropped: int
    tx_frames: int
    tx_bytes: int
    telemetry_sent: int
    telemetry_dropped: int
    alarms_sent: int
    alarms_deferred: int


def _check(code: int) -> None:
    if code == 0:
        return
    if 0 < code < int(lib.PUMP_RESULT_COUNT):
        raise PumpError(code)
    raise DeviceError(code)


def _uint(name: str, value: int, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= top:
        raise ValueError(f"{name} must be an integer 0..{top}, got {value!r}")
    return value


def _options(clock: Union[str, ClockMode], speed: float, telemetry_period_ms: int,
             test_features: bool, hold_until_saved: bool) -> "ffi.CData":
    """device_options_t for the arguments, or ValueError saying what is wrong."""
    mode = ClockMode[clock.upper()] if isinstance(clock, str) else ClockMode(clock)
    if mode is ClockMode.MANUAL:
        clock_speed = 0
    else:
        if not speed >= 1:
            raise ValueError(f"speed must be 1 (real time) or more, got {speed!r}")
        clock_speed = max(1, int(round(speed)))
        if mode is ClockMode.REALTIME and speed != 1:
            mode = ClockMode.ACCELERATED
        if mode is ClockMode.ACCELERATED:
            clock_speed = max(2, clock_speed)
    top = int(lib.DEVICE_TELEMETRY_PERIOD_MAX_MS)
    _uint("telemetry_period_ms", telemetry_period_ms, top)
    o = ffi.new("device_options_t *")
    lib.device_default_options(o)
    o.clock_mode = int(mode)
    o.clock_speed = clock_speed
    o.telemetry_period_ms = telemetry_period_ms
    o.test_features = 1 if test_features else 0
    o.hold_until_saved = 1 if hold_until_saved else 0
    return o


class Device:
    """One emulated pump behind its serial line (a device_t).

    ``clock``: ``"manual"`` (only ADVANCE moves time) or ``"realtime"`` with
    ``speed`` (1 = real time, N = N times faster; the host scales the times it
    passes to :meth:`tick`). ``telemetry_period_ms``: simulated time between
    unsolicited STATUS frames, 0 for none. ``test_features``: accept
    INJECT_FAULT. ``hold_until_saved``: see the module docstring.
    """

    def __init__(self, config: Optional[Config] = None, *, clock: Union[str, ClockMode] = "manual",
                 speed: float = 1.0, telemetry_period_ms: int = 0, test_features: bool = False,
                 hold_until_saved: bool = False, entropy: Optional[bytes] = None) -> None:
        self._opt = _options(clock, speed, telemetry_period_ms, test_features, hold_until_saved)
        self._d = ffi.new("device_t *")
        _check(lib.device_init(self._d, (config or Config())._to_c(), self._opt))
        # Fresh entropy for handshake nonces (spec 6.2), as a board takes it from its TRNG.
        # ``entropy`` (>= 16 bytes) replaces it in tests that must repeat exactly.
        seed = os.urandom(32) if entropy is None else bytes(entropy)
        _check(lib.device_seed(self._d, seed, len(seed)))
        self._out = ffi.new("uint8_t[]", int(lib.DEVICE_TXQ_SIZE))
        self._used = ffi.new("size_t *")
        # Read-only view of the device's pump, for status/events; never used to command it.
        self._view = Pump.__new__(Pump)
        self._view._p = ffi.cast("pump_t *", lib.device_pump(self._d))

    @classmethod
    def load(cls, image: bytes, **options: object) -> "Device":
        """A device restarted from :meth:`save` bytes (logged as a reset).

        ``options`` are the constructor's keyword arguments (clock, speed, ...):
        they belong to the host, not to the image. Raises ImageError (or
        PumpError for a refused core snapshot) with a readable message.
        """
        dev = cls(**options)  # type: ignore[arg-type]
        dev._load(image)
        return dev

    def _load(self, image: bytes) -> None:
        if not isinstance(image, (bytes, bytearray, memoryview)):
            raise TypeError("image must be bytes")
        data = bytes(image)
        code = int(lib.device_load(self._d, data, len(data)))
        if code in _IMAGE_CODES:
            raise ImageError(code, f"device image refused: {_IMAGE_CODES[code]}")
        _check(code)

    # -- bytes and time ------------------------------------------------------------
    def feed(self, data: bytes) -> int:
        """Hand over received bytes; every complete frame is answered (queued).

        Returns how many bytes the device took: all of them, unless its output
        queue ran short of room for a reply (backpressure, device.h OUTPUT
        QUEUE). The host keeps the rest, sends :meth:`read_output` (after a
        save if one is due) and feeds the rest again.
        """
        buf = data if type(data) is bytes else bytes(data)   # no copy of what is bytes already
        _check(lib.device_rx(self._d, buf, len(buf), self._used))
        return int(self._used[0])

    def raise_result(self, code: int) -> None:
        """Raise what a device or core result code means (nothing for DEVICE_OK)."""
        _check(code)

    def reset_rx(self) -> int:
        """A new peer on the line: drop the partial frame the decoder holds
        (device_rx_reset). Returns how many bytes were dropped."""
        return int(lib.device_rx_reset(self._d))

    def tick(self, now_ms: int) -> None:
        """Realtime/accelerated: device time is now ``now_ms`` (simulated ms since
        implant, never backwards: PumpError TIME). Manual mode: time is ignored,
        pending ALARM/STATUS frames are still queued."""
        _check(lib.device_tick(self._d, _uint("now_ms", now_ms, _U64)))

    def read_output(self) -> bytes:
        """Every byte the device has to send now (empty while held for a save)."""
        size = _TXQ_SIZE
        n = int(lib.device_tx(self._d, self._out, size))
        if n < size:
            # Held for a save (0), or all the queue held: one call is the usual case.
            return ffi.buffer(self._out, n)[:] if n else b""
        chunks = [ffi.buffer(self._out, n)[:]]
        while True:   # the queue was full, so is empty after one more call; ends at n == 0
            n = int(lib.device_tx(self._d, self._out, size))
            if n == 0:
                break
            chunks.append(ffi.buffer(self._out, n)[:])
        return b"".join(chunks)

    @property
    def pending_output(self) -> int:
        """Bytes queued, including any held for a save."""
        return int(lib.device_tx_pending(self._d))

    # -- non-volatile state ----------------------------------------------------------
    @property
    def nv_dirty(self) -> bool:
        """An accepted command changed state that is not yet saved."""
        return bool(lib.device_nv_dirty(self._d))

    @property
    def nv_generation(self) -> int:
        """Counts accepted commands; read it before :meth:`save`, pass it to :meth:`mark_saved`."""
        return int(lib.device_nv_generation(self._d))

    def mark_saved(self, generation: int) -> None:
        """The image taken at ``generation`` is durable: held replies may leave."""
        lib.device_nv_saved(self._d, _uint("generation", generation, _U32))

    @staticmethod
    def image_size() -> int:
        return int(lib.device_image_size())

    def save(self) -> bytes:
        """The non-volatile image: pump snapshot, reply cache, device settings."""
        size = self.image_size()
        buf = ffi.new("uint8_t[]", size)
        n = ffi.new("size_t *")
        _check(lib.device_save(self._d, buf, size, n))
        return bytes(ffi.buffer(buf, int(n[0])))

    # -- reading -------------------------------------------------------------------
    @property
    def clock_mode(self) -> ClockMode:
        return ClockMode(int(self._opt.clock_mode))

    @property
    def clock_speed(self) -> int:
        return int(self._opt.clock_speed)

    @property
    def test_features(self) -> bool:
        return bool(self._opt.test_features)

    @property
    def telemetry_period_ms(self) -> int:
        return int(self._opt.telemetry_period_ms)

    @property
    def now_ms(self) -> int:
        """Device time: ms since implant."""
        return int(lib.device_now_ms(self._d))

    def status(self) -> Status:
        return self._view.status()

    def events(self, from_seq: int = 0, max: int = int(lib.PUMP_LOG_CAPACITY)) -> list[Event]:
        return self._view.events(from_seq, max)

    def balance(self) -> Balance:
        return self._view.balance()

    def prescription(self) -> Optional[Prescription]:
        return self._view.prescription()

    def check(self) -> None:
        """PumpError(SNAPSHOT_INVALID) if an invariant of the core's state is broken."""
        self._view.check()

    @property
    def config(self) -> Config:
        return self._view.config

    def stats(self) -> DeviceStats:
        s = ffi.new("device_stats_t *")
        lib.device_get_stats(self._d, s)
        return DeviceStats(**{f.name: int(getattr(s, f.name)) for f in dataclasses.fields(DeviceStats)})

    def provision(self, clinician: bytes, patient: bytes) -> None:
        """Store the two 32-byte role keys (spec 6.1); from now on requests need a session.

        The keys go into the saved image and are never readable through this
        class or over the wire."""
        if len(clinician) != 32 or len(patient) != 32:
            raise ValueError("role keys are 32 bytes each")
        _check(lib.device_provision(self._d, bytes(clinician), bytes(patient)))

    @property
    def failed_proofs(self) -> int:
        """AUTH_PROVE frames refused since the keys were provisioned (saved in the image)."""
        return int(lib.device_auth_failed_proofs(self._d))

    @property
    def provisioned(self) -> bool:
        """True once role keys are provisioned (sessions required)."""
        return bool(lib.device_provisioned(self._d))

    def patient_button(self) -> None:
        """The patient's button (as a board has): a patient bolus, PumpError if denied."""
        _check(lib.device_patient_button(self._d))

    def __repr__(self) -> str:
        return f"<Device {self.clock_mode.name.lower()} t={self.now_ms} ms {self._view!r}>"
