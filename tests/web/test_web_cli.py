"""`pyemu web` as a command: help, and what it says without its extra."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_without_flask_pyemu_web_names_the_extra_and_help_still_works(tmp_path):
    """A machine without the web extra: `pyemu --help` works, `pyemu web` says what to install."""
    site = tmp_path / "blocked-site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import sys\nsys.modules['flask'] = None\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), str(ROOT),
                                                                     os.environ.get("PYTHONPATH", "")]))}
    help_ = subprocess.run([sys.executable, "-m", "pyemu", "--help"], env=env, capture_output=True,
                           text=True, timeout=120)
    assert help_.returncode == 0 and "web" in help_.stdout, help_.stderr
    web = subprocess.run([sys.executable, "-m", "pyemu", "web", "--port-http", "0"], env=env,
                         capture_output=True, text=True, timeout=120)
    assert web.returncode == 2
    assert "pip install 'pyemu[web]'" in web.stderr and "Traceback" not in web.stderr
