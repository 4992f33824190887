"""The webxdc realtime channel: a protocol core with no I/O.

The core implements ``window.webxdc.joinRealtimeChannel()`` as SPEC.md settles it:
the app's calls in, frames out; frames in, events out. It never imports ``js`` or
``pyodide``, owns no timer, and never reads the app's data (frames are judged by
their headers; a message of frames passes through in one copy). The JS glue owns the
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

The rules that decide each call are data (``core.rules``), one table per host profile,
which the JS glue also reads while Python loads; ``export_rules()`` gives it.

The package has three rooms:

- ``core``: the channel with no I/O (state machines, frames, the receiver, rules as data,
  the network model, the update log), the same in CPython and under Pyodide; what this
  module exports;
- ``browser``: the adapter the page's JS glue calls (``browser.adapter``, the one module
  that imports ``js`` and ``pyodide``) and the contract between them (``browser.contract``);
- ``host``: the tools that run in CPython on the developer's machine (the
  ``webxdc-realtime`` command, its server, the relay, the terminal peer, the pytest
  plugin); the wheel the page loads leaves them out.
"""

# Written by the build from package.json, where the one version of both packages is.
from ._version import __version__
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
from .core.frame import (
    HEADER_SIZE,
    FrameHeader,
    FrameKind,
    decode_header,
    encode_header,
    split_message,
)
from .core.receiver import Receiver
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

__all__ = [
    "ALREADY_JOINED",
    "DEFAULT_PROFILE",
    "HEADER_SIZE",
    "MAX_PAYLOAD",
    "NOT_UINT8ARRAY",
    "PROFILES",
    "TRASHED",
    "UINT8ARRAY_TAG",
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
    "Receiver",
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
