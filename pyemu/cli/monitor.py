"""`pyemu monitor`: a live terminal dashboard of a pump (rich).

The dashboard is a pure function of a :class:`MonitorState` (:func:`render`),
so it can be drawn to a string console in tests. The state is fed by either

* a live port (:func:`watch_port`): the client's unsolicited STATUS/ALARM
  telemetry plus the event log (through the pump's observer port when
  ``pyemu serve`` has one, :mod:`pyemu.link.observe`, so the monitor can run
  beside ``pyemu ctl``), through a reconnect loop that survives the
  device going away and coming back (emulator restarted, board reset, cable
  pulled), or
* a recording (:func:`replay_recording`), at a chosen speed or all at once.

Keys (live, on a terminal): ``b`` patient bolus, ``a`` acknowledge alarms,
``+`` advance a manual clock by ``--step``, ``p`` pause/follow the event log,
``↑``/``↓`` (or ``k``/``j``) scroll it, ``q`` quit. The acting keys (b, a, +)
need ``--control``: then the monitor opens the pump's port itself as its
controlling client; by default it watches through the read-only observer
port (beside ``pyemu ctl``) and says so when an acting key is pressed.
"""
from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

if TYPE_CHECKING:
    from rich.layout import Layout
    from rich.panel import Panel

# rich is imported where the dashboard is drawn, not here: the CLI imports this
# module to register the command, and `pyemu --help`, serve and ctl never draw.

from pyemu import units
from pyemu.cli.common import DURATION
from pyemu.pump.client import DeviceRefused
from pyemu.pump.names import alarm_names
from pyemu.protocol import vocabulary as V

CRITICAL = frozenset(V.user_name(a) for a in V.Alarm if a & V.CRITICAL_ALARMS)   # from protocol/vocabulary.json
EVENT_LINES = 12


@dataclass
class MonitorState:
    """Everything the dashboard shows."""
    source: str
    link: str = "connecting"          # connecting | connected | lost | replay | ended
    link_detail: str = ""
    device: str = ""                  # from HELLO: model, serial, firmware
    status: dict | None = None        # last STATUS in the `ctl --json status` shape
    alarms: tuple[str, ...] = ()
    events: deque = field(default_factory=lambda: deque(maxlen=5000))
    frames: int = 0
    reconnects: int = 0
    follows_log: bool = False         # the pump's event log is shown: it names alarm changes
    paused_at: int | None = None      # event log frozen at this many entries (key p)
    scroll: int = 0                   # event log lines scrolled back from the newest
    can_act: bool = False             # --control: the keys b, a, + act on the pump
    actions: "queue.Queue[str]" = field(default_factory=queue.Queue)
    wall: Callable[[], float] = time.time   # for the monitor's own lines (link, keys)

    def on_status(self, st: dict) -> None:
        self.frames += 1
        prev = set(self.alarms)
        self.status = st
        self.alarms = tuple(st.get("alarms", ()))
        self._alarm_changes(prev, set(self.alarms), st.get("sim_time_s"))

    def on_alarms(self, names: Iterable[str], sim_time_s: float | None = None) -> None:
        self.frames += 1
        prev = set(self.alarms)
        self.alarms = tuple(names)
        self._alarm_changes(prev, set(self.alarms), sim_time_s)

    def _alarm_changes(self, prev: set, now: set, t: float | None) -> None:
        if self.follows_log:
            return   # the log has each change, at its exact time
        for a in sorted(now - prev):
            self.note(t, f"ALARM {a}" + (" (critical)" if a in CRITICAL else ""))
        for a in sorted(prev - now):
            self.note(t, f"alarm cleared: {a}")

    def note(self, sim_time_s: float | str | None, text: str) -> None:
        self.events.append((sim_time_s, text))

    def note_now(self, text: str) -> None:
        """A line of the monitor itself (link, keys): stamped with the wall time, since
        while the link is down the pump's time is not known."""
        self.note(time.strftime("at %H:%M:%S", time.localtime(self.wall())), text)

    def set_link(self, link: str, detail: str = "") -> None:
        if link != self.link:
            self.note_now(f"link {link}" + (f": {detail}" if detail else ""))
        self.link, self.link_detail = link, detail

    def key(self, k: str) -> bool:
        """Apply one key; False means quit. Acting keys are queued for the pump's client."""
        if k == "q":
            return False
        if k == "p":
            self.paused_at = None if self.paused_at is not None else len(self.events)
            self.scroll = 0
        elif k == "up":
            self.scroll = min(self.scroll + 1, max(0, len(self.events) - 1))
        elif k == "down":
            self.scroll = max(0, self.scroll - 1)
        elif k in ACTING_KEYS:
            if self.can_act:
                self.actions.put(k)
            else:
                self.note_now(f"key {k} ({ACTING_KEYS[k]}): this monitor only watches (observer "
                              "port); start it with --control to act on the pump")
        return True


ACTING_KEYS = {"b": "patient bolus", "a": "acknowledge alarms", "+": "advance the clock"}
KEYS_HELP = "b bolus  a ack  + advance  p pause  ↑↓ scroll  q quit"


def _sim_time(t: float | str | None) -> str:
    if t is None:
        return "--"
    if isinstance(t, str):
        return t
    t = int(t)
    d, rem = divmod(t, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    return f"day {d} {h:02d}:{m:02d}:{s:02d}"


def render(state: MonitorState, height: int = 30) -> Layout:
    """The dashboard for one moment, status first: a title line (source, link,
    device), status beside alarms, the event log in what is left, the keys.

    Fits an 80x24 terminal: status and alarms take 9 lines, the event log the
    rest of ``height``."""
    from rich.layout import Layout
    from rich.text import Text

    colour = {"connected": "green", "replay": "cyan", "lost": "red",
              "ended": "yellow"}.get(state.link, "yellow")
    # the link first: a long port path may be cut at the right edge, the link never
    head = Text.assemble(("pyemu monitor  ", "bold"), "link: ", (state.link, f"bold {colour}"),
                         f"  frames: {state.frames}",
                         f"  reconnects: {state.reconnects}" if state.reconnects else "",
                         "  ", (state.source, "bold cyan"))
    if state.link_detail:
        head.append("\n" + state.link_detail, style=colour)
    else:
        head.append("\n" + (state.device or ""), style="dim")
    # one line each, whatever the width: the event log has the full text
    head.no_wrap, head.overflow = True, "ellipsis"
    keys = Text(KEYS_HELP + ("" if state.can_act else "   (watching: --control to act)"),
                style="dim", no_wrap=True, overflow="ellipsis")
    status_h = 9
    events_h = max(3, height - 2 - status_h - 1)
    layout = Layout()
    layout.split_column(Layout(head, name="head", size=2),
                        Layout(name="body", size=status_h),
                        Layout(_event_panel(state, events_h - 2), name="events"),
                        Layout(keys, name="keys", size=1))
    layout["body"].split_row(Layout(_status_panel(state), name="status", ratio=3),
                             Layout(_alarm_panel(state), name="alarms", ratio=2))
    return layout


def _status_panel(state: MonitorState) -> Panel:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    st = state.status
    if st is None:
        return Panel(Text("waiting for telemetry…", style="dim"), title="status")
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold")
    t.add_column()
    colours = {V.State.RUNNING: "green", V.State.SUSPENDED: "yellow", V.State.STOPPED: "red",
               V.State.HALTED: "bold red"}
    state_style = {V.user_name(s): c for s, c in colours.items()}
    rows = [
        ("time", _sim_time(st.get("sim_time_s"))),
        ("state", Text(str(st.get("state", "?")), style=state_style.get(st.get("state"), ""))),
        ("rate", f"{st.get('rate_ul_per_h', 0) * 24 / 1000:.3f} mL/day "
                 f"({st.get('rate_ul_per_h', 0):.2f} µL/h)"),
        ("reservoir", f"{st.get('reservoir_ul', 0) / 1000:.3f} mL"),
        ("pumped", f"{st.get('pumped_ul', 0) / 1000:.3f} mL"),
        ("dose at tip", f"{st.get('delivered_ug', 0):,.1f} µg"),
        ("battery", f"{st.get('battery_pct', 0):.1f} %   ({st.get('days_to_eri', '?')} days to ERI)"),
    ]
    for k, v in rows:
        t.add_row(k, v)
    return Panel(t, title="status")


def _alarm_panel(state: MonitorState) -> Panel:
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    if not state.alarms:
        return Panel(Text("no active alarm", style="green"), title="alarms")
    lines = [Text(("!! " if a in CRITICAL else "!  ") + a,
                  style="bold red" if a in CRITICAL else "bold yellow") for a in state.alarms]
    return Panel(Group(*lines), title="alarms", border_style="red")


def _event_panel(state: MonitorState, lines_shown: int = EVENT_LINES) -> Panel:
    from rich.panel import Panel
    from rich.text import Text

    events = list(state.events)
    if state.paused_at is not None:
        events = events[:state.paused_at]
    end = max(0, len(events) - state.scroll)
    lines = events[max(0, end - lines_shown):end]
    text = Text()
    for t, msg in lines:
        alarm = msg.startswith("ALARM") or (msg.startswith("alarm ") and msg.endswith(" raised"))
        style = "bold red" if alarm else "red" if msg.startswith("link lost") else ""
        text.append(f"{_sim_time(t):>16}  ", style="dim")
        text.append(msg + "\n", style=style)
    text.rstrip()
    title = "event log"
    if state.paused_at is not None:
        title += f" (paused: {len(state.events) - state.paused_at} new; p follows)"
    elif state.scroll:
        title += f" ({state.scroll} back; ↓ or p returns)"
    return Panel(text, title=title)


def render_text(state: MonitorState, width: int = 100, height: int = 30) -> str:
    """The dashboard as plain text (tests, logs, a terminal without a TTY)."""
    from rich.console import Console

    console = Console(width=width, height=height, record=True, force_terminal=False,
                      color_system=None, file=_Null())
    console.print(render(state, height), height=height)
    return console.export_text()


class _Null:
    def write(self, s: str) -> int:
        return len(s)

    def flush(self) -> None:
        pass


# ------------------------------------------------------------------ feeds

Update = tuple[str, Any]   # ("status", dict) | ("alarms", (names, t)) | ("event", (t, text))
                           # | ("hello", text)


def watch_port(state: MonitorState, connect: Callable[[], Iterator[Update]],
               sleep: Callable[[float], Any] = time.sleep,
               max_attempts: int | None = None,
               on_change: Callable[[], None] = lambda: None,
               stop: threading.Event | None = None) -> None:
    """Feed state from connect()'s updates; on any failure, reconnect.

    connect() opens the port and yields updates until the link fails (it
    raises) or ends. Back-off grows 0.5 s -> 5 s while the device is away
    and resets once it answers. max_attempts bounds the loop (tests).
    """
    delay = 0.5
    attempts = 0
    while (max_attempts is None or attempts < max_attempts) and not (stop and stop.is_set()):
        attempts += 1
        state.set_link("connecting")
        on_change()
        try:
            first = True
            for kind, payload in connect():
                if first:
                    if state.link != "connected" and attempts > 1:
                        state.reconnects += 1
                    state.set_link("connected")
                    first, delay = False, 0.5
                apply_update(state, kind, payload)
                on_change()
            state.set_link("lost", "the device closed the line")
        except KeyboardInterrupt:
            raise
        except Exception as exc:  # any failure of the line: show it, retry
            state.set_link("lost", f"{type(exc).__name__}: {exc}"[:120])
        on_change()
        sleep(delay)
        delay = min(delay * 2, 5.0)


def apply_update(state: MonitorState, kind: str, payload: Any) -> None:
    if kind == "status":
        state.on_status(payload)
    elif kind == "alarms":
        names, t = payload
        state.on_alarms(names, t)
    elif kind == "event":
        t, text = payload
        state.follows_log = True
        state.note(t, text)
    elif kind == "hello":
        state.device = str(payload)


def replay_updates(path: str) -> Iterator[tuple[float, Update]]:
    """(wall t, update) pairs of a recording: STATUS and ALARM frames the pump sent."""
    from pyemu.host.recording import alarm_names, messages, read_recording, status_dict

    from pyemu.pump.client import Event

    rec = read_recording(path)
    for w in rec.warnings:
        yield 0.0, ("event", (None, w))
    seen: set[int] = set()
    for m in messages(rec):
        if m.dir != "tx":
            continue
        if m.name == "EVENTS":
            # the event log as the session read it (each entry once)
            for e in m.fields.get("events", ()):
                if e["seq"] not in seen:
                    seen.add(e["seq"])
                    ev = Event(**e)
                    yield m.t, ("event", (ev.time_ms / 1000, ev.describe()))
            continue
        st = status_dict(m.name, m.fields)
        if st is not None:
            yield m.t, ("status", st)
            continue
        names = alarm_names(m.name, m.fields)
        if names is not None:
            yield m.t, ("alarms", (names, m.sim_ms / 1000 if m.sim_ms is not None else None))


def replay_recording(state: MonitorState, path: str, speed: float = 0.0,
                     sleep: Callable[[float], None] = time.sleep,
                     on_change: Callable[[], None] = lambda: None,
                     stop: threading.Event | None = None) -> None:
    """Feed state from a recording; speed 0 = as fast as possible."""
    state.set_link("replay")
    last = None
    for t, (kind, payload) in replay_updates(path):
        if stop is not None and stop.is_set():
            break
        if speed > 0 and last is not None and t > last:
            sleep((t - last) / speed)
        last = t
        apply_update(state, kind, payload)
        on_change()
    state.set_link("ended", "end of recording")
    on_change()


# ------------------------------------------------------------------ command line

def register(subparsers) -> None:
    """Add `pyemu monitor` to the CLI."""
    p = subparsers.add_parser(
        "monitor", help="live dashboard of a pump's telemetry, alarms and events",
        description="Watch a pump on any port (emulator, QEMU, a real board) or replay a "
                    "recording. Survives the device going away and coming back.")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--port", metavar="URL", default=os.environ.get("PYEMU_PORT"),
                     help="the port to watch (e.g. /dev/pts/5; default: $PYEMU_PORT)")
    src.add_argument("--recording", metavar="FILE", help="replay a recording (pyemu serve --record)")
    p.add_argument("--speed", type=float, default=60.0,
                   help="replay speed against the recorded wall time; 0 = at once "
                        "(default: %(default)s)")
    p.add_argument("--direct", action="store_true",
                   help="open --port itself even if the pump serves an observer port (by "
                        "default the monitor watches through it, so it can run beside "
                        "pyemu ctl or a script on the same pump)")
    p.add_argument("--control", action="store_true",
                   help="open --port itself as the pump's controlling client, so the keys b "
                        "(patient bolus), a (acknowledge) and + (advance) act; without it the "
                        "monitor only watches and says so when those keys are pressed")
    p.add_argument("--step", type=DURATION, default=3_600_000, metavar="DURATION",
                   help="how far + advances a manual clock (default: 1h; e.g. 1d, 6h30min)")
    p.add_argument("--once", action="store_true",
                   help="print the dashboard once and exit: with --port after one look at "
                        "the pump (exit 3 if it did not answer), with --recording at its end")
    p.set_defaults(func=_cmd_monitor)


def _cmd_monitor(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.live import Live

    if not args.port and not args.recording:
        print("pyemu monitor: which pump? give --port (what 'pyemu serve' printed), set "
              "PYEMU_PORT, or give --recording FILE", file=sys.stderr)
        return 2
    if args.recording:
        args.port = None     # a recording, even with PYEMU_PORT set
    if args.control and not args.port:
        print("pyemu monitor: --control acts on a live pump: give --port", file=sys.stderr)
        return 2
    console = Console()
    state = MonitorState(args.port or args.recording)
    state.can_act = bool(args.control)
    port = args.port

    def where() -> str:
        # Beside the controlling client, not in its way (pyemu.link.observe); asked
        # again on every reconnect: a restarted emulator has a new observer port.
        if args.direct or args.control:
            return port
        from pyemu.link.observe import observer_for
        return observer_for(port) or port
    if args.once:
        # one picture and exit: scripts, logs, terminals without a TTY
        if args.recording:
            try:
                replay_recording(state, args.recording, speed=0)
            except (OSError, ValueError) as exc:
                print(f"pyemu monitor: {exc}")
                return 2
        else:
            try:
                for kind, payload in client_updates(where(), max_polls=1):
                    state.set_link("connected")
                    apply_update(state, kind, payload)
            except Exception as exc:  # the line failed: show it in the picture
                state.set_link("lost", f"{type(exc).__name__}: {exc}"[:120])
        console.print(render(state, 30), height=30)
        return 3 if state.link == "lost" else 0
    stop = threading.Event()
    with Live(render(state, console.size.height), console=console, screen=console.is_terminal,
              refresh_per_second=8, transient=False) as live:
        def redraw() -> None:
            live.update(render(state, console.size.height))
        keys = _KeyReader(state, redraw, stop) if console.is_terminal and sys.stdin.isatty() else None
        try:
            if keys is not None:
                keys.start()
            if args.recording:
                replay_recording(state, args.recording, speed=args.speed, on_change=redraw,
                                 stop=stop)
                while console.is_terminal and not stop.is_set():   # final picture until q
                    stop.wait(0.5)
            else:
                watch_port(state, lambda: client_updates(where(), state=state, step_ms=args.step,
                                                         stop=stop),
                           on_change=redraw, sleep=stop.wait, stop=stop)
        except KeyboardInterrupt:
            pass
        except (OSError, ValueError) as exc:
            state.set_link("ended", str(exc))
            redraw()
            return 2
        finally:
            stop.set()
            if keys is not None:
                keys.restore()
    return 0


class _KeyReader(threading.Thread):
    """Keys from the terminal (cbreak mode, no echo) applied to the state as typed."""

    _SEQ = {"\x1b[A": "up", "\x1b[B": "down", "k": "up", "j": "down", " ": "p", "=": "+",
            "\x03": "q"}

    def __init__(self, state: MonitorState, redraw: Callable[[], None], stop: threading.Event):
        super().__init__(daemon=True, name="pyemu-monitor-keys")
        import termios
        import tty
        self.state, self.redraw, self.stop = state, redraw, stop
        self.fd = sys.stdin.fileno()
        self._saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)      # keys arrive one by one, not echoed; Ctrl-C still a signal

    def restore(self) -> None:
        import termios
        termios.tcsetattr(self.fd, termios.TCSADRAIN, self._saved)

    def run(self) -> None:
        import select
        while not self.stop.is_set():
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if not ready:
                continue
            try:
                data = os.read(self.fd, 16).decode("utf-8", "replace")
            except OSError:
                return
            for k in self._split(data):
                if not self.state.key(self._SEQ.get(k, k)):
                    self.stop.set()
                    break
            self.redraw()

    @staticmethod
    def _split(data: str) -> list:
        out, i = [], 0
        while i < len(data):
            if data.startswith("\x1b[", i) and i + 2 < len(data):
                out.append(data[i:i + 3])
                i += 3
            else:
                out.append(data[i])
                i += 1
        return out


def client_updates(url: str, poll_s: float = 0.5, max_polls: int | None = None,
                   state: MonitorState | None = None, step_ms: int = 3_600_000,
                   stop: threading.Event | None = None,
                   **client_options: Any) -> Iterator[Update]:
    """Connect a client to url and yield what the dashboard needs, until the link fails.

    Unsolicited STATUS/ALARM frames are shown as they come; if none came
    within poll_s the monitor asks for STATUS itself (a device with telemetry
    off, or a dead one: then the request fails and the caller reconnects).
    New event-log entries are read whenever STATUS shows the log grew.
    max_polls bounds the loop (tests); None runs until the link fails.
    """
    from pyemu.pump.client import Alarm, Client, Status

    with Client.connect(url, **client_options) as c:
        h = c.hello()
        yield ("hello", f"{h.model} serial {h.serial}, firmware {h.firmware}, "
                        f"clock {h.clock_name}")
        st = c.status()
        yield ("status", st.to_json())
        next_seq = max(1, st.last_event_seq - EVENT_LINES + 1)
        polls = 0
        while (max_polls is None or polls < max_polls) and not (stop and stop.is_set()):
            polls += 1
            c.poll(0.1 if state is not None and state.can_act else poll_s)
            if state is not None:
                _act(c, state, step_ms)
            items = c.drain_unsolicited()
            if not any(isinstance(i, Status) for i in items):
                items.append(c.status())
            for item in items:
                if isinstance(item, Alarm):
                    yield ("alarms", (alarm_list_of(item), item.now_ms / 1000))
                else:
                    yield ("status", item.to_json())
                    st = item
            if st.last_event_seq >= next_seq:
                for ev in c.read_events(next_seq):
                    yield ("event", (ev.time_ms / 1000, ev.describe()))
                    next_seq = ev.seq + 1


def _act(client: Any, state: MonitorState, step_ms: int) -> None:
    """Run the acting keys queued since the last poll, on the monitor's own client."""
    while True:
        try:
            k = state.actions.get_nowait()
        except queue.Empty:
            return
        try:
            if k == "b":
                client.patient_bolus()
                state.note_now("key b: patient bolus granted")
            elif k == "a":
                bits = client.status().unacked_alarms
                if bits:
                    client.ack_alarm(bits)
                state.note_now("key a: " + (f"acknowledged {', '.join(alarm_names(bits))}" if bits
                                            else "no unacknowledged alarm"))
            elif k == "+":
                client.advance(step_ms)
                state.note_now(f"key +: clock advanced {units.format_duration(step_ms)}")
        except DeviceRefused as exc:
            state.note_now(f"key {k}: refused by the pump: {exc.reason} — {exc.text}")


def alarm_list_of(alarm: Any) -> list[str]:
    from pyemu.pump.client import alarm_names
    return alarm_names(alarm.alarms)
