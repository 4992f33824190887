"""The npm package in the official Vite template's project, from its tarball, as an app author
uses it: the dev server with our plugin (three peers, realtime and updates, hot reload,
storage of each peer's own, the CSP), the author's Playwright spec in Chromium and Firefox
against it and against `webxdc-realtime run` of the built `.xdc`, which carries none of our
files; and what the plugin and the fixture say when they are misused."""

from __future__ import annotations

import base64
import http.server
import json
import os
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import HostPage, run
from webxdc_realtime.host.server import CSP
from webxdc_realtime.host.trace import read

from .conftest import DevServer, free_port, wait_for
from .template import IMPORT, ONE_LINE, PROJECT, ROOT, npm, playwright_test, write_greeting

# One worker for the module under pytest-xdist: what it makes once per module is costly.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("npm-template")]


def texts(frame: Any, selector: str) -> list[str] | None:
    """The texts of what ``selector`` finds in the frame, or None while it (re)loads."""
    try:
        found: list[str] = frame.evaluate(
            "(s) => Array.from(document.querySelectorAll(s), (e) => e.textContent)", selector
        )
        return found
    except Exception:
        return None


def say(frame: Any, button: str, text: str) -> None:
    frame.fill("#text", text)
    frame.click(button)


def test_three_peers_of_its_dev_server_talk_keep_their_storage_and_hot_reload(
    project: Path, dev: DevServer, https_host_page: Any
) -> None:
    page = f"{dev.origin}/_webxdc-realtime/"
    assert wait_for(lambda: dev.said(f"➜  webxdc:  {page} (2 peers")), dev.log.read_text()
    host: HostPage = https_host_page(page + "?peers=3")
    host.wait_live(3)
    assert wait_for(lambda: dev.said("webxdc-realtime: peers: all 3 live"), 10)
    assert host.js("document.querySelector('#name').textContent") == "Notes of three"
    ada, ben, _ = peers = host.peers()
    # Our webxdc.js, in place of the template's mock (which stays in its vite.config.js).
    assert "mockWebxdc()" in (project / "vite.config.js").read_text()
    assert [p.evaluate("webxdcRealtime.status") for p in peers] == ["live"] * 3
    assert [p.evaluate("webxdc.selfName") for p in peers] == ["Ada", "Ben", "Cleo"]

    say(ada, "#say", "hello")
    assert wait_for(lambda: [texts(p, "#heard li") for p in peers] == [[], *[["Ada: hello"]] * 2])
    say(ben, "#note", "bring bread")
    assert wait_for(lambda: all(texts(p, "#notes li") == ["Ben: bring bread"] for p in peers))
    # The template's own update at load, in the chat panel: once per peer.
    assert wait_for(lambda: len(host.js("host.chat.lines")) == 3)
    assert sorted(line["text"] for line in host.js("host.chat.lines")) == [
        "hello from Ada",
        "hello from Ben",
        "hello from Cleo",
    ]
    # Each peer its own storage; Delta Chat's policy on the app's responses.
    ada.evaluate("localStorage.setItem('mine', 'Ada')")
    assert ben.evaluate("localStorage.getItem('mine')") is None
    for path in ("/", "/src/main.ts", "/webxdc.js"):
        response = host.page.request.get(dev.origin + path)
        assert response.headers["content-security-policy"] == CSP, path

    # An edit reaches every peer through Vite's hot reload, under that policy.
    write_greeting(project, "edited")
    try:
        assert wait_for(lambda: all(texts(p, "#greeting") == ["edited"] for p in peers), 30)
        host.wait_live(3)
        assert [p.evaluate("webxdc.selfName") for p in host.peers()] == ["Ada", "Ben", "Cleo"]
        assert ada.evaluate("localStorage.getItem('mine')") == "Ada"
    finally:
        write_greeting(project, "hello")
    host.log()
    assert host.failed == []
    assert not [text for kind, text in host.console if "Content Security Policy" in text]


def test_an_authors_playwright_spec_passes_in_chromium_and_firefox(
    project: Path, dev: DevServer
) -> None:
    done = playwright_test(project, env={"PORT": str(dev.port)})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout, done.stdout


@pytest.fixture(scope="module")
def xdc(project: Path) -> Path:
    """``npm run build``: the template's ``.xdc`` (``buildXDC()``)."""
    npm(project, "run", "build")
    (found,) = (project / "dist-xdc").glob("*.xdc")
    return found


def test_vite_build_makes_an_xdc_with_none_of_our_files(xdc: Path) -> None:
    with zipfile.ZipFile(xdc) as archive:
        names = archive.namelist()
        index = archive.read("index.html").decode()
    ours = {p.name for p in (ROOT / "dist").iterdir()} | {"host", "_webxdc-realtime"}
    assert not [name for name in names if set(name.split("/")) & ours], names
    assert not [name for name in names if "pyodide" in name or "webxdc_realtime" in name]
    assert '<script src="webxdc.js"></script>' in index  # the messenger's, not in the .xdc
    assert "manifest.toml" in names


def test_the_same_spec_passes_against_run_of_the_built_xdc(project: Path, xdc: Path) -> None:
    with run(xdc, "--peers", "3") as command:
        done = playwright_test(project, "--project", "chromium", env={"WEBXDC_URL": command.origin})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout, done.stdout


@pytest.fixture
def not_a_host_page(tmp_path: Path) -> Iterator[str]:
    """A web server that has no host page (Python's, on an empty folder)."""
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(tmp_path))  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_the_fixture_says_what_it_reached_and_which_peer_is_not_live(
    project: Path, dev: DevServer, not_a_host_page: str
) -> None:
    env = {
        "PORT": str(dev.port),
        "NOTHING_URL": f"http://127.0.0.1:{free_port()}/",
        "OTHER_URL": not_a_host_page,
    }
    done = playwright_test(
        project, "--config", "checks.config.ts", "--project", "chromium", env=env
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout, done.stdout


def test_a_failing_spec_has_its_trace_attached(
    project: Path, dev: DevServer, tmp_path: Path
) -> None:
    results = tmp_path / "results.json"
    env = {"PORT": str(dev.port), "PLAYWRIGHT_JSON_OUTPUT_NAME": str(results)}
    done = playwright_test(
        project,
        "--config",
        "failing.config.ts",
        "--project",
        "chromium",
        "--reporter=json",
        env=env,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    [result] = json.loads(results.read_text())["suites"][0]["specs"][0]["tests"][0]["results"]
    assert result["status"] == "failed"
    attached = {a["name"]: a for a in result["attachments"]}
    trace_file = attached["webxdc-trace-0.jsonl.gz"]
    assert trace_file["contentType"] == "application/gzip"
    (tmp_path / "trace.jsonl.gz").write_bytes(base64.b64decode(trace_file["body"]))
    trace = read(tmp_path / "trace.jsonl.gz")
    assert trace.header["app"] and trace.header["chat"]
    said = [e for e in trace.events if e["kind"] == "send"]
    assert [e["peer"] for e in said] == ["ada@peers.localhost"]
    fates = sorted(
        (e["peer"], e["verdict"], e.get("reason"))
        for e in trace.events
        if e["kind"] == "receive" and (e["id"], e["seq"]) == (said[0]["id"], said[0]["seq"])
    )
    assert fates == [
        ("ben@peers.localhost", "delivered", None),
        ("cleo@peers.localhost", "dropped", "net_partition"),
    ]


def test_a_wrong_plugin_option_is_named(project: Path, tmp_path: Path) -> None:
    said = subprocess.run(
        ["node", "checks/bad-options.mjs"],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout.splitlines()
    assert said == [
        'webxdcRealtime(): unknown option "peer" (the options are: peers, profile, chat, net, csp)',
        'webxdcRealtime(): "peers" must be a whole number from 1 to 64, not 0',
        'webxdcRealtime(): "profile" must be one of strict, desktop, mobile, not "android"',
        'webxdcRealtime(): "csp" must be true or false, not "no"',
        "webxdcRealtime(): options must be an object, not string",
    ]
    # And Vite says so when its config has one.
    config = (
        (project / "vite.config.js")
        .read_text()
        .replace("webxdcRealtime()", "webxdcRealtime({ peer: 3 })")
    )
    (project / "bad.config.js").write_text(config)
    done = subprocess.run(
        [
            str(project / "node_modules" / ".bin" / "vite"),
            "--config",
            "bad.config.js",
            "--port",
            str(free_port()),
        ],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert done.returncode != 0
    assert 'webxdcRealtime(): unknown option "peer"' in done.stdout + done.stderr


def test_its_typescript_sees_our_types(project: Path) -> None:
    """``tsc`` over the author's files and ``checks/types.ts`` (the plugin's options, the
    fixture, ``window.webxdcRealtime``), with the declarations the package carries."""
    done = subprocess.run(
        [str(project / "node_modules" / ".bin" / "tsc"), "-p", "tsconfig.json"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_readme_shows_the_spec_and_the_line_as_they_are() -> None:
    readme = (ROOT / "README.md").read_text()
    assert (PROJECT / "tests" / "peers.spec.ts").read_text().strip() in readme
    assert IMPORT in readme
    assert f"secureContext(), {ONE_LINE}]" in readme
