"""The npm package as an app author uses it: installed from its tarball into the official
Vite template's project (template.py), its dev server up with our plugin."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import HostPage, host_pages
from cli.processes import serving
from cli.vite_project import free_port
from conftest import wait_for  # noqa: F401 - one for every test room

from .template import make_project


@dataclass
class DevServer:
    """`vite` (the template's `npm start`) with our plugin: where it is, what it printed."""

    port: int
    log: Path
    scheme: str = "https"  # the template's (secureContext()), or plain HTTP

    @property
    def origin(self) -> str:
        return f"{self.scheme}://localhost:{self.port}"

    def said(self, needle: str) -> bool:
        return needle in self.log.read_text()


@contextlib.contextmanager
def dev_server(project: Path, log: Path, scheme: str = "https") -> Iterator[DevServer]:
    """``vite --port PORT`` in ``project`` (the template's start script, on a free port)."""
    port = free_port()
    vite = [str(project / "node_modules" / ".bin" / "vite"), "--port", str(port), "--strictPort"]
    with serving(vite, port, cwd=project, env={"BROWSER": "none", "NO_COLOR": "1"}, log=log):
        yield DevServer(port, log, scheme)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's project, installed with our tarball (once for the module)."""
    return make_project(tmp_path_factory.mktemp("npm") / "notes")


@pytest.fixture(scope="module")
def dev(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    """Its dev server, up for the module."""
    with dev_server(project, tmp_path_factory.mktemp("vite") / "vite.log") as server:
        yield server


@pytest.fixture
def https_host_page(chromium: Any) -> Iterator[Callable[[str], HostPage]]:
    """The host page in Chromium, its context taking the dev server's self-signed certificate."""
    yield from host_pages(chromium, ignore_https_errors=True)
