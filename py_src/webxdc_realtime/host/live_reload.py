"""Live reload: when an app's files change, every peer reloads.

``run FOLDER`` watches the folder (``watchfiles``: the operating system's notifications,
changes of one save or one build grouped together); ``run APP.xdc`` watches the file and
unpacks it again when it is rebuilt in place. Each peer reloads keeping its identity, its
storage and the chat's updates (the host page tells them; see ``js_glue/host/``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, DefaultFilter, awatch

from .app import App, InvalidAppError


async def watch(
    app: App,
    changed: Callable[[list[str]], None],
    say: Callable[[str], None],
    stop: asyncio.Event,
) -> None:
    """Watch ``app`` until ``stop`` is set; call ``changed`` with what changed.

    Parameters
    ----------
    app : App
        A folder, or an ``.xdc`` (then unpacked again before ``changed`` is called).
    changed : callable
        Called with the names that changed (relative to the folder, or the file's name).
    say : callable
        Called with a line for the developer when a rebuilt ``.xdc`` is not valid.
    stop : asyncio.Event
        Set to stop watching.
    """
    if app.packed:
        await _watch_xdc(app, changed, say, stop)
        return
    root = app.path.resolve()
    async for changes in awatch(root, stop_event=stop, watch_filter=DefaultFilter()):
        names = sorted({Path(path).relative_to(root).as_posix() for _, path in changes})
        changed(names)


async def _watch_xdc(
    app: App,
    changed: Callable[[list[str]], None],
    say: Callable[[str], None],
    stop: asyncio.Event,
) -> None:
    file = app.path.resolve()

    def this_file(change: Change, path: str) -> bool:
        return Path(path) == file and change != Change.deleted

    # The folder: a rebuild may write a new file and rename it over the old one.
    async for _ in awatch(file.parent, stop_event=stop, watch_filter=this_file, recursive=False):
        try:
            app.reload()
        except InvalidAppError as error:
            say(f"{error}; the peers keep the app as it was")
            continue
        changed([file.name])
