"""``pyemu demo`` (what ``make run`` runs): six months of intrathecal baclofen on an emulated pump.

The emulator runs in a child process on a pseudo-terminal with a manual
clock; this process connects to it through the pty like any programmer would
(real bytes through the kernel) and plays the therapy below, moving simulated
time with ADVANCE. What it prints comes from the pump itself: its event log,
its ALARM frames and its STATUS.

The therapy (all in :data:`PLAN`, so it is easy to change or to turn into a
scenario file): implant with a 20 mL fill and a prime bolus, a dose
prescription with patient boluses, two boluses a day by the patient and now
and then an extra press inside the lockout (refused), refills about every
two months, and one late refill: the reservoir runs low, then empty, until
the refill clears the alarms.
"""
from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["register", "PLAN", "Plan", "run_demo", "DemoResult"]

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MIN_MS = 60_000


@dataclass(frozen=True)
class Plan:
    """The therapy the demo plays (units are the pump's integers)."""

    days: int = 182                          # six months
    drug: str = "baclofen"
    conc_ug_ml: int = 1000                   # 1 mg/mL
    fill_nl: int = 20_000_000                # 20 mL reservoir
    dose_ug_day: int = 260                   # -> 0.26 mL/day
    max_dose_ug_24h: int = 600
    low_reservoir_nl: int = 2_000_000
    pb_volume_nl: int = 20_000               # 20 µL = 20 µg
    pb_duration_ms: int = 10 * MIN_MS
    pb_lockout_ms: int = 3 * HOUR_MS
    pb_max_per_24h: int = 4
    implant_at_ms: int = 9 * HOUR_MS         # day 0, 09:00
    patient_presses: Tuple[int, ...] = (8 * HOUR_MS, 18 * HOUR_MS)
    extra_press_every: int = 15              # days; one more press inside the lockout
    extra_press_at_ms: int = 9 * HOUR_MS + 30 * MIN_MS
    # (day, time of day, note): the clinic visits that refill the pump.
    refills: Tuple[Tuple[int, int, str], ...] = (
        (56, 10 * HOUR_MS, "planned refill"),
        (112, 10 * HOUR_MS, "planned refill"),
        (180, 10 * HOUR_MS, "late refill, due on day 168"),
    )


PLAN = Plan()

# Event kinds a clinician wants on the timeline (routine granted boluses are
# counted in the monthly table instead).
_TIMELINE_KINDS = {
    "INIT", "RESET", "PRESCRIBED", "PRESCRIBE_REFUSED", "BOLUS_REFUSED", "PATIENT_DENIED",
    "SUSPENDED", "RESUMED", "REFILL", "REFILL_REFUSED", "ALARM_RAISED", "ALARM_CLEARED",
    "ALARM_ACKED", "FAULT_INJECTED", "FAULT_CLEARED",
}


@dataclass
class Month:
    pumped_nl: int = 0
    delivered_pg: int = 0
    granted: int = 0
    denied: Dict[str, int] = field(default_factory=dict)
    reservoir_end_nl: int = 0
    battery_permille: int = 0


@dataclass
class DemoResult:
    """What the demo saw, for printing and for tests."""

    hello: Any = None
    port: str = ""
    timeline: List[Tuple[int, str, str]] = field(default_factory=list)  # (time_ms, text, style)
    months: List[Month] = field(default_factory=list)
    final: Any = None
    filled_nl: int = 0
    discarded_nl: int = 0
    alarms_seen: List[str] = field(default_factory=list)
    round_trips_us: List[float] = field(default_factory=list)
    requests: int = 0
    wall_s: float = 0.0


class _Player:
    """Drives the pump through the plan and reads its log as it goes."""

    def __init__(self, client: Any, plan: Plan, result: DemoResult) -> None:
        self.client = client
        self.plan = plan
        self.result = result
        self.now_ms = 0
        self.next_event = 1
        self.last_status: Any = None
        self.month_start: Any = None

    def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        from pyemu.client import DeviceRefused

        start = time.perf_counter()
        try:
            return getattr(self.client, method)(*args, **kwargs)
        except DeviceRefused:
            return None  # the pump logged the refusal; the timeline shows it
        finally:
            self.result.round_trips_us.append((time.perf_counter() - start) * 1e6)

    def advance_to(self, t_ms: int) -> None:
        if t_ms > self.now_ms:
            status = self.call("advance", t_ms - self.now_ms)
            self.now_ms = status.now_ms
            self.last_status = status

    def read_log(self) -> None:
        """Fetch new log entries (often enough that the 512-entry ring never wraps on us)."""
        for event in self.client.read_events(self.next_event):
            self.next_event = event.seq + 1
            kind = event.kind_name
            if kind == "REFILL":
                self.result.filled_nl += event.data0
                self.result.discarded_nl += event.data1
            if kind == "PATIENT_GRANTED":
                self._month(event.time_ms).granted += 1
            if kind == "PATIENT_DENIED":
                from pyemu.client import short_reason

                reason = short_reason(event.data1)
                denied = self._month(event.time_ms).denied
                denied[reason] = denied.get(reason, 0) + 1
            if kind == "ALARM_RAISED":
                self.result.alarms_seen.extend(n for n in _alarm_names(event.data0)
                                               if n not in self.result.alarms_seen)
            if kind == "BOLUS_START" and event.data0 != 3:  # patient boluses are routine
                self.result.timeline.append((event.time_ms, event.describe(), ""))
            elif kind in _TIMELINE_KINDS:
                style = "bold red" if kind == "ALARM_RAISED" else ("green" if kind == "ALARM_CLEARED" else "")
                self.result.timeline.append((event.time_ms, event.describe(), style))

    def _month(self, t_ms: int) -> Month:
        index = min(t_ms // (DAY_MS * 365 // 12), 5)
        while len(self.result.months) <= index:
            self.result.months.append(Month())
        return self.result.months[index]

    def close_month(self, index: int) -> None:
        status = self.call("status")
        month = self._month(index * (DAY_MS * 365 // 12))
        before = self.month_start
        month.pumped_nl = status.pumped_nl - (before.pumped_nl if before else 0)
        month.delivered_pg = status.delivered_pg - (before.delivered_pg if before else 0)
        month.reservoir_end_nl = status.reservoir_nl
        month.battery_permille = status.battery_permille
        self.month_start = status

    def play(self) -> None:
        p = self.plan
        self.result.hello = self.call("hello")
        self.read_log()
        self.advance_to(p.implant_at_ms)
        self.call("refill", p.fill_nl, p.drug, p.conc_ug_ml)
        self.advance_to(p.implant_at_ms + 5 * MIN_MS)
        from pyemu.client import PatientBolus

        self.call("prescribe", drug=p.drug, conc_ug_ml=p.conc_ug_ml, dose_ug_day=p.dose_ug_day,
                  max_dose_ug_24h=p.max_dose_ug_24h, low_reservoir_nl=p.low_reservoir_nl,
                  patient_bolus=PatientBolus(p.pb_volume_nl, p.pb_duration_ms, p.pb_lockout_ms,
                                             p.pb_max_per_24h))
        self.advance_to(p.implant_at_ms + 10 * MIN_MS)
        self.call("prime_bolus", 0, HOUR_MS)
        refills = {day: (at, note) for day, at, note in p.refills}
        month_length = DAY_MS * 365 // 12
        month_done = 0
        for day in range(p.days):
            actions: List[Tuple[int, str]] = [(at, "press") for at in p.patient_presses]
            if day and day % p.extra_press_every == 0:
                actions.append((p.extra_press_at_ms, "press"))
            if day in refills:
                actions.append((refills[day][0], "refill"))
            for at, action in sorted(actions):
                t = day * DAY_MS + at
                if t <= self.now_ms:
                    continue
                while (month_done + 1) * month_length <= t and month_done < 5:
                    self.advance_to((month_done + 1) * month_length)
                    self.read_log()
                    self.close_month(month_done)
                    month_done += 1
                self.advance_to(t)
                if action == "press":
                    self.call("patient_bolus")
                else:
                    self._visit(day, refills[day][1])
            if day % 7 == 6:
                self.read_log()
        self.advance_to(p.days * DAY_MS)
        self.read_log()
        self.close_month(5)
        self.result.final = self.call("status")

    def _visit(self, day: int, note: str) -> None:
        p = self.plan
        status = self.call("status")
        self.result.timeline.append(
            (self.now_ms, f"clinic visit ({note}): {status.reservoir_nl / 1e6:.2f} mL left", "cyan"))
        if status.unacked_alarms:
            self.call("ack_alarm", status.unacked_alarms)
        self.call("refill", p.fill_nl, p.drug, p.conc_ug_ml)


def _alarm_names(bits: int) -> List[str]:
    from pyemu.client import alarm_names

    return alarm_names(bits)


def run_demo(plan: Plan = PLAN, port: Optional[str] = None) -> DemoResult:
    """Play ``plan`` on an emulator in a child process (or on ``port`` if given)."""
    from pyemu.client import Client
    from pyemu.emulator import ServeProcess

    result = DemoResult()
    start = time.perf_counter()
    emulator = None
    if port is None:
        emulator = ServeProcess("--port", "pty", "--clock", "manual", "--telemetry-period", "0s",
                                "--quiet")
        port = emulator.start()
    result.port = port
    try:
        with Client.connect(port, timeout=2.0) as client:
            _Player(client, plan, result).play()
            result.requests = client.stats.requests
    finally:
        if emulator is not None:
            emulator.stop()
    result.wall_s = time.perf_counter() - start
    return result


# -- printing ----------------------------------------------------------------------------

def _when(t_ms: int) -> Tuple[str, str]:
    day, rest = divmod(t_ms, DAY_MS)
    return str(day), f"{rest // HOUR_MS:02d}:{rest % HOUR_MS // MIN_MS:02d}"


def render(result: DemoResult, plan: Plan = PLAN) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    h = result.hello
    console.print(f"[bold]pyemu demo[/bold] — {plan.days} days of intrathecal {plan.drug} on an emulated pump")
    console.print(f"pump {h.model} serial {h.serial}, firmware {h.firmware}, "
                  f"{h.reservoir_capacity_nl / 1e6:g} mL reservoir; emulator in a child process on "
                  f"{result.port} (manual clock)")
    console.print(
        f"therapy: {plan.dose_ug_day} ug/day at {plan.conc_ug_ml / 1000:g} mg/mL "
        f"({plan.dose_ug_day * 1000 / plan.conc_ug_ml / 1000:g} mL/day), limit {plan.max_dose_ug_24h} ug/24 h; "
        f"patient bolus {plan.pb_volume_nl * plan.conc_ug_ml // 1_000_000} ug, lockout "
        f"{plan.pb_lockout_ms // HOUR_MS} h, up to {plan.pb_max_per_24h}/24 h\n")

    timeline = Table(title="Timeline (from the pump's event log)", title_justify="left")
    timeline.add_column("day", justify="right")
    timeline.add_column("time")
    timeline.add_column("event")
    for t_ms, text, style in sorted(result.timeline, key=lambda row: row[0]):
        day, clock = _when(t_ms)
        timeline.add_row(day, clock, text, style=style or None)
    console.print(timeline)

    months = Table(title="Month by month", title_justify="left")
    for name in ("month", "pumped mL", "delivered mg", "patient boluses", "refused",
                 "reservoir at end mL", "battery %"):
        months.add_column(name, justify="right" if name != "refused" else "left")
    for i, m in enumerate(result.months, start=1):
        refused = ", ".join(f"{n} {reason}" for reason, n in sorted(m.denied.items())) or "-"
        months.add_row(str(i), f"{m.pumped_nl / 1e6:.3f}", f"{m.delivered_pg / 1e9:.3f}", str(m.granted),
                       refused, f"{m.reservoir_end_nl / 1e6:.3f}", f"{m.battery_permille / 10:.1f}")
    console.print(months)

    f = result.final
    balance = result.filled_nl - result.discarded_nl - f.pumped_nl - f.reservoir_nl
    console.print(
        f"[bold]Volumes[/bold]  filled {result.filled_nl / 1e6:.3f} mL = pumped {f.pumped_nl / 1e6:.3f} mL"
        f" + discarded at refills {result.discarded_nl / 1e6:.3f} mL + in the reservoir "
        f"{f.reservoir_nl / 1e6:.3f} mL  (difference {balance} nL)")
    console.print(f"         drug delivered at the catheter tip: {f.delivered_pg / 1e9:.3f} mg")
    years = f.days_to_eri / 365.25
    console.print(
        f"[bold]Battery[/bold]  {f.battery_permille / 10:.1f} % left; at this therapy the elective "
        f"replacement indicator is {f.days_to_eri} days away (about {years:.1f} years)")
    alarms = ", ".join(f.alarm_names) or "none"
    console.print(f"[bold]Now[/bold]      {f.state_name}, alarms: {alarms}")
    rt = sorted(result.round_trips_us)
    console.print(
        f"\n{result.requests} requests over the pty in {result.wall_s:.1f} s wall time "
        f"(median round trip {statistics.median(rt):.0f} us, incl. ADVANCE)" if rt else "")
    console.print("Try it yourself: [bold]pyemu serve --port pty --clock manual[/bold] and, with the "
                  "path it prints, [bold]pyemu ctl --port PATH status[/bold]")


def register(subparsers: Any) -> None:
    """Add ``pyemu demo``."""
    p = subparsers.add_parser(
        "demo", help="watch a 6-month therapy on an emulated pump (what `make run` shows)",
        description="Start the emulator on a pty in a child process, connect to it through the "
                    "pty, and play six months of intrathecal baclofen: implant and prime, "
                    "prescription, daily patient boluses (some refused for lockout), refills "
                    "about every two months and one late refill that runs the reservoir empty.")
    p.add_argument("--port", metavar="URL",
                   help="play on this pump instead (it must run a manual clock and be new)")
    p.set_defaults(func=_cmd_demo)


def _cmd_demo(args: argparse.Namespace) -> int:
    from pyemu.cli import EXIT_LINK, EXIT_OK, error
    from pyemu.client import ClientError

    try:
        result = run_demo(port=args.port)
    except (ClientError, RuntimeError) as exc:
        error(f"demo: {exc}")
        return EXIT_LINK
    render(result)
    return EXIT_OK
