"""A webxdc project made from the official Vite template, as a developer has it.

npm's registry here has no ``@webxdc/create-vite-plugins``, so the project is the example
that ``@webxdc/vite-plugins`` (the template's one dependency) ships on npm: its
``vite.config.js`` (``buildXDC``, ``eruda``, ``mockWebxdc``, ``legacy``, ``secureContext``:
HTTPS with a self-signed certificate), ``index.html`` and ``package.json``, verbatim; our
``node_modules`` (pinned in package.json) stands in for ``npm install``. Beside them, what
a developer adds: ``public/manifest.toml`` (the template writes it) and a module using
the realtime channel, with a greeting in a file of its own to edit.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

from .processes import serving

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "node_modules" / "@webxdc" / "vite-plugins" / "example"

MAIN_JS = """\
import { greeting } from "./greeting.js";

const state = (window.state = { greeting, heard: [] });
document.body.insertAdjacentHTML("beforeend", `<p id="greeting">${greeting}</p>`);
const channel = window.webxdc.joinRealtimeChannel();
channel.setListener((data) => state.heard.push(new TextDecoder().decode(data)));
state.say = (text) => channel.send(new TextEncoder().encode(text));
"""


def make_project(folder: Path, greeting: str = "hello") -> Path:
    """Write the project into ``folder``; return it."""
    folder.mkdir(parents=True)
    for name in ("index.html", "vite.config.js", "package.json"):
        shutil.copy(EXAMPLE / name, folder / name)
    (folder / "node_modules").symlink_to(ROOT / "node_modules")
    (folder / "public").mkdir()
    (folder / "public" / "manifest.toml").write_text('name = "Vite template"\n')
    shutil.copy(ROOT / "tests" / "apps" / "absolute-paths" / "icon.png", folder / "public")
    (folder / "src").mkdir()
    (folder / "src" / "main.js").write_text(MAIN_JS)
    write_greeting(folder, greeting)
    index = folder / "index.html"
    index.write_text(
        index.read_text().replace(
            "</body>", '  <script type="module" src="/src/main.js"></script>\n  </body>'
        )
    )
    return folder


def write_greeting(folder: Path, greeting: str) -> None:
    (folder / "src" / "greeting.js").write_text(f"export const greeting = {greeting!r};\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def dev_server(folder: Path, port: int) -> Iterator[subprocess.Popen[str]]:
    """``npm run start`` (``vite --port 3000``) on ``port``; stopped, with its children."""
    vite = [str(ROOT / "node_modules" / ".bin" / "vite"), "--port", str(port), "--strictPort"]
    with serving(vite, port, cwd=folder, env={"BROWSER": "none", "NO_COLOR": "1"}) as process:
        yield process


def build(folder: Path) -> Path:
    """``npm run build`` (``vite build``); return the built folder."""
    subprocess.run(
        [str(ROOT / "node_modules" / ".bin" / "vite"), "build"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "NO_COLOR": "1"},
    )
    return folder / "dist"
