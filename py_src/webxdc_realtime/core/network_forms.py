"""The network's conditions as they are written: JSON, the ``?net=`` grammar, changes.

The same :class:`~webxdc_realtime.core.network.NetworkState` comes from a page's URL or
``data-net`` (:func:`parse_net`; :func:`to_net` writes it), from JSON
(:func:`state_from_json`, the form the peers share), or from one call of the JS API,
``webxdcRealtime.network`` (:func:`with_changes`); :func:`to_json` writes it back. Every
error names what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any, Final

from .network import Conditions, Mode, NetworkError, NetworkState


def state_from_json(value: object) -> NetworkState:
    """Read a network state given as JSON data.

    Parameters
    ----------
    value : object
        ``{"seed", "all": {conditions}, "links": [{"from", "to", conditions...}],
        "partitions": [[addr, ...], ...], "offline": {addr: "hold" | "drop"}, "connect":
        ms | [low, high]}``; every key is optional.

    Returns
    -------
    NetworkState
        The state.

    Raises
    ------
    NetworkError
        What is wrong with it.
    """
    if not isinstance(value, Mapping):
        raise NetworkError(f"a network state must be an object, not {value!r}")
    unknown = set(value) - {"seed", "all", "links", "partitions", "offline", "connect"}
    if unknown:
        raise NetworkError(f"unknown network setting {sorted(unknown)[0]!r}")
    seed = value.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise NetworkError(f"seed must be an integer, not {seed!r}")
    links: dict[tuple[str, str], Conditions] = {}
    for link in value.get("links", []):
        if not isinstance(link, Mapping) or not all(
            isinstance(link.get(k), str) for k in ("from", "to")
        ):
            raise NetworkError(f'a link needs "from" and "to" addresses: {link!r}')
        rest = {k: v for k, v in link.items() if k not in ("from", "to")}
        links[(link["from"], link["to"])] = Conditions.read(
            rest, f"link {link['from']} > {link['to']}"
        )
    partitions = value.get("partitions", [])
    if not isinstance(partitions, list) or not all(
        isinstance(group, list) and all(isinstance(a, str) for a in group) for group in partitions
    ):
        raise NetworkError("partitions must be lists of addresses")
    offline = value.get("offline", {})
    if not isinstance(offline, Mapping) or not all(m in ("hold", "drop") for m in offline.values()):
        raise NetworkError('offline must map addresses to "hold" or "drop"')
    return NetworkState(
        seed=seed,
        all=Conditions.read(value.get("all", {}), "all"),
        links=links,
        partitions=tuple(frozenset(group) for group in partitions if group),
        offline=dict(offline),
        connect=_connect(value.get("connect")),
    )


def _connect(value: object) -> tuple[float, float] | None:
    """Read the connection phase given as JSON: ms, [low, high], or null."""
    if value is None:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (float(value), float(value))
    if (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
    ):
        return (float(value[0]), float(value[1]))
    raise NetworkError(f"connect takes milliseconds or [low, high], not {value!r}")


PRESETS: Final[dict[str, NetworkState]] = {
    "deltachat": NetworkState(
        all=Conditions(delay=80.0, jitter=40.0),
        connect=(1000.0, 4000.0),
    ),
}
"""Named networks, as real hosts behave (``?net=deltachat``, ``run --net deltachat``).

``deltachat``, Delta Chat's realtime channels (chatmail/core ``src/peer_channels.rs``):

- **connect 1 s to 4 s.** A peer that joins sends an advertisement as a regular message of
  the chat, an e-mail through both peers' mail servers (peer_channels.rs, steps 3 to 5); a
  hop between mail servers takes under a second when all goes well. The others then connect
  to it over iroh, first through its relay server, since the advertisement carries no
  direct address (peer_channels.rs); data sent before then is lost, both ways. The
  messenger's own test resends every second "because right after joining Fiona may miss
  messages" (``test_webxdc_resend``). The range is our estimate of these two steps, not a
  measurement.
- **delay 80 ms, jitter 40 ms.** Frames cross through an iroh relay server (two legs of the
  internet) until a direct path is found: tens to a couple of hundred milliseconds between
  phones of one continent. An estimate, not a measurement.

Updates are not affected (they go through the chat).
"""


# -- The URL grammar ------------------------------------------------------------------------------

_NUMBER = r"(\d+(?:\.\d+)?)"
_UNITS: Final = {
    "delay": {"": 1.0, "ms": 1.0, "s": 1000.0},
    "jitter": {"": 1.0, "ms": 1.0, "s": 1000.0},
    "loss": {"": 1.0, "%": 0.01},
    "duplicate": {"": 1.0, "%": 0.01},
    "bandwidth": {"": 1.0, "b/s": 1.0, "kb/s": 1000.0, "mb/s": 1_000_000.0},
}
_ALIASES: Final = {"dup": "duplicate", "bw": "bandwidth"}


def _condition(text: str, where: str) -> tuple[str, float]:
    key, _, raw = text.partition("=")
    key = _ALIASES.get(key.strip(), key.strip())
    if key not in _UNITS:
        known = ", ".join(_UNITS)
        presets = f"; presets: {', '.join(PRESETS)}" if "=" not in text else ""
        raise NetworkError(
            f"{where}: unknown condition {key!r} in {text!r} (conditions: {known}{presets})"
        )
    match = re.fullmatch(_NUMBER + r"\s*([a-z%/]*)", raw.strip().lower())
    if not match or match.group(2) not in _UNITS[key]:
        units = ", ".join(u for u in _UNITS[key] if u) or "none"
        raise NetworkError(f"{where}: {key} takes a number (units: {units}), not {raw!r}")
    return key, float(match.group(1)) * _UNITS[key][match.group(2)]


def _duration(text: str, value: str) -> float:
    """Milliseconds of ``500ms``, ``2s``, ``1.5s``, ``300`` (ms), for ``connect=``."""
    match = re.fullmatch(_NUMBER + r"\s*(ms|s|)", text.strip().lower())
    if not match:
        raise NetworkError(
            f"net: connect takes a time or a range of times (500ms, 2s, 1s..4s), not {value!r}"
        )
    return float(match.group(1)) * (1000.0 if match.group(2) == "s" else 1.0)


def parse_net(text: str) -> NetworkState:
    """Read the ``?net=`` / ``data-net`` grammar.

    Items are separated by ``;``::

        delay=100ms; jitter=40ms; loss=30%; dup=5%; bw=64kB/s; seed=7
        link=ada@x>ben@x, loss=100%, delay=1s
        partition=ada@x,ben@x|cleo@x
        offline=ben@x            (held; "offline=ben@x:drop" drops)
        connect=2s               (or a range: connect=1s..4s)
        deltachat                (a preset, see PRESETS; later items change it)

    or the JSON form, an object (:func:`state_from_json`: a trace's ``network``).

    Parameters
    ----------
    text : str
        The value.

    Returns
    -------
    NetworkState
        The state it describes.

    Raises
    ------
    NetworkError
        Naming the item that is wrong.
    """
    if text.lstrip().startswith("{"):
        try:
            return state_from_json(json.loads(text))
        except json.JSONDecodeError as error:
            raise NetworkError(f"a network in JSON that is not JSON ({error.msg})") from None
    seed = 0
    overall: dict[str, Any] = {}
    links: dict[tuple[str, str], Conditions] = {}
    partitions: list[frozenset[str]] = []
    offline: dict[str, Mode] = {}
    connect: tuple[float, float] | None = None
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        key, _, value = item.partition("=")
        key = key.strip()
        if key in PRESETS and not value:
            preset = PRESETS[key]
            seed, overall = preset.seed, preset.all.fields()
            links, partitions = dict(preset.links), list(preset.partitions)
            offline, connect = dict(preset.offline), preset.connect
        elif key == "connect":
            low, dots, high = value.partition("..")
            connect = (
                _duration(low, value),
                _duration(high, value) if dots else _duration(low, value),
            )
        elif key == "seed":
            if not re.fullmatch(r"\d+", value.strip()):
                raise NetworkError(f"seed must be a whole number, not {value!r}")
            seed = int(value)
        elif key == "link":
            ends, *settings = value.split(",")
            sender, arrow, receiver = ends.partition(">")
            if not arrow or not sender.strip() or not receiver.strip():
                raise NetworkError(f"a link is written link=FROM>TO, cond=value...: {item!r}")
            where = f"link {sender.strip()} > {receiver.strip()}"
            links[(sender.strip(), receiver.strip())] = Conditions(
                **dict(_condition(s, where) for s in settings)
            )
        elif key == "partition":
            partitions = [
                frozenset(a.strip() for a in group.split(",") if a.strip())
                for group in value.split("|")
            ]
        elif key == "offline":
            addr, _, mode = value.partition(":")
            if mode.strip() not in ("", "hold", "drop"):
                raise NetworkError(f"offline takes ADDR or ADDR:hold or ADDR:drop, not {value!r}")
            offline[addr.strip()] = "drop" if mode.strip() == "drop" else "hold"
        else:
            name, number = _condition(item, "net")
            overall[name] = number
    return NetworkState(
        seed,
        Conditions(**overall),
        links,
        tuple(g for g in partitions if g),
        offline,
        connect,
    )


def to_net(state: NetworkState) -> str:
    """Write a state in the ``?net=`` grammar: :func:`parse_net` reads it back as it is.

    ``run --net-from TRACE`` gives the peers a trace's network this way.
    """
    items = [f"seed={state.seed}"] if state.seed else []
    items += _conditions(state.all)
    for (sender, receiver), conditions in state.links.items():
        items.append(", ".join([f"link={sender}>{receiver}", *_conditions(conditions)]))
    if state.partitions:
        groups = "|".join(",".join(sorted(group)) for group in state.partitions)
        items.append(f"partition={groups}")
    items += [f"offline={addr}:{mode}" for addr, mode in state.offline.items()]
    if state.connect is not None:
        low, high = state.connect
        items.append(f"connect={_number(low)}ms..{_number(high)}ms")
    return "; ".join(items)


def _conditions(conditions: Conditions) -> list[str]:
    return [f"{name}={_number(value)}" for name, value in conditions.export().items()]


def _number(value: float) -> str:
    """Write a number as the grammar reads it, exactly (no exponent)."""
    return format(Decimal(repr(float(value))), "f")


def with_changes(state: NetworkState, change: Mapping[str, Any]) -> NetworkState:
    """Apply one change of the JS API (``webxdcRealtime.network``) to ``state``.

    Parameters
    ----------
    state : NetworkState
        The current state.
    change : mapping
        One of ``{"set": {conditions, seed, connect}}``, ``{"preset": name}``, ``{"link":
        [from, to, {conditions} | None]}``, ``{"partition": [[addr...], ...]}``, ``{"heal":
        true}``, ``{"offline": [addr, mode]}``, ``{"online": addr}``, ``{"reset": true}``,
        ``{"state": {...}}``.

    Returns
    -------
    NetworkState
        The new state.

    Raises
    ------
    NetworkError
        What is wrong with the change.
    """
    if not isinstance(change, Mapping) or len(change) != 1:
        raise NetworkError(f"a network change is one operation, not {change!r}")
    ((op, arg),) = change.items()
    if op == "set":
        if not isinstance(arg, Mapping):
            raise NetworkError(f"set takes an object of conditions, not {arg!r}")
        seed = arg.get("seed", state.seed)
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise NetworkError(f"seed must be an integer, not {seed!r}")
        given = {k: v for k, v in arg.items() if k not in ("seed", "connect")}
        merged = {**state.all.fields(), **given}
        connect = _connect(arg["connect"]) if "connect" in arg else state.connect
        return replace(state, seed=seed, all=Conditions.read(merged, "set"), connect=connect)
    if op == "preset":
        if arg not in PRESETS:
            raise NetworkError(f"unknown preset {arg!r} (known: {', '.join(PRESETS)})")
        return replace(PRESETS[arg], seed=state.seed)
    if op == "link":
        if not (isinstance(arg, list | tuple) and len(arg) == 3):
            raise NetworkError(f"link takes [from, to, conditions or null], not {arg!r}")
        sender, receiver, conditions = arg
        links = dict(state.links)
        if conditions is None:
            links.pop((sender, receiver), None)
        else:
            links[(sender, receiver)] = Conditions.read(conditions, f"link {sender} > {receiver}")
        return replace(state, links=links)
    if op == "partition":
        return replace(state, partitions=state_from_json({"partitions": arg}).partitions)
    if op == "heal":
        return replace(state, partitions=())
    if op == "offline":
        if not (isinstance(arg, list | tuple) and len(arg) == 2):
            raise NetworkError(f"offline takes [address, mode], not {arg!r}")
        addr, mode = arg
        if mode not in ("hold", "drop"):
            raise NetworkError(f'offline mode must be "hold" or "drop", not {mode!r}')
        return replace(state, offline={**state.offline, addr: mode})
    if op == "online":
        return replace(state, offline={a: m for a, m in state.offline.items() if a != arg})
    if op == "reset":
        return NetworkState(seed=state.seed)
    if op == "state":
        return state_from_json(arg)
    raise NetworkError(f"unknown network change {op!r}")


def to_json(state: NetworkState) -> str:
    """Return the state as JSON text."""
    return json.dumps(state.export(), sort_keys=True)
