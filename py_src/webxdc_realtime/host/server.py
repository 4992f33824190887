"""The web server of ``webxdc-realtime run``: the app at the root of an origin, as in a messenger.

Messengers serve an app at the root of an origin of its own, so its paths, relative or
absolute, resolve there. So do ours, on one 127.0.0.1 origin that every peer shares (so
that BroadcastChannel joins them), beside which we add only ``/webxdc.js`` and one
reserved prefix, :data:`PREFIX`:

================================  ============================================================
path                              what
================================  ============================================================
``/``, ``/index.html``, any path  the app's files (its folder, or its unpacked ``.xdc``), or
                                  what its dev server answers (HTTP and WebSocket)
``/webxdc.js``                    our ``webxdc.js`` (in place of any the app ships), told
                                  where the runtime is and which profile and chat to use
``/_webxdc-realtime/``            the host page: peers side by side, the chat, devtools
``/_webxdc-realtime/host/...``    the host page's script and style
``/_webxdc-realtime/app.json``    the app's name and icon, the peers to start, the profile
``/_webxdc-realtime/status``      POSTed by the host page: how many peers are live
``/_webxdc-realtime/events``      server-sent events: ``reload`` when the app changed,
                                  ``trace`` when the command stops (send what is left)
``/_webxdc-realtime/trace``       POSTed by the host page each second (``run --trace``): what
                                  it recorded since (see :mod:`.trace`)
``/_webxdc-realtime/...``         our runtime (``dist/``): Pyodide, the snapshot, the wheel
================================  ============================================================

Files are served by aiohttp's ``FileResponse`` (ranges, conditional requests, ``HEAD``).
Every response carries Delta Chat desktop's Content-Security-Policy, which denies the app
the network, unless switched off.
"""

from __future__ import annotations

import asyncio
import errno
import json
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from aiohttp import web

from .app import App, file_below
from .relay import split_relay
from .trace import Sink

PREFIX: Final = "/_webxdc-realtime/"
"""The one path of the app's origin that is ours (besides ``/webxdc.js``)."""

CSP: Final = (
    "default-src 'self'; style-src 'self' 'unsafe-inline' blob:; font-src 'self' data: blob:; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; connect-src 'self' data: blob:; "
    "img-src 'self' data: blob:; media-src 'self' data: blob:; webrtc 'block'"
)
"""Delta Chat desktop's Content-Security-Policy for webxdc apps (SPEC-webxdc.md)."""

mimetypes.init()  # first: a later init() would drop what add_type() adds
for _suffix, _type in {
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".wasm": "application/wasm",
    ".json": "application/json",
    ".toml": "application/toml",
    ".webmanifest": "application/manifest+json",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".opus": "audio/ogg",
    ".xdc": "application/zip",
}.items():
    mimetypes.add_type(_type, _suffix)

Status = dict[str, Any]

KEEP_ALIVE: Final = 10.0
"""Seconds between comments on an idle event stream: a closed host page is noticed then."""


def file_response(path: Path) -> web.FileResponse:
    """Serve a file: aiohttp's ranges, conditional requests and ``HEAD``; our types.

    Types are the standard library's with the additions above; text and JSON are said to
    be UTF-8. Browsers revalidate every time (``no-cache``): apps change while they run.
    """
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind.endswith("json") or kind == "application/toml":
        kind += "; charset=utf-8"
    return web.FileResponse(path, headers={"Content-Type": kind, "Cache-Control": "no-cache"})


class MissingRuntimeError(Exception):
    """Our runtime files (``dist/``) are not there; the message says how to make them."""


def find_runtime(given: str | Path | None = None) -> Path:
    """Find our built runtime: ``webxdc.js``, Pyodide, the host page.

    Parameters
    ----------
    given : str or Path, optional
        A folder to use; else the one installed with this package (a wheel), else the
        ``dist/`` of the checkout this package runs from.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    MissingRuntimeError
        If it is not there, or not built.
    """
    package = Path(__file__).resolve().parents[1]  # webxdc_realtime/
    if given:
        folder = Path(given)
    elif (package / "dist").is_dir():
        folder = package / "dist"
    else:
        folder = package.parents[1] / "dist"
    for needed in ("webxdc.js", "host/index.html"):
        if not (folder / needed).is_file():
            raise MissingRuntimeError(
                f"{folder / needed} is missing: run `make build` in the webxdc-realtime "
                "checkout first, or pass --dist with a built dist/ folder"
            )
    return folder


class Source(Protocol):
    """Where the app's own paths are answered from: its files, or its dev server."""

    @property
    def name(self) -> str:
        """The app's name, for the host page."""

    @property
    def icon(self) -> str | None:
        """The path of its icon in the app's origin, if it has one."""

    @property
    def where(self) -> str:
        """The folder, file or URL, for the host page and the command."""

    async def respond(self, request: web.Request, path: str) -> web.StreamResponse:
        """Answer a request for ``path`` (decoded, without the leading slash)."""

    async def close(self) -> None:
        """Let go of what it holds (run when the server stops)."""


@dataclass
class Files:
    """An app's files: a folder, or an unpacked ``.xdc``."""

    app: App

    @property
    def name(self) -> str:
        """The manifest's name, else the folder's or file's."""
        return self.app.name

    @property
    def icon(self) -> str | None:
        """``/icon.png`` or ``/icon.jpg``."""
        return f"/{self.app.icon}" if self.app.icon else None

    @property
    def where(self) -> str:
        """The folder or ``.xdc`` given."""
        return str(self.app.path)

    async def respond(self, request: web.Request, path: str) -> web.StreamResponse:
        """Serve the file as a web server does; 404 if there is none, or it is outside."""
        found = self.app.file(path)
        if found is None:
            raise web.HTTPNotFound(text=f"not found: /{path}\n")
        return file_response(found)

    async def close(self) -> None:
        """Remove an unpacked ``.xdc``."""
        self.app.close()


@dataclass
class Host:
    """What the server serves, and how.

    Attributes
    ----------
    source : Source
        The app: its files (:class:`Files`) or its dev server.
    runtime : Path
        Our ``dist/``.
    peers : int
        Peers the host page starts with.
    profile : str
        Host profile for every peer.
    chat : str
        Chat id for every peer.
    csp : bool
        Send the Content-Security-Policy.
    on_status : callable
        Called with what the host page POSTs to ``status``.
    run : int
        When this run started (ms): the host page keeps its peers within a run.
    relay : str
        A relay for every peer (``ws://`` URLs), or "".
    live_reload : bool
        Whether peers reload when told (``events``); set while the app is watched.
    net : str
        The network every peer starts with (the ``?net=`` grammar: ``deltachat``,
        ``loss=10%; delay=200ms``), or "": a perfect one.
    trace : Sink or None
        Keeps what the host page records (``run --trace FILE``); None: the page keeps its
        trace to itself (*Save trace*).
    trace_payload : int or None
        Bytes of each payload the trace keeps; None: whole payloads.
    """

    source: Source
    runtime: Path
    peers: int = 2
    profile: str = "strict"
    chat: str = "default"
    csp: bool = True
    on_status: Callable[[Status], None] = lambda status: None
    run: int = field(default_factory=lambda: time.time_ns() // 1_000_000)
    relay: str = ""
    live_reload: bool = False
    net: str = ""
    trace: Sink | None = None
    trace_payload: int | None = 64
    _webxdc_js: tuple[float, bytes] | None = field(default=None, repr=False)
    _listeners: set[asyncio.Queue[str | None]] = field(default_factory=set, repr=False)

    @property
    def csp_header(self) -> str:
        """Desktop's policy; with a relay, its servers too (and nothing else) may be reached."""
        if not self.relay:
            return CSP
        servers, _ = split_relay(self.relay)
        return CSP.replace(
            "connect-src 'self' data: blob:", f"connect-src 'self' data: blob: {' '.join(servers)}"
        )

    def app_info(self) -> dict[str, Any]:
        """Return what ``app.json`` says to the host page."""
        return {
            "name": self.source.name,
            "icon": self.source.icon,
            "peers": self.peers,
            "profile": self.profile,
            "chat": self.chat,
            "csp": self.csp,
            "source": self.source.where,
            "run": self.run,
            "relay": self.relay,
            "liveReload": self.live_reload,
            "net": self.net,
            "traceToCommand": self.trace is not None,
            "tracePayload": "all" if self.trace_payload is None else self.trace_payload,
        }

    def webxdc_js(self) -> bytes:
        """Return our ``webxdc.js``, preceded by the settings of this run."""
        source = self.runtime / "webxdc.js"
        mtime = source.stat().st_mtime
        if self._webxdc_js is None or self._webxdc_js[0] != mtime:
            settings: dict[str, Any] = {
                "baseUrl": PREFIX,
                "profile": self.profile,
                "chat": self.chat,
                "instance": "/",
            }
            if self.relay:
                settings["relay"] = self.relay
            if self.live_reload:
                settings["liveReload"] = True
            if self.net:
                settings["net"] = self.net
            prelude = (
                "// Set by `webxdc-realtime run`: runtime folder, profile, chat, instance.\n"
                "window.webxdcRealtimeConfig = Object.assign("
                f"{json.dumps(settings)}, window.webxdcRealtimeConfig);\n"
            )
            self._webxdc_js = (mtime, prelude.encode() + source.read_bytes())
        return self._webxdc_js[1]

    def reload(self) -> int:
        """Tell every open host page that the app changed; return how many were told."""
        for listener in self._listeners:
            listener.put_nowait("reload")
        return len(self._listeners)

    async def last_trace(self, timeout: float = 2.0) -> None:
        """Ask every open host page for the rest of its trace, and wait until one sends it.

        ``run --trace`` is stopping: what the page recorded since its last second would be
        lost. Waits at most ``timeout`` seconds.
        """
        if self.trace is None or not self._listeners:
            return
        before = self.trace.posts
        for listener in self._listeners:
            listener.put_nowait("trace")
        deadline = time.monotonic() + timeout
        while self.trace.posts == before and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def _close_listeners(self) -> None:
        for listener in self._listeners:
            listener.put_nowait(None)


def make_app(host: Host) -> web.Application:
    """Return the aiohttp application that serves ``host``.

    Parameters
    ----------
    host : Host
        What to serve.

    Returns
    -------
    aiohttp.web.Application
        Its routes are the table above.
    """

    async def webxdc_js(request: web.Request) -> web.Response:
        return web.Response(
            body=host.webxdc_js(),
            content_type="text/javascript",
            charset="utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def host_page(request: web.Request) -> web.StreamResponse:
        return file_response(host.runtime / "host" / "index.html")

    async def app_json(request: web.Request) -> web.Response:
        return web.json_response(host.app_info(), headers={"Cache-Control": "no-cache"})

    async def status(request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.content.read(65536))
        except ValueError:
            raise web.HTTPBadRequest(text="not JSON\n") from None
        if isinstance(body, dict):
            host.on_status(body)
        return web.Response(status=204)

    async def trace(request: web.Request) -> web.Response:
        if host.trace is None:
            raise web.HTTPNotFound(text="this run keeps no trace (run --trace FILE)")
        try:
            host.trace.take(await request.json())
        except (ValueError, TypeError) as error:
            raise web.HTTPBadRequest(text=str(error)) from None
        return web.Response(status=204)

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        await response.prepare(request)
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        host._listeners.add(queue)
        try:
            await response.write(b": connected\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(queue.get(), KEEP_ALIVE)
                except TimeoutError:
                    await response.write(b": still here\n\n")  # fails once the page is gone
                    continue
                if event is None:
                    break
                await response.write(f"event: {event}\ndata: {{}}\n\n".encode())
        except ConnectionResetError:
            pass
        finally:
            host._listeners.discard(queue)
        return response

    async def runtime_file(request: web.Request) -> web.StreamResponse:
        found = file_below(host.runtime, request.match_info["path"])
        if found is None:
            raise web.HTTPNotFound(text="not found\n")
        return file_response(found)

    async def app_path(request: web.Request) -> web.StreamResponse:
        return await host.source.respond(request, request.match_info["path"])

    async def policy(request: web.Request, response: web.StreamResponse) -> None:
        if host.csp:
            response.headers["Content-Security-Policy"] = host.csp_header

    async def shutdown(app: web.Application) -> None:
        host._close_listeners()
        await host.source.close()

    app = web.Application()
    app.router.add_get("/webxdc.js", webxdc_js)
    app.router.add_get(PREFIX, host_page)
    app.router.add_get(PREFIX + "app.json", app_json)
    app.router.add_post(PREFIX + "status", status)
    app.router.add_get(PREFIX + "events", events)
    app.router.add_post(PREFIX + "trace", trace)
    app.router.add_get(PREFIX + "{path:.+}", runtime_file)
    app.router.add_route("*", "/{path:.*}", app_path)
    app.on_response_prepare.append(policy)
    app.on_shutdown.append(shutdown)
    return app


class Server:
    """The web server of one :class:`Host` on 127.0.0.1, in the running event loop.

    Parameters
    ----------
    host : Host
        What to serve.
    port : int
        The port (0: any free one).
    """

    def __init__(self, host: Host, port: int = 0) -> None:
        self.host = host
        self.port = port
        self._runner = web.AppRunner(make_app(host), access_log=None, shutdown_timeout=2)

    async def start(self, elsewhere: bool = False) -> bool:
        """Listen on the port; if it is taken and ``elsewhere``, on any free one.

        Returns
        -------
        bool
            Whether it listens elsewhere than asked.

        Raises
        ------
        OSError
            If it cannot listen (then the host's source is closed too).
        """
        await self._runner.setup()
        moved = False
        try:
            try:
                await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            except OSError as error:
                if not elsewhere or error.errno != errno.EADDRINUSE or self.port == 0:
                    raise
                await web.TCPSite(self._runner, "127.0.0.1", 0).start()
                moved = True
        except OSError:
            await self._runner.cleanup()
            raise
        self.port = self._runner.addresses[0][1]
        return moved

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        await self._runner.cleanup()

    @property
    def origin(self) -> str:
        """Return the app's origin, ``http://127.0.0.1:PORT``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Return the host page's address."""
        return self.origin + PREFIX


class ServerThread:
    """A :class:`Server` in an event loop of its own thread, for synchronous callers.

    Parameters
    ----------
    host : Host
        What to serve.
    port : int
        The port (0: any free one).
    """

    def __init__(self, host: Host, port: int = 0) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = Server(host, port)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(30)

    @property
    def url(self) -> str:
        """Return the host page's address."""
        return self.server.url

    def call(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` in the server's loop (e.g. ``host.reload``); return what it returns."""

        async def run() -> Any:
            return work()

        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(30)

    def close(self) -> None:
        """Stop the server and its loop."""
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()
