"""`pyemu --help` stays light: it imports no subcommand module, so not the C extension,
the emulator, the scenario targets or the QEMU support; and what it lists is what
the subcommands' own parsers say."""
from __future__ import annotations

import subprocess
import sys

from pyemu.cli.main import SUBCOMMANDS, build_parser

HEAVY = ("pyemu._core", "pyemu.pump.core", "pyemu.host.device", "pyemu.host.emulator",
         "pyemu.therapy.targets", "pyemu.host.hil", "matplotlib", "rich")


def _modules_after(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running code."""
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, timeout=60)
    return set(out.stdout.split())


def test_pyemu_help_imports_no_subcommand_module_and_nothing_heavy():
    loaded = _modules_after(
        "import contextlib, io\n"
        "from pyemu.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass\n")
    assert "pyemu.cli.main" in loaded
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
    assert not loaded & {module for _, module, _ in SUBCOMMANDS}


def test_a_subcommand_imports_its_own_module_only():
    loaded = _modules_after(
        "import contextlib, io\n"
        "from pyemu.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['keys', '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n")
    assert "pyemu.cli.keys" in loaded
    assert not loaded & ({module for _, module, _ in SUBCOMMANDS} - {"pyemu.cli.keys"})


def _subcommand_help(parser) -> dict[str, str]:
    action = next(a for a in parser._actions if a.dest == "command")
    return {a.dest: a.help for a in action._choices_actions}


def test_the_help_main_lists_is_each_subcommands_own():
    """The table in pyemu.cli.main says what each module's register() says, so the
    light `pyemu --help` prints exactly what the full parser would."""
    full, light = build_parser(), build_parser(set())
    assert _subcommand_help(full) == {name: text for name, _, text in SUBCOMMANDS}
    assert light.format_help() == full.format_help()


def test_import_pyemu_is_light_and_its_face_loads_on_first_use():
    """`import pyemu` loads no submodule; `from pyemu import Client, Pump` gives the
    wire client and the in-process core, the two pump-interface implementations."""
    loaded = _modules_after("import pyemu")
    assert {m for m in loaded if m.startswith("pyemu")} == {"pyemu"}
    import pyemu
    from pyemu.pump.client import Client
    from pyemu.pump.core import Pump
    from pyemu.pump.interface import PumpInterface
    assert (pyemu.Client, pyemu.Pump, pyemu.PumpInterface) == (Client, Pump, PumpInterface)
    assert isinstance(pyemu.Pump(), pyemu.PumpInterface)
    try:
        pyemu.NoSuchThing
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")
