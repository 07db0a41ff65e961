"""``pip install .`` into a fresh virtual environment, used from outside the checkout.

The wheel is built the way a user builds it (pip, isolated build, from the
checkout) with the lowest Python that ``requires-python`` allows, so the
floor pyproject states is the floor that is tested. The environment gets no
extras: what is checked is what a bare ``pip install .`` gives. Every command
runs in a temporary directory outside the checkout, with nothing of the
checkout on the path, so nothing can fall back on the source tree.

pip uses its own cache and the configured package index, as for any install;
nothing else is downloaded. About a minute, most of it compiling the C.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from pyemu.host import hil
from tool_check import missing_tool, need_tool

ROOT = Path(__file__).resolve().parents[2]

PLUGIN_TEST = '''\
def test_the_installed_plugin_gives_a_connected_client(pyemu_client):
    hello = pyemu_client.hello()
    assert hello.protocol_version >= 1
    assert pyemu_client.status().state_name in ("idle", "running", "stopped")
'''


def requires_python_floor() -> tuple[int, int]:
    """(major, minor) of the lower bound in pyproject's requires-python (">=3.X")."""
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["requires-python"]
    match = re.fullmatch(r"\s*>=\s*(\d+)\.(\d+)\s*", spec)
    assert match, f"requires-python {spec!r}: expected a single lower bound '>=X.Y'"
    return int(match.group(1)), int(match.group(2))


def lowest_python() -> str:
    """An interpreter of the lowest version requires-python allows; fail (CI) or skip without one."""
    floor = requires_python_floor()
    if sys.version_info[:2] == floor:
        return sys.executable
    name = f"python{floor[0]}.{floor[1]}"
    # On PATH, or a pyenv version (a pyenv shim on PATH may belong to no active version).
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [shutil.which(name), *sorted(map(str, pyenv.glob(f"{floor[0]}.{floor[1]}.*/bin/{name}")))]
    for path in filter(None, candidates):
        probe = subprocess.run([path, "-c", "import sys; print(*sys.version_info[:2])"],
                               capture_output=True, text=True, timeout=60)
        if probe.returncode == 0 and probe.stdout.split() == [str(floor[0]), str(floor[1])]:
            return path
    missing_tool(f"{name} (the lowest Python requires-python allows) was not found; "
                 f"install it, or raise requires-python to what is tested")
    raise AssertionError("unreachable")  # missing_tool fails or skips


def _clean_env(venv: Path) -> dict[str, str]:
    """The environment of a user of the installed package: no checkout on any path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", hil.FIRMWARE_ENV)}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300.0) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv, work dir, env, pip install log): ``pip install <checkout>`` into a fresh venv."""
    python = lowest_python()
    base = tmp_path_factory.mktemp("install")
    venv, work = base / "venv", base / "work"
    work.mkdir()
    subprocess.run([python, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=120)
    env = _clean_env(venv)
    pip = [str(venv / "bin" / "python"), "-m", "pip"]
    # -v: the compiler command lines are in the log (the extension's flags are checked below).
    proc = _run([*pip, "install", "-v", str(ROOT)], work, env, timeout=600)
    assert proc.returncode == 0, f"pip install . failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    # pytest, for the plugin; nothing else: the extras are not installed.
    plugin = _run([*pip, "install", "pytest"], work, env)
    assert plugin.returncode == 0, plugin.stderr[-2000:]
    return venv, work, env, proc.stdout + proc.stderr


def test_installed_package_is_imported_from_the_venv_not_the_checkout(installed):
    venv, work, env, _ = installed
    proc = _run([str(venv / "bin" / "python"), "-c", "import pyemu, pyemu._core; print(pyemu.__file__)"],
                work, env)
    assert proc.returncode == 0, proc.stderr
    where = Path(proc.stdout.strip()).resolve()
    assert where.is_relative_to(venv.resolve()), where
    assert not where.is_relative_to(ROOT), where


def test_installed_pyemu_help_and_demo_run_outside_the_checkout(installed):
    venv, work, env, _ = installed
    help_ = _run([str(venv / "bin" / "pyemu"), "--help"], work, env)
    assert help_.returncode == 0, help_.stderr
    assert "pyemu demo" in help_.stdout
    demo = _run([str(venv / "bin" / "pyemu"), "demo"], work, env)
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "Month by month" in demo.stdout


def test_installed_pytest_plugin_serves_its_fixtures_in_another_project(installed):
    venv, work, env, _ = installed
    project = work / "project"
    project.mkdir()
    (project / "test_pump.py").write_text(PLUGIN_TEST, encoding="utf-8")
    proc = _run([str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                 "test_pump.py"], project, env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 passed" in proc.stdout


def test_installed_without_the_plot_extra_a_plot_says_which_extra_to_install(installed):
    venv, work, env, _ = installed
    proc = _run([str(venv / "bin" / "pyemu"), "report", "--trumpet", "--rates", "24mL/day",
                 "--out", str(work / "report")], work, env)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "pip install 'pyemu[plot]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_extension_compiles_the_firmware_sources_with_the_makefiles_warning_flags(installed):
    """Every firmware .c file of the cffi extension is compiled with firmware/cwarn.flags
    (the Makefile's CWARN), -Werror included."""
    *_, log = installed
    flags = hil_flags()
    compiled = {}
    for line in log.splitlines():
        m = re.search(r"\s(firmware/(?:core|proto|device|crypto)/\w+\.c)\s", line + " ")
        if m and " -c " in line:
            compiled[m.group(1)] = line.split()
    expected = {str(p.relative_to(ROOT)) for layer in ("core", "proto", "device", "crypto")
                for p in (ROOT / "firmware" / layer).glob("*.c")}
    assert set(compiled) == expected, "compile lines not found in pip's log"
    for source, argv in compiled.items():
        missing = [f for f in flags if f not in argv]
        assert not missing, f"{source} compiled without {missing}"


def hil_flags() -> list[str]:
    """The flag list in firmware/cwarn.flags (comments dropped)."""
    text = (ROOT / "firmware" / "cwarn.flags").read_text(encoding="utf-8")
    return [f for line in text.splitlines() for f in line.split("#", 1)[0].split()]


def test_the_makefile_and_the_extension_build_read_the_same_warning_flags():
    make = need_tool("make")
    proc = subprocess.run([make, "-pn", "-f", "Makefile", "help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    cwarn = next(line.split(":=", 1)[1].split() for line in proc.stdout.splitlines()
                 if line.startswith("CWARN :="))
    assert cwarn == hil_flags()
    assert {"-Wconversion", "-Wsign-conversion", "-Werror"} <= set(cwarn)
    setup_py = (ROOT / "setup.py").read_text(encoding="utf-8")
    assert "cwarn.flags" in setup_py


def test_installed_board_firmware_boots_in_qemu_outside_the_checkout(installed):
    """The wheel holds the board images (built at install time, the cross compiler being
    present): `pyemu hil --check` and `pyemu run demo --target qemu` need no checkout."""
    need_tool(hil.CROSS_CC)
    need_tool(hil.QEMU)
    venv, work, env, _ = installed
    pyemu = str(venv / "bin" / "pyemu")
    check = _run([pyemu, "hil", "--check"], work, env, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("PORT socket://127.0.0.1:")
    assert str(venv.resolve()) in check.stderr.replace(str(venv), str(venv.resolve()))  # the packaged image
    run = _run([pyemu, "run", "demo", "--target", "qemu"], work, env, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.stdout.splitlines()[-1].startswith("PASS")


def test_installed_without_an_image_hil_says_how_to_get_one(installed, tmp_path):
    """An image asked for that is not there: the error names --image, the variable and the
    reinstall; no make, no traceback."""
    venv, work, env, _ = installed
    env = {**env, hil.FIRMWARE_ENV: str(tmp_path)}      # an empty folder
    proc = _run([str(venv / "bin" / "pyemu"), "hil", "--check", "--qemu", "/bin/true"], work, env)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "--image" in proc.stderr and hil.FIRMWARE_ENV in proc.stderr
    assert "make" not in proc.stderr.replace("`make firmware`", "")
    assert "Traceback" not in proc.stderr


# -- where the board image comes from (no install needed) ------------------------------------

@pytest.fixture
def installed_layout(tmp_path, monkeypatch):
    """hil as an installed package sees it: no checkout around it, an empty image folder."""
    site = tmp_path / "site-packages"
    (site / "pyemu" / "firmware").mkdir(parents=True)
    monkeypatch.setattr(hil, "REPO_ROOT", site)
    monkeypatch.setattr(hil, "PACKAGE_FIRMWARE_DIR", site / "pyemu" / "firmware")
    monkeypatch.delenv(hil.FIRMWARE_ENV, raising=False)
    return site / "pyemu" / "firmware"


def test_an_installed_package_without_images_says_exactly_what_to_do(installed_layout):
    assert hil.checkout_root() is None
    with pytest.raises(hil.FirmwareNotFound) as err:
        hil.firmware_image(build=True)       # build is ignored outside a checkout
    text = str(err.value)
    for needed in ("--image FILE", hil.FIRMWARE_ENV, "make firmware", hil.CROSS_CC, "apt-get install"):
        assert needed in text, text


def test_an_installed_package_finds_its_packaged_image_and_the_variable_wins(installed_layout, tmp_path,
                                                                                monkeypatch):
    packaged = installed_layout / "qemu_netduinoplus2.elf"
    packaged.write_bytes(b"\x7fELF")
    assert hil.firmware_image() == packaged
    elsewhere = tmp_path / "images"
    elsewhere.mkdir()
    monkeypatch.setenv(hil.FIRMWARE_ENV, str(elsewhere))
    with pytest.raises(hil.FirmwareNotFound, match=hil.FIRMWARE_ENV):
        hil.firmware_image()                 # set: only that folder counts
    (elsewhere / "qemu_netduinoplus2.elf").write_bytes(b"\x7fELF")
    assert hil.firmware_image() == elsewhere / "qemu_netduinoplus2.elf"


def test_make_is_never_run_outside_a_checkout(installed_layout, tmp_path, monkeypatch):
    def no_make(*args, **kwargs):
        raise AssertionError(f"ran {args[0]!r}")

    monkeypatch.setattr(hil.subprocess, "run", no_make)
    with pytest.raises(hil.HilError, match="not a pyemu checkout"):
        hil.build_firmware(tmp_path)
    with pytest.raises(hil.HilError, match="--image build/firmware/provisioned"):
        hil.build_provisioned_firmware(tmp_path / "pump.keys")


def test_in_the_checkout_the_image_is_make_firmwares_output():
    assert hil.checkout_root() == ROOT
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(hil.FIRMWARE_ENV, raising=False)
        try:
            path = hil.firmware_image()
        except hil.FirmwareNotFound as exc:   # not built yet: the message says how
            assert f"run `make firmware` in {ROOT}" in str(exc)
        else:
            assert path == ROOT / "build" / "firmware" / "qemu_netduinoplus2.elf"
