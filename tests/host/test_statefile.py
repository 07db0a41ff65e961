"""The state file: atomic writes, and refusal of anything that is not a whole, current image."""
import os
import random
import struct
import zlib

import pytest

from pyemu import statefile
from pyemu.statefile import StateFile, StateFileError

PAYLOAD = bytes(range(256)) * 40


def _write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def test_save_then_load_returns_the_same_image(tmp_path):
    path = tmp_path / "pump.state"
    with StateFile(str(path)) as sf:
        assert sf.load() is None
        sf.save(PAYLOAD)
        sf.save(PAYLOAD[:100])
        assert sf.load() == PAYLOAD[:100]
    assert sorted(os.listdir(tmp_path)) == ["pump.state", "pump.state.lock", "pump.state.prev"], \
        "no temporary file left; the generation before is kept"


def test_every_truncation_is_refused_and_the_file_left_alone(tmp_path):
    """Cutting a valid file at any length gives StateFileError, never a payload."""
    whole = statefile.encode(PAYLOAD[:300])
    path = tmp_path / "pump.state"
    sf = StateFile(str(path))
    for cut in range(len(whole)):
        _write(path, whole[:cut])
        with pytest.raises(StateFileError) as info:
            sf.load()
        assert "has not been changed" in str(info.value)
        assert path.read_bytes() == whole[:cut]


def test_every_single_bit_flip_is_refused(tmp_path):
    """A flipped bit anywhere in the file is detected (CRC-32 catches all 1-bit errors)."""
    whole = statefile.encode(PAYLOAD[:64])
    path = tmp_path / "pump.state"
    sf = StateFile(str(path))
    for bit in range(len(whole) * 8):
        damaged = bytearray(whole)
        damaged[bit // 8] ^= 1 << (bit % 8)
        _write(path, bytes(damaged))
        with pytest.raises(StateFileError):
            sf.load()


@pytest.mark.parametrize(
    "contents, says",
    [
        (b"", "empty"),
        (b"SQLite format 3\x00" + bytes(100), "not a pyemu state file"),
        (b"\x7fELF" + bytes(60), "not a pyemu state file"),
        (statefile.MAGIC[:5], "truncated"),
        (statefile.encode(b"abc") + b"x", "unexpected bytes"),
    ],
)
def test_foreign_or_damaged_files_are_refused_with_advice(tmp_path, contents, says):
    path = tmp_path / "pump.state"
    _write(path, contents)
    with pytest.raises(StateFileError) as info:
        StateFile(str(path)).load()
    message = str(info.value)
    assert says in message
    assert f"mv {path} {path}.bad" in message


def test_a_newer_format_is_refused_not_misread(tmp_path):
    head = struct.pack("<8sHHIII", statefile.MAGIC, 99, 0, 3, zlib.crc32(b"abc"), 0)[:20]
    path = tmp_path / "pump.state"
    _write(path, head + struct.pack("<I", zlib.crc32(head)) + b"abc")
    with pytest.raises(StateFileError, match="format version 99"):
        StateFile(str(path)).load()


def test_a_second_emulator_cannot_take_the_same_file(tmp_path):
    path = str(tmp_path / "pump.state")
    with StateFile(path):
        with pytest.raises(StateFileError, match="in use by another running emulator"):
            StateFile(path).lock()
    with StateFile(path):  # released on close
        pass


def test_a_temporary_file_left_by_a_killed_writer_is_removed_and_the_old_image_kept(tmp_path):
    path = tmp_path / "pump.state"
    _write(path, statefile.encode(b"committed"))
    _write(tmp_path / ".pump.state.tmp", b"half a wri")
    with StateFile(str(path)) as sf:
        assert sf.load() == b"committed"
    assert not (tmp_path / ".pump.state.tmp").exists()


def test_random_payloads_round_trip():
    """decode(encode(p)) == p for seeded random payloads of many sizes."""
    rng = random.Random(4)
    for size in [0, 1, 2, 23, 24, 25, 1000, 70000]:
        payload = rng.randbytes(size)
        assert statefile.decode(statefile.encode(payload)) == payload
