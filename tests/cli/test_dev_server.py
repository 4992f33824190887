"""`run URL` in-process: what a dev server answers is the app's, passed through our origin as
it is (bodies, statuses, encodings, redirects, WebSockets), but for our webxdc.js, our prefix
and the CSP; a dev server that is not up is waited for, one that went is said."""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from webxdc_realtime.host.dev_server import DevServer, is_loopback, looks_like_url
from webxdc_realtime.host.server import CSP, PREFIX, Host, ServerThread, find_runtime

from .test_terminal import in_thread
from .vite_project import free_port


def test_what_names_a_dev_server() -> None:
    for url in ("http://localhost:5173", "https://127.0.0.1:3000/", "localhost:3000", "[::1]:80"):
        assert looks_like_url(url), url
    for path in ("app", "dist/", "app.xdc", "./localhost", "C:/x", "ftp://x"):
        assert not looks_like_url(path), path
    assert [str(u) for u in DevServer("localhost:3000").candidates] == [
        "https://localhost:3000",
        "http://localhost:3000",
    ]
    assert [str(u) for u in DevServer("http://localhost:5173/").candidates] == [
        "http://localhost:5173/"
    ]
    for host in ("localhost", "app.localhost", "127.0.0.1", "127.1.2.3", "[::1]"):
        assert is_loopback(host), host
    for host in ("example.org", "10.0.0.1", "::2", "localhost.example.org"):
        assert not is_loopback(host), host
    with pytest.raises(ValueError, match="is not an http:// or https:// URL"):
        DevServer("http://")


class Upstream:
    """A small real dev server on 127.0.0.1, in a thread of its own."""

    def __init__(self, port: int = 0) -> None:
        self.seen: list[dict[str, str]] = []
        app = web.Application()
        app.router.add_get("/", self.index)
        app.router.add_get("/manifest.toml", self.manifest)
        app.router.add_route("HEAD", "/icon.png", self.icon)
        app.router.add_get("/old", self.moved)
        app.router.add_post("/echo", self.echo)
        app.router.add_get("/zipped.js", self.zipped)
        app.router.add_get("/socket", self.socket)
        app.router.add_get("/webxdc.js", self.mock)
        self.loop = asyncio.new_event_loop()
        self.runner = web.AppRunner(app, shutdown_timeout=1)
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.port = self._run(self._start(port))

    def _run(self, work: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(10)

    async def _start(self, port: int) -> int:
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        return int(self.runner.addresses[0][1])

    def stop(self) -> None:
        self._run(self.runner.cleanup())

    async def index(self, request: web.Request) -> web.Response:
        self.seen.append(dict(request.headers))
        return web.Response(
            text="<p>dev page</p>",
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src *", "X-Dev": "yes"},
        )

    async def manifest(self, request: web.Request) -> web.Response:
        return web.Response(text='name = "From the dev server"\n')

    async def icon(self, request: web.Request) -> web.Response:
        return web.Response(content_type="image/png")

    async def moved(self, request: web.Request) -> web.Response:
        raise web.HTTPFound(f"http://localhost:{self.port}/new?x=1")

    async def echo(self, request: web.Request) -> web.Response:
        return web.Response(body=await request.read(), status=201)

    async def zipped(self, request: web.Request) -> web.Response:
        body = gzip.compress(b"export const x = 1;\n")
        return web.Response(
            body=body, headers={"Content-Encoding": "gzip", "Content-Type": "text/javascript"}
        )

    async def socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(protocols=["vite-hmr"])
        await ws.prepare(request)
        await ws.send_str("connected")
        async for message in ws:
            if message.type == aiohttp.WSMsgType.TEXT:
                await ws.send_str("echo " + message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await ws.send_bytes(message.data[::-1])
        return ws

    async def mock(self, request: web.Request) -> web.Response:
        return web.Response(text="window.webxdc = {mock: true};")


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def proxied(upstream: Upstream, stand_in: Path) -> Iterator[ServerThread]:
    source = DevServer(f"localhost:{upstream.port}")
    server = ServerThread(Host(source, find_runtime(stand_in)))
    said: list[str] = []
    server.call(lambda: asyncio.ensure_future(source.wait(said.append)))
    try:
        yield server
    finally:
        server.close()


def get(
    server: ServerThread, path: str, method: str = "GET", body: bytes = b"", **headers: str
) -> Any:
    connection = http.client.HTTPConnection("127.0.0.1", server.server.port, timeout=40)
    connection.request(method, path, body, {k.replace("_", "-"): v for k, v in headers.items()})
    response = connection.getresponse()
    response.body = response.read()
    connection.close()
    return response


def test_what_the_dev_server_answers_is_the_apps(proxied: ServerThread, upstream: Upstream) -> None:
    page = get(proxied, "/")
    assert (page.status, page.body) == (200, b"<p>dev page</p>")
    assert page.headers["X-Dev"] == "yes"
    assert page.headers["Content-Security-Policy"] == CSP  # ours, not the dev server's
    assert upstream.seen[-1]["Host"] == f"localhost:{upstream.port}"
    moved = get(proxied, "/old")
    assert (moved.status, moved.headers["Location"]) == (302, "/new?x=1")  # stays in our origin
    echoed = get(proxied, "/echo", "POST", b"posted bytes")
    assert (echoed.status, echoed.body) == (201, b"posted bytes")
    zipped = get(proxied, "/zipped.js", Accept_Encoding="gzip")
    assert zipped.headers["Content-Encoding"] == "gzip"  # passed as it came
    assert gzip.decompress(zipped.body) == b"export const x = 1;\n"
    assert get(proxied, "/nothing").status == 404
    # Ours: webxdc.js (not the dev server's mock), the host page and what it reads.
    assert b"mock: true" not in get(proxied, "/webxdc.js").body
    info = json.loads(get(proxied, PREFIX + "app.json").body)
    assert (info["name"], info["icon"], info["liveReload"]) == (
        "From the dev server",
        "/icon.png",
        False,
    )
    assert info["source"] == f"http://localhost:{upstream.port}"  # plain HTTP, found


def test_websockets_go_both_ways_with_their_protocol(proxied: ServerThread) -> None:
    async def talk() -> list[Any]:
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(
                f"http://127.0.0.1:{proxied.server.port}/socket?token=t", protocols=["vite-hmr"]
            ) as ws,
        ):
            got: list[Any] = [ws.protocol, (await ws.receive()).data]
            await ws.send_str("hello")
            got.append((await ws.receive()).data)
            await ws.send_bytes(b"abc")
            got.append((await ws.receive()).data)
            return got

    # In a thread of its own: the session's Playwright may own this thread's event loop.
    assert in_thread(lambda: asyncio.run(talk())) == ["vite-hmr", "connected", "echo hello", b"cba"]

    async def refused() -> int:
        async with aiohttp.ClientSession() as session:
            try:
                await session.ws_connect(f"http://127.0.0.1:{proxied.server.port}/nothing")
            except aiohttp.WSServerHandshakeError as error:
                return error.status
        return 0

    assert in_thread(lambda: asyncio.run(refused())) == 404  # what the dev server said, not a crash


def test_a_dev_server_that_went_away_is_said(proxied: ServerThread, upstream: Upstream) -> None:
    assert get(proxied, "/").status == 200
    upstream.stop()
    gone = get(proxied, "/")
    assert gone.status == 502
    assert b"does not answer (is it still running?)" in gone.body


def test_a_dev_server_not_up_yet_is_waited_for(stand_in: Path) -> None:
    port = free_port()
    source = DevServer(f"http://127.0.0.1:{port}")
    server = ServerThread(Host(source, find_runtime(stand_in)))
    said: list[str] = []
    try:
        server.call(lambda: asyncio.ensure_future(source.wait(said.append, interval=0.1)))
        # Not up: said once, and a request waits...
        answer: list[Any] = []
        asking = threading.Thread(target=lambda: answer.append(get(server, "/")))
        asking.start()
        asking.join(1)
        assert asking.is_alive()
        assert said == [
            f"the dev server at http://127.0.0.1:{port} does not answer yet: start it "
            "(say, npm run start); waiting for it"
        ]
        # ...until it is.
        upstream = Upstream(port)
        try:
            asking.join(10)
            assert answer[0].status == 200 and answer[0].body == b"<p>dev page</p>"
        finally:
            upstream.stop()
    finally:
        server.close()
