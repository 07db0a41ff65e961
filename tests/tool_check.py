"""What the suite does when a test needs an external tool that is missing.

Under CI (the ``CI`` environment variable set, as ``.ci/run`` sets it) a
missing cross compiler, QEMU or clang is a failure: CI installs them, so a
missing one means CI is broken. On a developer's machine the test is skipped
with the package to install, so ``make test`` still runs everything else.
"""
import os
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_tool(message: str) -> None:
    """Fail (in CI) or skip (elsewhere) the running test, saying what is missing."""
    if in_ci():
        pytest.fail(f"{message}; CI must provide it")
    pytest.skip(message)


def need_tool(name: str, package: str = "") -> str:
    """Full path of program ``name``, or fail/skip the test as above.

    The board tools are looked up the way ``pyemu.host.hil`` finds them; any other
    program on PATH, with ``package`` named in the message.
    """
    from pyemu.host import hil

    if name in (hil.CROSS_CC, hil.QEMU):
        try:
            return hil.require_tool(name)
        except hil.ToolMissing as exc:
            missing_tool(str(exc))
    path = shutil.which(name)
    if path is None:
        missing_tool(f"{name} is not installed (Debian/Ubuntu: apt-get install {package or name})")
    return path


def need_module(name: str, extra: str):
    """Import Python package ``name`` (of pyemu's ``extra``), or fail/skip as above:
    `make test` installs every extra, so in CI a missing one is a broken install."""
    import importlib

    try:
        return importlib.import_module(name)
    except ImportError:
        missing_tool(f"{name} is not installed (pip install 'pyemu[{extra}]')")
