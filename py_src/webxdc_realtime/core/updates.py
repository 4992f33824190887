"""The update log of one peer: ``sendUpdate`` and ``setUpdateListener``, with no I/O.

SPEC-webxdc.md's rules, kept here (the glue stores records and carries them between
tabs; it decides nothing):

- an update is a JSON object with a ``payload``; ``info``, ``href``, ``document`` and
  ``summary`` are strings; ``notify`` maps ``selfAddr`` values or ``"*"`` to texts;
  ``href`` is kept only with ``info``. An invalid update is dropped with an error for
  the console, never raised into the app;
- every peer of the chat and app instance gets every update, the sender too, at once;
  updates persist, so a peer that starts later or reloads gets every earlier one;
- serials are per peer: each peer numbers updates as it stores them, its own at send
  time, others' on arrival (each update once, however often it arrives); a delivered
  update carries ``serial`` and ``max_serial``, the highest serial the peer knows;
- ``notify`` is for receivers only: ``notify[selfAddr]`` wins over ``notify["*"]``;
- sending faster than ``sendUpdateInterval``, or more than ``sendUpdateMaxSize`` bytes
  of JSON, is still sent, with a warning each time.

The chat's record of an update, shared by all its peers, is a :class:`Record` (an id,
the sender, the JSON). A peer's own log maps its serials to record ids; the glue keeps
both (IndexedDB) and hands them back to :class:`UpdateLog` when the page starts.
"""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

SEND_UPDATE_INTERVAL: Final = 1000
"""Milliseconds between updates that a host sends at full speed (Delta Chat's rate)."""
SEND_UPDATE_MAX_SIZE: Final = 18_874_368
"""Bytes of update JSON a host accepts (Delta Chat's; not enforced on send)."""

DESCR_DEPRECATED: Final = (
    "parameter description in sendUpdate is deprecated and will be removed in the future"
)
GET_ALL_UPDATES_DEPRECATED: Final = (
    "getAllUpdates is deprecated and will be removed in the future, it also returns an empty "
    "array now, so you really should use setUpdateListener instead."
)
_TEXT_FIELDS: Final = ("info", "href", "document", "summary")
SYNC_ANSWER_MS: Final = 250
"""Milliseconds a peer waits before it answers a sync request with its own updates (see
:meth:`UpdateLog.own`): requests that come together, as when a relay comes back to every
peer at once, get one answer."""


class Record(NamedTuple):
    """An update as the chat keeps it: the same at every peer.

    Attributes
    ----------
    uid : str
        Unique id, made by the sender.
    sender : str
        The sender's ``selfAddr``.
    text : str
        The update's JSON, validated.
    """

    uid: str
    sender: str
    text: str


class Stored(NamedTuple):
    """An update in one peer's log.

    Attributes
    ----------
    serial : int
        This peer's number for it.
    record : Record
        The update.
    """

    serial: int
    record: Record


@dataclass(frozen=True, slots=True)
class ChatEffects:
    """What the chat shows for an update, once, from its sender.

    Attributes
    ----------
    info : str or None
        A line in the chat.
    summary, document : str or None
        The newest summary and document name, kept by the chat.
    """

    info: str | None = None
    summary: str | None = None
    document: str | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    """The outcome of one ``sendUpdate``.

    Attributes
    ----------
    stored : Stored or None
        The update in the sender's log (None: invalid, dropped).
    errors : list of str
        For ``console.error`` (why it was dropped; a deprecated parameter).
    warnings : list of str
        For ``console.warn`` (too fast, too large: sent anyway).
    chat : ChatEffects
        What the chat shows.
    """

    stored: Stored | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    chat: ChatEffects = ChatEffects()


def _kind(value: object) -> str:
    """Return the JSON kind of a parsed value, in JavaScript's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def validate(text: object, why: str = "") -> tuple[dict[str, Any] | None, str]:
    """Check an update given as its JSON (``JSON.stringify(update)``).

    Parameters
    ----------
    text : str or None
        The JSON, or None (anything not a str) when ``JSON.stringify`` threw or gave
        nothing.
    why : str
        What ``JSON.stringify`` said when it threw.

    Returns
    -------
    update : dict or None
        The update to keep (``href`` without ``info`` removed), or None.
    error : str
        Why it is invalid ("" when it is valid).
    """
    if not isinstance(text, str):
        detail = f": {why}" if why else ""
        return None, f"the update is not JSON-serialisable{detail}"
    try:
        update = json.loads(text)
    except ValueError:
        return None, "the update is not JSON"
    if not isinstance(update, dict):
        return None, f"the update must be an object with a payload, got {_kind(update)}"
    if "payload" not in update:
        return None, "the update has no payload (undefined does not count)"
    for name in _TEXT_FIELDS:
        if name in update and not isinstance(update[name], str):
            return None, f"{name} must be a string, got {_kind(update[name])}"
    notify = update.get("notify")
    if "notify" in update and not (
        isinstance(notify, dict) and all(isinstance(v, str) for v in notify.values())
    ):
        return None, 'notify must be an object mapping selfAddr values or "*" to texts'
    if "href" in update and "info" not in update:
        del update["href"]
    return update, ""


def _new_uid() -> str:
    return secrets.token_hex(8)


class UpdateLog:
    """One peer's updates, numbered as this peer stored them.

    Parameters
    ----------
    self_addr : str
        This peer's ``selfAddr``.
    stored : iterable of (int, str)
        This peer's log as kept: serial and record id.
    chat : iterable of Record
        The chat's records, in the order the chat has them. Those not in this peer's
        log are stored now, in that order (see :attr:`added`).
    interval_ms, max_size : int
        ``sendUpdateInterval`` and ``sendUpdateMaxSize``.

    Attributes
    ----------
    max_serial : int
        The highest serial this peer knows (0: none).
    added : list of Stored
        What the constructor stored from the chat, for the glue to keep.
    """

    def __init__(
        self,
        self_addr: str,
        stored: Iterable[tuple[int, str]] = (),
        chat: Iterable[Record] = (),
        interval_ms: int = SEND_UPDATE_INTERVAL,
        max_size: int = SEND_UPDATE_MAX_SIZE,
    ) -> None:
        self.self_addr = self_addr
        self.interval_ms = interval_ms
        self.max_size = max_size
        self.max_serial = 0
        self._log: list[Stored] = []
        self._uids: set[str] = set()
        self._last_send: float | None = None
        records = {record.uid: record for record in chat}
        for serial, uid in sorted(stored):
            record = records.get(uid)
            if record is not None and uid not in self._uids:  # else a gap: the chat lost it
                self._keep(Stored(serial, record))
        self.added = [
            self._store(record) for record in records.values() if record.uid not in self._uids
        ]

    def _keep(self, stored: Stored) -> Stored:
        self._log.append(stored)
        self._uids.add(stored.record.uid)
        self.max_serial = max(self.max_serial, stored.serial)
        return stored

    def _store(self, record: Record) -> Stored:
        return self._keep(Stored(self.max_serial + 1, record))

    def send(
        self, text: str | None, *, why: str = "", descr: bool = False, now: float = 0.0
    ) -> Sent:
        """``sendUpdate(update, descr)``: store the update, or say why not.

        Parameters
        ----------
        text : str or None
            ``JSON.stringify(update)``; None if it threw or gave nothing.
        why : str
            What ``JSON.stringify`` said when it threw.
        descr : bool
            Whether a non-empty description was given (deprecated).
        now : float
            A clock in milliseconds, for the rate warning.

        Returns
        -------
        Sent
            The stored update (to deliver to this peer's listener, keep, and send to
            the other peers), or None, with messages for the console.
        """
        errors = [DESCR_DEPRECATED] if descr else []
        update, error = validate(text, why)
        if update is None:
            return Sent(None, [*errors, f"sendUpdate: invalid update, dropped: {error}"])
        body = json.dumps(update, ensure_ascii=False, separators=(",", ":"))
        warnings = []
        if self._last_send is not None and now - self._last_send < self.interval_ms:
            warnings.append(
                f"sendUpdate: sent {now - self._last_send:.0f} ms after the previous update, "
                f"faster than sendUpdateInterval ({self.interval_ms} ms); a messenger may delay it"
            )
        self._last_send = now
        size = len(body.encode())
        if size > self.max_size:
            warnings.append(
                f"sendUpdate: the update is {size} bytes of JSON, more than sendUpdateMaxSize "
                f"({self.max_size}); a messenger may refuse it"
            )
        stored = self._store(Record(_new_uid(), self.self_addr, body))
        chat = ChatEffects(update.get("info"), update.get("summary"), update.get("document"))
        return Sent(stored, errors, warnings, chat)

    def receive(self, record: Record) -> Stored | None:
        """Store an update another peer sent, unless this peer has it already.

        Parameters
        ----------
        record : Record
            As the sender made it.

        Returns
        -------
        Stored or None
            The update with this peer's serial; None if already stored.
        """
        if record.uid in self._uids:
            return None
        return self._store(record)

    def own(self) -> list[Record]:
        """Return this peer's own updates, in the order it sent them.

        What a peer sends again when another asks (the relay's sync subject): a peer that
        was away from the relay, or joined it later, gets each update from its sender.

        Returns
        -------
        list of Record
            The records this peer sent.
        """
        return [stored.record for stored in self._log if stored.record.sender == self.self_addr]

    def after(self, serial: float) -> list[Stored]:
        """Return every update with a serial above ``serial``, in serial order.

        Parameters
        ----------
        serial : float
            As given to ``setUpdateListener``, read as a JS number (``Number(x)``): one
            that is not finite counts as 0, a fraction as its floor, below 0 as 0.

        Returns
        -------
        list of Stored
            The updates.
        """
        start = max(0, math.floor(serial)) if math.isfinite(serial) else 0
        return [stored for stored in self._log if stored.serial > start]

    def delivery(self, stored: Stored) -> str:
        """Return the JSON of what the listener gets: the update, ``serial``, ``max_serial``.

        Parameters
        ----------
        stored : Stored
            An update of this log.

        Returns
        -------
        str
            JSON of an object.
        """
        update = json.loads(stored.record.text)
        update["serial"] = stored.serial
        update["max_serial"] = self.max_serial
        return json.dumps(update, ensure_ascii=False, separators=(",", ":"))

    def notification(self, stored: Stored) -> str | None:
        """Return the text to notify this peer of, for an update another peer sent.

        Parameters
        ----------
        stored : Stored
            An update of this log.

        Returns
        -------
        str or None
            ``notify[selfAddr]``, else ``notify["*"]``; None for one's own updates
            and when neither is there.
        """
        if stored.record.sender == self.self_addr:
            return None
        notify = json.loads(stored.record.text).get("notify") or {}
        text = notify.get(self.self_addr, notify.get("*"))
        return text if isinstance(text, str) else None


def parse_record(value: object) -> Record | None:
    """Read a record that arrived from another tab; None if it is not one.

    Parameters
    ----------
    value : object
        ``[uid, sender, text]`` as carried between tabs.

    Returns
    -------
    Record or None
        The record, if all three are strings and the text is a valid update.
    """
    if not (isinstance(value, list | tuple) and len(value) == 3):
        return None
    if not all(isinstance(part, str) for part in value):
        return None
    record = Record(*value)
    update, _ = validate(record.text)
    return record if update is not None else None
