"""matplotlib (the ``plot`` extra) and rich are imported only where they are used.

Each test runs pyemu in a child interpreter whose ``sitecustomize`` makes the
blocked packages unimportable (``sys.modules[name] = None``), as on a machine
where they are not installed. The child processes it starts (``pyemu
serve``) inherit the block through PYTHONPATH.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tool_check import need_module

from pyemu.host.emulator import ServeProcess

ROOT = Path(__file__).resolve().parents[2]


def _blocked_env(tmp_path: Path, *names: str) -> dict[str, str]:
    site = tmp_path / "blocked-site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(
        "import sys\n" + "".join(f"sys.modules[{n!r}] = None\n" for n in names), encoding="utf-8")
    path = os.pathsep.join(filter(None, [str(site), str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return {"PYTHONPATH": path}


def _pyemu(env: dict[str, str], *argv: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pyemu", *argv], env={**os.environ, **env}, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_without_matplotlib_and_rich_import_help_serve_and_ctl_work(tmp_path):
    env = _blocked_env(tmp_path, "matplotlib", "rich")
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, pyemu.cli.main, pyemu.pump.client, pyemu.host.emulator, pyemu.cli.monitor, "
                               "pyemu.therapy.report, pyemu.therapy.fleet_report, pyemu.cli.demo, pyemu.host.hil; "
                               "assert sys.modules['rich'] is None is sys.modules['matplotlib']"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=120)
    assert probe.returncode == 0, probe.stderr
    help_ = _pyemu(env, "--help")
    assert help_.returncode == 0, help_.stderr
    with ServeProcess.manual_pty(env=env) as emu:
        status = _pyemu(env, "ctl", "--port", emu.port, "status")
        assert status.returncode == 0, status.stderr
        assert "reservoir" in status.stdout.lower()
        assert emu.proc.poll() is None, emu.stderr()


def test_without_matplotlib_a_plot_asked_for_names_the_extra(tmp_path):
    env = _blocked_env(tmp_path, "matplotlib")
    report = _pyemu(env, "report", "--trumpet", "--out", str(tmp_path / "r"))
    assert report.returncode == 2, report.stdout + report.stderr
    assert "pip install 'pyemu[plot]'" in report.stderr and "Traceback" not in report.stderr
    assert not (tmp_path / "r").exists()
    fleet = _pyemu(env, "fleet", "-n", "1", "--span", "30d", "-j", "1", "-q", "--plot",
                   str(tmp_path / "f.png"))
    assert fleet.returncode == 2, fleet.stdout + fleet.stderr
    assert "pip install 'pyemu[plot]'" in fleet.stderr and "--plot ''" in fleet.stderr
    assert fleet.stdout == ""     # refused before the run, not after it
    no_plot = _pyemu(env, "fleet", "-n", "1", "--span", "30d", "-j", "1", "-q", "--plot", "")
    assert no_plot.returncode == 0, no_plot.stderr


def test_plots_leave_matplotlibs_global_backend_and_pyplot_alone(tmp_path):
    """Library code draws on its own Agg canvas: matplotlib.use is never called and
    pyplot (global figure registry, backend selection) is never imported."""
    need_module("matplotlib", "plot")
    script = textwrap.dedent(f"""
        import sys, matplotlib
        def refuse(*args, **kwargs):
            raise AssertionError("matplotlib.use called by library code")
        matplotlib.use = refuse
        from pathlib import Path
        from pyemu.cli.main import main
        out = Path({str(tmp_path)!r})
        assert main(["fleet", "-n", "1", "--span", "30d", "-j", "1", "-q",
                     "--plot", str(out / "fleet.png")]) == 0
        assert main(["report", "--trumpet", "--rates", "24mL/day", "--out", str(out / "r")]) == 0
        assert "matplotlib.pyplot" not in sys.modules, "pyplot imported"
        assert (out / "fleet.png").read_bytes()[:4] == b"\\x89PNG"
        assert (out / "r" / "trumpet.svg").is_file()
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
