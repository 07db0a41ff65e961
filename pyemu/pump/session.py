"""The request machinery under :class:`pyemu.pump.client.Client`: sequence numbers,
retries, the reply cache rule, reconnects, authenticated sessions, unsolicited frames.

See :mod:`pyemu.pump.client` for how requests travel (protocol/spec.md section 3).
"""
from __future__ import annotations

import collections
import hmac
import os
import random
import time
from dataclasses import dataclass
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple, Union

from pyemu import protocol as P
from pyemu._core import ffi as _ffi, lib as _lib
from pyemu.link import auth as _auth
from pyemu.link.transport import Transport, TransportClosed, TransportError, open_transport
from pyemu.pump.errors import (AuthenticationError, DeviceRefused, LinkError, NoReply,
                               NotExecuted, ProtocolError)
from pyemu.pump.records import Alarm, Status, Unsolicited

__all__ = ["WireSession", "ClientStats"]

# AUTH_BEGIN attempts while rate limited (DEVICE_AUTH_MAX_ATTEMPTS in device.h): each wins a
# challenge with probability >= 1/40 under any keyless flood, so all fail with p < 10^-5.
_AUTH_MAX_ATTEMPTS = 512

_RECONNECTED = object()


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    replayed: int = 0
    stale: int = 0
    reconnects: int = 0
    unsolicited: int = 0
    unsolicited_lost: int = 0
    auth_dropped: int = 0     # device frames refused by the session (bad tag, replayed, unsealed)
    auth_rate_limited: int = 0  # AUTH_BEGIN answered AUTH_RATE_LIMITED and sent again
    logins: int = 0
    collisions: int = 0       # first attempts answered REPLAYED: not executed, sent again with a new seq


# -- the session --------------------------------------------------------------------

def _open_for_client(url: str, serial_options: dict) -> Transport:
    if url == "pty" or url.startswith("tcp-listen://"):
        raise LinkError(
            f"{url!r} is a port for 'pyemu serve'; a client opens what serve printed, "
            "e.g. /dev/pts/5 or socket://127.0.0.1:5555"
        )
    try:
        return open_transport(url, **serial_options)
    except TransportError as exc:
        raise LinkError(str(exc)) from None


#: Payloads of the requests sent without fields, by the name they were asked by.
_BARE_PAYLOADS: Dict[str, bytes] = {}
#: Message name -> id, and -> the ids of the replies it may get.
_MSG_IDS: Dict[str, int] = {name: m.id for name, m in P.MESSAGES.items()}
_REPLY_IDS: Dict[str, frozenset] = {name: frozenset(P.MESSAGES[r].id for r in m.replies)
                                     for name, m in P.MESSAGES.items()}
_NAK = P.MsgType.NAK
_BUSY = P.NakReason.BUSY
_LINK_OK = int(_lib.HOST_LINK_OK)
_LINK_UNSENT = int(_lib.HOST_LINK_UNSENT)
_QUICK_RX = 65536
_QUICK_TX = int(_lib.PROTO_MAX_WIRE)


class _QuickLink:
    """Buffers of the one-pass exchange (allocated once per session)."""

    def __init__(self) -> None:
        self.rx = _ffi.new("uint8_t[]", _QUICK_RX)
        self.tx = _ffi.new("uint8_t[]", _QUICK_TX)
        self.payload = _ffi.new("uint8_t[]", int(_lib.PROTO_MAX_PAYLOAD))
        self.r = _ffi.new("host_link_t *")
        self.r.payload = self.payload


class WireSession:
    """Requests and replies with one pump over one transport (the base of
    :class:`pyemu.pump.client.Client`). Not thread-safe: one caller at a time."""

    def __init__(
        self,
        transport: Union[Transport, str],
        *,
        timeout: float = 1.0,
        retries: int = 3,
        seq: Optional[int] = None,
        on_unsolicited: Optional[Callable[[Unsolicited], None]] = None,
        reopen: Optional[Callable[[], Transport]] = None,
        queue_size: int = 1000,
        busy_wait: float = 0.05,
        key: Optional[bytes] = None,
        role: Union[str, int] = "clinician",
        collision_retries: int = 3,
    ) -> None:
        """Wrap an open ``transport``, or open a URL given as a string (see :meth:`connect`).

        With ``key`` (the 32-byte key of ``role``, see :func:`pyemu.link.auth.load_key_file`)
        the client opens an authenticated session at once (:meth:`login`)."""
        if isinstance(transport, str):
            transport = _open_for_client(transport, {})
        self.transport = transport
        self.timeout = timeout
        self.retries = retries
        self.on_unsolicited = on_unsolicited
        self.busy_wait = busy_wait
        self._reopen = reopen
        self._decoder = P.FrameDecoder()
        self._frames: Deque[Any] = collections.deque()
        self._queue: Deque[Unsolicited] = collections.deque(maxlen=queue_size)
        self._seq = random.randrange(65536) if seq is None else seq % 65536
        self.collision_retries = collision_retries
        # (seq, msg id, payload) of the requests this client sent, newest last: a
        # REPLAYED reply to one of them answers a retry; to anything else, it
        # means "not executed". Bounded: the pump remembers only its last 8.
        self._sent: "collections.OrderedDict[Tuple[int, int, bytes], None]" = collections.OrderedDict()
        self._exchange_unsure = False   # the last exchange sent bytes whose fate it does not know
        self._link: Optional[_QuickLink] = None
        self._last_unsolicited_seq: Optional[int] = None
        self.stats = ClientStats()
        #: True if the last reply came from the device's reply cache.
        self.last_replayed = False
        self._last_request: Optional[Tuple[str, int, Optional[bytes]]] = None
        self._last_fields: Dict[str, Any] = {}
        self._key = key
        self._role = _auth.role_number(role)
        self._session: Optional[_auth.Session] = None
        if key is not None:
            try:
                self.login()
            except BaseException:
                self.transport.close()
                raise

    @classmethod
    def connect(cls, url: str, *, reconnect: bool = False, timeout: float = 1.0,
                retries: int = 3, seq: Optional[int] = None,
                on_unsolicited: Optional[Callable[[Unsolicited], None]] = None,
                key: Optional[bytes] = None, role: Union[str, int] = "clinician",
                collision_retries: int = 3, **serial_options: Any) -> "WireSession":
        """Open ``url`` (a pty path, ``socket://host:port``, ``/dev/ttyUSB0`` …) and wrap it.

        ``serial_options`` (baudrate, bytesize, parity, stopbits, rtscts,
        xonxoff) apply to serial devices. ``reconnect`` reopens the URL if the
        line closes while a request waits for its reply.
        """
        transport = _open_for_client(url, serial_options)
        reopen = (lambda: open_transport(url, **serial_options)) if reconnect else None
        return cls(transport, reopen=reopen, timeout=timeout, retries=retries, seq=seq,
                   on_unsolicited=on_unsolicited, key=key, role=role,
                   collision_retries=collision_retries)

    open = connect  # the name pyserial users reach for

    # -- context manager --------------------------------------------------------
    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "WireSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def url(self) -> str:
        return self.transport.peer or self.transport.url

    # -- sequence numbers -------------------------------------------------------
    def next_seq(self) -> int:
        """Take a new sequence number."""
        self._seq = (self._seq + 1) % 65536
        return self._seq

    # -- the exchange -----------------------------------------------------------
    def request(self, msg: str, *, seq: Optional[int] = None, **fields: Any) -> Any:
        """Send request ``msg`` and return the reply frame (any type but NAK).

        NAK raises :class:`DeviceRefused`. ``seq`` repeats an earlier request
        on purpose (it must then be byte-identical to take effect once); a
        REPLAYED reply to an explicit ``seq`` this client had not sent before
        raises :class:`NotExecuted`. Without ``seq``, such a reply (a seq
        collision with another program) makes the client send the request
        again with a new random seq, up to ``collision_retries`` times.
        """
        explicit = seq is not None
        # A request without fields (GET_STATUS...) has the same payload every
        # time: encoded once, then looked up.
        payload = None if fields else _BARE_PAYLOADS.get(msg)
        if payload is None:
            try:
                payload = P.encode_payload(msg, **fields)
            except P.EncodeError as exc:
                raise ValueError(f"{msg}: {exc}") from None
            if not fields:
                _BARE_PAYLOADS[msg] = payload
        if seq is None:
            seq = self.next_seq()
        collisions = 0
        while True:
            frame, first_send = self._request_once(msg, seq, fields, payload)
            self.last_replayed = bool(frame.flags & P.FLAG_REPLAYED)
            # Sent once, answered to that one send: REPLAYED cannot be our own
            # earlier execution. (After a timeout or a new line the reply may
            # answer our first send, executed: then it is the normal answer.)
            if self.last_replayed and first_send and not self._exchange_unsure:
                # Not executed: it matched an older request of the same seq (spec 3).
                # Not ours either: sending it again is a first send again.
                self._sent.pop((seq, _MSG_IDS[msg], payload), None)
                self.stats.collisions += 1
                collisions += 1
                if explicit or collisions > max(0, self.collision_retries):
                    raise NotExecuted(
                        f"{msg} was NOT executed: the pump answered seq {seq} from its reply cache "
                        f"(another program had sent the same request with that seq)"
                        + ("; send it with a new seq" if explicit else
                           f"; {collisions} new seqs collided too, giving up"))
                # The older run that used this seq likely used its neighbours too.
                self._seq = random.randrange(65536)
                seq = self.next_seq()
                continue
            break
        if self.last_replayed:
            self.stats.replayed += 1
        if frame.msg_type == P.MsgType.NAK:
            raise DeviceRefused(msg, frame.fields["reason"])
        if frame.msg_type not in _REPLY_IDS[msg]:
            expected = P.MESSAGES[msg].replies
            raise ProtocolError(
                f"{msg} was answered with {P.MESSAGES_BY_ID[frame.msg_type].name}, "
                f"expected {' or '.join(expected)}"
            )
        return frame

    def _request_once(self, msg: str, seq: int, fields: Dict[str, Any],
                      payload: bytes) -> Tuple[Any, bool]:
        """Send one request with ``seq`` (and its retries): (reply frame, whether
        this client had not sent this request before)."""
        identity = (seq, _MSG_IDS[msg], payload)
        first_send = identity not in self._sent
        quick: Any = None
        if self._session is None:
            quick = self._quick_send(identity[1], seq, payload)
            if quick is None:
                try:
                    wire = P.encode_fields(msg, seq, P.KIND_REQUEST, fields)
                except P.EncodeError as exc:
                    raise ValueError(f"{msg}: {exc}") from None
        # Bookkeeping after the send: it overlaps the device's turn.
        sent = self._sent
        sent[identity] = None
        sent.move_to_end(identity)
        if len(sent) > 256:
            sent.popitem(last=False)
        if quick is not None:
            # The wire bytes are built again (the same bytes: both encoders pass the
            # golden vectors) only if last_request is asked for.
            self._last_request = (msg, seq, None)
            self._last_fields = fields
            self.stats.requests += 1
            if type(quick) is float:   # sent; the reply is not in yet: the full wait, same deadline
                assert self._link is not None
                wire = _ffi.buffer(self._link.tx, self._link.r.wire_len)[:]
                return self._exchange(msg, seq, wire, None, sent_deadline=quick), first_send
            self._exchange_unsure = False
            return quick, first_send
        rebuild: Optional[Callable[[], bytes]] = None
        if self._session is not None:
            def rebuild() -> bytes:
                # A new counter and tag under the session open now (same seq, spec 6.3).
                assert self._session is not None
                sealed = _auth.seal_frame(self._session, P.MESSAGES[msg].id, seq, P.KIND_REQUEST, payload)
                self.last_request = (msg, seq, sealed)
                return sealed
            wire = rebuild()
        self.last_request = (msg, seq, wire)
        self.stats.requests += 1
        return self._exchange(msg, seq, wire, rebuild), first_send

    def repeat_last(self) -> Any:
        """Send the last request again, byte-identical (same seq): takes effect at most once."""
        if self.last_request is None:
            raise ValueError("no request sent yet")
        msg, seq, wire = self.last_request
        frame = self._exchange(msg, seq, wire)
        self.last_replayed = bool(frame.flags & P.FLAG_REPLAYED)
        if frame.msg_type == P.MsgType.NAK:
            raise DeviceRefused(msg, frame.fields["reason"])
        return frame

    @property
    def last_request(self) -> Optional[Tuple[str, int, bytes]]:
        """(message name, seq, wire bytes) of the last request sent."""
        last = self._last_request
        if last is not None and last[2] is None:
            msg, seq, _ = last
            last = self._last_request = (msg, seq, P.encode_fields(msg, seq, P.KIND_REQUEST, self._last_fields))
        return last

    @last_request.setter
    def last_request(self, value: Optional[Tuple[str, int, bytes]]) -> None:
        self._last_request = value

    def _quick_send(self, mid: int, seq: int, payload: bytes) -> Any:
        """The usual exchange in one pass, for an unsealed request on a plain
        descriptor: host_request (firmware/ports/host/host_link.h) encodes the
        request with the firmware's encoder, writes it and reads until a frame
        has ended. Returns the reply frame when
        that brought exactly it (a response to ``seq``, intact, not BUSY); the
        deadline (a float) when the request went out but anything else
        happened (the frames read wait in the queue, the general loop of
        :meth:`_exchange` takes over without sending again); None when nothing
        was sent (the general path sends, and reports what goes wrong).

        Why a second path: a STATUS round trip is a few tens of microseconds
        over a pty, and the general loop's layers cost about as much as the
        device's own turn (make bench, link section)."""
        if self._frames:
            return None
        transport = self.transport
        fd = transport.quick_fd
        if fd is None:
            return None
        link = self._link
        if link is None:
            link = self._link = _QuickLink()
        timeout = self.timeout
        deadline = time.monotonic() + timeout
        rc = _lib.host_request(fd, mid, seq, P.KIND_REQUEST, payload, len(payload), link.tx, _QUICK_TX,
                               link.rx, _QUICK_RX, int(timeout * 1000 + 0.999), link.r)
        r = link.r
        if rc == _LINK_UNSENT or rc < 0:
            sent = r.sent if rc > 0 else 0
            if sent == 0:
                return None      # the general path writes again and says what is wrong
            try:
                transport.write(_ffi.buffer(link.tx, r.wire_len)[sent:])
            except TransportError as exc:
                raise LinkError(str(exc)) from None
            return deadline
        got = r.got
        if not got:
            return deadline      # nothing yet, or a read error: the general loop reads again
        decoder = self._decoder
        if rc == _LINK_OK and r.one_frame and not decoder.pending and r.msg_type in P.MESSAGES_BY_ID:
            # The usual reply: one intact frame, decoded by the firmware's decoder in
            # host_exchange; flags and fields are checked here as for any frame.
            if transport.keeps_tail:
                transport.note_read(_ffi.buffer(link.rx, got)[:])
            frames = [decoder.intact_elsewhere(r.msg_type, r.seq, r.flags,
                                               _ffi.buffer(link.payload, r.payload_len)[:])]
        else:
            data = _ffi.buffer(link.rx, got)[:]
            transport.note_read(data)
            frames = decoder.feed(data)
        if rc == _LINK_OK and len(frames) == 1:
            frame = frames[0]
            if frame.seq == seq and frame.flags & P.KIND_MASK == P.KIND_RESPONSE and frame.error is None \
                    and not (frame.msg_type == _NAK and frame.fields["reason"] == _BUSY):
                return frame
        self._frames.extend(frames)
        return deadline

    def _exchange(self, msg: str, seq: int, wire: bytes,
                  rebuild: Optional[Callable[[], bytes]] = None,
                  sent_deadline: Optional[float] = None) -> Any:
        """Send ``wire`` and wait for the reply to ``seq``, with retries. With
        ``sent_deadline`` the first send has happened already (:meth:`_quick_send`)."""
        attempts = 1 + max(0, self.retries)
        unsure = False
        busy = False
        attempt = 0
        reopened = 0
        relogged = 0
        while attempt < attempts:
            if attempt:
                self.stats.retries += 1
            if sent_deadline is not None:
                deadline, sent_deadline = sent_deadline, None
            else:
                # The codec delimits frames on both sides (0x00 ... 0x00), so noise
                # before a request ends at its leading delimiter (spec 1.2).
                self._send(wire)
                deadline = time.monotonic() + self.timeout
            while True:
                frame = self._next_frame(deadline)
                if frame is None:
                    attempt += 1
                    unsure = True
                    break  # timed out: send the same bytes again
                if frame is _RECONNECTED:
                    # A new line to a restarted device: the same bytes again at
                    # once. Bounded, so a device dying in a loop still ends here.
                    reopened += 1
                    unsure = True
                    if reopened > attempts:
                        attempt = attempts
                    break
                if frame.kind != P.KIND_RESPONSE:
                    continue
                if frame.seq != seq:
                    self.stats.stale += 1
                    continue
                if frame.error is not None:
                    raise ProtocolError(f"{msg}: the device's reply is malformed ({frame.error.name})")
                if frame.msg_type == P.MsgType.NAK and frame.fields["reason"] == P.NakReason.BUSY:
                    # Not executed, not cached: wait a little, then the same bytes again.
                    busy = True
                    attempt += 1
                    self.poll(self.busy_wait)
                    break
                if self._session is not None and not frame.flags & P.FLAG_AUTH:
                    # An unsealed NAK is advice, never the answer (spec 6.3): anyone
                    # on the line could have sent it. The device lost the session
                    # (restart, idle): open a new one and send the request again.
                    if frame.fields["reason"] == P.NakReason.AUTH_REQUIRED and rebuild and relogged < 1:
                        relogged += 1
                        unsure = True
                        self.login()
                        wire = rebuild()
                        break
                    continue
                # Set last: login() above runs requests of its own.
                self._exchange_unsure = unsure
                return frame
        hint = " (the device kept answering BUSY)" if busy else ""
        raise NoReply(
            f"no reply from {self.url} to {msg} after {attempts} tries of {self.timeout:g} s{hint} "
            f"— is `pyemu serve` running on that port, and is this the path it printed?"
        )

    def _send(self, data: bytes) -> None:
        try:
            self.transport.write(data)
            return
        except TransportClosed as exc:
            self._reconnect_after(exc)
        except TransportError as exc:
            raise LinkError(str(exc)) from None
        try:
            self.transport.write(data)
        except TransportError as exc:
            raise LinkError(str(exc)) from None

    def _reconnect_after(self, closed: TransportClosed) -> None:
        """The line closed under a read or a write: reopen it, unless the server
        closed it to refuse this client (a tcp-listen port that has a client
        already): that is said at once, never retried."""
        if "pyemu serve: refused" in str(closed):
            raise LinkError(str(closed)) from None
        self._reconnect()

    def _reconnect(self, deadline: Optional[float] = None) -> None:
        """Reopen the line after it closed, until ``deadline``; LinkError if impossible."""
        if self._reopen is None:
            raise LinkError(f"the line to {self.url} closed (did the device stop?)")
        if deadline is None:
            deadline = time.monotonic() + self.timeout * (1 + self.retries)
        last_error: Optional[Exception] = None
        while True:
            try:
                new = self._reopen()
            except TransportError as exc:
                last_error = exc
                if time.monotonic() >= deadline:
                    raise LinkError(f"the line to {self.url} closed and could not be reopened: {last_error}") from None
                time.sleep(0.02)  # the device is restarting; try the path again shortly
                continue
            try:
                self.transport.close()
            except OSError:
                pass
            self.transport = new
            self._decoder = P.FrameDecoder()
            self.stats.reconnects += 1
            return

    def _next_frame(self, deadline: float) -> Any:
        """The next response frame before ``deadline`` (unsolicited ones are dispatched),
        None on timeout, or _RECONNECTED if the line had to be reopened."""
        while True:
            while self._frames:
                frame = self._frames.popleft()
                if frame.kind == P.KIND_UNSOLICITED:
                    self._dispatch(frame)
                    continue
                return frame
            got = self._read_some(deadline)
            if got is not True:
                return got

    def _read_some(self, deadline: float) -> Any:
        """Read one chunk into the frame queue: True, None on timeout, or _RECONNECTED."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None
        try:
            data = self.transport.read(remaining)
        except TransportClosed as exc:
            self._reconnect_after(exc)
            return _RECONNECTED  # a pending request is sent again on the new line
        except TransportError as exc:
            raise LinkError(str(exc)) from None
        if data:
            frames = self._decoder.feed(data)
            self._frames.extend(frames if self._session is None else self._admit(frames))
        return True

    def _admit(self, frames: List[Any]) -> List[Any]:
        """Inside a session: sealed frames that verify (decoded), and unsealed NAKs
        (advice, spec 6.3). Everything else is dropped and counted."""
        assert self._session is not None
        out = []
        for frame in frames:
            if frame.flags & P.FLAG_AUTH:
                try:
                    out.append(_auth.open_frame(self._session, frame))
                except _auth.AuthError:
                    self.stats.auth_dropped += 1
            elif frame.kind == P.KIND_RESPONSE and frame.msg_type == P.MsgType.NAK and frame.error is None:
                out.append(frame)
            else:
                self.stats.auth_dropped += 1
        return out

    # -- authenticated sessions (protocol/spec.md section 6) ---------------------------
    @property
    def authenticated(self) -> bool:
        """True while a session is open (every request is sealed)."""
        return self._session is not None

    def login(self) -> None:
        """Open a session with the key given to the constructor: HELLO (for the serial
        number), then 2 round trips (AUTH_BEGIN, AUTH_PROVE). The device must prove
        it holds the same key (AuthenticationError otherwise, or if the device
        refuses the proof)."""
        if self._key is None:
            raise ValueError("login needs the key given to Client(key=...)")
        self._session = None
        serial = self.hello().serial
        host_nonce = os.urandom(_auth.NONCE_LEN)
        lo, hi = _auth.nonce_fields(host_nonce)
        try:
            challenge = self._begin(lo, hi)
            session = _auth.Session.open(
                self._key, role=self._role, serial=serial, session_id=challenge["session"],
                host_nonce=host_nonce, is_device=False,
                device_nonce=_auth.nonce_bytes(challenge["device_nonce_lo"], challenge["device_nonce_hi"]))
            host_proof, device_proof = session.proofs
            lo, hi = _auth.nonce_fields(host_proof)
            accept = self.request("AUTH_PROVE", proof_lo=lo, proof_hi=hi).fields
        except DeviceRefused as exc:
            if exc.reason_name == "AUTH_RATE_LIMITED":
                raise AuthenticationError(
                    f"the pump rate-limited {_AUTH_MAX_ATTEMPTS} handshake attempts (AUTH_RATE_LIMITED): "
                    "another handshake for this role kept it busy — a flood of handshake frames "
                    "on the line? The key was not tried; try again later") from None
            raise AuthenticationError(
                f"the pump refused the session: {exc.reason} — wrong key file or role?") from None
        if not hmac.compare_digest(_auth.nonce_bytes(accept["proof_lo"], accept["proof_hi"]), device_proof):
            raise AuthenticationError("the pump could not prove it holds this key: not the pump "
                                      "these keys belong to, or someone in between")
        self._session = session
        self.stats.logins += 1

    def _begin(self, lo: int, hi: int) -> Dict[str, Any]:
        """AUTH_BEGIN, sent again (new seq) while the pump answers AUTH_RATE_LIMITED: it holds
        another challenge for this role for a few requests, then lets a new one through by a
        coin toss (firmware/device/device.h, DENIAL OF SERVICE), so a keyless flood delays a
        keyholder by a bounded number of round trips and never locks it out."""
        for attempt in range(_AUTH_MAX_ATTEMPTS):
            try:
                return dict(self.request("AUTH_BEGIN", role=self._role, host_nonce_lo=lo,
                                         host_nonce_hi=hi).fields)
            except DeviceRefused as exc:
                if exc.reason_name != "AUTH_RATE_LIMITED" or attempt == _AUTH_MAX_ATTEMPTS - 1:
                    raise
                self.stats.auth_rate_limited += 1
        raise AssertionError("unreachable")

    def logout(self) -> None:
        """End the session (AUTH_END); later requests go unsealed."""
        if self._session is not None:
            try:
                self.request("AUTH_END")
            finally:
                self._session = None

    # -- unsolicited --------------------------------------------------------------
    def _dispatch(self, frame: Any) -> None:
        if frame.error is not None:
            return
        if frame.msg_type == P.MsgType.STATUS:
            item: Unsolicited = Status.from_frame(frame)
        elif frame.msg_type == P.MsgType.ALARM:
            item = Alarm(seq=frame.seq, **frame.fields)
        else:
            return
        if self._last_unsolicited_seq is not None:
            gap = (frame.seq - self._last_unsolicited_seq - 1) % 65536
            if gap < 1000:  # a larger jump is a restarted device, not loss
                self.stats.unsolicited_lost += gap
        self._last_unsolicited_seq = frame.seq
        self.stats.unsolicited += 1
        self._queue.append(item)
        if self.on_unsolicited is not None:
            self.on_unsolicited(item)

    def poll(self, timeout: float = 0.0) -> int:
        """Read what arrives for up to ``timeout`` s; dispatch unsolicited frames. Returns how many."""
        before = self.stats.unsolicited
        deadline = time.monotonic() + timeout
        while True:
            frame = self._next_frame(deadline)
            if frame is None:
                break
            if frame is not _RECONNECTED:
                self.stats.stale += 1  # a response nobody is waiting for
        return self.stats.unsolicited - before

    def unsolicited(self, timeout: Optional[float] = None) -> Iterator[Unsolicited]:
        """Unsolicited STATUS/ALARM frames as they come; stops after ``timeout`` s with
        nothing new (None: never)."""
        while True:
            if not self._queue:
                deadline = time.monotonic() + (timeout if timeout is not None else 1e9)
                while not self._queue:
                    if self._frames:
                        frame = self._frames.popleft()
                        if frame.kind == P.KIND_UNSOLICITED:
                            self._dispatch(frame)
                        else:
                            self.stats.stale += 1  # a response nobody is waiting for
                        continue
                    if self._read_some(deadline) is None:
                        return
            yield self._queue.popleft()

    def drain_unsolicited(self) -> List[Unsolicited]:
        """Everything queued so far, without waiting."""
        items = list(self._queue)
        self._queue.clear()
        return items
