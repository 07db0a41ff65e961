"""The state file: atomic writes, and refusal of anything that is not a whole, current image."""
import os
import random
import struct
import zlib

import pytest

from faulty_os import FaultyOs

from pyemu.host import statefile
from pyemu.host.statefile import StateFile, StateFileError

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


# -- a damaged file is refused, never replaced by .prev behind the user's back (issue 11) --------

def _two_device_generations(path, newer_has_keys=False):
    """A state file saved twice with real device images: (older payload, newer payload)."""
    from pyemu.host.device import Device

    dev = Device()
    older = dev.save()
    if newer_has_keys:
        dev.provision(bytes(range(32)), bytes(range(32, 64)))
    dev.tick(3_600_000)
    newer = dev.save()
    with StateFile(str(path)) as sf:
        sf.save(older)
        sf.save(newer)
    return older, newer


def test_a_damaged_file_with_a_whole_prev_is_refused_and_neither_generation_changed(tmp_path):
    """load() does not fall back to FILE.prev: it refuses, names the recover command
    and describes the generation that command would restart from."""
    path = tmp_path / "pump.state"
    _two_device_generations(path)
    damaged = path.read_bytes()[:-100]
    path.write_bytes(damaged)
    prev = (tmp_path / "pump.state.prev").read_bytes()
    with StateFile(str(path)) as sf, pytest.raises(StateFileError) as info:
        sf.load()
    message = str(info.value)
    assert "has not been changed" in message and "truncated" in message
    assert f"pyemu state recover {path}" in message
    assert "simulated time day 0 00:00:00" in message and "NO keys" in message
    assert path.read_bytes() == damaged and (tmp_path / "pump.state.prev").read_bytes() == prev


def test_recover_restarts_from_prev_keeps_the_damaged_bytes_and_says_what_is_lost(tmp_path):
    path = tmp_path / "pump.state"
    older, _ = _two_device_generations(path)
    damaged = path.read_bytes()[:50]
    path.write_bytes(damaged)
    with StateFile(str(path)) as sf:
        result = sf.recover()
        assert sf.load() == older
    assert result.payload == older
    assert result.damaged_copy == f"{path}.damaged"
    assert (tmp_path / "pump.state.damaged").read_bytes() == damaged
    assert "Lost: every change the damaged generation saved" in result.report
    assert "50 bytes" in result.report and "truncated" in result.report
    assert statefile.decode((tmp_path / "pump.state.prev").read_bytes()) == older
    # A second damage and recovery never overwrites the first copy.
    path.write_bytes(b"junk")
    with StateFile(str(path)) as sf:
        assert sf.recover().damaged_copy == f"{path}.damaged.1"
    assert (tmp_path / "pump.state.damaged").read_bytes() == damaged


@pytest.mark.parametrize("setup, says", [
    (lambda p: p.write_bytes(statefile.encode(b"whole")), "is whole: nothing to recover"),
    (lambda p: None, "does not exist: nothing to recover"),
    (lambda p: p.write_bytes(b"torn"), "pump.state.prev does not exist"),
])
def test_recover_refuses_when_there_is_nothing_to_restart_from(tmp_path, setup, says):
    path = tmp_path / "pump.state"
    setup(path)
    before = path.read_bytes() if path.exists() else None
    with StateFile(str(path)) as sf, pytest.raises(StateFileError, match=says):
        sf.recover()
    assert (path.read_bytes() if path.exists() else None) == before
    assert not (tmp_path / "pump.state.damaged").exists()


def test_a_save_with_both_generations_leaves_the_same_image_in_prev(tmp_path):
    """The keys rule: after a provisioning save FILE.prev holds the new image too."""
    path = tmp_path / "pump.state"
    with StateFile(str(path)) as sf:
        sf.save(b"open pump")
        sf.save(b"pump with keys", both_generations=True)
    assert statefile.decode(path.read_bytes()) == b"pump with keys"
    assert statefile.decode((tmp_path / "pump.state.prev").read_bytes()) == b"pump with keys"


def test_a_read_only_state_file_is_refused_and_keeps_its_mode(tmp_path):
    path = tmp_path / "pump.state"
    path.write_bytes(statefile.encode(b"kept"))
    path.chmod(0o444)
    with pytest.raises(StateFileError, match=r"read-only \(mode 0444\).*chmod 600"):
        StateFile(str(path)).lock()
    assert path.stat().st_mode & 0o777 == 0o444 and statefile.decode(path.read_bytes()) == b"kept"
    path.chmod(0o600)
    with StateFile(str(path)) as sf:  # not left locked by the refusal
        assert sf.load() == b"kept"


def test_a_folder_where_the_lock_cannot_be_made_is_refused_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setattr(statefile, "os", FaultyOs("read-only"))
    with pytest.raises(StateFileError, match=r"cannot create its lock file .*Permission denied"):
        StateFile(str(tmp_path / "pump.state")).lock()
