"""The browser adapter: the one module that imports ``js`` and ``pyodide``.

The JS glue makes one :class:`BrowserEndpoint` per page and calls it once per app call
or received frame. Arguments and results are JS primitives, converted implicitly, with
no proxy made per message: headers cross the boundary as latin-1 strings (one char per
byte), which costs less than a Uint8Array proxy each way. Payloads never enter Python. A
:class:`~webxdc_realtime.LocalProtocolError` comes back as a *value*: a JS ``Error`` or
``TypeError`` carrying the contract's message, which the glue throws into the app
(``if (result instanceof Error) throw result``). Raised instead, it would reach the app
wrapped in Pyodide's ``PythonError``, with a Python traceback for a message.
"""

from __future__ import annotations

from typing import Any

import js  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

from ._channel import Channel, Data, Endpoint, PeerJoined
from ._errors import LocalProtocolError
from ._frame import HEADER_SIZE
from ._scope import Scope


def _js_error(error: LocalProtocolError) -> Any:
    """Return a JS error of the right class for ``error``, for the glue to throw."""
    return getattr(js, error.error_type).new(error.message)


class BrowserChannel:
    """What one JS channel object holds: one core channel.

    Parameters
    ----------
    channel : Channel
        The core channel, made by a join.
    hello : bytes
        Its join announcement.

    Attributes
    ----------
    channel_name : str
        The BroadcastChannel name for the channel's scope.
    hello : str
        The join announcement (latin-1), for the glue to post once the channel is open.
    """

    def __init__(self, channel: Channel, hello: bytes) -> None:
        self.channel = channel
        self.channel_name = channel.scope.channel_name
        self.hello = hello.decode("latin-1")

    def set_listener(self, given_type: str) -> Any:
        """Check ``setListener``; ``given_type`` is JS ``typeof`` (``"null"`` for null)."""
        try:
            return self.channel.set_listener(given_type)
        except LocalProtocolError as error:
            return _js_error(error)

    def send(self, data_type: str, length: int | None) -> Any:
        """Check ``send``; return the header (latin-1 str) to put before the payload."""
        try:
            return self.channel.send(data_type, length).decode("latin-1")
        except LocalProtocolError as error:
            return _js_error(error)

    def receive(self, header: str, payload_length: int) -> bool | str:
        """Judge a frame by its header part (latin-1 str).

        ``True``: deliver the payload; a str: post this frame (latin-1), the answer to
        a join; ``False``: nothing to do.
        """
        event = self.channel.receive_parts(header.encode("latin-1"), payload_length)
        if isinstance(event, Data):
            return True
        if isinstance(event, PeerJoined):
            return event.reply.decode("latin-1")
        return False

    def leave(self) -> str | None:
        """Leave; return the announcement (latin-1 str) to post, or ``None`` if already left."""
        goodbye = self.channel.leave()
        return None if goodbye is None else goodbye.decode("latin-1")

    def stats(self) -> Any:
        """Return the counters and the number of peers heard from, as a JS object."""
        stats = self.channel.counters.as_dict()
        stats["peers"] = len(self.channel.peers)
        stats["state"] = self.channel.state.value
        return to_js(stats, dict_converter=js.Object.fromEntries)


class BrowserEndpoint:
    """The page's endpoint: the JS glue's handle on the core.

    Parameters
    ----------
    chat_id : str
        Chat of this page.
    instance_id : str
        App instance of this page.
    """

    header_size = HEADER_SIZE

    def __init__(self, chat_id: str, instance_id: str) -> None:
        self.endpoint = Endpoint(Scope(chat_id, instance_id))

    def join(self) -> Any:
        """``joinRealtimeChannel()``: a new channel, or a JS error if one is joined."""
        try:
            return BrowserChannel(*self.endpoint.join())
        except LocalProtocolError as error:
            return _js_error(error)
