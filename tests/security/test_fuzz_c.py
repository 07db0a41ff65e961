"""libFuzzer over the C frame decoder and the device dispatcher, in CI for a bounded time.

Harnesses: ``firmware/fuzz/fuzz_proto.c`` and ``fuzz_device.c`` (their
invariants are listed at the top of each), built with clang
``-fsanitize=fuzzer,address,undefined`` by ``make fuzz-build``. Seeds: the
checked-in ``firmware/fuzz/corpus/`` made from ``protocol/vectors`` by
``make_corpus.py``. Each fuzzer runs ``PYEMU_FUZZ_SECONDS`` (default 30)
from a fixed libFuzzer seed; figures go to ``build/fuzz/report.json``.
Without clang the test fails under CI=true (``.ci/run`` installs it) and is
skipped elsewhere.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FUZZ_DIR = os.path.join(ROOT, "firmware", "fuzz")
BUILD = os.path.join(ROOT, "build", "fuzz")
SECONDS = int(os.environ.get("PYEMU_FUZZ_SECONDS", "30"))

sys.path.insert(0, FUZZ_DIR)
import make_corpus  # noqa: E402
from tool_check import need_tool  # noqa: E402


def _need_clang() -> None:
    need_tool(os.environ.get("FUZZ_CC", "clang"), package="clang")


def test_seed_corpus_is_the_golden_vectors():
    """The checked-in corpus equals what make_corpus.py builds from protocol/vectors."""
    expected = make_corpus.corpus()
    on_disk = {}
    base = os.path.join(FUZZ_DIR, "corpus")
    for sub in sorted(os.listdir(base)):
        for name in os.listdir(os.path.join(base, sub)):
            with open(os.path.join(base, sub, name), "rb") as f:
                on_disk[f"{sub}/{name}"] = f.read()
    assert on_disk == expected, "run: python firmware/fuzz/make_corpus.py"
    assert len(expected) > 100


@pytest.fixture(scope="module")
def fuzzers():
    _need_clang()
    build = subprocess.run(["make", "-s", "fuzz-build"], cwd=ROOT, capture_output=True, text=True)
    assert build.returncode == 0, f"make fuzz-build failed:\n{build.stdout}\n{build.stderr}"
    return {t: os.path.join(BUILD, f"fuzz_{t}") for t in ("proto", "device")}


def _stat(output: str, name: str) -> int:
    match = re.search(rf"stat::{name}:\s+(\d+)", output)
    assert match, f"libFuzzer printed no {name}:\n{output[-3000:]}"
    return int(match.group(1))


@pytest.mark.parametrize("target", ["proto", "device"])
def test_fuzzer_finds_no_crash_leak_or_broken_invariant(fuzzers, target):
    """Invariant (per harness): no sanitizer report and no failed check for
    any input the fuzzer reaches in the time given."""
    corpus = os.path.join(BUILD, f"corpus-{target}")
    os.makedirs(corpus, exist_ok=True)
    seeds = os.path.join(FUZZ_DIR, "corpus", target)
    run = subprocess.run(
        [fuzzers[target], corpus, seeds, f"-max_total_time={SECONDS}", "-seed=1", "-timeout=25",
         "-rss_limit_mb=2048", "-print_final_stats=1", f"-artifact_prefix={BUILD}/crash-{target}-"],
        cwd=ROOT, capture_output=True, text=True)
    output = run.stdout + run.stderr
    assert run.returncode == 0, f"fuzz_{target} found a failing input:\n{output[-6000:]}"
    runs = _stat(output, "number_of_executed_units")
    per_s = _stat(output, "average_exec_per_sec")
    assert runs > len(os.listdir(seeds)), "the fuzzer did not get past its seeds"
    report_path = os.path.join(BUILD, "report.json")
    report = {}
    if os.path.exists(report_path):
        with open(report_path) as f:
            report = json.load(f)
    report[target] = {"seconds": SECONDS, "executions": runs, "executions_per_s": per_s,
                      "new_units": _stat(output, "new_units_added")}
    with open(report_path, "w") as f:
        json.dump(report, f, indent=1)
