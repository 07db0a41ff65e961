"""Power cut during a state-file save, at every operation and byte offset.

The emulator's memory is ``pyemu.host.statefile``; these tests run its real
``save`` against :class:`crashdisk.CrashDisk` (a model of a disk whose power
can fail at any instant, with fsync honoured or ignored) and load every
directory state the disk could be left in with the real ``load``. The pump
must come back with the last committed image or the one before it, whole:
never a mix, never garbage, and a loaded image keeps every event log entry
its generation committed. Where the disk ignores fsync the file itself can be
torn: ``load`` then refuses it (never falls back by itself) and names
``pyemu state recover``, which restarts from ``FILE.prev``.
"""
from __future__ import annotations

import io
import os
from typing import Dict, List, Optional, Tuple

import pytest

from crashdisk import CrashDisk
from pyemu import protocol as P
from pyemu.host import statefile
from pyemu.pump.core import EventKind
from pyemu.host.device import Device
from pyemu.host.statefile import StateFile, StateFileError

ROOT = "/pump-disk"
NAME = "pump.state"
PATH = f"{ROOT}/{NAME}"
WATCHED = [NAME, NAME + ".prev"]
OPTIONS = dict(clock="manual", test_features=True, hold_until_saved=True)

# A therapy session: every request changes the pump, so each one is a new generation.
SESSION: List[Tuple[str, dict]] = [
    ("REFILL", dict(volume_nl=20_000_000, drug=1, conc_ug_ml=1000)),
    ("PRESCRIBE", dict(drug=1, conc_ug_ml=1000, max_dose_ug_24h=10_000, low_reservoir_nl=2_000_000,
                       pb_enabled=1, pb_volume_nl=50_000, pb_duration_ms=600_000,
                       pb_lockout_ms=3_600_000, pb_max_per_24h=4, step_unit=0,
                       steps=[{"start_min": 0, "value": 500_000}])),
    ("ADVANCE", dict(delta_ms=6 * 3_600_000)),
    ("PATIENT_BOLUS", {}),
    ("PATIENT_BOLUS", {}),
    ("CLINICIAN_BOLUS", dict(volume_nl=100_000, duration_ms=3_600_000)),
    ("ADVANCE", dict(delta_ms=30 * 86_400_000)),
    ("INJECT_FAULT", dict(fault=1, action=0)),
    ("ADVANCE", dict(delta_ms=60_000)),
    ("ACK_ALARM", dict(alarm_bits=0x7F)),
]


def committed_history() -> List[Tuple[bytes, list]]:
    """(image, event log) of every generation a host made durable, oldest first."""
    dev = Device(**OPTIONS)
    history = []
    gen = dev.nv_generation
    history.append((dev.save(), dev.events()))
    dev.mark_saved(gen)
    for seq, (name, fields) in enumerate(SESSION, start=1):
        dev.feed(P.encode(name, seq=seq, **fields))
        assert dev.nv_dirty, f"{name} did not change the pump"
        gen = dev.nv_generation
        history.append((dev.save(), dev.events()))
        dev.mark_saved(gen)
        assert dev.read_output()
    return history


HISTORY = committed_history()


def _fake_open(disk_state: Dict[str, bytes]):
    def fake_open(path, mode="r"):
        assert mode == "rb"
        name = os.path.basename(path)
        if name not in disk_state:
            raise FileNotFoundError(path)
        return io.BytesIO(disk_state[name])
    return fake_open


def cut_power_during_save(monkeypatch, files: Dict[str, bytes], new_payload: bytes,
                          honest: bool) -> Tuple[Dict[Optional[bytes], int], List[str], CrashDisk]:
    """Save ``new_payload`` over ``files``; load every state a power cut could leave.

    Returns {loaded payload (None: no file, a new pump): how many states},
    the refusals (StateFileError messages), and the disk model. A refusal that
    offers ``pyemu state recover`` also counts, in the outcomes, the image that
    command restarts from (FILE.prev's).
    """
    outcomes: Dict[Optional[bytes], int] = {}
    refusals: List[str] = []

    def restart(disk_state: Dict[str, bytes]) -> None:
        monkeypatch.setattr(statefile, "open", _fake_open(disk_state), raising=False)
        try:
            loaded = StateFile(PATH).load()
        except StateFileError as exc:
            refusals.append(str(exc))
            if statefile.RECOVER_COMMAND in str(exc):
                recovered = statefile.decode(disk_state[NAME + ".prev"])
                outcomes[recovered] = outcomes.get(recovered, 0) + 1
        else:
            outcomes[loaded] = outcomes.get(loaded, 0) + 1
        finally:
            monkeypatch.delattr(statefile, "open", raising=False)

    # The emulator's StateFile: it loaded what is on the disk, then saves.
    monkeypatch.setattr(statefile, "open", _fake_open(files), raising=False)
    writer = StateFile(PATH)
    writer.load()
    monkeypatch.delattr(statefile, "open", raising=False)
    disk = CrashDisk(ROOT, files, WATCHED, restart, honest=honest)
    monkeypatch.setattr(statefile, "os", disk)
    try:
        writer.save(new_payload)
    finally:
        monkeypatch.setattr(statefile, "os", os)
    restart({n: bytes(disk.names[n].cached) for n in WATCHED if n in disk.names})
    return outcomes, refusals, disk


def disk_after(gen: int) -> Dict[str, bytes]:
    """The folder once generation ``gen`` is committed (and gen - 1 kept as .prev)."""
    files = {NAME: statefile.encode(HISTORY[gen][0])}
    if gen >= 1:
        files[NAME + ".prev"] = statefile.encode(HISTORY[gen - 1][0])
    return files


DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"
# fsync ignored: ~14,000 torn states per save; three saves in CI, every one with the deep profile.
CASES = [(gen, True) for gen in range(1, len(HISTORY))] + [
    (gen, False) for gen in (range(1, len(HISTORY)) if DEEP else (1, 5, len(HISTORY) - 1))]


@pytest.mark.parametrize("gen, honest", CASES,
                         ids=[f"gen{g}-{'fsync-honoured' if h else 'fsync-ignored'}" for g, h in CASES])
def test_power_cut_anywhere_in_a_save_restarts_with_the_old_or_new_image_whole(monkeypatch, gen, honest):
    """Invariant: for a cut at every operation and every byte offset of the new
    file (torn or page-reordered), the pump restarts with exactly the committed
    image of generation gen - 1 or gen: never a mix, never garbage. With fsync
    honoured load() never refuses; with fsync ignored a torn file is refused,
    unchanged, and every refusal offers `pyemu state recover`, which restarts
    from a committed image."""
    old, new = HISTORY[gen - 1][0], HISTORY[gen][0]
    outcomes, refusals, disk = cut_power_during_save(monkeypatch, disk_after(gen - 1), new, honest)
    if honest:
        assert refusals == []
    else:
        assert refusals, "the lying disk must tear the file somewhere"
        assert all(statefile.RECOVER_COMMAND in r and "has not been changed" in r for r in refusals)
    assert set(outcomes) <= {old, new}, "a power cut produced an image that was never committed"
    assert outcomes.get(old) and outcomes.get(new), "both sides of the commit point must be reached"
    # The cut was tried inside the new file's data at every byte offset.
    torn = sum(outcomes.values())
    assert torn >= (len(statefile.encode(new)) if not honest else 4)
    assert disk.operations.index("fsync file") < disk.operations.index(f"rename .{NAME}.tmp {NAME}")
    assert disk.operations[-1] == "fsync dir"


@pytest.mark.parametrize("honest", [True, False], ids=["fsync-honoured", "fsync-ignored"])
def test_power_cut_in_the_first_save_of_a_new_pump_never_loads_garbage(monkeypatch, honest):
    """The very first save has no older image: a cut leaves no file (a new pump),
    the first image, or (fsync ignored) a file that is refused with advice."""
    outcomes, refusals, _ = cut_power_during_save(monkeypatch, {}, HISTORY[0][0], honest)
    assert set(outcomes) <= {None, HISTORY[0][0]}
    assert outcomes.get(None) and outcomes.get(HISTORY[0][0])
    if honest:
        assert refusals == []
    assert all("has not been changed" in r for r in refusals)


def test_every_loaded_generation_keeps_every_committed_event_and_adds_a_reset():
    """Invariant: restarting from generation g's image gives exactly g's event
    log plus one RESET entry, and the core's invariants and volume balance hold."""
    for gen, (image, events) in enumerate(HISTORY):
        dev = Device.load(image, **OPTIONS)
        loaded = dev.events()
        assert loaded[:-1] == events, f"generation {gen} lost or changed a committed event"
        assert loaded[-1].kind == EventKind.RESET and loaded[-1].seq == events[-1].seq + 1
        dev.check()
        b = dev.balance()
        assert b.filled_nl == b.discarded_nl + b.pumped_nl + b.reservoir_nl


def test_the_crash_model_catches_a_writer_that_writes_in_place(monkeypatch):
    """The harness has teeth: a writer that overwrites the file in place (no
    temporary file, no rename) is caught leaving a torn image behind."""
    old, new = HISTORY[1][0], HISTORY[2][0]
    found: List[object] = []

    def restart(disk_state: Dict[str, bytes]) -> None:
        try:
            found.append(statefile.decode(disk_state.get(NAME, b""), PATH))
        except StateFileError:
            found.append("refused")

    disk = CrashDisk(ROOT, {NAME: statefile.encode(old)}, WATCHED, restart, honest=True)
    fd = disk.open(PATH, os.O_WRONLY | os.O_TRUNC)
    data = memoryview(statefile.encode(new))
    while data:
        data = data[disk.write(fd, data):]
    disk.fsync(fd)
    assert "refused" in found and old in found and new in found


def test_a_damaged_file_is_refused_and_recovered_from_the_previous_generation_on_request(tmp_path):
    """With the file torn and .prev whole, load() refuses (file unchanged) and names
    the recover command; recover() restarts from .prev's image, and the next
    save keeps that good image as .prev."""
    path = tmp_path / NAME
    with StateFile(str(path)) as sf:
        sf.save(HISTORY[1][0])
        sf.save(HISTORY[2][0])
    torn = statefile.encode(HISTORY[2][0])[:-100]
    path.write_bytes(torn)
    with StateFile(str(path)) as sf:
        with pytest.raises(StateFileError, match=statefile.RECOVER_COMMAND):
            sf.load()
        assert path.read_bytes() == torn
        assert sf.recover().payload == HISTORY[1][0]
        sf.save(HISTORY[3][0])
        assert statefile.decode((tmp_path / (NAME + ".prev")).read_bytes()) == HISTORY[1][0]
        assert sf.load() == HISTORY[3][0]


def test_both_generations_damaged_is_refused_not_guessed(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(statefile.encode(HISTORY[2][0])[:50])
    (tmp_path / (NAME + ".prev")).write_bytes(b"garbage")
    with StateFile(str(path)) as sf, pytest.raises(StateFileError, match="truncated"):
        sf.load()


def test_a_new_pump_does_not_inherit_another_pumps_prev(tmp_path):
    """A .prev left by a pump whose file was moved aside is removed on the new pump's first save."""
    path = tmp_path / NAME
    (tmp_path / (NAME + ".prev")).write_bytes(statefile.encode(b"another pump"))
    with StateFile(str(path)) as sf:
        assert sf.load() is None
        sf.save(HISTORY[0][0])
    assert not (tmp_path / (NAME + ".prev")).exists()


def test_temporary_files_of_a_killed_writer_are_removed(tmp_path):
    path = tmp_path / NAME
    path.write_bytes(statefile.encode(HISTORY[0][0]))
    for junk in (f".{NAME}.tmp", f".{NAME}.prev.tmp"):
        (tmp_path / junk).write_bytes(b"half")
    with StateFile(str(path)) as sf:
        assert sf.load() == HISTORY[0][0]
    assert sorted(os.listdir(tmp_path)) == [NAME, NAME + ".lock"]


def test_a_folder_without_hard_links_still_saves_atomically(tmp_path, monkeypatch):
    """Where os.link fails (vfat, some network mounts) saves still work; .prev is
    not kept, and an older one is removed rather than left as a stale fallback."""
    path = tmp_path / NAME

    def no_links(src, dst):
        raise PermissionError(1, "Operation not permitted")

    with StateFile(str(path)) as sf:
        sf.save(HISTORY[1][0])
        sf.save(HISTORY[2][0])
        assert (tmp_path / (NAME + ".prev")).exists()
        monkeypatch.setattr(statefile.os, "link", no_links)
        sf.save(HISTORY[3][0])
        assert sf.load() == HISTORY[3][0] and not sf.keeps_prev
    assert not (tmp_path / (NAME + ".prev")).exists(), "a stale .prev (two generations old) is removed"
