"""The webxdc realtime channel: a protocol core with no I/O.

The core implements ``window.webxdc.joinRealtimeChannel()`` as SPEC.md settles it:
the app's calls in, frames out; frames in, events out. It never imports ``js`` or
``pyodide``, owns no timer, and never reads a payload. The JS glue owns the
BroadcastChannel and the app's callback and moves the bytes; the rules are here.

Usage, with any transport (tests use an in-memory link)::

    endpoint = Endpoint(Scope(chat_id="chat-1", instance_id="app-1"), profile="strict")
    channel = endpoint.join()                 # raises LocalProtocolError as the profile says
    channel.set_listener("function")
    header = channel.send(UINT8ARRAY_TAG, len(payload))   # bytes; a str: not sent
    for frame in endpoint.take_outbox():      # announcements (joined, left), in order
        wire.post(frame)
    wire.post(header + payload)
    event = endpoint.receive(frame[:HEADER_SIZE], len(frame))
    if isinstance(event, Data):
        listener_of(endpoint.current)(frame[event.offset:])
    elif isinstance(event, PeerJoined):
        wire.post(event.reply)                # "present": the newcomer learns of us
    channel.leave()                           # then post what the outbox holds

The rules that decide each call are data (``_rules``), one table per host profile,
which the JS glue also reads while Python loads; ``export_rules()`` gives it.

The interface the browser adapter gives the JS glue
---------------------------------------------------
One call from JS into Python per app call, and per received message of frames (what
another page sent in one task, back to back: ``_batch``), whose bytes Python reads in
one copy; a large frame comes alone, and its payload stays in JS. Arguments are JS
primitives, implicitly converted; headers travel as latin-1 strings, one char per
byte. A *reply* is a JS object
``{frames, member, ...}``: announcements to post first, and whether the page is in the
channel afterwards (the glue opens or closes its BroadcastChannel).

(``_browser.BrowserEndpoint`` and ``_browser.BrowserChannel``)

=========================================  ==========================================
JS calls                                   returns
=========================================  ==========================================
``BrowserEndpoint(chat, instance,          the page's endpoint (``channel_name``,
profile)``                                 ``header_size``, ``rules_digest``)
``endpoint.join()``                        a reply with the new ``channel``, or an
                                           Error (row 3)
``channel.set_listener(typeof fn)``        nothing, or an Error (rows 6, 8)
``channel.send(toStringTag, length,        the header (str): post header + payload;
bytes_ok)``                                an Error (rows 7, 8, 9); or a reply with
                                           ``header`` (null: not sent) and ``log``
``channel.leave()``                        a reply
``endpoint.receive(header,                 ``true``: hand the payload to the listener
payload.length)``                          of the channel joined last; a string: post
                                           this frame (the answer to a join);
                                           ``false``: nothing to do
``endpoint.receive_batch(message, now)``,  a number: so many frames for the listener
``receive_more(now)``                      now (negative: the last); or one frame's
                                           ``{start, end, verdict, done}``
``endpoint.cut(delivered)``                the app calls the core mid-run: the rest
                                           of the run is judged again
``endpoint.stats()``                       counters, peers heard from, profile
=========================================  ==========================================

A :class:`LocalProtocolError` comes back as a JS ``Error`` or ``TypeError``
(``error_type``) with the same message, which the glue throws. A bad frame never
becomes an exception.
"""

from .core.batch import Batch, split_message
from .core.channel import Channel, Endpoint
from .core.errors import (
    ALREADY_JOINED,
    MAX_PAYLOAD,
    NOT_UINT8ARRAY,
    TRASHED,
    LocalProtocolError,
    RealtimeError,
    RemoteProtocolError,
)
from .core.events import (
    Counters,
    Data,
    Dropped,
    DropReason,
    Event,
    Held,
    Later,
    NeedsPayload,
    PeerJoined,
    PeerLeft,
    PeerPresent,
)
from .core.frame import HEADER_SIZE, FrameHeader, FrameKind, decode_header, encode_header
from .core.rules import (
    DEFAULT_PROFILE,
    PROFILES,
    UINT8ARRAY_TAG,
    Profile,
    Rule,
    export_rules,
    profile_named,
)
from .core.scope import Scope

__version__ = "0.1.0"

__all__ = [
    "ALREADY_JOINED",
    "DEFAULT_PROFILE",
    "HEADER_SIZE",
    "MAX_PAYLOAD",
    "NOT_UINT8ARRAY",
    "PROFILES",
    "TRASHED",
    "UINT8ARRAY_TAG",
    "Batch",
    "Channel",
    "Counters",
    "Data",
    "DropReason",
    "Dropped",
    "Endpoint",
    "Event",
    "FrameHeader",
    "FrameKind",
    "Held",
    "Later",
    "LocalProtocolError",
    "NeedsPayload",
    "PeerJoined",
    "PeerLeft",
    "PeerPresent",
    "Profile",
    "RealtimeError",
    "RemoteProtocolError",
    "Rule",
    "Scope",
    "__version__",
    "decode_header",
    "encode_header",
    "export_rules",
    "profile_named",
    "split_message",
]
