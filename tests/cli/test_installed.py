"""Installed, not cloned: the wheel of `make wheel` in a fresh venv in a temporary folder,
used from there with nothing of the checkout, no node and no make on the PATH: `run` on a
folder, an .xdc and a dev server's URL, `--version`, `python -m`, and the pytest plugin
(`[pytest]`) on an app of the user's; and the README's first two lines as they are,
`pipx install` then `run`, and `uvx ... run app.xdc`."""

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

from conftest import CHROMIUM

from .conftest import ROOT, HostPage, run, wait_for
from .test_app_paths import ABSOLUTE, check_every_peer
from .test_vite_template import value
from .vite_project import dev_server, free_port, make_project

# One worker for the module under pytest-xdist: what it makes once per module is costly.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("installed")]


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


def release_wheel() -> Path:
    """The wheel `make wheel` built."""
    wheels = sorted((ROOT / "build" / "release").glob("webxdc_realtime-*.whl"))
    if not wheels:
        pytest.fail("build/release has no wheel: run `make wheel`")
    return wheels[-1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    home = tmp_path_factory.mktemp("user")
    venv = home / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    # The versions of our own venv (requirements-dev.txt), which uv installed: its cache
    # serves them (pip, a copy of the same work, took a quarter of a minute).
    subprocess.run(
        [
            str(Path(sys.executable).parent / "uv"),
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            "-c",
            str(ROOT / "requirements-dev.txt"),
            f"{release_wheel()}[pytest]",
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


def the_users(home: Path) -> dict[str, str]:
    """A user's environment: this one (its proxy and certificate settings) with a HOME of
    their own and a PATH without node or make; the package caches of this machine's user,
    so that pipx and uv fetch what they need once."""
    cache = Path.home() / ".cache"
    return {
        **os.environ,
        "HOME": str(home),
        "PATH": str(home / "bin"),  # pipx's commands, nothing else
        "PIP_CACHE_DIR": str(cache / "pip"),
        "UV_CACHE_DIR": str(cache / "uv"),
        "UV_SYSTEM_CERTS": "1",  # the machine's certificates, as pip has them
        "UV_PYTHON_DOWNLOADS": "never",  # the machine's Python, as pipx uses
    }


def test_pipx_install_then_run_a_folder_as_the_readme_says(tmp_path: Path, host_page: Any) -> None:
    env = {**the_users(tmp_path), "PIPX_HOME": str(tmp_path / "pipx")}
    env["PIPX_BIN_DIR"], env["PIPX_MAN_DIR"] = str(tmp_path / "bin"), str(tmp_path / "man")
    pipx = Path(sys.executable).parent / "pipx"
    done = subprocess.run(
        [str(pipx), "install", "--python", sys.executable, str(release_wheel())],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    command = tmp_path / "bin" / "webxdc-realtime"
    assert shutil.which("webxdc-realtime", path=env["PATH"]) == str(command)
    assert shutil.which("node", path=env["PATH"]) is None
    version = subprocess.run([command, "--version"], env=env, capture_output=True, text=True)
    assert version.stdout == "webxdc-realtime 0.1.0\n"
    shutil.copytree(ABSOLUTE, tmp_path / "app")
    with run("app", "--peers", "2", command=command, cwd=tmp_path, env=env) as running:
        check_every_peer(host_page(running.url), 2)


def test_uvx_runs_an_xdc_without_installing_as_the_readme_says(
    tmp_path: Path, host_page: Any
) -> None:
    # uv's entry scripts are shell scripts that call realpath and dirname: coreutils on PATH
    # (node is there too on this machine; the pipx test shows that nothing calls it).
    env = {**the_users(tmp_path), "PATH": "/usr/bin:/bin"}
    xdc = tmp_path / "app.xdc"
    with zipfile.ZipFile(xdc, "w") as archive:
        for path in sorted(ABSOLUTE.rglob("*")):
            archive.write(path, path.relative_to(ABSOLUTE).as_posix())
    uvx = [str(Path(sys.executable).parent / "uvx"), "--python", sys.executable]
    uvx += ["--from", str(release_wheel()), "webxdc-realtime"]
    with run("app.xdc", "--peers", "2", command=uvx, cwd=tmp_path, env=env) as running:
        check_every_peer(host_page(running.url), 2)


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
