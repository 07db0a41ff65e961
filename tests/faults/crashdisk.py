"""A model of one directory on a disk whose power can be cut at any instant.

:class:`CrashDisk` stands in for the ``os`` module inside ``pyemu.host.statefile``
while :meth:`StateFile.save` runs, records what the writer does, and after
every operation hands each state the watched files could be found in, if the
power failed right then, to a check (each distinct state once; temporary
files are not watched: a restart removes them). Two disk models:

* ``honest``: fsync does what it promises. File data not yet fsync'ed may be
  on the disk up to any byte offset, or with a later page written before an
  earlier one; directory changes (create, link, rename, unlink) reach the
  disk in the order they were made (a journaling file system commits them in
  order), any prefix of those not yet fsync'ed.
* ``lying``: fsync is ignored (a disk that acknowledges its write cache, or a
  file system mounted without barriers): everything written in this save is
  in the state above, and a rename may be on the disk before the data of the
  file it names. State from before the save is on the disk.

Writes return at most 4096 bytes per call, so the writer's loop over short
writes is exercised too.
"""
from __future__ import annotations

import os
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

PAGE = 4096


class _Inode:
    def __init__(self, data: bytes = b"") -> None:
        self.cached = bytearray(data)   # what a reader of the running system sees
        self.synced = bytes(data)       # what is certainly on the disk
        self.version = 0                # +1 per change of cached
        self.synced_version = 0

    def variants(self) -> Iterator[Tuple[object, bytes]]:
        """(key, contents) for every contents the disk may hold for this file after a
        power cut; equal keys mean equal contents."""
        cached = bytes(self.cached)
        if cached == self.synced:
            yield ("synced", id(self), self.synced_version), cached
            return
        yield ("synced", id(self), self.synced_version), self.synced
        # The new data reached the disk up to any byte offset ...
        for cut in range(len(cached) + 1):
            yield ("cut", id(self), self.version, cut), cached[:cut]
        # ... or a later page before the first one (the writeback order is free).
        if len(cached) > PAGE:
            yield ("page", id(self), self.version), bytes(PAGE) + cached[PAGE:]


class _FakePath:
    """The few ``os.path`` functions the writer uses, answered from the model."""

    def __init__(self, disk: "CrashDisk") -> None:
        self._disk = disk

    def exists(self, path: str) -> bool:
        return os.path.basename(path) in self._disk.names

    def __getattr__(self, name: str) -> object:
        return getattr(os.path, name)


class CrashDisk:
    """One directory (``root``) of a disk; use as the ``os`` of pyemu.host.statefile."""

    def __init__(self, root: str, files: Dict[str, bytes], watched: Sequence[str],
                 check: Callable[[Dict[str, bytes]], None], honest: bool = True) -> None:
        """``files``: the folder's contents, all on the disk. At every instant,
        ``check`` is called once per distinct possible contents of the
        ``watched`` names (a missing name is absent from the dict)."""
        self.root = root
        self.watched = sorted(watched)
        self.check = check
        self.seen: Set[Tuple[object, ...]] = set()
        self.honest = honest
        self.path = _FakePath(self)
        self.names: Dict[str, _Inode] = {n: _Inode(d) for n, d in files.items()}
        self.durable_names: Dict[str, _Inode] = dict(self.names)
        # Directory changes not yet durable, one list per journal transaction:
        # ("set", name, inode) or ("del", name, None).
        self.pending: List[List[Tuple[str, str, Optional[_Inode]]]] = []
        self._fds: Dict[int, Optional[_Inode]] = {}                  # None: the directory
        self._next_fd = 100
        self.operations: List[str] = []
        self.point()

    def __getattr__(self, name: str) -> object:
        if name.startswith("O_"):
            return getattr(os, name)
        raise AttributeError(f"the writer used os.{name}, which the crash model does not know")

    # -- crash states ---------------------------------------------------------------
    def point(self) -> None:
        """An instant at which the power may fail: check every possible disk state."""
        for k in range(len(self.pending) + 1):
            names = dict(self.durable_names)
            for transaction in self.pending[:k]:
                _apply(names, transaction)
            entries = [(n, names[n]) for n in self.watched if n in names]
            self._expand(entries, 0, {}, (), {})

    def _expand(self, entries: List[Tuple[str, _Inode]], i: int, chosen: Dict[int, Tuple[object, bytes]],
                key: Tuple[object, ...], state: Dict[str, bytes]) -> None:
        if i == len(entries):
            if key not in self.seen:
                self.seen.add(key)
                self.check(state)
            return
        name, inode = entries[i]
        if id(inode) in chosen:  # two names of one inode (a hard link) show the same data
            k, data = chosen[id(inode)]
            self._expand(entries, i + 1, chosen, key + ((name, k),), {**state, name: data})
            return
        for k, data in inode.variants():
            self._expand(entries, i + 1, {**chosen, id(inode): (k, data)}, key + ((name, k),),
                         {**state, name: data})

    # -- the os functions the writer calls ------------------------------------------
    def _name(self, path: str) -> str:
        assert os.path.dirname(path) == self.root, f"{path} is outside the modelled folder"
        return os.path.basename(path)

    def open(self, path: str, flags: int, mode: int = 0o777) -> int:
        fd = self._next_fd
        self._next_fd += 1
        if path == self.root:
            self._fds[fd] = None
            return fd
        name = self._name(path)
        inode = self.names.get(name)
        if inode is None:
            if not flags & os.O_CREAT:
                raise FileNotFoundError(path)
            inode = _Inode()
            self.names[name] = inode
            self.pending.append([("set", name, inode)])
        if flags & os.O_TRUNC and inode.cached:
            del inode.cached[:]
            inode.version += 1
        self._fds[fd] = inode
        self.operations.append(f"open {name}")
        self.point()
        return fd

    def write(self, fd: int, data: object) -> int:
        inode = self._fds[fd]
        assert inode is not None
        chunk = bytes(data)[:PAGE]  # type: ignore[call-overload]
        inode.cached += chunk
        inode.version += 1
        self.operations.append(f"write {len(chunk)}")
        self.point()
        return len(chunk)

    def fsync(self, fd: int) -> None:
        inode = self._fds[fd]
        if self.honest:
            if inode is None:
                for transaction in self.pending:
                    _apply(self.durable_names, transaction)
                self.pending.clear()
            else:
                inode.synced = bytes(inode.cached)
                inode.synced_version = inode.version
        self.operations.append("fsync " + ("dir" if inode is None else "file"))
        self.point()

    def close(self, fd: int) -> None:
        del self._fds[fd]

    def replace(self, src: str, dst: str) -> None:
        s, d = self._name(src), self._name(dst)
        inode = self.names.pop(s)
        self.names[d] = inode
        # One journal transaction: both entries change together.
        self.pending.append([("set", d, inode), ("del", s, None)])
        self.operations.append(f"rename {s} {d}")
        self.point()

    def link(self, src: str, dst: str) -> None:
        s, d = self._name(src), self._name(dst)
        if d in self.names:
            raise FileExistsError(dst)
        inode = self.names[s]
        self.names[d] = inode
        self.pending.append([("set", d, inode)])
        self.operations.append(f"link {s} {d}")
        self.point()

    def unlink(self, path: str) -> None:
        name = self._name(path)
        if name not in self.names:
            raise FileNotFoundError(path)
        del self.names[name]
        self.pending.append([("del", name, None)])
        self.operations.append(f"unlink {name}")
        self.point()


def _apply(names: Dict[str, _Inode], transaction: List[Tuple[str, str, Optional[_Inode]]]) -> None:
    for op, name, inode in transaction:
        if op == "set":
            assert inode is not None
            names[name] = inode
        else:
            names.pop(name, None)
