"""The network's conditions as they are written: JSON, the ``?net=`` grammar, changes.

The same :class:`~webxdc_realtime._network.NetworkState` comes from a page's URL or
``data-net`` (:func:`parse_net`), from JSON (:func:`state_from_json`, the form the
peers share), or from one call of the JS API, ``webxdcRealtime.network``
(:func:`with_changes`); :func:`to_json` writes it back. Every error names what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from .network import Conditions, Mode, NetworkError, NetworkState


def state_from_json(value: object) -> NetworkState:
    """Read a network state given as JSON data.

    Parameters
    ----------
    value : object
        ``{"seed", "all": {conditions}, "links": [{"from", "to", conditions...}],
        "partitions": [[addr, ...], ...], "offline": {addr: "hold" | "drop"}}``; every
        key is optional.

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
    unknown = set(value) - {"seed", "all", "links", "partitions", "offline"}
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
    )


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
        raise NetworkError(f"{where}: unknown condition {key!r} in {text!r}")
    match = re.fullmatch(_NUMBER + r"\s*([a-z%/]*)", raw.strip().lower())
    if not match or match.group(2) not in _UNITS[key]:
        units = ", ".join(u for u in _UNITS[key] if u) or "none"
        raise NetworkError(f"{where}: {key} takes a number (units: {units}), not {raw!r}")
    return key, float(match.group(1)) * _UNITS[key][match.group(2)]


def parse_net(text: str) -> NetworkState:
    """Read the ``?net=`` / ``data-net`` grammar.

    Items are separated by ``;``::

        delay=100ms; jitter=40ms; loss=30%; dup=5%; bw=64kB/s; seed=7
        link=ada@x>ben@x, loss=100%, delay=1s
        partition=ada@x,ben@x|cleo@x
        offline=ben@x            (held; "offline=ben@x:drop" drops)

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
    seed = 0
    overall: dict[str, float] = {}
    links: dict[tuple[str, str], Conditions] = {}
    partitions: list[frozenset[str]] = []
    offline: dict[str, Mode] = {}
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        key, _, value = item.partition("=")
        key = key.strip()
        if key == "seed":
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
    )


def with_changes(state: NetworkState, change: Mapping[str, Any]) -> NetworkState:
    """Apply one change of the JS API (``webxdcRealtime.network``) to ``state``.

    Parameters
    ----------
    state : NetworkState
        The current state.
    change : mapping
        One of ``{"set": {conditions, seed}}``, ``{"link": [from, to, {conditions} |
        None]}``, ``{"partition": [[addr...], ...]}``, ``{"heal": true}``, ``{"offline":
        [addr, mode]}``, ``{"online": addr}``, ``{"reset": true}``, ``{"state": {...}}``.

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
        merged = {**state.all.fields(), **{k: v for k, v in arg.items() if k != "seed"}}
        return replace(state, seed=seed, all=Conditions.read(merged, "set"))
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
