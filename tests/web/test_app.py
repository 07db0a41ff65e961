"""The web programmer without a browser: forms in clinician units, the review
screen before anything is sent, refusals and bad values shown on the page.

Flask's test client drives :func:`pyemu.web.app.create_app` on a real
emulated pump (the pytest plugin's manual-clock emulator with test features).
"""
from __future__ import annotations

import re

import pytest

from tool_check import need_module  # noqa: E402

flask = need_module("flask", "web")

from pyemu.web.app import create_app  # noqa: E402
from pyemu.web.programmer import FormError, Programmer, therapy_from_form  # noqa: E402

THERAPY = {"drug": "baclofen", "concentration": "2000ug/mL", "mode": "rate", "rate": "0.5mL/day",
           "max_dose": "1500ug", "low_reservoir": "2mL"}
REFILL = {"volume": "20mL", "drug": "baclofen", "concentration": "2mg/mL"}


@pytest.fixture
def web(pyemu_client):
    programmer = Programmer(pyemu_client, "emulator")
    app = create_app(programmer)
    app.testing = True
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return client, token, pyemu_client


def _post(client, url, token, form):
    return client.post(url, data={**form, "token": token}, follow_redirects=True)


def test_the_review_screen_sends_nothing_and_confirm_sends(web):
    """Invariant: a therapy reaches the pump only from the review screen's confirm."""
    client, token, pump = web
    _post(client, "/confirm/refill", token, REFILL)
    review = _post(client, "/review/program", token, THERAPY)
    text = review.get_data(as_text=True)
    assert review.status_code == 200
    assert "current" in text and "pending" in text and "0.5mL/day" in text
    assert pump.status().basal_nl_day == 0, "the review screen must not program the pump"
    done = _post(client, "/confirm/program", token, THERAPY).get_data(as_text=True)
    assert "therapy programmed: 0.5mL/day" in done
    assert pump.status().basal_nl_day == 500_000


def test_a_value_in_the_wrong_unit_is_refused_with_the_units_message(web):
    """A rate written as a volume is refused on the form, naming the field; nothing is sent."""
    client, token, pump = web
    reply = _post(client, "/review/program", token, {**THERAPY, "rate": "0.5mL"})
    text = reply.get_data(as_text=True)
    assert reply.status_code == 400
    assert "rate:" in text and "0.5mL" in text and "Traceback" not in text
    with pytest.raises(FormError, match="daily schedule"):
        therapy_from_form({**THERAPY, "mode": "schedule", "schedule": "25:00 0.5mL/day"})


def test_a_daily_schedule_reads_sorted_steps():
    therapy = therapy_from_form({**THERAPY, "mode": "schedule",
                                 "schedule": "08:00 0.6mL/day\n00:00 0.4mL/day"})
    assert therapy.steps == ((0, 400_000), (480, 600_000))
    assert therapy.describe()["basal"] == "00:00 0.4mL/day; 08:00 0.6mL/day"


def test_a_refusal_of_the_pump_is_shown_with_its_reason(web):
    """A patient bolus without a prescription: the pump's reason on the page, not a traceback."""
    client, token, pump = web
    text = _post(client, "/action/patient-bolus", token, {}).get_data(as_text=True)
    assert "refused by the pump:" in text and "Traceback" not in text


def test_a_form_without_the_token_is_refused(web):
    """A POST from another site (no token) changes nothing."""
    client, token, pump = web
    reply = client.post("/confirm/refill", data=REFILL)
    assert reply.status_code == 403
    assert pump.status().reservoir_nl == 0


def test_refill_with_withdrawn_volume_reports_the_reconciliation(web):
    client, token, pump = web
    _post(client, "/confirm/refill", token, REFILL)
    text = _post(client, "/confirm/refill", token, {**REFILL, "withdrawn": "20mL"}).get_data(as_text=True)
    assert "reconciliation: expected 20mL, withdrawn 20mL" in text and "within tolerance" in text


def test_advance_raises_the_low_reservoir_alarm_and_ack_clears_it(web):
    client, token, pump = web
    _post(client, "/confirm/refill", token, REFILL)
    text = _post(client, "/confirm/program", token, THERAPY).get_data(as_text=True)
    # (20 mL - 2 mL threshold) / 0.5 mL/day: the pump's own projection (STATUS_EXT)
    assert "low reservoir in 36 days" in text
    text = _post(client, "/action/advance", token, {"by": "37d"}).get_data(as_text=True)
    assert 'data-alarm="low_reservoir"' in text and "(unacknowledged)" in text
    text = _post(client, "/action/ack", token, {}).get_data(as_text=True)
    assert "acknowledged: low_reservoir" in text
    status = client.get("/api/status").get_json()
    assert status["alarms"] == ["low_reservoir"] and status["unacked_alarms"] == []
    plot = client.get("/plot.png")
    assert plot.status_code == 200 and plot.data.startswith(b"\x89PNG")


def test_advance_by_a_bad_duration_says_why(web):
    client, token, pump = web
    text = _post(client, "/action/advance", token, {"by": "37 days please"}).get_data(as_text=True)
    assert "advance by:" in text and "Traceback" not in text


def test_only_loopback_addresses_count_as_loopback():
    """The loud warning of `pyemu web --bind` is for every address but loopback."""
    from pyemu.cli.web import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("::")


def test_emulator_options_with_pump_are_a_usage_error(capsys):
    from pyemu.cli.main import main

    assert main(["web", "--pump", "/dev/null", "--speed", "60"]) == 2
    assert "leave them out with --pump" in capsys.readouterr().err


def test_a_pump_with_keys_works_from_the_page_and_no_key_reaches_it(tmp_path):
    """The server holds the session; no page or JSON carries a key (in hex or as bytes)."""
    from pyemu.host.emulator import ServeProcess
    from pyemu.link.keyfile import create_key_file
    from pyemu.pump.client import Client

    key_path = str(tmp_path / "pump.keys")
    keys = create_key_file(key_path)
    with ServeProcess.manual_pty("--keys", key_path) as emu:
        with Client.connect(emu.port, key=keys["clinician"], role="clinician") as pump:
            app = create_app(Programmer(pump, emu.port, role="clinician"))
            client = app.test_client()
            page = client.get("/").get_data(as_text=True)
            token = re.search(r'name="token" value="([^"]+)"', page).group(1)
            done = _post(client, "/confirm/refill", token, REFILL).get_data(as_text=True)
            assert "refilled with 20mL of baclofen" in done and "session: clinician" in done
            seen = page + done + client.get("/api/status").get_data(as_text=True) \
                + client.get("/api/events").get_data(as_text=True)
            for key in keys.values():
                assert key.hex() not in seen.lower() and key.hex().upper() not in seen


def test_a_patient_session_sees_status_and_may_ask_for_a_bolus(tmp_path):
    """With only the patient key the page still opens; the log says why it is not shown."""
    from pyemu.host.emulator import ServeProcess
    from pyemu.link.keyfile import create_key_file
    from pyemu.pump.client import Client

    key_path = str(tmp_path / "pump.keys")
    keys = create_key_file(key_path)
    with ServeProcess.manual_pty("--keys", key_path) as emu:
        with Client.connect(emu.port, key=keys["patient"], role="patient") as pump:
            client = create_app(Programmer(pump, emu.port, role="patient")).test_client()
            page = client.get("/")
            text = page.get_data(as_text=True)
            assert page.status_code == 200 and "session: patient" in text
            assert "auth_role" in text      # the event log: the pump's reason, not an error page
            token = re.search(r'name="token" value="([^"]+)"', text).group(1)
            bolus = _post(client, "/action/patient-bolus", token, {}).get_data(as_text=True)
            message = re.search(r'class="msg error"[^>]*>([^<]*)<', bolus).group(1)
            # the pump's own refusal (no prescription), not a role refusal
            assert message.startswith("refused by the pump:") and "auth_role" not in message


def test_set_clock_from_the_page(web):
    client, token, pump = web
    text = _post(client, "/action/set-clock", token, {}).get_data(as_text=True)
    assert "wall clock is set" in text
    assert any(e.kind_name == "CLOCK_SET" for e in pump.read_events())


def test_inject_and_clear_a_fault_from_the_test_panel(web):
    client, token, pump = web
    text = _post(client, "/action/fault", token, {"fault": "motor_stall", "clear": "0"}).get_data(as_text=True)
    assert "fault motor_stall injected" in text and "<option>motor_stall</option>" in text
    text = _post(client, "/action/fault", token, {"fault": "motor_stall", "clear": "1"}).get_data(as_text=True)
    assert "fault motor_stall cleared" in text
    assert [e.describe() for e in pump.read_events()][-1] == "fault motor_stall cleared"


def test_implant_configuration_and_resound_go_through_the_review_screen(web):
    """Dead volume and re-sound interval: current (from STATUS_EXT) beside pending, then confirm."""
    client, token, pump = web
    before = pump.request("GET_STATUS_EXT").fields["dead_volume_nl"]
    review = _post(client, "/review/configure", token, {"value": "300uL"}).get_data(as_text=True)
    assert f"{before // 1000}uL" in review and "300uL" in review and "changed" in review
    assert pump.request("GET_STATUS_EXT").fields["dead_volume_nl"] == before   # nothing sent yet
    done = _post(client, "/confirm/configure", token, {"value": "300uL"}).get_data(as_text=True)
    assert "dead volume set to 300uL" in done
    assert pump.request("GET_STATUS_EXT").fields["dead_volume_nl"] == 300_000
    done = _post(client, "/confirm/resound", token, {"value": "2h"}).get_data(as_text=True)
    assert "alarm re-sound interval set to 2h" in done
    assert pump.request("GET_STATUS_EXT").fields["resound_ms"] == 7_200_000
    bad = _post(client, "/review/resound", token, {"value": "2mL"}).get_data(as_text=True)
    assert "re-sound interval:" in bad and "Traceback" not in bad
