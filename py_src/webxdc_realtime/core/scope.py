"""Scope: which peers may hear each other.

A channel is private to a chat and isolated per app instance (SPEC.md section 3).
Both ids go into one stable hash, the *topic*. The topic names the BroadcastChannel
the glue opens, so that peers of other scopes are on other channels (structural
separation), and it stands in every frame's header, so that each received frame is
checked against it as well.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Final

from .errors import LocalProtocolError
from .frame import TOPIC_SIZE

_DOMAIN: Final = b"webxdc-realtime/1"
CHANNEL_NAME_PREFIX: Final = "webxdc-realtime/1/"
UPDATES_NAME_PREFIX: Final = "webxdc-updates/1/"
NETWORK_NAME_PREFIX: Final = "webxdc-network/1/"
RELAY_PREFIX: Final = "webxdc-realtime.1"
"""The relay's subjects of frames: ``webxdc-realtime.1.<chat topic>.<topic>``."""
UPDATES_PREFIX: Final = "webxdc-updates.1"
"""The relay's subjects of updates: ``webxdc-updates.1.<chat topic>.<topic>``."""


def _length_prefixed(text: str) -> bytes:
    raw = text.encode("utf-8")
    return len(raw).to_bytes(4, "big") + raw


@dataclass(frozen=True, slots=True)
class Scope:
    """A chat and an app instance: the set of peers that hear each other.

    Parameters
    ----------
    chat_id : str
        The chat; peers of different chats never hear each other.
    instance_id : str
        The app instance (a webxdc message); different instances never hear
        each other, even in one chat.

    Attributes
    ----------
    topic : bytes
        16-byte hash of both ids; stable across runs, platforms and versions of
        this package that speak frame version 1.
    channel_name : str
        The BroadcastChannel name for this scope's realtime frames.
    updates_name : str
        The BroadcastChannel name for this scope's updates, and their key in storage.
    network_name : str
        The BroadcastChannel name for this scope's network conditions.
    relay_subject, relay_updates_subject : str
        The relay's (NATS) subjects of this scope's frames and updates: the topic and
        nothing else of the chat.

    Raises
    ------
    LocalProtocolError
        If an id is not a non-empty string.
    """

    chat_id: str
    instance_id: str
    topic: bytes = field(init=False, repr=False)
    channel_name: str = field(init=False, repr=False)
    updates_name: str = field(init=False, repr=False)
    network_name: str = field(init=False, repr=False)
    chat_topic: str = field(init=False, repr=False)
    relay_subject: str = field(init=False, repr=False)
    relay_updates_subject: str = field(init=False, repr=False)
    relay_sync_subject: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name, value in (("chat id", self.chat_id), ("instance id", self.instance_id)):
            if not isinstance(value, str) or not value:
                raise LocalProtocolError(
                    f"{name} must be a non-empty string, got {value!r}", "TypeError"
                )
        digest = hashlib.sha256(
            _DOMAIN + _length_prefixed(self.chat_id) + _length_prefixed(self.instance_id)
        ).digest()[:TOPIC_SIZE]
        object.__setattr__(self, "topic", digest)
        object.__setattr__(self, "channel_name", CHANNEL_NAME_PREFIX + digest.hex())
        object.__setattr__(self, "updates_name", UPDATES_NAME_PREFIX + digest.hex())
        object.__setattr__(self, "network_name", NETWORK_NAME_PREFIX + digest.hex())
        chat = chat_topic(self.chat_id)
        object.__setattr__(self, "chat_topic", chat)
        object.__setattr__(self, "relay_subject", f"{RELAY_PREFIX}.{chat}.{digest.hex()}")
        object.__setattr__(self, "relay_updates_subject", f"{UPDATES_PREFIX}.{chat}.{digest.hex()}")
        # Asks each peer for its own updates again: one that was away, or came late.
        object.__setattr__(self, "relay_sync_subject", self.relay_updates_subject + ".sync")


def chat_topic(chat_id: str) -> str:
    """Return the hash of a chat alone (hex), the relay subjects' first part after the prefix.

    The relay's subjects are ``<prefix>.<chat topic>.<topic>``: a NATS permission on
    ``<prefix>.<chat topic>.>`` lets its holder into every app instance of one chat and no
    other chat (``webxdc-realtime relay --chat``).

    Parameters
    ----------
    chat_id : str
        The chat.

    Returns
    -------
    str
        Hex of ``TOPIC_SIZE`` bytes.
    """
    return (
        hashlib.sha256(_DOMAIN + b"/chat" + _length_prefixed(chat_id)).digest()[:TOPIC_SIZE].hex()
    )
