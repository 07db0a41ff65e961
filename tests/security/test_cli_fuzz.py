"""hypothesis-driven fuzzing of the CLI's argument parsing: any argv, a clean exit.

Arguments are drawn from the parser's own vocabulary (every subcommand,
nested command and option string, found by walking the argparse tree) mixed
with hostile values (negative, huge, NaN, unit soup, unicode, empty). The
invariant: parsing ends in a namespace or in SystemExit 0/2 with a message —
never another exception, never a traceback. For ``pyemu ctl`` the whole
command runs (against a port that does not exist), so the unit parsers,
request building and error reporting are fuzzed too: it must return one of
the documented exit statuses with a message.
"""
from __future__ import annotations

import argparse
import contextlib
import io
from typing import Dict, List

import pytest
from hypothesis import given, strategies as st

from pyemu.cli import main as cli

NO_PORT = "/nonexistent-pyemu-fuzz/tty0"
EXIT_STATUSES = {0, 1, 2, 3, 4}


def vocabulary(parser: argparse.ArgumentParser, path: tuple = ()) -> Dict[tuple, List[str]]:
    """{command path: option strings and choices} for every (sub)parser."""
    out: Dict[tuple, List[str]] = {path: []}
    for action in parser._actions:
        out[path] += list(action.option_strings)
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                out.update(vocabulary(sub, path + (name,)))
        elif action.choices and not isinstance(action.choices, dict):
            out[path] += [str(c) for c in action.choices]
    return out


VOCAB = vocabulary(cli.build_parser())
PATHS = sorted(VOCAB)
VALUES = ["0", "-1", "1", "65536", "4294967296", "1e309", "nan", "-inf", "0.5mL/day", "300ug/day",
          "2mg/mL", "30d", "1h", "-5min", "0x10", "", " ", "µg", "mcg/h", "20", "all", "baclofen",
          "low_reservoir", "🙂", "--", "-", "=", "1/0", "0.000000001", "99999999999999999999d"]


def token(path: tuple) -> st.SearchStrategy[str]:
    words = sorted(set(VOCAB[path] + [w for p in PATHS if p[:len(path)] == path for w in p[len(path):]]))
    return st.one_of(st.sampled_from(words or ["--help"]), st.sampled_from(VALUES),
                     st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                             max_size=10))


@st.composite
def argv(draw, prefix: tuple = ()) -> List[str]:
    path = draw(st.sampled_from([p for p in PATHS if p[:len(prefix)] == prefix]))
    rest = draw(st.lists(token(path), max_size=8))
    return list(path) + rest


def captured(call, *args):
    """(result or SystemExit, stdout, stderr) of ``call(*args)``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result = call(*args)
        except SystemExit as exc:
            result = exc
    return result, out.getvalue(), err.getvalue()


@given(argv())
def test_any_argv_parses_or_exits_with_a_usage_message(args):
    """Invariant: parse_args gives a namespace, or SystemExit 0 (help/version) or
    2 with an 'error:' line on stderr; nothing else escapes."""
    result, out, err = captured(cli.build_parser().parse_args, args)
    if isinstance(result, SystemExit):
        assert result.code in (0, 2), (args, result.code)
        if result.code == 2:
            assert "error:" in err and "Traceback" not in err
        else:
            assert out
    else:
        assert isinstance(result, argparse.Namespace)


@given(argv(prefix=("ctl",)))
def test_any_ctl_command_ends_with_a_documented_status_and_a_message(args):
    """Invariant: ``pyemu ctl ...`` with any arguments (and no device) returns a
    documented exit status, says why on stderr when it fails, and never raises."""
    tail = [a for a in args[1:] if a not in ("--port", "--timeout", "--retries")]
    full = ["ctl", "--port", NO_PORT, "--timeout", "0.01s", "--retries", "0"] + tail
    result, out, err = captured(cli.main, full)
    status = result.code if isinstance(result, SystemExit) else result
    assert status in EXIT_STATUSES, (full, status, err)
    assert "Traceback" not in err + out
    if status not in (0,):
        assert err.strip(), f"{full} failed with status {status} and said nothing"


@pytest.mark.parametrize("args", [["ctl", "--port", NO_PORT, "status"],
                                  ["ctl", "--port", NO_PORT, "bolus", "-3mL", "10min"],
                                  ["serve", "--speed", "0"], ["nonsense"], ["ctl", "advance", "1e400d"]])
def test_known_bad_commands_fail_cleanly(capsys, monkeypatch, args):
    monkeypatch.delenv("PYEMU_PORT", raising=False)
    try:
        status = cli.main(args)
    except SystemExit as exc:
        status = exc.code
    err = capsys.readouterr().err
    assert status in (2, 3) and err.strip() and "Traceback" not in err
