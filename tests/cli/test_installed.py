"""Installed, not cloned: the wheel of `make wheel` in a fresh venv in a temporary folder,
used from there with nothing of the checkout, no node and no make on the PATH: `run` on a
folder, an .xdc and a dev server's URL, `--version`, `python -m`, and the pytest plugin
(`[pytest]`) on an app of the user's."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, HostPage, run, wait_for
from .test_app_paths import ABSOLUTE, check_every_peer
from .test_vite_template import value
from .vite_project import dev_server, free_port, make_project

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


@dataclass
class Installed:
    home: Path  # the user's folder, outside the checkout
    venv: Path
    env: dict[str, str]  # PATH: the venv only (no node, no make)

    @property
    def command(self) -> Path:
        return self.venv / "bin" / "webxdc-realtime"

    def __call__(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            args, cwd=self.home, env=self.env, capture_output=True, text=True, timeout=timeout
        )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    wheels = sorted((ROOT / "build" / "release").glob("webxdc_realtime-*.whl"))
    if not wheels:
        pytest.fail("build/release has no wheel: run `make wheel`")
    home = tmp_path_factory.mktemp("user")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The versions of our own venv (requirements-dev.txt), so that pip's cache serves them.
    subprocess.run(
        [
            str(venv / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            "-c",
            str(ROOT / "requirements-dev.txt"),
            f"{wheels[-1]}[pytest]",
        ],
        check=True,
        cwd=home,
        timeout=600,
    )
    env = {"PATH": str(venv / "bin"), "HOME": str(home), "LANG": "C.UTF-8"}
    return Installed(home, venv, env)


def test_it_runs_from_anywhere_and_says_its_version(installed: Installed) -> None:
    assert installed("webxdc-realtime", "--version").stdout == "webxdc-realtime 0.1.0\n"
    module = installed("python", "-m", "webxdc_realtime", "--version")
    assert module.stdout == "webxdc-realtime 0.1.0\n"
    where = installed(
        "python", "-c", "import webxdc_realtime.host.server as s; print(s.find_runtime())"
    )
    runtime = Path(where.stdout.strip())
    assert runtime.is_relative_to(installed.venv)  # the wheel's own runtime, not the checkout's
    relayless = installed("webxdc-realtime", "listen", "--relay", "nats://127.0.0.1:1")
    assert relayless.returncode == 2
    assert "pip install 'webxdc-realtime[relay]'" in relayless.stderr
    assert shutil.which("node", path=installed.env["PATH"]) is None
    assert shutil.which("make", path=installed.env["PATH"]) is None


def test_run_a_folder_and_an_xdc(installed: Installed, host_page: Any) -> None:
    folder = installed.home / "absolute-paths"
    shutil.copytree(ABSOLUTE, folder, dirs_exist_ok=True)
    with run(
        "absolute-paths",
        "--peers",
        "3",
        command=installed.command,
        cwd=installed.home,
        env=installed.env,
    ) as command:
        check_every_peer(host_page(command.url), 3)
    xdc = installed.home / "absolute-paths.xdc"
    with zipfile.ZipFile(xdc, "w") as archive:
        for path in sorted(folder.rglob("*")):
            archive.write(path, path.relative_to(folder).as_posix())
    with run(
        xdc.name, "--peers", "2", command=installed.command, cwd=installed.home, env=installed.env
    ) as command:
        check_every_peer(host_page(command.url), 2)


def test_run_a_dev_servers_url(installed: Installed, host_page: Any) -> None:
    project = make_project(installed.home / "vite-app")
    port = free_port()
    with (
        dev_server(project, port),
        run(
            f"https://localhost:{port}",
            "--peers",
            "2",
            command=installed.command,
            cwd=installed.home,
            env=installed.env,
        ) as command,
    ):
        host: HostPage = host_page(command.url)
        host.wait_live(2)
        ada, ben = host.peers()
        assert wait_for(lambda: all(value(f, "!!window.state?.say") for f in (ada, ben)))
        ada.evaluate("state.say('through the installed wheel')")
        assert wait_for(lambda: ben.evaluate("state.heard") == ["through the installed wheel"])


def test_the_pytest_plugin_of_the_installed_wheel(installed: Installed) -> None:
    shutil.copytree(ABSOLUTE, installed.home / "my-app", dirs_exist_ok=True)
    (installed.home / "test_my_app.py").write_text(
        "def test_two_peers_hear_each_other(webxdc_app):\n"
        "    app = webxdc_app('my-app', peers=2)\n"
        "    ada, ben = app.peers\n"
        "    ben.wait_for('fixture.ready')\n"
        "    ada.evaluate(\"fixture.send('hi')\")\n"
        "    assert ben.wait_for('fixture.heard.length && fixture.heard') == ['hi']\n"
    )
    done = installed(
        "python",
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "test_my_app.py",
        "--webxdc-chromium",
        CHROMIUM,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout
