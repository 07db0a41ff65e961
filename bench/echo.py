"""A raw pty echo server (``python -m bench.echo``): the floor for the link round trip.

Like the emulator, it opens a pseudo-terminal pair, prints the path a client
opens, and answers on the master side; but it only copies bytes back with
os.read/os.write, so a round trip through it is the kernel's pty cost plus
two process wake-ups and nothing else.
"""
from __future__ import annotations

import os
import sys
import tty


def main() -> int:
    master, slave = os.openpty()
    tty.setraw(slave)  # no echo, no line editing: bytes go through untouched
    print(os.ttyname(slave), flush=True)
    while True:  # until the benchmark closes our stdin side or kills us
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: every client closed the slave side for good
            return 0
        if not data:
            return 0
        os.write(master, data)


if __name__ == "__main__":
    sys.exit(main())
