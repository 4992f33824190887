"""``webxdc-realtime``: the command line.

``webxdc-realtime run APP`` serves a webxdc app (a folder or an ``.xdc``) with our
``webxdc.js`` and prints the address of a host page showing several peers of it side
by side, each with its own identity and storage, the whole webxdc API, and what the
chat would show. It says how far the peers are while the runtime loads, and stops
cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import select
import signal
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .. import __version__
from ..core.network import NetworkError
from ..core.network_forms import parse_net
from ..core.rules import PROFILES
from ..core.scope import Scope
from .app import App, InvalidAppError, load_app
from .dev_server import DevServer, looks_like_url
from .live_reload import watch
from .relay import Relay, RelayError
from .server import PREFIX, Files, Host, MissingRuntimeError, Server, Status, find_runtime
from .trace import DEFAULT_LIMIT, Sink, Trace, TraceError, net_of, read, summary, write
from .trace_view import Viewer

DEFAULT_PORT = 8765
RELAY_PORT = 9222
NATS_PORT = 4222
MAX_PEERS = 12
RUN_INSTANCE = "/"  # the app instance of `run`'s peers (server.Host sets it in webxdc.js)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Progress:
    """Says how far the peers are: one line, rewritten in a terminal, else a line per change.

    Parameters
    ----------
    out : text stream
        Where to write.
    """

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.last = ""
        self.lock = threading.Lock()

    def show(self, text: str, final: bool = False) -> None:
        """Write ``text`` unless it is what was said last."""
        with self.lock:
            if text == self.last:
                return
            self.last = text
            if self.tty:
                self.out.write("\r\033[K" + text + ("\n" if final else ""))
            else:
                self.out.write(text + "\n")
            self.out.flush()

    def say(self, text: str, final: bool = False) -> None:
        """Write a line of news (``webxdc-realtime: ...``) above the progress line.

        ``final``: the last line; the progress line is not shown again.
        """
        with self.lock:
            if self.tty and self.last:
                self.out.write("\r\033[K")
            self.out.write(f"webxdc-realtime: {text}\n")
            if final:
                self.last = ""
            elif self.tty and self.last:
                self.out.write(self.last)
            self.out.flush()

    def status(self, status: Status) -> None:
        """Take what the host page POSTed: ``{total, live, failed, ms}``."""
        total, live = int(status.get("total", 0)), int(status.get("live", 0))
        failed = int(status.get("failed", 0))
        seconds = float(status.get("ms", 0)) / 1000
        if failed:
            self.show(f"peers: {live} of {total} live, {failed} failed to load (see the page)")
        elif total and live == total:
            self.show(f"peers: all {total} live, {seconds:.1f} s after the page opened")
        else:
            self.show(
                f"peers: {live} of {total} live, loading Python in the page ({seconds:.1f} s)"
            )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="webxdc-realtime",
        description="Run webxdc apps with several peers in one browser.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run an app (a folder, an .xdc, or a dev server's URL) with N peers side by side",
        description="Serve a webxdc app at the root of an origin, as a messenger does, with "
        "several peers side by side in a host page, the whole webxdc API and storage of "
        "each peer's own. A folder or an .xdc is watched: when it changes, every peer "
        "reloads. A dev server (http://localhost:5173, localhost:3000) is proxied, "
        "WebSockets too, so that its hot reload reaches every peer.",
    )
    run.add_argument(
        "app",
        metavar="APP",
        help="a folder with an index.html, an .xdc file, or a dev server's URL "
        "(http://localhost:5173, localhost:3000)",
    )
    run.add_argument("--peers", type=int, default=2, help="peers to start with (default 2)")
    run.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0: any)",
    )
    run.add_argument(
        "--profile", choices=list(PROFILES), default="strict", help="host profile of every peer"
    )
    run.add_argument("--chat", default="default", help="chat id of every peer (default: default)")
    run.add_argument(
        "--net",
        metavar="CONDITIONS",
        default="",
        help='the network every peer starts with: "deltachat" (as Delta Chat\'s channels '
        "behave: a connection phase after each join, relayed delays), or the ?net= grammar "
        '("loss=10%%; delay=200ms; connect=1s..4s"); the devtools change it',
    )
    run.add_argument(
        "--net-from",
        metavar="TRACE",
        help="the network a trace's session ended with, its seed too: the same frames "
        "meet the same fate",
    )
    run.add_argument(
        "--no-csp",
        dest="csp",
        action="store_false",
        help="do not send desktop's Content-Security-Policy",
    )
    run.add_argument("--open", action="store_true", help="open the host page in a browser")
    run.add_argument(
        "--watch",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="reload every peer when the folder or .xdc changes (default: on)",
    )
    run.add_argument(
        "--dist", help="our built runtime (default: the one installed, or the checkout's dist/)"
    )
    run.add_argument(
        "--relay", help="also join peers beyond this browser through this relay (ws:// URLs)"
    )
    run.add_argument(
        "--trace",
        metavar="FILE",
        help="write the session's trace (.jsonl.gz: every frame, what the network did with "
        "it, what each app got) when the command stops; read it with `webxdc-realtime trace`",
    )
    run.add_argument(
        "--trace-limit",
        type=int,
        default=DEFAULT_LIMIT,
        metavar="N",
        help=f"events the trace keeps, the newest (default {DEFAULT_LIMIT})",
    )
    run.add_argument(
        "--trace-payload",
        default="64",
        metavar="BYTES",
        help='bytes of each payload the trace keeps, or "all" (default 64)',
    )
    trace = commands.add_parser(
        "trace",
        help="open a trace in its viewer, or print a summary of it",
        description="Open a trace that `run --trace`, the host page's Save trace, or a "
        "failing test left, in its viewer (the devtools' sequence diagram, frame log and "
        "counters, drawn from the file; offline), or print per peer what it sent, got and "
        "lost, and why, and the first error thrown at an app (--summary).",
    )
    trace.add_argument("file", metavar="FILE", help="a trace (.jsonl.gz)")
    trace.add_argument("--summary", action="store_true", help="print the summary and exit")
    trace.add_argument(
        "--port", type=int, default=0, help="the viewer's port on 127.0.0.1 (default: any)"
    )
    trace.add_argument("--open", action="store_true", help="open the viewer in a browser")
    trace.add_argument(
        "--dist", help="our built runtime (default: the one installed, or the checkout's dist/)"
    )
    relay = commands.add_parser(
        "relay",
        help="start a NATS relay (a server, or --cluster N) for peers beyond one browser",
        description="Start NATS servers with a WebSocket listener, for pages (?relay=) and "
        "terminal peers in other browsers and on other machines.",
    )
    relay.add_argument("--cluster", type=int, default=1, help="servers routed as one (default 1)")
    relay.add_argument(
        "--port", type=int, default=RELAY_PORT, help=f"first WebSocket port (default {RELAY_PORT})"
    )
    relay.add_argument(
        "--listen",
        default="127.0.0.1",
        metavar="HOST",
        help="address to listen on (default 127.0.0.1; another one needs a token)",
    )
    relay.add_argument(
        "--nats-port", type=int, default=NATS_PORT, help=f"first NATS port (default {NATS_PORT})"
    )
    relay.add_argument(
        "--token", help="clients must present it, one key to every chat (generated off loopback)"
    )
    relay.add_argument(
        "--chat",
        action="append",
        default=[],
        metavar="CHAT",
        help="make credentials for this chat, which let their holder into it and no other "
        "chat (repeat for more; then there is no token for all chats)",
    )
    relay.add_argument(
        "--tls-cert", metavar="PEM", help="serve wss:// to pages and TLS to terminals with it"
    )
    relay.add_argument("--tls-key", metavar="PEM", help="the certificate's private key")
    relay.add_argument(
        "--insecure",
        action="store_true",
        help="listen off loopback without TLS all the same (the token in clear)",
    )
    for name, help_text in (
        ("listen", "print every frame of a chat and app instance, through a relay"),
        ("send", "send one frame to a chat and app instance, through a relay"),
    ):
        peer = commands.add_parser(name, help=help_text, description=help_text.capitalize() + ".")
        peer.add_argument("--relay", required=True, help="nats:// or tls:// URLs, comma-separated")
        peer.add_argument(
            "--tls-ca", metavar="PEM", help="the authority the relay's certificate is checked by"
        )
        peer.add_argument("--chat", default="default", help="chat id (default: default)")
        peer.add_argument(
            "--instance",
            default=RUN_INSTANCE,
            help=f"app instance id (default {RUN_INSTANCE}, that of `run`'s peers)",
        )
        peer.add_argument(
            "--name",
            default=f"terminal@{socket.gethostname()}",
            help="this peer's address, as the others see it",
        )
        if name == "send":
            what = peer.add_mutually_exclusive_group(required=True)
            what.add_argument("text", nargs="?", help="text to send (UTF-8)")
            what.add_argument("--hex", help="bytes to send, in hex")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0, or 2 for bad input.
    """
    args = _parser().parse_args(argv)
    if args.command in ("listen", "send") and importlib.util.find_spec("nats") is None:
        print(
            "webxdc-realtime: the terminal peer needs nats-py: "
            "`pip install 'webxdc-realtime[relay]'`",
            file=sys.stderr,
        )
        return 2
    commands = {"run": run, "relay": relay, "listen": listen, "send": send, "trace": trace}
    return commands[args.command](args)


def _say(text: str) -> None:
    print(f"webxdc-realtime: {text}", flush=True)


def run(args: argparse.Namespace) -> int:
    """``webxdc-realtime run``: serve until Ctrl-C (or SIGTERM, SIGHUP)."""
    if not 1 <= args.peers <= MAX_PEERS:
        print(
            f"webxdc-realtime: --peers must be 1 to {MAX_PEERS}, not {args.peers}", file=sys.stderr
        )
        return 2
    if args.net_from:
        if args.net:
            print("webxdc-realtime: give --net or --net-from, not both", file=sys.stderr)
            return 2
        try:
            args.net = net_of(read(args.net_from))
        except (OSError, TraceError, NetworkError) as error:
            print(f"webxdc-realtime: --net-from: {error}", file=sys.stderr)
            return 2
    try:
        parse_net(args.net)
    except NetworkError as error:
        print(f"webxdc-realtime: --net: {error}", file=sys.stderr)
        return 2
    if args.trace_limit < 1:
        limit = args.trace_limit
        print(f"webxdc-realtime: --trace-limit must be 1 or more, not {limit}", file=sys.stderr)
        return 2
    payload = args.trace_payload
    if payload != "all" and not (payload.isdigit()):
        print(
            f'webxdc-realtime: --trace-payload must be a count of bytes or "all", not "{payload}"',
            file=sys.stderr,
        )
        return 2
    if args.trace and not Path(args.trace).resolve().parent.is_dir():
        print(f"webxdc-realtime: --trace: no folder {Path(args.trace).parent}", file=sys.stderr)
        return 2
    source: Files | DevServer
    try:
        runtime = find_runtime(args.dist)
        if Path(args.app).exists() or not looks_like_url(args.app):
            source = Files(load_app(args.app))
        else:
            source = DevServer(args.app)
    except (InvalidAppError, MissingRuntimeError, ValueError) as error:
        print(f"webxdc-realtime: {error}", file=sys.stderr)
        return 2
    return asyncio.run(_serve(args, source, runtime))


async def _serve(args: argparse.Namespace, source: Files | DevServer, runtime: Path) -> int:
    progress = Progress(sys.stdout)
    watching = args.watch and isinstance(source, Files)
    host = Host(
        source,
        runtime,
        args.peers,
        args.profile,
        args.chat,
        args.csp,
        progress.status,
        relay=args.relay or "",
        live_reload=watching,
        net=args.net.strip(),
        trace=Sink(args.trace_limit) if args.trace else None,
        trace_payload=None if args.trace_payload == "all" else int(args.trace_payload),
    )
    server = Server(host, args.port)
    if await server.start(elsewhere=True):
        progress.say(f"port {args.port} is taken; using {server.port}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    started = time.monotonic()
    tasks: list[asyncio.Task[Any]] = []
    csp = "" if args.csp else ", without the Content-Security-Policy"
    if host.net:
        csp += f', network "{host.net}"'
    if isinstance(source, Files):
        app = source.app
        icon = f", icon {app.icon}" if app.icon else ""
        progress.say(
            f'serving "{app.name}" ({app.path}{icon}) at {server.origin}/ with {args.peers} '
            f'peers, host profile "{args.profile}"{csp}'
        )
        if (app.root / PREFIX.strip("/")).exists():
            progress.say(
                f"the app's own {PREFIX} is hidden: that path is webxdc-realtime's runtime"
            )
        if watching:
            tasks.append(asyncio.create_task(_watch(app, host, progress, stop)))
    else:
        progress.say(
            f"serving the dev server at {source.target} at {server.origin}/ with {args.peers} "
            f'peers, host profile "{args.profile}"{csp}'
        )
        tasks.append(asyncio.create_task(_wait_for(source, progress)))
    progress.say(f"open {server.url}  (Ctrl-C stops)")
    if args.open:
        webbrowser.open(server.url)
    progress.show("peers: waiting for the host page to be opened...")
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if args.trace:
            await host.last_trace()  # what the page recorded since its last second
        await server.stop()
        if args.trace:
            progress.say(_write_trace(host.trace, args.trace))
        progress.say(f"stopped after {time.monotonic() - started:.0f} s", final=True)
    return 0


def _write_trace(sink: Sink | None, path: str) -> str:
    trace = sink.trace() if sink else None
    if trace is None:
        return f"no trace written to {path}: no host page sent one"
    write(path, trace)
    return f"trace of {len(trace.events)} events written to {path} (webxdc-realtime trace {path})"


def trace(args: argparse.Namespace) -> int:
    """``webxdc-realtime trace FILE --summary``: what happened, per peer."""
    try:
        read_trace = read(args.file)
    except FileNotFoundError:
        print(f"webxdc-realtime: no such file: {args.file}", file=sys.stderr)
        return 2
    except TraceError as error:
        print(f"webxdc-realtime: {error}", file=sys.stderr)
        return 2
    if args.summary:
        print(summary(read_trace))
        return 0
    try:
        runtime = find_runtime(args.dist)
    except MissingRuntimeError as error:
        print(f"webxdc-realtime: {error}", file=sys.stderr)
        return 2
    return asyncio.run(_view(args, read_trace, runtime))


async def _view(args: argparse.Namespace, shown: Trace, runtime: Path) -> int:
    viewer = Viewer(shown, runtime, args.port)
    try:
        await viewer.start()
    except OSError as error:
        print(f"webxdc-realtime: cannot listen on port {args.port}: {error}", file=sys.stderr)
        return 2
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in STOP_SIGNALS:
        loop.add_signal_handler(signum, stop.set)
    what = f"{len(shown.events)} events of {shown.header.get('app', 'a session')}"
    _say(f"the trace's {what}: open {viewer.url}  (Ctrl-C stops)")
    if args.open:
        webbrowser.open(viewer.url)
    try:
        await stop.wait()
    finally:
        await viewer.stop()
        _say("stopped")
    return 0


async def _wait_for(source: DevServer, progress: Progress) -> None:
    url = await source.wait(progress.say)
    progress.say(f'the dev server at {url} answers; app "{source.name}"')


async def _watch(app: App, host: Host, progress: Progress, stop: asyncio.Event) -> None:
    def changed(names: list[str]) -> None:
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        told = host.reload()
        if told:
            progress.say(f"changed: {shown}; reloading the peers of {told} host page(s)")
        else:
            progress.say(f"changed: {shown} (no host page is open)")

    await watch(app, changed, progress.say, stop)


def relay(args: argparse.Namespace) -> int:
    """``webxdc-realtime relay``: NATS servers until Ctrl-C (or SIGTERM, SIGHUP)."""
    # The handler only notes the signal; the wait wakes at once by the wakeup pipe. (A
    # handler that sets a threading.Event can deadlock: it runs in the main thread, which
    # may hold the Event's lock inside Event.wait. It did, once in a test run.)
    stopping: list[int] = []
    for signum in STOP_SIGNALS:
        signal.signal(signum, lambda signum, _: stopping.append(signum))
    wake, woken = os.pipe()
    os.set_blocking(wake, False)
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)
    try:
        return _relay(args, stopping, wake)
    finally:
        signal.set_wakeup_fd(-1)
        os.close(wake)
        os.close(woken)


def _relay(args: argparse.Namespace, stopping: list[int], wake: int) -> int:
    try:
        servers = Relay(
            args.cluster,
            args.listen,
            args.token,
            args.port,
            args.nats_port,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
            insecure=args.insecure,
            chats=args.chat,
        ).start()
    except RelayError as error:
        print(f"webxdc-realtime: {error}", file=sys.stderr)
        return 2
    try:
        key = "a chat's credentials" if servers.grants else "a token"
        where = "this machine only" if servers.loopback else f"{args.listen}, with {key}"
        how = "over TLS" if servers.tls else "in clear (no TLS)"
        _say(f"relay of {args.cluster} NATS server(s), reachable from {where}, {how}")
        for server in servers.servers:
            pid = server.process.pid if server.process else "?"
            _say(
                f"  server {server.index}: WebSocket port {server.ws_port} (pages), "
                f"NATS port {server.client_port} (terminal), pid {pid}"
            )
        for chat in servers.grants or [None]:
            pages = ",".join(servers.ws_urls_for(chat))
            if chat is not None:
                _say(f"chat {chat!r} (these credentials let into it and no other chat):")
            _say(f"  pages: add ?relay={pages} to the app's address,")
            _say(f"    or: webxdc-realtime run APP --relay {pages}")
            terminals = ",".join(servers.nats_urls_for(chat))
            _say(f"  terminal: webxdc-realtime listen --relay {terminals}")
        _say("Ctrl-C stops")
        while not stopping:
            select.select([wake], [], [], 0.5)
            with contextlib.suppress(BlockingIOError):
                os.read(wake, 512)
            for server in servers.servers:
                if server.process is not None and not server.alive and server.process.returncode:
                    _say(f"server {server.index} stopped (exit {server.process.returncode})")
                    server.process.returncode = 0  # said once
    finally:
        servers.stop()
        _say("relay stopped")
    return 0


def listen(args: argparse.Namespace) -> int:
    """``webxdc-realtime listen``: print frames until Ctrl-C (or SIGTERM, SIGHUP)."""
    from . import terminal

    def say(line: str) -> None:
        print(line, flush=True)

    async def until_stopped() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, stop.set)
        scope = Scope(args.chat, args.instance)
        await terminal.listen(args.relay, scope, args.name, say, stop, args.tls_ca)

    try:
        asyncio.run(until_stopped())
    except RelayError as error:
        print(f"webxdc-realtime: {error}", file=sys.stderr)
        return 2
    _say("stopped listening")
    return 0


def send(args: argparse.Namespace) -> int:
    """``webxdc-realtime send``: one frame."""
    from . import terminal

    try:
        payload = bytes.fromhex(args.hex) if args.hex is not None else args.text.encode()
    except ValueError as error:
        print(f"webxdc-realtime: --hex: {error}", file=sys.stderr)
        return 2
    try:
        scope = Scope(args.chat, args.instance)
        asyncio.run(terminal.send(args.relay, scope, args.name, payload, tls_ca=args.tls_ca))
    except (ValueError, RelayError) as error:
        print(f"webxdc-realtime: {error}", file=sys.stderr)
        return 2
    _say(f"sent {len(payload)} bytes to chat {args.chat!r}, instance {args.instance!r}")
    return 0


if __name__ == "__main__":  # pragma: no cover - the console script calls main()
    sys.exit(main())
