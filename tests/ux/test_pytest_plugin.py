"""The pytest plugin, as a downstream project uses it: installed, no conftest."""
import subprocess
import sys
from importlib.metadata import entry_points

DOWNSTREAM = '''
import pytest
from pyemu.pump.client import DeviceRefused


def test_patient_bolus_needs_a_prescription(pyemu_client):
    with pytest.raises(DeviceRefused, match="pb_disabled"):
        pyemu_client.patient_bolus()


def test_time_moves_only_when_told(pyemu_client):
    assert pyemu_client.status().now_ms == 0
    assert pyemu_client.advance(86_400_000).now_ms == 86_400_000


def test_a_shipped_scenario(pyemu_scenario):
    assert pyemu_scenario("morphine_pca").passed


def test_each_test_gets_a_new_pump(pyemu_client, pyemu_emulator):
    assert pyemu_client.status().now_ms == 0
    assert pyemu_emulator.port.startswith("/dev/")


def test_a_failing_expectation_fails(pyemu_client):
    assert pyemu_client.status().reservoir_nl == 1
'''


def test_plugin_is_registered_as_a_pytest11_entry_point():
    eps = [e for e in entry_points(group="pytest11") if e.name == "pyemu"]
    assert [e.value for e in eps] == ["pyemu.testing.pytest_plugin"], (
        "pyemu's pytest plugin is not installed: re-run `make venv` (pip install -e .)")


def test_downstream_tests_use_the_fixtures(tmp_path):
    (tmp_path / "test_downstream.py").write_text(DOWNSTREAM)
    # a directory of its own, no conftest and no -p: the entry point loads it
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                        "test_downstream.py"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=300)
    out = r.stdout + r.stderr
    assert "1 failed, 4 passed" in out, out
    assert "test_a_failing_expectation_fails" in out and "reservoir_nl" in out
