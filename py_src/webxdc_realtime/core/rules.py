"""The call rules: what each app call does, in each state, under each host profile.

Rules are data here, in the manner of h11's transition tables, so that one table
serves two readers: the core, which decides every call once Python is live, and the
JS glue, which must decide the calls an app makes in the first second, while Python
is still loading. ``make build`` embeds :func:`export_rules` in ``webxdc.js``; the
glue's interpreter of it is a few lines (``js_glue/webxdc/rules.js``), and a differential
test runs random call sequences through both and compares every outcome.

A call is decided on *facts*; the first rule of the call's list whose ``when``
holds wins (the last rule of every list holds always):

==========  =====================================================================
fact        meaning
==========  =====================================================================
member      the page is in the channel: it joined and has not left since
trashed     this channel object was left (it stays so; only strict and desktop
            look at it)
given       what ``setListener`` got: JS ``typeof``, ``"null"`` for null
tag         what ``send`` got: ``Object.prototype.toString`` of it
length      bytes ``send`` would send, or None when it cannot be read as bytes
bytes_ok    ``send`` got bytes: a Uint8Array (from any realm); under a profile
            whose sends read ``"array-from"``, whatever ``Array.from`` makes of
            it that is all integers 0..255 (the mobile hosts' JSON of numbers)
==========  =====================================================================

A test in ``when`` is a plain value (equal), ``{"not": v}``, ``{"in": [...]}``
or ``{"over": n}`` (a number greater than n). An outcome either throws (``throw``
names the JS class, ``message`` the text, with ``{given}``, ``{length}`` and
``{limit}`` filled in) or has effects, in this order: ``member`` true joins the
page to the channel (announced; nothing if it is a member already) and false
leaves it; ``trash`` marks this channel object left; ``listen`` stores the
listener; ``send`` sends the data. ``log`` writes ``message`` to the console as an
error (a send dropped by a host that does not throw). A ``join`` that does not
throw always returns a new channel object, which receives from then on.

What a stored listener does with arriving data is the same under every profile:
a function is called; null and undefined (or nothing set) drop the data; any other
value is called anyway, so that each arriving frame throws a TypeError on the
console, as the lax hosts do (:data:`SILENT_LISTENERS`).
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final, Literal

from .errors import (
    ALREADY_JOINED,
    MAX_PAYLOAD,
    NOT_A_FUNCTION,
    NOT_UINT8ARRAY,
    TOO_LARGE,
    TRASHED,
    ErrorType,
)
from .frame import LAYOUT
from .updates import GET_ALL_UPDATES_DEPRECATED, SEND_UPDATE_INTERVAL, SEND_UPDATE_MAX_SIZE

Call = Literal["join", "setListener", "send", "leave"]
CALLS: Final[tuple[Call, ...]] = ("join", "setListener", "send", "leave")
Facts = Mapping[str, object]

UINT8ARRAY_TAG: Final = "[object Uint8Array]"
"""``Object.prototype.toString`` of a Uint8Array, from any realm."""

SILENT_LISTENERS: Final = frozenset({"none", "null", "undefined"})
"""Listener values (``given``) that drop arriving data instead of being called."""

DEFAULT_PROFILE: Final = "strict"


@dataclass(frozen=True, slots=True)
class Test:
    """One condition on one fact.

    Parameters
    ----------
    op : {"is", "not", "in", "over"}
        Equal to, not equal to, one of, or a number greater than ``value``.
    value : object
        What the fact is compared with.
    """

    op: Literal["is", "not", "in", "over"]
    value: object

    def holds(self, fact: object) -> bool:
        """Return whether ``fact`` passes this test."""
        if self.op == "is":
            return fact == self.value
        if self.op == "not":
            return fact != self.value
        if self.op == "in":
            return fact in self.value  # type: ignore[operator]
        return isinstance(fact, int) and not isinstance(fact, bool) and fact > self.value  # type: ignore[operator]

    def export(self) -> object:
        """Return the JSON form: the value itself for ``is``, else ``{op: value}``."""
        if self.op == "is":
            return self.value
        value = sorted(self.value) if self.op == "in" else self.value  # type: ignore[call-overload]
        return {self.op: value}


def not_(value: object) -> Test:
    """Return a test that holds when the fact is not ``value``."""
    return Test("not", value)


def in_(*values: object) -> Test:
    """Return a test that holds when the fact is one of ``values``."""
    return Test("in", frozenset(values))


def over(limit: int) -> Test:
    """Return a test that holds when the fact is a number greater than ``limit``."""
    return Test("over", limit)


@dataclass(frozen=True, slots=True)
class Rule:
    """When the facts pass every test of ``when``, the call has this outcome.

    Parameters
    ----------
    when : mapping of str to Test or plain value
        Fact name to test; a plain value means "equal to it". Empty: always.
    throw : {"Error", "TypeError"}, optional
        The call throws this JS error class with ``message``; no effects.
    message : str
        The thrown or logged text; ``{given}``, ``{length}``, ``{limit}`` are filled in.
    log : bool
        Write ``message`` to the console as an error (nothing is thrown).
    member : bool, optional
        True: the page joins the channel if it is not in it; False: it leaves.
    trash : bool
        Mark this channel object left.
    listen : bool
        Store the listener.
    send : bool
        Send the data.
    """

    when: Mapping[str, object] = field(default_factory=dict)
    throw: ErrorType | None = None
    message: str = ""
    log: bool = False
    member: bool | None = None
    trash: bool = False
    listen: bool = False
    send: bool = False
    _tests: tuple[tuple[str, Test], ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        tests = {k: v if isinstance(v, Test) else Test("is", v) for k, v in self.when.items()}
        object.__setattr__(self, "when", tests)
        # Bound once: the rule is decided per send, on the hot path.
        object.__setattr__(self, "_tests", tuple(tests.items()))

    def only_sends(self, member: bool) -> bool:
        """Return whether this rule sends and does nothing else, for a page in or out.

        It neither joins, leaves nor trashes: the common send, and what is decided ahead.
        """
        return self.send and not self.trash and (self.member is None or self.member == member)

    def applies(self, facts: Facts) -> bool:
        """Return whether every test of ``when`` holds for ``facts``."""
        # A loop, not all(<generator>): this runs per send, and the loop is cheaper.
        for name, test in self._tests:  # noqa: SIM110
            if not test.holds(facts[name]):
                return False
        return True

    def render(self, facts: Facts) -> str:
        """Return ``message`` with the facts (and ``limit``) filled in."""
        return self.message.format_map({**facts, "limit": MAX_PAYLOAD})

    def export(self) -> dict[str, object]:
        """Return the JSON form: only the fields that differ from a rule that does nothing."""
        out: dict[str, object] = {}
        if self._tests:
            out["when"] = {k: t.export() for k, t in self._tests}
        for name in ("throw", "message", "log", "trash", "listen", "send"):
            value = getattr(self, name)
            if value not in (None, False, ""):
                out[name] = value
        if self.member is not None:
            out["member"] = self.member
        return out


@dataclass(frozen=True, slots=True)
class Profile:
    """How one kind of host behaves: the rules of each call, and how sends read data.

    Parameters
    ----------
    name : str
        ``strict``, ``desktop`` or ``mobile``.
    host : str
        The host it stands for, in words.
    differences : str
        What differs from SPEC.md section 2, in one sentence (shown on the console).
    send_reads : {"uint8array", "array-from"}
        How ``send`` turns its argument into bytes: only a Uint8Array, or whatever
        ``Array.from`` makes of it (the mobile hosts).
    calls : mapping of str to tuple of Rule
        The rules of each call, first match wins.
    """

    name: str
    host: str
    differences: str
    send_reads: Literal["uint8array", "array-from"]
    calls: Mapping[Call, tuple[Rule, ...]]
    _limits: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _sends: dict[tuple[object, ...], Rule] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        for call in CALLS:
            rules = self.calls[call]
            if not rules or rules[-1].when:
                raise ValueError(f"profile {self.name}: the last rule of {call} must hold always")
        # What send's rules ask of the length: only "over n", so that the answers to those
        # questions, not the length itself, are all a remembered decision needs.
        limits = set()
        for rule in self.calls["send"]:
            for name, test in rule._tests:
                if name == "length":
                    if test.op != "over":
                        raise ValueError(f"profile {self.name}: send tests length by 'over' only")
                    limits.add(int(test.value))  # type: ignore[call-overload]
        object.__setattr__(self, "_limits", tuple(sorted(limits)))

    def decide(self, call: Call, facts: Facts) -> Rule:
        """Return the outcome of ``call`` given ``facts``: the first rule that applies.

        Parameters
        ----------
        call : {"join", "setListener", "send", "leave"}
            The app's call.
        facts : mapping
            The facts the call's rules test (see the module docstring).

        Returns
        -------
        Rule
            The outcome.
        """
        for rule in self.calls[call]:
            if rule.applies(facts):
                return rule
        raise AssertionError("unreachable: the last rule holds always")  # pragma: no cover

    def decide_send(
        self, tag: str, length: int | None, bytes_ok: bool, trashed: bool, member: bool
    ) -> Rule:
        """Return the outcome of ``send``, as :meth:`decide` does, remembering it.

        A send is decided per frame, and apps send the same kind of data in the same state
        again and again: the decision is remembered by the facts that the rules can tell
        apart (the length only as which limits it is over), at most 64 of them.

        Parameters
        ----------
        tag, length, bytes_ok, trashed, member
            The facts of ``send`` (see the module docstring).

        Returns
        -------
        Rule
            The outcome.
        """
        if length is None or isinstance(length, bool):
            key: tuple[object, ...] = (tag, bytes_ok, trashed, member, "not a number", length)
        else:
            # How many of the limits the length is over (they are sorted).
            key = (tag, bytes_ok, trashed, member, bisect_left(self._limits, length))
        rule = self._sends.get(key)
        if rule is None:
            facts = {
                "tag": tag,
                "length": length,
                "bytes_ok": bytes_ok,
                "trashed": trashed,
                "member": member,
            }
            rule = self.decide("send", facts)
            if len(self._sends) < 64:
                self._sends[key] = rule
        return rule

    def alike_up_to(self) -> int:
        """Return the largest length that :meth:`decide_send` tells apart from no length.

        The rules tell lengths apart only by the limits they are over: every length from
        0 to this one gets the decision of length 0, the other facts equal.
        """
        return self._limits[0] if self._limits else 2**32 - 1

    def export(self) -> dict[str, object]:
        """Return the JSON form of the profile."""
        return {
            "host": self.host,
            "differences": self.differences,
            "send_reads": self.send_reads,
            "calls": {call: [rule.export() for rule in self.calls[call]] for call in CALLS},
        }


def _throw(message: str, error: ErrorType = "Error", **when: object) -> Rule:
    return Rule(when=when, throw=error, message=message)


_JOIN_ONCE = (_throw(ALREADY_JOINED, member=True), Rule(member=True))
_LEAVE_ONCE = (Rule(when={"trashed": True}), Rule(trash=True, member=False))
_TYPE_FIRST = _throw(NOT_UINT8ARRAY, bytes_ok=False)
_NOT_AFTER_LEAVE = _throw(TRASHED, trashed=True)

STRICT: Final = Profile(
    name="strict",
    host="SPEC.md section 2: Delta Chat desktop's messages, and the size checked in the page",
    differences="none: every rule of SPEC.md section 2 throws at the call",
    send_reads="uint8array",
    calls={
        "join": _JOIN_ONCE,
        "setListener": (
            _throw(NOT_A_FUNCTION, "TypeError", given=not_("function")),
            _NOT_AFTER_LEAVE,
            Rule(listen=True),
        ),
        "send": (
            _TYPE_FIRST,
            _NOT_AFTER_LEAVE,
            _throw(TOO_LARGE, length=over(MAX_PAYLOAD)),
            Rule(send=True),
        ),
        "leave": _LEAVE_ONCE,
    },
)

DESKTOP: Final = Profile(
    name="desktop",
    host="Delta Chat desktop",
    differences=(
        "setListener accepts anything, also after leave (and such a listener is never called); "
        "a send over the limit throws nothing, is not delivered, and is logged as an error"
    ),
    send_reads="uint8array",
    calls={
        "join": _JOIN_ONCE,
        "setListener": (Rule(listen=True),),
        "send": (
            _TYPE_FIRST,
            _NOT_AFTER_LEAVE,
            Rule(when={"length": over(MAX_PAYLOAD)}, log=True, message=TOO_LARGE),
            Rule(send=True),
        ),
        "leave": _LEAVE_ONCE,
    },
)

MOBILE: Final = Profile(
    name="mobile",
    host="Delta Chat Android and iOS (the versions in use in 2026)",
    differences=(
        "a second join replaces the channel; setListener accepts anything; send has no type "
        "check (an Array of numbers is sent as bytes, an ArrayBuffer as an empty message, a "
        "string is dropped) and no size check (too large: silently not delivered); a send "
        "after leave re-joins silently; leave on any channel object leaves for the whole app"
    ),
    send_reads="array-from",
    calls={
        "join": (Rule(member=True),),
        "setListener": (Rule(listen=True),),
        "send": (
            # What Array.from(undefined) and Array.from(null) throw in V8 (Android's WebView).
            _throw(
                "undefined is not iterable (cannot read property Symbol(Symbol.iterator))",
                "TypeError",
                tag="[object Undefined]",
            ),
            _throw(
                "object null is not iterable (cannot read property Symbol(Symbol.iterator))",
                "TypeError",
                tag="[object Null]",
            ),
            Rule(when={"bytes_ok": False}),
            Rule(when={"length": over(MAX_PAYLOAD)}),
            Rule(member=True, send=True),
        ),
        "leave": (Rule(member=False),),
    },
)

PROFILES: Final[Mapping[str, Profile]] = {p.name: p for p in (STRICT, DESKTOP, MOBILE)}
"""Every host profile by name; ``strict`` is the default."""


def profile_named(name: str) -> Profile:
    """Return the profile called ``name``.

    Parameters
    ----------
    name : str
        A key of :data:`PROFILES`.

    Returns
    -------
    Profile
        The profile.

    Raises
    ------
    ValueError
        If there is no such profile; the message lists the known ones.
    """
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown host profile {name!r}: use one of {known}") from None


def export_rules() -> dict[str, object]:
    """Return every profile's rules as plain JSON data, for the glue.

    Returns
    -------
    dict
        ``{"version", "default", "limit", "uint8array", "silent_listeners", "frame": {where
        the header's fields are}, "profiles": {name: profile}, "webxdc": {defaults and
        messages of the rest of the API}, "digest"}``; ``digest`` is a hash of the rest,
        which the glue compares with the live core's.
    """
    table: dict[str, object] = {
        "version": 1,
        "default": DEFAULT_PROFILE,
        "limit": MAX_PAYLOAD,
        "uint8array": UINT8ARRAY_TAG,
        "silent_listeners": sorted(SILENT_LISTENERS),
        "frame": dict(LAYOUT),
        "profiles": {name: profile.export() for name, profile in PROFILES.items()},
        "webxdc": {
            "send_update_interval": SEND_UPDATE_INTERVAL,
            "send_update_max_size": SEND_UPDATE_MAX_SIZE,
            "get_all_updates_deprecated": GET_ALL_UPDATES_DEPRECATED,
        },
    }
    table["digest"] = rules_digest(table)
    return table


def rules_digest(table: Mapping[str, object]) -> str:
    """Return a short hash of an exported table (without its ``digest`` key).

    Parameters
    ----------
    table : mapping
        What :func:`export_rules` returns.

    Returns
    -------
    str
        16 hex digits.
    """
    body = {k: v for k, v in table.items() if k != "digest"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]
