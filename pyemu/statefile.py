"""The emulator's non-volatile memory on disk: one file, written atomically.

File layout (little-endian), version 1::

    offset size  field
    0      8     magic  b"PYEMUNV\\x1a"  (\\x1a stops `type`/`cat` on binary)
    8      2     format version (1)
    10     2     reserved, 0
    12     4     payload length in bytes
    16     4     CRC-32 (zlib) of the payload
    20     4     CRC-32 (zlib) of bytes 0..19
    24     n     payload: the device's own non-volatile image (itself versioned
                 and CRC-protected by firmware/device)

Writes go to a temporary file in the same directory, which is fsync'ed, then
``os.replace``'d over the old file, then the directory is fsync'ed: at every
instant the path holds either the old image or the new one, whole.

The generation before the current one is kept as ``FILE.prev`` (a hard link
to the old file, made before the new one replaces it: no extra copy). If the
file itself does not decode but ``FILE.prev`` does, :meth:`StateFile.load`
restarts from it and says so in :attr:`StateFile.recovered`. With a disk that
honours fsync this never happens (the rename is ordered after the data); it
covers storage that reorders the rename before the data, where the file can
come back truncated after a power cut. ``tests/faults/test_power_cut.py``
cuts a save at every operation and byte offset under both disk models.

A file that is empty, truncated, corrupt, from another program or from a newer
format is refused with :class:`StateFileError`, whose message says what is
wrong and what the user can do; the file is never overwritten in that case.
An advisory lock (``flock`` on ``FILE.lock``) keeps two emulators from
sharing one pump's memory.
"""
from __future__ import annotations

import errno
import fcntl
import os
import struct
import zlib
from typing import Optional

__all__ = ["StateFile", "StateFileError", "MAGIC", "FORMAT_VERSION", "encode", "decode"]

MAGIC = b"PYEMUNV\x1a"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<8sHHII")  # magic, version, reserved, length, payload crc
HEADER_SIZE = _HEADER.size + 4  # + CRC-32 of those 20 bytes
# A device image is tens of kilobytes; refuse anything absurd before reading it.
MAX_PAYLOAD = 16 * 1024 * 1024


class StateFileError(Exception):
    """The state file cannot be used. The message is meant for the user."""


def encode(payload: bytes) -> bytes:
    """Whole file contents for ``payload``."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"device image of {len(payload)} bytes is larger than {MAX_PAYLOAD}")
    head = _HEADER.pack(MAGIC, FORMAT_VERSION, 0, len(payload), zlib.crc32(payload))
    return head + struct.pack("<I", zlib.crc32(head)) + payload


def _advice(path: str) -> str:
    return (
        f"The file has not been changed. To keep this pump's history, restore {path} "
        f"from a backup; to start a new pump instead, move it aside "
        f"(mv {path} {path}.bad) and start again."
    )


def decode(data: bytes, path: str = "state file") -> bytes:
    """The payload of a state file's contents, or :class:`StateFileError`."""
    def refuse(what: str) -> StateFileError:
        return StateFileError(f"state file {path}: {what}. {_advice(path)}")

    if len(data) == 0:
        raise refuse("it is empty (a write was cut short, or it is not a pyemu state file)")
    if not MAGIC.startswith(data[: len(MAGIC)]):
        raise refuse("it is not a pyemu state file (wrong magic number)")
    if len(data) < HEADER_SIZE:
        raise refuse(f"it is truncated ({len(data)} bytes, shorter than the {HEADER_SIZE}-byte header)")
    _magic, version, _reserved, length, payload_crc = _HEADER.unpack_from(data)
    (header_crc,) = struct.unpack_from("<I", data, 20)
    if zlib.crc32(data[:20]) != header_crc:
        raise refuse("its header is corrupt (CRC mismatch)")
    if version != FORMAT_VERSION:
        raise refuse(
            f"it has format version {version}, this pyemu reads version {FORMAT_VERSION} "
            "(written by a different pyemu release?)"
        )
    body = data[HEADER_SIZE:]
    if len(body) < length:
        raise refuse(f"it is truncated ({len(body)} of {length} payload bytes)")
    if len(body) > length:
        raise refuse(f"it has {len(body) - length} unexpected bytes after the payload")
    if zlib.crc32(body) != payload_crc:
        raise refuse("its contents are corrupt (CRC mismatch)")
    return bytes(body)


class StateFile:
    """One pump's non-volatile memory file, locked for the life of this object."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self._dir = os.path.dirname(self.path)
        self._tmp = os.path.join(self._dir, f".{os.path.basename(self.path)}.tmp")
        self.prev_path = self.path + ".prev"
        self._prev_tmp = os.path.join(self._dir, f".{os.path.basename(self.path)}.prev.tmp")
        self._lock_fd: Optional[int] = None
        self.writes = 0
        #: After :meth:`load`: None, or why the previous generation was loaded.
        self.recovered: Optional[str] = None
        # The file at self.path decoded (or this object wrote it): it may become
        # the fallback generation. A damaged file never replaces a good .prev.
        self._current_good = False
        #: False once the folder refused a hard link: no fallback generation is kept.
        self.keeps_prev = True

    # -- locking ---------------------------------------------------------------
    def lock(self) -> None:
        """Take the advisory lock, or refuse if another process holds it."""
        if not os.path.isdir(self._dir):
            raise StateFileError(f"state file {self.path}: folder {self._dir} does not exist")
        fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise StateFileError(
                    f"state file {self.path} is in use by another running emulator "
                    f"(lock {self.path}.lock is held); stop that one first, or use another file"
                ) from None
            raise
        self._lock_fd = fd
        # A temporary file left by a process killed mid-write is garbage: the
        # real file was never replaced by it.
        _unlink_quietly(self._tmp)
        _unlink_quietly(self._prev_tmp)

    def close(self) -> None:
        """Release the lock."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> "StateFile":
        self.lock()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- data --------------------------------------------------------------------
    def exists(self) -> bool:
        return os.path.exists(self.path)

    def load(self) -> Optional[bytes]:
        """The saved device image, None if there is no file yet."""
        self.recovered = None
        data = self._read(self.path)
        if data is None:
            self._current_good = False
            return None
        try:
            payload = decode(data, self.path)
        except StateFileError as damage:
            fallback = self._read(self.prev_path)
            if fallback is None:
                raise
            try:
                payload = decode(fallback, self.prev_path)
            except StateFileError:
                raise damage from None
            self._current_good = False
            self.recovered = (f"state file {self.path} is damaged; restarted from the previous "
                              f"generation, {self.prev_path} (the last saved change may be missing)")
            return payload
        self._current_good = True
        return payload

    @staticmethod
    def _read(path: str) -> Optional[bytes]:
        try:
            with open(path, "rb") as f:
                return f.read(MAX_PAYLOAD + HEADER_SIZE + 1)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise StateFileError(f"state file {path} is a folder; give a file name") from None

    def save(self, payload: bytes) -> None:
        """Replace the file's contents with ``payload``, atomically and durably."""
        data = encode(payload)
        # 0600: the image holds the pump's session keys once provisioned (spec 6.1).
        fd = os.open(self._tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            _unlink_quietly(self._tmp)
            raise
        os.close(fd)
        if self._current_good and os.path.exists(self.path):
            # Keep the generation being replaced: link, then rename over the
            # old .prev, so .prev too is always one whole image.
            _unlink_quietly(self._prev_tmp)
            try:
                os.link(self.path, self._prev_tmp)
            except OSError:
                # A file system without hard links (vfat, some network mounts):
                # the rename below still makes the save atomic; only the
                # fallback generation is not kept (an older one would be worse
                # than none: the fallback is never more than one generation old).
                self.keeps_prev = False
                _unlink_quietly(self.prev_path)
            else:
                os.replace(self._prev_tmp, self.prev_path)
        elif not os.path.exists(self.path):
            # A new pump: a .prev left by another pump is not its history.
            _unlink_quietly(self.prev_path)
        os.replace(self._tmp, self.path)
        dir_fd = os.open(self._dir, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self._current_good = True
        self.writes += 1


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
