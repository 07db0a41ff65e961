"""A noisy line: a transport wrapper that damages bytes at set rates, seeded.

Wrap any :class:`pyemu.link.transport.Transport`, or name it in a URL::

    LossyTransport(inner, LineFaults(flip=0.01, drop=0.001), seed=7)
    open_transport("lossy://socket://127.0.0.1:5555?flip=0.01&drop=0.001&seed=7")
    pyemu serve --port "lossy://pty?flip=0.01&seed=3"

Both directions pass through the wrapper, each with its own seeded random
stream, so a run is reproducible byte for byte. Every byte, independently:

* ``drop``: is lost (the rest of the chunk closes up);
* ``flip``: else has one random bit inverted (a byte error);
* ``dup``: is delivered twice;
* ``delay``: the stream is split before this byte and the rest waits for the
  next call (order is kept; only when the bytes arrive changes). Held output
  leaves with the next write or before the next read; held input comes with
  the next read.

Rates are probabilities per byte in 0..1. The wrapper counts what it did in
:attr:`LossyTransport.stats`. No sleeping: a delay is measured in calls, not
seconds, so tests stay deterministic.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, fields
from typing import Any, Callable, Optional, Tuple
from urllib.parse import parse_qsl

from pyemu.link.base import Transport, TransportError

__all__ = ["LineFaults", "LineStats", "LossyTransport", "Impairer", "parse_lossy_url", "open_lossy"]


@dataclass(frozen=True)
class LineFaults:
    """Per-byte probabilities of each kind of damage."""

    flip: float = 0.0
    drop: float = 0.0
    dup: float = 0.0
    delay: float = 0.0

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                raise ValueError(f"lossy line: {f.name} must be a probability 0..1, got {value!r}")


@dataclass
class LineStats:
    """What one direction of the line did to the bytes passing through it."""

    bytes_in: int = 0
    bytes_out: int = 0
    flipped: int = 0
    dropped: int = 0
    duplicated: int = 0
    delayed: int = 0


class Impairer:
    """One direction of a noisy line: bytes in, damaged bytes out, seeded."""

    def __init__(self, faults: LineFaults, seed: object) -> None:
        self.faults = faults
        self.stats = LineStats()
        # A str seed is hashed with SHA-512 by random: the same on every platform and run.
        self._rng = random.Random(str(seed))
        self._held = b""

    @property
    def held(self) -> int:
        """Bytes waiting for the next call."""
        return len(self._held)

    def pass_bytes(self, data: bytes) -> bytes:
        """Damage ``held + data``; returns what gets through now (the rest is held)."""
        data = self._held + data
        self._held = b""
        f = self.faults
        out = bytearray()
        rng = self._rng
        for i, byte in enumerate(data):
            if f.delay and out and rng.random() < f.delay:
                self._held = bytes(data[i:])
                self.stats.delayed += 1
                break
            self.stats.bytes_in += 1
            if f.drop and rng.random() < f.drop:
                self.stats.dropped += 1
                continue
            if f.flip and rng.random() < f.flip:
                byte ^= 1 << rng.randrange(8)
                self.stats.flipped += 1
            out.append(byte)
            if f.dup and rng.random() < f.dup:
                out.append(byte)
                self.stats.duplicated += 1
        self.stats.bytes_out += len(out)
        return bytes(out)


class LossyTransport(Transport):
    """``inner`` with :class:`LineFaults` applied to what it sends and receives.

    ``tx`` (and :attr:`tx_stats`) is the direction this side writes, ``rx``
    the direction it reads; ``rx_faults`` defaults to ``faults``.
    """

    def __init__(self, inner: Transport, faults: LineFaults, seed: object = 0,
                 rx_faults: Optional[LineFaults] = None) -> None:
        self.inner = inner
        self.url = f"lossy://{inner.url}"
        self.peer = inner.peer
        self.tx = Impairer(faults, f"{seed}:tx")
        self.rx = Impairer(rx_faults if rx_faults is not None else faults, f"{seed}:rx")

    @property
    def tx_stats(self) -> LineStats:
        return self.tx.stats

    @property
    def rx_stats(self) -> LineStats:
        return self.rx.stats

    def _flush_tx(self) -> None:
        if self.tx.held:
            out = self.tx.pass_bytes(b"")
            if out:
                self.inner.write(out)

    def write(self, data: bytes) -> None:
        out = self.tx.pass_bytes(bytes(data))
        if out:
            self.inner.write(out)

    def read(self, timeout: Optional[float]) -> bytes:
        self._flush_tx()
        # Held input is ready now: do not wait for more.
        data = self.inner.read(0 if self.rx.held else timeout)
        return self.rx.pass_bytes(data)

    def close(self) -> None:
        self.inner.close()

    def fileno(self) -> Optional[int]:
        return None  # held bytes are invisible to select: callers use read(timeout)


def parse_lossy_url(url: str) -> Tuple[str, LineFaults, str]:
    """``lossy://INNER?flip=..&drop=..&dup=..&delay=..&seed=..`` -> (inner URL, faults, seed)."""
    if not url.startswith("lossy://"):
        raise TransportError(f"{url}: a lossy line is written lossy://INNER?flip=0.01&seed=1")
    rest = url[len("lossy://"):]
    inner, _, query = rest.rpartition("?") if "?" in rest else (rest, "", "")
    if not inner:
        raise TransportError(f"{url}: name the line to damage, e.g. lossy://socket://127.0.0.1:5555?flip=0.01")
    rates: dict = {}
    seed = "0"
    names = {f.name for f in fields(LineFaults)}
    for key, value in parse_qsl(query, keep_blank_values=True, strict_parsing=False):
        if key == "seed":
            seed = value
            continue
        if key not in names:
            raise TransportError(f"{url}: unknown option {key!r}; options are {', '.join(sorted(names))}, seed")
        try:
            rates[key] = float(value)
        except ValueError:
            raise TransportError(f"{url}: {key}={value!r} is not a number") from None
    try:
        faults = LineFaults(**rates)
    except ValueError as exc:
        raise TransportError(f"{url}: {exc}") from None
    return inner, faults, seed


def open_lossy(url: str, open_inner: Callable[..., Transport], **options: Any) -> LossyTransport:
    """Open the inner transport of a ``lossy://`` URL with ``open_inner``
    (:func:`pyemu.link.transport.open_transport`) and wrap it."""
    inner_url, faults, seed = parse_lossy_url(url)
    return LossyTransport(open_inner(inner_url, **options), faults, seed=seed)

