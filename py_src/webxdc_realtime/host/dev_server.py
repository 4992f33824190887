"""The app from a running dev server: ``webxdc-realtime run http://localhost:5173``.

Developers work on a dev server (Vite on port 3000 or 5173, ``npm run start``), not on a
built folder. The app's origin then answers every request by asking the dev server, HTTP
and WebSocket alike (so that Vite's hot reload reaches every peer), except ``/webxdc.js``
(ours, in place of the app's or a mock's) and our prefix; the Content-Security-Policy is
ours too.

``localhost:3000`` (no scheme) is tried as HTTPS, then HTTP: the official Vite template
speaks HTTPS with a self-signed certificate (``@vitejs/plugin-basic-ssl``). A certificate is
not checked on loopback, where it can only be the developer's own; elsewhere it is.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
import tomllib
from collections.abc import Callable
from typing import Final

import aiohttp
from aiohttp import web
from yarl import URL

HOP_BY_HOP: Final = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
"""Headers that concern one connection, never forwarded (RFC 9110, section 7.6.1)."""

_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[\w.-]+):\d+(/.*)?$")


def looks_like_url(text: str) -> bool:
    """Whether ``run``'s argument names a dev server rather than a folder or file.

    Parameters
    ----------
    text : str
        ``http://localhost:5173``, ``https://127.0.0.1:3000/``, ``localhost:3000``, ...

    Returns
    -------
    bool
        True for an http(s) URL or a ``host:port``.
    """
    return text.startswith(("http://", "https://")) or bool(_HOST_PORT.match(text))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine: ``localhost``, ``*.localhost``, 127.0.0.0/8, ``::1``."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DevServer:
    """A running dev server, whose answers are the app's.

    Parameters
    ----------
    target : str
        Its URL, or ``host:port`` (HTTPS tried first, then HTTP).
    """

    def __init__(self, target: str) -> None:
        given = target if "://" in target else f"https://{target}"
        url = URL(given)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"{target!r} is not an http:// or https:// URL of a dev server")
        self.target = target
        self.candidates = [url] if "://" in target else [url, url.with_scheme("http")]
        self.url: URL | None = None
        self.app_name = ""
        self.app_icon: str | None = None
        self._session: aiohttp.ClientSession | None = None
        self._up = asyncio.Event()
        self._sockets: set[web.WebSocketResponse] = set()

    @property
    def name(self) -> str:
        """The manifest's name (``/manifest.toml``), else the server's address."""
        return self.app_name or self.where

    @property
    def icon(self) -> str | None:
        """``/icon.png`` or ``/icon.jpg`` if the dev server has one."""
        return self.app_icon

    @property
    def where(self) -> str:
        """The dev server's URL (once known), else what was given."""
        return str(self.url) if self.url else self.target

    def _ssl(self, url: URL) -> bool:
        """Check certificates, except on loopback (a dev server's own, self-signed)."""
        return not is_loopback(url.host or "")

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                auto_decompress=False,
                timeout=aiohttp.ClientTimeout(total=None, connect=10, sock_read=None),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        return self._session

    async def probe(self) -> URL | None:
        """Ask each candidate URL once; return the first that answers, else None."""
        for url in self.candidates:
            try:
                async with self._client().get(
                    url, ssl=self._ssl(url), allow_redirects=False
                ) as response:
                    await response.read()
                    return url
            except (TimeoutError, aiohttp.ClientError, OSError):
                continue
        return None

    async def wait(self, say: Callable[[str], None], interval: float = 0.5) -> URL:
        """Wait until the dev server answers, saying so once if it does not yet.

        Then read its ``/manifest.toml`` (name) and look for ``/icon.png`` or ``/icon.jpg``.

        Parameters
        ----------
        say : callable
            Called with a line for the developer.
        interval : float
            Seconds between tries.

        Returns
        -------
        yarl.URL
            The dev server's URL, its scheme now known.
        """
        told = False
        while (url := await self.probe()) is None:
            if not told:
                say(
                    f"the dev server at {self.target} does not answer yet: start it "
                    "(say, npm run start); waiting for it"
                )
                told = True
            await asyncio.sleep(interval)
        self.url = url
        await self._describe(url)
        self._up.set()
        return url

    async def _describe(self, url: URL) -> None:
        with contextlib.suppress(aiohttp.ClientError, OSError, asyncio.TimeoutError):
            async with self._client().get(url / "manifest.toml", ssl=self._ssl(url)) as response:
                if response.status == 200:
                    raw = await response.read()
                    with contextlib.suppress(tomllib.TOMLDecodeError, UnicodeDecodeError):
                        name = tomllib.loads(raw.decode()).get("name")
                        self.app_name = name if isinstance(name, str) else ""
            for icon in ("icon.png", "icon.jpg"):
                async with self._client().head(url / icon, ssl=self._ssl(url)) as response:
                    kind = response.headers.get("Content-Type", "")
                    if response.status == 200 and kind.startswith("image/"):
                        self.app_icon = f"/{icon}"
                        break

    async def respond(self, request: web.Request, path: str) -> web.StreamResponse:
        """Answer ``request`` with what the dev server answers (HTTP or WebSocket).

        Raises
        ------
        aiohttp.web.HTTPBadGateway
            If the dev server does not answer (within 30 s of starting, or since).
        """
        try:
            await asyncio.wait_for(self._up.wait(), 30)
        except TimeoutError:
            raise web.HTTPGatewayTimeout(
                text=f"webxdc-realtime: the dev server at {self.target} does not answer yet\n"
            ) from None
        assert self.url is not None
        upstream = self.url.origin().join(URL(request.raw_path, encoded=True))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            if request.headers.get("Upgrade", "").lower() == "websocket":
                return await self._websocket(request, upstream, headers)
            return await self._http(request, upstream, headers)
        except aiohttp.WSServerHandshakeError as error:  # it refused the WebSocket: say so
            return web.Response(status=error.status, text=f"{error.message}\n")
        except (TimeoutError, aiohttp.ClientConnectionError, OSError) as error:
            raise web.HTTPBadGateway(
                text=f"webxdc-realtime: the dev server at {self.url} does not answer "
                f"(is it still running?): {error}\n"
            ) from None

    async def _http(
        self, request: web.Request, upstream: URL, headers: dict[str, str]
    ) -> web.StreamResponse:
        async with self._client().request(
            request.method,
            upstream,
            headers=headers,
            data=request.content if request.body_exists else None,
            allow_redirects=False,
            ssl=self._ssl(upstream),
        ) as answer:
            response = web.StreamResponse(status=answer.status, reason=answer.reason)
            assert self.url is not None
            for name, value in answer.headers.items():
                lower = name.lower()
                if lower in HOP_BY_HOP or lower == "content-security-policy":
                    continue
                if lower == "location" and value.startswith(str(self.url.origin())):
                    value = value[len(str(self.url.origin())) :] or "/"
                response.headers.add(name, value)
            await response.prepare(request)
            try:
                async for chunk in answer.content.iter_any():
                    await response.write(chunk)
                await response.write_eof()
            except (aiohttp.ClientError, ConnectionResetError):
                pass  # one side went mid-body: the headers are out, nothing more to say
            return response

    async def _websocket(
        self, request: web.Request, upstream: URL, headers: dict[str, str]
    ) -> web.StreamResponse:
        offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        forward = {
            k: v
            for k, v in headers.items()
            if not k.lower().startswith("sec-websocket-") and k.lower() != "content-length"
        }
        target = upstream.with_scheme("wss" if upstream.scheme == "https" else "ws")
        async with self._client().ws_connect(
            target,
            protocols=[p for p in offered if p],
            headers=forward,
            ssl=self._ssl(upstream),
            autoping=False,
            max_msg_size=0,
        ) as far:
            near = web.WebSocketResponse(
                protocols=[far.protocol] if far.protocol else (), autoping=False, max_msg_size=0
            )
            await near.prepare(request)
            self._sockets.add(near)
            try:
                await _pump(near, far)
            finally:
                self._sockets.discard(near)
            return near

    async def close(self) -> None:
        """Close open WebSockets and the client."""
        for socket in list(self._sockets):
            await socket.close(code=aiohttp.WSCloseCode.GOING_AWAY)
        if self._session is not None:
            await self._session.close()


async def _pump(near: web.WebSocketResponse, far: aiohttp.ClientWebSocketResponse) -> None:
    """Carry messages both ways until either side closes; then close the other."""

    async def carry(
        source: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
        sink: web.WebSocketResponse | aiohttp.ClientWebSocketResponse,
    ) -> None:
        async for message in source:
            if message.type == aiohttp.WSMsgType.TEXT:
                await sink.send_str(message.data)
            elif message.type == aiohttp.WSMsgType.BINARY:
                await sink.send_bytes(message.data)
            elif message.type == aiohttp.WSMsgType.PING:
                await sink.ping(message.data)
            elif message.type == aiohttp.WSMsgType.PONG:
                await sink.pong(message.data)
        if not sink.closed:
            await sink.close(code=source.close_code or aiohttp.WSCloseCode.OK)

    tasks = [asyncio.ensure_future(carry(near, far)), asyncio.ensure_future(carry(far, near))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for side in (near, far):
            if not side.closed:
                await side.close()
