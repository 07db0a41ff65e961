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
to the old file, made before the new one replaces it: no extra copy). With a
disk that honours fsync the file is never found damaged (the rename is ordered
after the data); ``FILE.prev`` covers storage that reorders the rename before
the data, where the file can come back truncated after a power cut.
``tests/faults/test_power_cut.py`` cuts a save at every operation and byte
offset under both disk models.

A file that is empty, truncated, corrupt, from another program or from a newer
format is refused with :class:`StateFileError`, whose message says what is
wrong and what the user can do; the file is never overwritten in that case,
and :meth:`StateFile.load` never falls back to ``FILE.prev`` by itself (the
newest generation may hold changes a client was told were made). Restarting
from ``FILE.prev`` is the user's explicit choice, :meth:`StateFile.recover`
(``pyemu state recover FILE``), which keeps the damaged bytes aside as
``FILE.damaged`` and says what is lost.

Keys rule: a save that changes the pump's keys (provisioning) is written with
``both_generations=True``, so ``FILE.prev`` (a copy, not a link) holds the
keys too. Recovering
from ``FILE.prev`` therefore never silently drops keys: a ``.prev`` without
keys means the damaged generation had none either (and ``recover`` says so).

A state file the emulator may not write (mode without owner write, e.g.
0444) is refused, not silently replaced by a writable one. An advisory lock
(``flock`` on ``FILE.lock``) keeps two emulators from sharing one pump's
memory; a folder where the lock or the file cannot be written is refused with
the system's reason.
"""
from __future__ import annotations

import errno
import fcntl
import os
import stat
import struct
import time
import zlib
from dataclasses import dataclass
from typing import Optional

__all__ = ["StateFile", "StateFileError", "Recovery", "MAGIC", "FORMAT_VERSION", "encode",
           "decode", "describe_image", "RECOVER_COMMAND"]

#: The command that restarts a pump from its previous generation (printed in refusals).
RECOVER_COMMAND = "pyemu state recover"

MAGIC = b"PYEMUNV\x1a"
FORMAT_VERSION = 1
_HEADER = struct.Struct("<8sHHII")  # magic, version, reserved, length, payload crc
HEADER_SIZE = _HEADER.size + 4  # + CRC-32 of those 20 bytes
_WRITABLE_FOLDER = ("The pump's memory is saved in that folder after every command: use a "
                    "folder you can write, on a disk with free space.")
# A device image is tens of kilobytes; refuse anything absurd before reading it.
MAX_PAYLOAD = 16 * 1024 * 1024


class StateFileError(Exception):
    """The state file cannot be used. The message is meant for the user.

    ``reason``: for a file that does not decode, what is wrong with it alone
    (e.g. "it is truncated (...)"), without the path and the advice."""

    def __init__(self, message: str, reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class Recovery:
    """What :meth:`StateFile.recover` did: the image now in the file, and what was lost."""

    payload: bytes
    #: Where the damaged bytes were kept.
    damaged_copy: str
    #: One paragraph for the user: the generation kept, the one lost.
    report: str


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


def _when(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def _sim_time(ms: int) -> str:
    days, rest = divmod(ms // 1000, 86_400)
    hours, rest = divmod(rest, 3600)
    return f"day {days} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"


def describe_image(payload: bytes) -> str:
    """One line about a device image: simulated time, events logged, serial, keys.

    The image is loaded into a throw-away device (nothing is written); an image
    the device refuses is described as such."""
    try:
        from pyemu.host.device import Device, DeviceError
        from pyemu.pump.core import PumpError
    except ImportError as exc:  # the C extension is not built: still say something
        return f"{len(payload)} bytes (not inspected: {exc})"
    try:
        dev = Device.load(payload)
    except (DeviceError, PumpError, ValueError) as exc:
        return f"{len(payload)} bytes that this pyemu's device refuses ({exc})"
    # Loading logs one RESET: the image itself holds one event fewer.
    logged = max(0, dev.status().last_event_seq - 1)
    keys = "keys provisioned" if dev.provisioned else "NO keys (open to any client)"
    return (f"simulated time {_sim_time(dev.now_ms)}, {logged} event{'' if logged == 1 else 's'} logged, "
            f"serial {dev.config.serial}, {keys}")


def decode(data: bytes, path: str = "state file") -> bytes:
    """The payload of a state file's contents, or :class:`StateFileError`."""
    def refuse(what: str) -> StateFileError:
        return StateFileError(f"state file {path}: {what}. {_advice(path)}", reason=what)

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
        try:
            fd = os.open(self.path + ".lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise StateFileError(
                f"state file {self.path}: cannot create its lock file {self.path}.lock "
                f"({exc.strerror}). {_WRITABLE_FOLDER}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EACCES):
                raise StateFileError(
                    f"state file {self.path} is in use by another running emulator "
                    f"(lock {self.path}.lock is held); stop that one first, or use another file"
                ) from None
            raise StateFileError(f"state file {self.path}: cannot lock {self.path}.lock "
                                 f"({exc.strerror})") from None
        self._lock_fd = fd
        try:
            self._refuse_read_only()
        except StateFileError:
            self.close()
            raise
        # A temporary file left by a process killed mid-write is garbage: the
        # real file was never replaced by it.
        _unlink_quietly(self._tmp)
        _unlink_quietly(self._prev_tmp)

    def _refuse_read_only(self) -> None:
        """A file its owner may not write was made so on purpose: do not replace it.

        Mode bits, not os.access: as root, access() says every file is writable."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StateFileError(f"state file {self.path}: {exc.strerror}") from None
        if stat.S_ISREG(st.st_mode) and not st.st_mode & stat.S_IWUSR:
            mode = stat.S_IMODE(st.st_mode)
            raise StateFileError(
                f"state file {self.path} is read-only (mode {mode:04o}), and the emulator "
                f"rewrites it after every command. The file has not been changed. To let this "
                f"pump run, make it writable (chmod 600 {self.path}); to keep it as it is, "
                f"use a copy (cp {self.path} copy.state, then --state copy.state).")

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
        """The saved device image, None if there is no file yet.

        A damaged file is refused (:class:`StateFileError`), never replaced by
        ``FILE.prev``: if the previous generation is whole, the message says
        what it holds and names the command that restarts from it."""
        data = self._read(self.path)
        if data is None:
            self._current_good = False
            return None
        try:
            payload = decode(data, self.path)
        except StateFileError as damage:
            self._current_good = False
            previous = self._whole_previous()
            if previous is None:
                raise
            raise StateFileError(
                f"state file {self.path}: {_damage(damage)}. The file has not been changed. "
                f"Its previous generation {self.prev_path} is whole ({describe_image(previous)}). "
                f"To restart from it, losing the changes saved after it: "
                f"{RECOVER_COMMAND} {self.path} (the damaged bytes are kept aside); "
                f"or restore {self.path} from a backup."
            ) from None
        self._current_good = True
        return payload

    def _whole_previous(self) -> Optional[bytes]:
        """The previous generation's image if it decodes, else None."""
        try:
            data = self._read(self.prev_path)
        except StateFileError:
            return None
        if data is None:
            return None
        try:
            return decode(data, self.prev_path)
        except StateFileError:
            return None

    def recover(self) -> Recovery:
        """Restart a damaged file from ``FILE.prev`` (the user's explicit choice).

        Refuses a file that is whole or missing (nothing to recover) and a
        ``.prev`` that is missing or damaged. The damaged bytes are first copied
        to ``FILE.damaged`` (``FILE.damaged.N`` if taken; never overwritten),
        then the previous generation's bytes replace the file atomically; both
        generations then hold the same image. Call with the lock held."""
        data = self._read(self.path)
        if data is None:
            raise StateFileError(f"state file {self.path} does not exist: nothing to recover "
                                 f"('pyemu serve --state {self.path}' starts a new pump)")
        try:
            decode(data, self.path)
        except StateFileError as damage:
            reason = _damage(damage)
        else:
            raise StateFileError(f"state file {self.path} is whole: nothing to recover "
                                 f"(it was not changed)")
        previous = self._whole_previous()
        if previous is None:
            what = "does not exist" if self._read(self.prev_path) is None else "is damaged too"
            raise StateFileError(
                f"state file {self.path}: {reason}, and its previous generation {self.prev_path} "
                f"{what}: there is nothing to restart from. {_advice(self.path)}")
        # Everything the report needs is read before anything changes.
        kept = describe_image(previous)
        file_time = _when(os.stat(self.path).st_mtime)
        prev_time = _when(os.stat(self.prev_path).st_mtime)
        copy = self._keep_aside(data)
        self._replace_with(encode(previous))
        self.writes += 1
        report = (
            f"{self.path} restarted from its previous generation {self.prev_path} "
            f"(written {prev_time}): {kept}. "
            f"Lost: every change the damaged generation saved after that (it was written "
            f"{file_time}, {len(data)} bytes, {reason}); its bytes are kept in {copy}."
        )
        return Recovery(payload=previous, damaged_copy=copy, report=report)

    def _keep_aside(self, data: bytes) -> str:
        """Copy ``data`` to a new FILE.damaged[.N] (never over an existing file)."""
        for n in range(1000):
            name = self.path + (".damaged" if n == 0 else f".damaged.{n}")
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
            except FileExistsError:
                continue
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                os.fsync(fd)
            except BaseException:
                os.close(fd)
                _unlink_quietly(name)
                raise
            os.close(fd)
            return name
        raise StateFileError(f"state file {self.path}: {self.path}.damaged.1 to .999 all exist; "
                             f"move some aside first")

    @staticmethod
    def _read(path: str) -> Optional[bytes]:
        try:
            with open(path, "rb") as f:
                return f.read(MAX_PAYLOAD + HEADER_SIZE + 1)
        except FileNotFoundError:
            return None
        except IsADirectoryError:
            raise StateFileError(f"state file {path} is a folder; give a file name") from None

    def save(self, payload: bytes, both_generations: bool = False) -> None:
        """Replace the file's contents with ``payload``, atomically and durably.

        ``both_generations``: afterwards ``FILE.prev`` holds ``payload`` too (the
        keys rule: a save that provisions keys must not leave a keyless
        fallback). Raises OSError (e.g. ENOSPC, EROFS) with the old file intact."""
        data = encode(payload)
        self._tmp_write(self._tmp, data)
        if self._current_good and os.path.exists(self.path):
            # Keep the generation being replaced: link, then rename over the
            # old .prev, so .prev too is always one whole image.
            self._link_current_as_prev()
        elif not os.path.exists(self.path):
            # A new pump: a .prev left by another pump is not its history.
            _unlink_quietly(self.prev_path)
        self._commit()
        if both_generations and self.keeps_prev:
            # A copy, not a link: one inode for both generations would be one
            # point of failure (a file damaged in place would take .prev along).
            self._tmp_write(self._prev_tmp, data)
            os.replace(self._prev_tmp, self.prev_path)
            self._fsync_dir()
        self.writes += 1

    def _tmp_write(self, tmp: str, data: bytes) -> None:
        # 0600: the image holds the pump's session keys once provisioned (spec 6.1).
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            _unlink_quietly(tmp)
            raise
        os.close(fd)

    def _link_current_as_prev(self) -> None:
        _unlink_quietly(self._prev_tmp)
        try:
            os.link(self.path, self._prev_tmp)
        except OSError:
            # A file system without hard links (vfat, some network mounts):
            # the rename still makes the save atomic; only the fallback
            # generation is not kept (an older one would be worse than none:
            # the fallback is never more than one generation old).
            self.keeps_prev = False
            _unlink_quietly(self.prev_path)
        else:
            os.replace(self._prev_tmp, self.prev_path)

    def _commit(self) -> None:
        os.replace(self._tmp, self.path)
        self._fsync_dir()
        self._current_good = True

    def _fsync_dir(self) -> None:
        dir_fd = os.open(self._dir, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _replace_with(self, data: bytes) -> None:
        """Write whole file contents ``data`` over the file, leaving ``.prev`` as it is."""
        self._tmp_write(self._tmp, data)
        self._commit()


def _damage(exc: StateFileError) -> str:
    """The 'what is wrong' part of a decode refusal (without path and advice)."""
    return exc.reason or str(exc)


def _unlink_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
