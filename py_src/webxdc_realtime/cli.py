"""``webxdc-realtime``: the command line.

``webxdc-realtime run APP`` serves a webxdc app (a folder or an ``.xdc``) with our
``webxdc.js`` and prints the address of a host page showing several peers of it side
by side, each with its own identity and storage, the whole webxdc API, and what the
chat would show. It says how far the peers are while the runtime loads, and stops
cleanly on Ctrl-C.
"""

from __future__ import annotations

import argparse
import errno
import sys
import threading
import time
import webbrowser
from collections.abc import Sequence
from typing import TextIO

from ._rules import PROFILES
from .app import InvalidAppError, load_app
from .server import Host, MissingRuntimeError, Server, Status, find_runtime

DEFAULT_PORT = 8765
MAX_PEERS = 12


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
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="serve an app (a folder or an .xdc) with N peers side by side",
        description="Serve a webxdc app with several peers side by side in a host page, "
        "with the whole webxdc API and storage of each peer's own.",
    )
    run.add_argument("app", metavar="APP", help="a folder with an index.html, or an .xdc file")
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
        "--no-csp",
        dest="csp",
        action="store_false",
        help="do not send desktop's Content-Security-Policy",
    )
    run.add_argument("--open", action="store_true", help="open the host page in a browser")
    run.add_argument("--dist", help="our built runtime (default: this checkout's dist/)")
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
    return run(args)


def _say(text: str) -> None:
    print(f"webxdc-realtime: {text}", flush=True)


def run(args: argparse.Namespace) -> int:
    """``webxdc-realtime run``: serve until Ctrl-C."""
    if not 1 <= args.peers <= MAX_PEERS:
        print(
            f"webxdc-realtime: --peers must be 1 to {MAX_PEERS}, not {args.peers}", file=sys.stderr
        )
        return 2
    try:
        app = load_app(args.app)
        runtime = find_runtime(args.dist)
    except (InvalidAppError, MissingRuntimeError) as error:
        print(f"webxdc-realtime: {error}", file=sys.stderr)
        return 2
    progress = Progress(sys.stdout)
    host = Host(app, runtime, args.peers, args.profile, args.chat, args.csp, progress.status)
    try:
        server = Server(host, args.port)
    except OSError as error:
        if error.errno != errno.EADDRINUSE or args.port == 0:
            raise
        server = Server(host, 0)
        _say(f"port {args.port} is taken; using {server.server_address[1]}")
    icon = f", icon {app.icon}" if app.icon else ""
    csp = "" if args.csp else ", without the Content-Security-Policy"
    _say(
        f'serving "{app.name}" ({app.path}{icon}) with {args.peers} peers, '
        f'host profile "{args.profile}"{csp}'
    )
    _say(f"open {server.url}  (Ctrl-C stops)")
    if args.open:
        webbrowser.open(server.url)
    progress.show("peers: waiting for the host page to be opened...")
    started = time.monotonic()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if progress.tty:
            print()
        _say(f"stopped after {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover - the console script calls main()
    sys.exit(main())
