"""The trace's viewer on 127.0.0.1: ``webxdc-realtime trace FILE``.

It serves our built runtime's ``trace/`` page (``js_glue/trace/main.js``: the devtools'
diagram, frame log and counters drawn from a trace) and the trace itself, read and checked
by :func:`.trace.read`, as ``/trace.json``. Nothing is fetched from elsewhere: it works
offline, like the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp import web

from .app import file_below
from .trace import Trace


def make_viewer(trace: Trace, runtime: Path) -> web.Application:
    """Return the aiohttp application that shows ``trace`` with the pages of ``runtime``."""
    body = json.dumps({"header": trace.header, "events": trace.events}).encode()

    async def trace_json(request: web.Request) -> web.Response:
        return web.Response(body=body, content_type="application/json")

    async def home(request: web.Request) -> web.Response:
        raise web.HTTPFound("/trace/")

    async def page(request: web.Request) -> web.StreamResponse:
        found = file_below(runtime, request.match_info["path"])
        if found is None:
            raise web.HTTPNotFound()
        return web.FileResponse(found)

    app = web.Application()
    app.router.add_get("/", home)
    app.router.add_get("/trace.json", trace_json)
    app.router.add_get("/{path:.+}", page)
    return app


class Viewer:
    """The viewer's web server, in the running event loop.

    Parameters
    ----------
    trace : Trace
        What to show.
    runtime : Path
        Our ``dist/`` (its ``trace/`` and ``host/`` pages).
    port : int
        The port on 127.0.0.1 (0: any free one).
    """

    def __init__(self, trace: Trace, runtime: Path, port: int = 0) -> None:
        self.port = port
        self._runner = web.AppRunner(make_viewer(trace, runtime), access_log=None)

    async def start(self) -> None:
        """Listen."""
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        except OSError:
            await self._runner.cleanup()
            raise
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        await self._runner.cleanup()

    @property
    def url(self) -> str:
        """Return the viewer's address."""
        return f"http://127.0.0.1:{self.port}/trace/"
