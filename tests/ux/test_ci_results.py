"""Results a CI can read: `pyemu run --junit/--json`, and pytest failures that say what failed."""
import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from pyemu.cli.main import main

FAILING = '''
[scenario]
name = "One wrong expectation"

[[step]]
at = "0s"
do = "refill"
volume = "20mL"
drug = "baclofen"
concentration = "2mg/mL"

[[step]]
at = "1h"
do = "check"
reservoir = { min = "25mL" }
note = "wrong on purpose: 20 mL were filled"

[[step]]
at = "2h"
do = "check"
reservoir = { min = "19mL", max = "20mL" }
'''


@pytest.fixture
def failing(tmp_path):
    path = tmp_path / "failing.toml"
    path.write_text(FAILING)
    return path


def test_junit_has_the_structure_jenkins_and_gitlab_read(failing, tmp_path, capsys):
    """testsuites > testsuite > testcase (+ failure) with the attributes of the JUnit XSD."""
    out = tmp_path / "report.xml"
    assert main(["run", str(failing), "--target", "core", "--junit", str(out)]) == 1
    capsys.readouterr()
    root = ET.parse(out).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")
    suites = list(root)
    assert [s.tag for s in suites] == ["testsuite"]
    suite = suites[0]
    for attr in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname"):
        assert suite.get(attr) is not None, attr
    assert suite.get("name") == "One wrong expectation"
    float(suite.get("time"))
    cases = suite.findall("testcase")
    assert len(cases) == 3 == int(suite.get("tests"))
    # only properties and testcases, in the XSD's order
    assert [c.tag for c in suite] == ["properties"] + ["testcase"] * 3
    for c in cases:
        assert c.get("classname") == "pyemu.scenario.One_wrong_expectation"
        assert c.get("name") and float(c.get("time")) == 0
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(failed) == 1
    f = failed[0].find("failure")
    assert f.get("type") == "expectation"
    assert "reservoir at least 25mL" in f.get("message") and "reservoir is 20,000 µL" in f.get("message")
    assert "step 2" in failed[0].get("name") and "wrong on purpose" in f.text


def test_run_json_is_one_object_with_every_outcome(failing, capsys):
    assert main(["run", str(failing), "--target", "core", "--json"]) == 1
    out, err = capsys.readouterr()
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1
    obj = json.loads(lines[0])
    assert obj["ok"] is False and obj["command"] == "run"
    assert (obj["expectations"], obj["passed"], obj["failed"]) == (3, 2, 1)
    bad = [o for o in obj["outcomes"] if not o["passed"]]
    assert bad[0]["expected"] == "reservoir at least 25mL" and "20,000" in bad[0]["detail"]
    assert bad[0]["step"] == 2 and bad[0]["at"] == "1h"


def test_run_json_on_a_bad_file_is_one_object(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[scenario]\nname = 1\n")
    assert main(["run", str(bad), "--target", "core", "--json"]) == 2
    obj = json.loads(capsys.readouterr().out)
    assert obj["ok"] is False and obj["error"] == "scenario"


DOWNSTREAM = '''
def test_my_therapy(pyemu_scenario):
    assert pyemu_scenario({path!r}).passed
'''


def test_a_failing_scenario_in_pytest_names_the_expectation_and_its_values(failing, tmp_path):
    (tmp_path / "test_downstream.py").write_text(DOWNSTREAM.format(path=str(failing)))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "test_downstream.py"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    out = r.stdout + r.stderr
    assert "1 failed" in out, out
    assert "2 of 3 expectations met" in out
    assert "reservoir at least 25mL -- reservoir is 20,000 µL" in out
    assert "Scenario(" not in out and "Step(" not in out
