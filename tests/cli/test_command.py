"""The command's own checks, its progress line, and its end: SIGINT, SIGTERM or SIGHUP stop
`run` cleanly, leaving no process, no port and no temporary folder behind."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest

from webxdc_realtime.host import cli

from .conftest import COMMAND, PINGBOARD, Run


def test_the_command_refuses_bad_input(capsys: Any, tmp_path: Path, stand_in: Path) -> None:
    dist = ["--dist", str(stand_in)]
    assert cli.main(["run", str(PINGBOARD), "--peers", "0", *dist]) == 2
    assert "--peers must be 1 to 12, not 0" in capsys.readouterr().err
    assert cli.main(["run", str(tmp_path / "nothing"), *dist]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert cli.main(["run", str(PINGBOARD), "--dist", str(tmp_path)]) == 2
    assert "run `make build`" in capsys.readouterr().err
    assert cli.main(["run", "http://", *dist]) == 2
    assert "'http://' is not an http:// or https:// URL of a dev server" in (
        capsys.readouterr().err
    )


def start(runtime: Path, *args: str, env: dict[str, str] | None = None) -> Run:
    process = subprocess.Popen(
        [str(COMMAND), "run", *args, "--dist", str(runtime)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    return Run(process)


def port_of(url: str) -> int:
    return int(url.split(":")[2].split("/")[0])


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_each_way_of_stopping_leaves_nothing_behind(
    tmp_path: Path, stand_in: Path, signum: int
) -> None:
    xdc = tmp_path / "pingboard.xdc"
    with zipfile.ZipFile(xdc, "w") as archive:
        for path in sorted(PINGBOARD.iterdir()):
            archive.write(path, path.name)
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    command = start(stand_in, str(xdc), "--port", "0", env={**os.environ, "TMPDIR": str(temporary)})
    port = port_of(command.url)
    (unpacked,) = temporary.iterdir()
    assert unpacked.name.startswith("webxdc-realtime-")
    with socket.create_connection(("127.0.0.1", port)) as idle:  # an open connection
        idle.sendall(b"GET /_webxdc-realtime/events HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        started = time.monotonic()
        command.process.send_signal(signum)
        assert command.process.wait(15) == 0
    assert time.monotonic() - started < 5
    command._reader.join(5)
    assert command.lines[-1].startswith("webxdc-realtime: stopped after"), command.lines
    assert refused(port)
    assert list(temporary.iterdir()) == []
    # No process of its session is left (it starts none of its own).
    left = subprocess.run(
        ["pgrep", "-s", str(command.process.pid)], capture_output=True, text=True
    ).stdout
    assert left == ""


def test_a_taken_port_is_said_and_another_one_used(tmp_path: Path, stand_in: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        opened = tmp_path / "opened"
        browser = f"{sys.executable} -c \"import sys; open('{opened}', 'w').write(sys.argv[1])\" %s"
        xdc = tmp_path / "pingboard.xdc"
        with zipfile.ZipFile(xdc, "w") as archive:
            for path in sorted(PINGBOARD.iterdir()):
                archive.write(path, path.name)
        command = start(
            stand_in,
            str(xdc),
            "--port",
            str(port),
            "--no-csp",
            "--open",
            env={**os.environ, "BROWSER": browser},
        )
        try:
            assert command.said(f"port {port} is taken; using")
            assert port_of(command.url) != port
            assert command.said('serving "Pingboard"')
            assert command.said("without the Content-Security-Policy")
            deadline = time.monotonic() + 10
            while not (opened.exists() and opened.read_text()) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert opened.read_text() == command.url
            with urllib.request.urlopen(command.origin + "/index.html") as page:  # still there
                assert b"Pingboard" in page.read()
        finally:
            command.stop()


def test_the_progress_line_says_how_far_the_peers_are() -> None:
    out = io.StringIO()
    progress = cli.Progress(out)
    progress.status({"total": 3, "live": 1, "ms": 900})
    progress.status({"total": 3, "live": 1, "ms": 900})  # said once
    progress.status({"total": 3, "live": 3, "ms": 1400})
    progress.say("changed: index.html")
    progress.status({"total": 3, "live": 2, "failed": 1})
    assert out.getvalue().splitlines() == [
        "peers: 1 of 3 live, loading Python in the page (0.9 s)",
        "peers: all 3 live, 1.4 s after the page opened",
        "webxdc-realtime: changed: index.html",
        "peers: 2 of 3 live, 1 failed to load (see the page)",
    ]


def test_in_a_terminal_the_progress_line_is_rewritten_under_the_news() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    out = Terminal()
    progress = cli.Progress(out)
    progress.say("serving")
    progress.show("one")
    progress.say("news")
    progress.show("two")
    progress.say("stopped", final=True)
    assert out.getvalue() == (
        "webxdc-realtime: serving\n\r\033[Kone\r\033[Kwebxdc-realtime: news\none"
        "\r\033[Ktwo\r\033[Kwebxdc-realtime: stopped\n"
    )


def test_an_app_file_under_our_prefix_is_said_to_be_hidden(tmp_path: Path, stand_in: Path) -> None:
    app = tmp_path / "app"
    (app / "_webxdc-realtime").mkdir(parents=True)
    (app / "index.html").write_text("<p>")
    command = start(stand_in, str(app), "--port", "0")
    try:
        assert command.said(
            "the app's own /_webxdc-realtime/ is hidden: that path is webxdc-realtime's runtime"
        )
    finally:
        command.stop()


def hostile(tmp_path: Path, kind: str) -> Path:
    """An app made to hurt: see HOSTILE."""
    from .test_app import raw_zip, write_zip

    xdc = tmp_path / f"{kind.replace(' ', '-')}.xdc"
    if kind == "expands past the limit":
        write_zip(xdc, {"index.html": "x" * 100})
        data = bytearray(xdc.read_bytes())
        central = data.rindex(b"PK\x01\x02")
        data[central + 24 : central + 28] = (600 * 2**20).to_bytes(4, "little")  # declared
        xdc.write_bytes(bytes(data))
    elif kind == "an absolute name":
        write_zip(xdc, {"index.html": "", "/etc/cron.d/x": ""})
    elif kind == "a .. name":
        write_zip(xdc, {"index.html": "", "../../x": ""})
    elif kind == "a name twice":
        with zipfile.ZipFile(xdc, "w") as archive, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            archive.writestr("index.html", "one")
            archive.writestr("index.html", "two")
    elif kind == "a link out of a folder":
        folder = tmp_path / "linked"
        folder.mkdir()
        (folder / "index.html").write_text("<p>")
        (folder / "passwd").symlink_to("/etc/passwd")
        return folder
    elif kind == "a malformed manifest.toml":
        write_zip(xdc, {"index.html": "", "manifest.toml": 'name = "unclosed'})
    elif kind == "a name not UTF-8":
        raw_zip(xdc, [b"index.html", b"caf\xe9.html"])
    elif kind == "a truncated zip":
        write_zip(xdc, {"index.html": "<p>" * 1000, "app.js": "1" * 1000})
        xdc.write_bytes(xdc.read_bytes()[:-40])
    return xdc


HOSTILE = {
    "expands past the limit": "expands to 629145600 bytes, more than 536870912 (512 MiB)",
    "an absolute name": "the entry '/etc/cron.d/x' would land outside the app",
    "a .. name": "the entry '../../x' would land outside the app",
    "a name twice": "the entry 'index.html' is in the zip twice",
    "a link out of a folder": "passwd: a link to /etc/passwd, outside the app",
    "a malformed manifest.toml": "manifest.toml is not valid TOML",
    "a name not UTF-8": "an entry's name is marked UTF-8 but is not",
    "a truncated zip": "not a zip file",
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_app_is_refused_by_the_command_at_once(
    tmp_path: Path, stand_in: Path, kind: str
) -> None:
    app = hostile(tmp_path, kind)
    started = time.monotonic()
    done = subprocess.run(
        [str(COMMAND), "run", str(app), "--port", "0", "--dist", str(stand_in)],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert (done.returncode, done.stdout) == (2, ""), done
    assert HOSTILE[kind] in done.stderr
    assert done.stderr.startswith("webxdc-realtime: ") and "Traceback" not in done.stderr
    assert time.monotonic() - started < 10
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("webxdc-realtime-")]
