"""The browser adapter: the one module that imports ``js`` and ``pyodide``.

It carries out the contract of :mod:`webxdc_realtime.browser.contract` (read that first):
what the JS glue calls, and what each call gives back. Behind it, the core decides.
"""

from __future__ import annotations

import json
import weakref
from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from ..core.channel import RELAY_ANNOUNCE_AGAIN_MS, Channel, Endpoint
from ..core.errors import LocalProtocolError
from ..core.events import Data, Dropped, Event, Held, Later, NeedsPayload, PeerJoined
from ..core.frame import HEADER_SIZE
from ..core.network import NOW, NetworkError
from ..core.network_forms import parse_net, state_from_json, to_json, with_changes
from ..core.rules import export_rules
from ..core.scope import Scope
from ..core.send_to_chat import Message, check
from ..core.updates import SYNC_ANSWER_MS, Record, Stored, UpdateLog, parse_record
from .contract import Received

# Plain ints: what crosses to JS as a number, in no time.
_NOTHING, _DELIVER, _NEEDS_PAYLOAD = (int(code) for code in Received)

_RULES_DIGEST = str(export_rules()["digest"])


def _js_error(shapes: Any, error: LocalProtocolError) -> Any:
    """Return a JS error of the right class for ``error``, for the glue to throw.

    Made by the glue's ``shapes.error``: in its page's realm, so that the app's
    ``instanceof TypeError`` holds when peers share one runtime (another page's realm).
    """
    return shapes.error(error.error_type, error.message)


def _to_js(value: dict[str, Any]) -> Any:
    return to_js(value, dict_converter=js.Object.fromEntries)


class BrowserChannel:
    """What one JS channel object holds: one core channel object.

    Parameters
    ----------
    channel : Channel
        The core channel object, made by a join.
    shapes : JS object
        The glue's makers (see :class:`BrowserEndpoint`); its errors come from ``error``.
    """

    def __init__(self, channel: Channel, shapes: Any) -> None:
        self.channel = channel
        self._endpoint = channel.endpoint
        self._shapes = shapes

    def close(self) -> None:
        """Let go of the core channel object, its endpoint, and the page's makers."""
        del self.channel, self._endpoint, self._shapes

    def set_listener(self, given_type: str) -> Any:
        """Decide ``setListener``; ``given_type`` is JS ``typeof`` (``"null"`` for null)."""
        try:
            return self.channel.set_listener(given_type)
        except LocalProtocolError as error:
            return _js_error(self._shapes, error)

    def send(self, data_type: str, length: int | None, bytes_ok: bool) -> Any:
        """Decide ``send``.

        Returns the header (latin-1 str) to put before the payload; a JS error to
        throw; or, when more is to be done, a reply with ``header`` (null: not sent)
        and ``log`` (a message for the console, or "").
        """
        try:
            result = self.channel.send(data_type, length, bytes_ok)
        except LocalProtocolError as error:
            return _js_error(self._shapes, error)
        endpoint = self._endpoint
        if isinstance(result, bytes):
            if not endpoint.outbox:
                return result.decode("latin-1")
            return _reply(endpoint, header=result.decode("latin-1"), log="")
        return _reply(endpoint, header=None, log=result)

    def ahead(self, count: int) -> Any:
        """Decide the headers of the next ``count`` sends of a Uint8Array, ahead.

        Returns ``{keys, count, limit, epoch}`` (see the contract: *ahead*); ``count`` 0:
        none, in this state (until the epoch moves).
        """
        tickets = self.channel.ahead(count)
        epoch = self._endpoint.send_epoch
        if tickets is None:
            return self._shapes.ahead("", 0, 0, epoch)
        headers, limit = tickets
        return self._shapes.ahead(headers.decode("latin-1"), count, limit, epoch)

    def sent_ahead(self, frames: int, payload_bytes: int, count: int) -> Any:
        """Take in ``frames`` sends made by the headers of :meth:`ahead`, in order.

        Returns :meth:`ahead` of ``count`` more (0: None), from the header after them.
        """
        self.channel.sent_ahead(frames, payload_bytes)
        return self.ahead(count) if count else None

    def leave(self) -> Any:
        """Decide ``leave``: a reply (announcements to post), or a JS error."""
        try:
            self.channel.leave()
        except LocalProtocolError as error:  # pragma: no cover - no profile refuses leave
            return _js_error(self._shapes, error)
        return _reply(self._endpoint)


def _reply(endpoint: Endpoint, **extra: Any) -> Any:
    frames = [frame.decode("latin-1") for frame in endpoint.take_outbox()]
    return _to_js({"frames": frames, "member": endpoint.member, **extra})


class BrowserEndpoint:
    """The page's endpoint: the JS glue's handle on the core.

    Parameters
    ----------
    chat_id : str
        Chat of this page.
    instance_id : str
        App instance of this page.
    profile : str
        The host profile (``strict``, ``desktop``, ``mobile``).
    addr : str
        This peer's ``selfAddr``, which its announcements carry.
    shapes : JS object
        The glue's makers of the contract's result objects (``run``, ``frame``,
        ``answer``, ``after``, ``held``, ``dropped``): a call with primitives makes one
        in JS for a fifth of what converting a dict costs.

    Attributes
    ----------
    header_size : int
        Bytes of a frame header.
    channel_name, updates_name, network_name : str
        The BroadcastChannel names of the page's scope: frames, updates, the network's
        conditions.
    rules_digest : str
        Hash of the rules table this core decides by; the glue checks it against the
        table it was built with.
    """

    header_size = HEADER_SIZE
    rules_digest = _RULES_DIGEST

    def __init__(
        self, chat_id: str, instance_id: str, profile: str, addr: str, shapes: Any
    ) -> None:
        self.endpoint = Endpoint(Scope(chat_id, instance_id), profile, addr=addr)
        scope = self.endpoint.scope
        self.channel_name = scope.channel_name
        self.updates_name = scope.updates_name
        self.network_name = scope.network_name
        self.relay_subject = scope.relay_subject
        self.relay_updates_subject = scope.relay_updates_subject
        self.relay_sync_subject = scope.relay_sync_subject
        self.sync_answer_ms = SYNC_ANSWER_MS
        self.relay_announce_again_ms = RELAY_ANNOUNCE_AGAIN_MS
        self._tap = False
        self._trace = False
        # The glue's makers of the contract's objects (js_glue/webxdc/contract.js).
        self._run, self._frame = shapes.run, shapes.frame
        self._answer, self._after = shapes.answer, shapes.after
        self._held, self._dropped = shapes.held, shapes.dropped
        self._shapes = shapes
        self._channels: weakref.WeakSet[BrowserChannel] = weakref.WeakSet()

    def close(self) -> None:
        """Let go of the page: it is gone, and the runtime outlives it (the host page's).

        Lets go of the core's state of the page (its endpoint, and each of its channel
        objects') and of the page's makers of the contract's objects (functions of that
        page, which would keep all of its objects alive). The proxies the page held are
        empty shells after this, until its garbage is collected; no call is made on them.
        """
        for channel in list(self._channels):
            channel.close()
        self._channels.clear()
        del self.endpoint, self._shapes
        del self._run, self._frame, self._answer, self._after, self._held, self._dropped

    @property
    def send_epoch(self) -> int:
        """What the decisions made ahead by channel objects' ``ahead`` must still show."""
        return self.endpoint.send_epoch

    @property
    def receive_epoch(self) -> int:
        """What the decisions made ahead by :meth:`ahead` must still show."""
        return self.endpoint.receive_epoch

    def set_dedupe(self, on: bool) -> None:
        """Frames come by BroadcastChannel and a relay: deliver each once."""
        self.endpoint.set_dedupe(bool(on))

    def set_tap(self, on: bool) -> None:
        """Judge frame by frame and say why each dropped frame was dropped (the devtools)."""
        self._tap = bool(on)

    def set_trace(self, on: bool) -> None:
        """Say why each dropped frame was dropped (the trace), runs of frames still whole."""
        self._trace = bool(on)

    def join(self) -> Any:
        """``joinRealtimeChannel()``: a reply with the new ``channel``, or a JS error."""
        try:
            channel = BrowserChannel(self.endpoint.join(), self._shapes)
        except LocalProtocolError as error:
            return _js_error(self._shapes, error)
        self._channels.add(channel)
        return _reply(self.endpoint, channel=channel)

    def announce_again(self) -> Any:
        """Through a relay, a while after joining or connecting: a reply (a presence frame)."""
        self.endpoint.announce_again()
        return _reply(self.endpoint)

    def receive(
        self, header: str, payload_length: int, payload: str | None = None, now: float = 0.0
    ) -> Any:
        """Judge a frame that came alone, by its header part (latin-1): a verdict."""
        endpoint = self.endpoint
        try:
            head = header.encode("latin-1")
            if payload is None:
                if endpoint.accept(head, payload_length):
                    return _DELIVER  # the common case, in as few steps as can be
                body = None
            else:
                body = payload.encode("latin-1")
        except UnicodeEncodeError:  # a string from another page, not one char per byte
            event: Event = endpoint.reject(len(header) + payload_length, "not bytes")
        else:
            event = endpoint.receive_parts(head, payload_length, body, now)
        return self._verdict(event)

    def due(self, payload_length: int) -> Any:
        """Judge again a frame the network delayed or held, now its time has come."""
        dropped = self.endpoint.due(payload_length)
        return _DELIVER if dropped is None else self._verdict(dropped)

    def receive_batch(self, message: Any, now: float) -> Any:
        """Start judging a message of frames (a Uint8Array): its first step."""
        self.endpoint.start_message(message.to_bytes())
        return self.receive_more(now)

    def receive_more(self, now: float) -> Any:
        """Judge the next step of the message taken by :meth:`receive_batch`."""
        endpoint = self.endpoint
        start = endpoint.message_at
        if not self._tap:  # while tapped, frame by frame: the devtools see each
            count = endpoint.run_in_message()
            if count or endpoint.message_done:
                return self._run(count, start, endpoint.message_done)
        start, end, event = endpoint.next_in_message(now)
        return self._frame(self._verdict(event), start, end, endpoint.message_done)

    def ahead(self, count: int) -> Any:
        """Decide ahead which frames the fast path delivers next: ``{keys, count, limit}``.

        ``keys``: per sender heard from, the header parts (up to the length field) of its
        next ``count`` data frames (see the contract: *ahead*); "" when there is no fast
        path (the app does not listen, a network, a relay).
        """
        senders, limit = self.endpoint.frames_ahead(count)
        keys = b"".join(senders).decode("latin-1")
        return self._shapes.ahead(keys, count, limit, self.endpoint.receive_epoch)

    def took_ahead(self, taken: Any, frames: int, payload_bytes: int) -> None:
        """Take in the frames delivered by :meth:`ahead`'s keys.

        ``taken``: per sender, the index of the last one taken (-1: none); then how many
        in all, and their payload bytes.
        """
        self.endpoint.took_ahead(taken.to_py(), frames, payload_bytes)

    def cut(self, delivered: int) -> None:
        """Take back the run's frames after the first ``delivered``: the app calls the core."""
        self.endpoint.cut_run(delivered)

    def _verdict(self, event: Event) -> Any:
        if isinstance(event, Data):
            return _DELIVER
        if isinstance(event, PeerJoined):
            return self._answer(event.reply.decode("latin-1"))
        if isinstance(event, NeedsPayload):
            return _NEEDS_PAYLOAD
        if isinstance(event, Later):
            return self._after(to_js(list(event.delays)))
        if isinstance(event, Held):
            return self._held(event.held)
        if (self._tap or self._trace) and isinstance(event, Dropped):
            return self._dropped(event.reason.value)
        return _NOTHING

    def set_network(self, state: str) -> Any:
        """Take the network's state (JSON): ``{active, release: [ids], drop: [ids]}``."""
        try:
            release, drop = self.endpoint.set_network(state_from_json(json.loads(state)))
        except (NetworkError, ValueError) as error:
            return self._shapes.error("Error", f"webxdc realtime: network: {error}")
        return _to_js(
            {"active": self.endpoint.network is not None, "release": release, "drop": drop}
        )

    def network_change(self, state: str, change: str) -> Any:
        """Apply one change of ``webxdcRealtime.network`` to a state (both JSON).

        Returns the new state (JSON), or a JS error naming what was wrong.
        """
        try:
            new = with_changes(state_from_json(json.loads(state)), json.loads(change))
        except (NetworkError, ValueError, TypeError) as error:
            return self._shapes.error("Error", f"webxdc realtime: network: {error}")
        return to_json(new)

    def parse_network(self, text: str) -> Any:
        """Read ``?net=`` / ``data-net``: the state (JSON), or a JS error naming what is wrong."""
        try:
            return to_json(parse_net(text))
        except NetworkError as error:
            return self._shapes.error("Error", f"webxdc realtime: ?net= / data-net: {error}")

    def judge_update(self, sender: str, uid: str, size: int, now: float) -> Any:
        """Return the network's word on an update: ``DELIVER`` (now), ``{after}``, ``{held}``."""
        verdict = self.endpoint.judge_update(sender, uid, size, now)
        if isinstance(verdict, int):
            return self._held(verdict)
        return _DELIVER if verdict == NOW else self._after(to_js(list(verdict.delays)))

    def stats(self, now: float = 0.0) -> Any:
        """Return the counters of the page's latest stay and its peers, as a JS object.

        ``connecting``: the peers it is not connected with yet at ``now`` (the clock
        frames are judged by), under a connection phase.
        """
        endpoint = self.endpoint
        stats = endpoint.counters.as_dict()
        stats["peers"] = len(endpoint.peers)
        stats["names"] = sorted(endpoint.names.get(p, "") for p in endpoint.peers)
        stats["state"] = "joined" if endpoint.member else "left"
        stats["profile"] = endpoint.profile.name
        stats["network"] = endpoint.network is not None
        stats["connecting"] = endpoint.connecting(now)
        return _to_js(stats)


class BrowserUpdates:
    """The page's update log: the glue's handle on :class:`~webxdc_realtime.core.updates.UpdateLog`.

    Updates cross as JSON strings; a record as ``[uid, sender, text]``.

    Parameters
    ----------
    self_addr : str
        This peer.
    stored : JS array of [serial, uid]
        This peer's log, as the glue kept it.
    chat : JS array of [uid, sender, text]
        The chat's records, in order.
    interval_ms, max_size : int
        ``sendUpdateInterval``, ``sendUpdateMaxSize``.
    """

    def __init__(
        self, self_addr: str, stored: Any, chat: Any, interval_ms: int, max_size: int
    ) -> None:
        records = [Record(*r) for r in chat.to_py()]
        pairs = [(int(serial), str(uid)) for serial, uid in stored.to_py()]
        self.log = UpdateLog(self_addr, pairs, records, interval_ms, max_size)

    def close(self) -> None:
        """Let go of the log (the core's): the page is gone, and the runtime outlives it."""
        del self.log

    def added(self) -> Any:
        """Return what the log took from the chat at start, to keep: ``[[serial, uid]]``."""
        return to_js([[s.serial, s.record.uid] for s in self.log.added])

    def send(self, text: str | None, why: str, descr: bool, now: float) -> Any:
        """``sendUpdate``: console messages, and the stored update if valid.

        Returns ``{errors, warnings, stored}``; ``stored`` is null or ``{serial, record,
        delivery, info, summary, document}``.
        """
        sent = self.log.send(text, why=why, descr=descr, now=now)
        stored = None
        if sent.stored is not None:
            stored = {
                **self._stored(sent.stored),
                "info": sent.chat.info,
                "summary": sent.chat.summary,
                "document": sent.chat.document,
            }
        return _to_js({"errors": sent.errors, "warnings": sent.warnings, "stored": stored})

    def receive(self, value: Any) -> Any:
        """Take a record from another tab.

        Returns ``{serial, record, delivery, notify}``, or null if the record is
        malformed or already stored.
        """
        record = parse_record(value.to_py() if hasattr(value, "to_py") else value)
        stored = None if record is None else self.log.receive(record)
        if stored is None:
            return None
        return _to_js({**self._stored(stored), "notify": self.log.notification(stored)})

    def own(self) -> Any:
        """Return this peer's own records, ``[[uid, sender, text]]``: what a sync request gets."""
        return to_js([list(record) for record in self.log.own()])

    def after(self, serial: float) -> Any:
        """``setUpdateListener(cb, serial)`` (``Number(serial)``): the deliveries (JSON)."""
        return to_js([self.log.delivery(s) for s in self.log.after(float(serial))])

    def _stored(self, stored: Stored) -> dict[str, Any]:
        return {
            "serial": stored.serial,
            "record": list(stored.record),
            "delivery": self.log.delivery(stored),
        }


def send_to_chat(
    text: bool,
    file: bool,
    name: bool,
    data_keys: int,
    blob: bool,
    base64: bool,
    plain_text: bool,
) -> Any:
    """``sendToChat``: ``[rejection, data key]`` (see ``core.send_to_chat.check``)."""
    return to_js(list(check(Message(text, file, name, data_keys, blob, base64, plain_text))))
