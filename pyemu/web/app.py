"""The Flask application of ``pyemu web``: pages, the review screen, the JSON the page polls.

Pages are server-rendered (Jinja templates in ``templates/``); a small plain
script (``static/programmer.js``) polls ``/api/status`` once a second and
updates the telemetry, the alarms and the event log in place. Every change
to the pump is a POST form that carries a per-process token (a page of
another site open in the same browser cannot program the pump), and every
workflow that changes therapy (program, refill, prime) ends on the review
screen, current and pending settings side by side; only its confirm button
sends. A refusal, a bad value or a lost line is shown on the page with its
reason, never a traceback.
"""
from __future__ import annotations

import io
import secrets
from typing import Any, Callable, Dict, Mapping, Tuple

from flask import Flask, Response, abort, flash, jsonify, redirect, render_template, request, url_for

from pyemu import units
from pyemu.pump.client import ClientError, DeviceRefused, NoReply
from pyemu.pump.names import alarm_names, drug_name
from pyemu.web.programmer import (DRUGS, FAULTS, PRIME_FIELDS, REFILL_FIELDS, SETTING_FIELDS,
                                  THERAPY_FIELDS, FormError, Programmer, Setting, prime_from_form,
                                  refill_from_form, review_rows, setting_from_form, therapy_from_form)

__all__ = ["create_app"]

_THERAPY_ORDER = ("drug", "concentration", "basal", "24-hour dose limit", "low-reservoir alarm",
                  "patient bolus")


def error_text(exc: BaseException) -> str:
    """One line a clinician can act on, for anything a pump request may raise."""
    if isinstance(exc, DeviceRefused):
        return f"refused by the pump: {exc.reason} — {exc.text}"
    if isinstance(exc, NoReply):
        return f"no answer from the pump: {exc}"
    if isinstance(exc, ClientError):
        return f"the line to the pump failed: {exc}"
    if isinstance(exc, (FormError, units.UnitError, ValueError)):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def create_app(programmer: Programmer, *, poll_ms: int = 1000) -> Flask:
    """The web programmer for ``programmer``'s pump."""
    app = Flask(__name__)
    app.secret_key = secrets.token_bytes(32)
    token = secrets.token_urlsafe(24)

    @app.context_processor
    def common() -> Dict[str, Any]:
        return {"pump": programmer, "hello": programmer.hello, "token": token, "drugs": DRUGS, "faults": FAULTS,
                "poll_ms": poll_ms}

    def checked_form() -> Mapping[str, str]:
        if not secrets.compare_digest(request.form.get("token", ""), token):
            abort(403, "this form is out of date or from another site: reload the page")
        return request.form

    def act(what: Callable[[], str]) -> Any:
        """Run a pump action; its result or its error goes to the next page as a message."""
        try:
            flash(what(), "ok")
        except (ClientError, ValueError) as exc:
            flash(error_text(exc), "error")
        return redirect(url_for("index"))

    # -- pages -------------------------------------------------------------------
    @app.get("/")
    def index() -> str:
        status = programmer.status()
        try:
            events, events_error = programmer.events(), ""
        except DeviceRefused as exc:
            # a patient session may read status and ask for a bolus, not read the log
            events, events_error = [], error_text(exc)
        ext = programmer.status_ext()
        return render_template("index.html", status=status, view=status_view(status),
                               events=events, events_error=events_error,
                               dead_volume=Setting("configure", ext["dead_volume_nl"]).describe() if ext else "",
                               resound=Setting("resound", ext["resound_ms"]).describe() if ext else "",
                               projection=programmer.projection(ext) if ext else None)

    @app.get("/program")
    def program_form() -> str:
        status = programmer.status()
        return render_template("program.html", form=_program_defaults(programmer, status))

    @app.post("/review/<kind>")
    def review(kind: str) -> Any:
        form = checked_form()
        status = programmer.status()
        try:
            rows, title, fields = _review(kind, form, programmer, status)
        except FormError as exc:
            if kind == "program":
                return render_template("program.html", form=form, error=str(exc)), 400
            flash(error_text(exc), "error")
            return redirect(url_for("index"))
        kept = {k: form.get(k, "") for k in fields}
        return render_template("review.html", kind=kind, title=title, rows=rows, kept=kept)

    @app.post("/confirm/<kind>")
    def confirm(kind: str) -> Any:
        form = checked_form()

        def run() -> str:
            if kind == "program":
                therapy = therapy_from_form(form)
                programmer.program(therapy)
                return "therapy programmed: " + therapy.describe()["basal"]
            if kind == "refill":
                refill = refill_from_form(form)
                result = programmer.refill(refill)
                done = (f"refilled with {units.format_volume(refill.volume_nl)} of {refill.drug} "
                        f"at {refill.conc_ug_ml} ug/mL")
                if result is not None:
                    done += (f"; reconciliation: expected {units.format_volume(result['expected_nl'])}, "
                             f"withdrawn {units.format_volume(result['withdrawn_nl'])}, tolerance "
                             f"{units.format_volume(result['tolerance_nl'])}: {result['verdict_text']}")
                return done
            if kind in ("configure", "resound"):
                setting = setting_from_form(kind, form)
                programmer.configure(setting)
                return (f"dead volume set to {setting.describe()}" if kind == "configure"
                        else f"alarm re-sound interval set to {setting.describe()}")
            if kind == "prime":
                prime = prime_from_form(form)
                programmer.prime(prime)
                what = ("the configured dead volume" if prime.volume_nl == 0
                        else units.format_volume(prime.volume_nl))
                return f"prime/bridge bolus of {what} over {units.format_duration(prime.duration_ms)} started"
            abort(404)
        return act(run)

    @app.post("/action/<name>")
    def action(name: str) -> Any:
        form = checked_form()

        def run() -> str:
            if name == "patient-bolus":
                programmer.patient_bolus()
                return "patient bolus granted"
            if name == "ack":
                acked = programmer.acknowledge()
                return f"acknowledged: {', '.join(acked)}" if acked else "no unacknowledged alarms"
            if name in ("suspend", "resume", "cancel-bolus"):
                programmer.simple(name.replace("-", "_"))
                return {"suspend": "therapy suspended", "resume": "therapy resumed",
                        "cancel-bolus": "bolus cancelled"}[name]
            if name == "advance":
                text = (form.get("by") or "").strip()
                try:
                    delta = units.duration_ms(text)
                except units.UnitError as exc:
                    raise FormError(f"advance by: {exc}") from None
                status = programmer.advance(delta)
                return f"time advanced by {units.format_duration(delta)}; " + status_view(status)["time"]
            if name == "set-clock":
                programmer.call(programmer.client.set_clock)
                return "the pump's wall clock is set to this computer's time"
            if name == "fault":
                kind = form.get("fault", "")
                clear = form.get("clear") == "1"
                programmer.fault(kind, clear)
                return f"fault {kind} {'cleared' if clear else 'injected'}"
            abort(404)
        return act(run)

    # -- data for the page's script and the plot ----------------------------------
    @app.get("/api/status")
    def api_status() -> Any:
        try:
            status = programmer.status()
            projection = programmer.projection()
        except ClientError as exc:
            return jsonify({"error": error_text(exc)}), 503
        return jsonify({**status.to_json(), "view": {**status_view(status), "projection": projection}})

    @app.get("/api/events")
    def api_events() -> Any:
        try:
            events = programmer.events()
        except DeviceRefused as exc:
            return jsonify({"error": error_text(exc)}), 403
        except ClientError as exc:
            return jsonify({"error": error_text(exc)}), 503
        return jsonify({"events": [event_view(e) for e in events]})

    @app.get("/plot.png")
    def plot() -> Response:
        from pyemu.therapy.plotting import PlotUnavailable
        from pyemu.therapy.report import timeline_figure
        from pyemu.therapy.timeline import Timeline

        with programmer.lock:
            tl = Timeline(f"pump {programmer.hello.serial if programmer.hello else ''} "
                          f"on {programmer.url}", list(programmer.samples),
                          programmer.plot_marks(), list(programmer.notes))
        if not tl.samples:
            abort(404, "no status sample yet")
        try:
            fig = timeline_figure(tl)
        except PlotUnavailable as exc:
            abort(501, str(exc))
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=72)
        return Response(buf.getvalue(), mimetype="image/png",
                        headers={"Cache-Control": "no-store"})

    @app.errorhandler(ClientError)
    def pump_error(exc: ClientError) -> Tuple[str, int]:
        return render_template("error.html", message=error_text(exc)), 503

    @app.errorhandler(Exception)
    def any_error(exc: Exception) -> Any:
        # HTTP errors (404, 403 ...) keep their code and say their description;
        # anything else is a bug of ours, still shown as one line, not a traceback.
        code = getattr(exc, "code", None)
        message = getattr(exc, "description", None) or error_text(exc)
        if code is None:
            app.logger.exception("request failed")
        return render_template("error.html", message=message), code or 500

    return app


def status_view(status: Any) -> Dict[str, Any]:
    """The status as the page shows it: words and clinician units."""
    days, rem = divmod(status.now_ms // 1000, 86_400)
    unacked = alarm_names(status.unacked_alarms)
    return {
        "time": f"day {days} {rem // 3600:02d}:{rem % 3600 // 60:02d}:{rem % 60:02d}",
        "state": status.state_name.lower().replace("_", " "),
        "reservoir": units.format_volume(status.reservoir_nl // 1000 * 1000),
        "rate": units.format_rate(status.rate_nl_day),
        "basal": units.format_rate(status.basal_nl_day),
        "delivered": (f"{status.delivered_pg / 1_000_000:.3f} ug" if status.delivered_pg < 10**10
                      else f"{status.delivered_pg / 10**9:.3f} mg"),
        "dose_24h": f"{status.dose_24h_ug} ug",
        "battery": f"{status.battery_permille / 10:.1f} %",
        "days_to_eri": f"{status.days_to_eri} days",
        "drug": f"{drug_name(status.drug)} {status.conc_ug_ml} ug/mL" if status.drug else "none",
        "bolus": "none" if status.bolus_name.lower() == "none" else
                 f"{status.bolus_name.lower()} bolus, {units.format_volume(status.bolus_remaining_nl)} left",
        "alarms": [{"name": a, "text": a.replace("_", " "),
                    "unacked": a in unacked} for a in status.alarm_names],
        "last_event_seq": status.last_event_seq,
    }


def event_view(event: Any) -> Dict[str, Any]:
    days, rem = divmod(event.time_ms // 1000, 86_400)
    return {"seq": event.seq, "time": f"day {days} {rem // 3600:02d}:{rem % 3600 // 60:02d}",
            "text": event.describe()}


def _program_defaults(programmer: Programmer, status: Any) -> Dict[str, str]:
    """The therapy form starts from what the pump holds (or a sample baclofen therapy)."""
    drug = drug_name(status.drug) if status.drug else "baclofen"
    return {"drug": drug, "concentration": f"{status.conc_ug_ml or 2000}ug/mL", "mode": "rate",
            "rate": units.format_rate(status.basal_nl_day or 500_000), "dose": "",
            "schedule": "", "max_dose": "1500ug", "low_reservoir": "2mL", "pb_enabled": "",
            "pb_volume": "25uL", "pb_duration": "10min", "pb_lockout": "4h", "pb_max": "4"}


def _review(kind: str, form: Mapping[str, str], programmer: Programmer,
            status: Any) -> Tuple[list, str, Tuple[str, ...]]:
    if kind == "program":
        therapy = therapy_from_form(form)
        return (review_rows(programmer.current_rows(status), therapy.describe(), _THERAPY_ORDER),
                "Review the therapy", THERAPY_FIELDS)
    if kind == "refill":
        refill = refill_from_form(form)
        current = {"reservoir": units.format_volume(status.reservoir_nl),
                   "drug": drug_name(status.drug) if status.drug else "none",
                   "concentration": f"{status.conc_ug_ml} ug/mL" if status.drug else "none",
                   "volume withdrawn": "—"}
        pending = {"reservoir": units.format_volume(refill.volume_nl), "drug": refill.drug,
                   "concentration": f"{refill.conc_ug_ml} ug/mL",
                   "volume withdrawn": ("not given (no reconciliation)" if refill.withdrawn_nl is None
                                        else units.format_volume(refill.withdrawn_nl))}
        return (review_rows(current, pending, tuple(current)), "Review the refill", REFILL_FIELDS)
    if kind in ("configure", "resound"):
        setting = setting_from_form(kind, form)
        ext = programmer.status_ext() or {}
        label = "dead volume (tubing + catheter)" if kind == "configure" else "alarm re-sound interval"
        known = ext.get("dead_volume_nl" if kind == "configure" else "resound_ms")
        now = "not reported by this pump" if known is None else Setting(kind, known).describe()
        return ([(label, now, setting.describe(), now != setting.describe())],
                "Review the implant configuration" if kind == "configure" else "Review the alarm re-sound",
                SETTING_FIELDS)
    if kind == "prime":
        prime = prime_from_form(form)
        current = {"bolus": "none" if status.bolus_name.lower() == "none" else status.bolus_name.lower(),
                   "volume": "—", "duration": "—"}
        pending = {"bolus": "prime / bridge",
                   "volume": ("the configured dead volume" if prime.volume_nl == 0
                              else units.format_volume(prime.volume_nl)),
                   "duration": units.format_duration(prime.duration_ms)}
        return review_rows(current, pending, tuple(current)), "Review the prime / bridge bolus", PRIME_FIELDS
    abort(404)
