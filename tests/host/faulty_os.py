"""A stand-in for ``os`` inside pyemu.host.statefile: a read-only folder or a full
disk, in-process, so the tests see both as any user (root ignores chmod)."""
import os


class FaultyOs:
    """``os`` for pyemu.host.statefile only: a read-only folder (no new file can be made)
    or a full disk (no byte can be written). In-process, so it works as root too."""

    def __init__(self, fault):
        self.fault = fault

    def __getattr__(self, name):
        return getattr(os, name)

    def open(self, path, flags, mode=0o777, **kw):
        if self.fault == "read-only" and flags & os.O_CREAT and not os.path.exists(path):
            raise PermissionError(13, "Permission denied", path)
        return os.open(path, flags, mode, **kw)

    def write(self, fd, data):
        if self.fault == "disk-full":
            raise OSError(28, "No space left on device")
        return os.write(fd, data)
