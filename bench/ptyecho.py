"""The echo server of ``bench.echo`` as a context manager: the floor for link round trips."""
from __future__ import annotations

import os
import subprocess
import sys

PAYLOAD = bytes(range(32))  # what the echo round trips carry


class EchoServer:
    """``python -m bench.echo`` in its own process; ``path`` is the pty a client opens."""

    def __enter__(self) -> "EchoServer":
        self.proc = subprocess.Popen([sys.executable, "-m", "bench.echo"], stdout=subprocess.PIPE,
                                     cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        assert self.proc.stdout is not None
        self.path = self.proc.stdout.readline().decode().strip()
        if not self.path:
            self.proc.kill()
            raise RuntimeError("echo server did not report its pty")
        return self

    def __exit__(self, *exc: object) -> None:
        self.proc.kill()
        self.proc.wait()
