"""Every way of stopping is clean: `relay`, `run` and `listen` stop on SIGINT, SIGTERM and
SIGHUP, leaving no process, port or temporary folder; a relay's servers do not outlive it
even when it is killed with SIGKILL. (`run` alone: test_command.py.)"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from webxdc_realtime.host.relay import Relay

from .conftest import COMMAND

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


class Command:
    """A command of ours in a session of its own, with what it printed."""

    def __init__(self, args: list[str], tmp: Path, ready: str) -> None:
        self.tmp = tmp / "tmp"
        self.tmp.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            [str(COMMAND), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            env={**os.environ, "TMPDIR": str(self.tmp)},
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 30
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            if ready in line:
                return
        raise AssertionError(f"not ready: {self.lines}")

    def stop(self, signum: int, timeout: float = 15) -> int:
        self.process.send_signal(signum)
        code = self.process.wait(timeout)
        assert self.process.stdout is not None
        self.lines += self.process.stdout.read().splitlines()
        return code


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone but for its parent's reading it.
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "State:\tZ" not in status.read_text()


def refused(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def relay_command(tmp_path: Path) -> tuple[Command, list[int], list[int]]:
    command = Command(["relay", "--port", "0", "--nats-port", "0"], tmp_path, "Ctrl-C stops")
    text = "\n".join(command.lines)
    pids = [int(p) for p in re.findall(r"pid (\d+)", text)]
    ports = [int(p) for p in re.findall(r"127\.0\.0\.1:(\d+)", text)]
    assert pids and ports, text
    return command, pids, ports


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_the_relay_stops_on_each_signal_with_its_servers(tmp_path: Path, signum: int) -> None:
    command, pids, ports = relay_command(tmp_path)
    assert list(command.tmp.iterdir()) == []  # its configs went once the servers read them
    assert command.stop(signum) == 0
    assert command.lines[-1] == "webxdc-realtime: relay stopped"
    assert not any(pid_alive(pid) for pid in pids)
    assert all(refused(port) for port in set(ports))
    assert list(command.tmp.iterdir()) == []


def test_a_relay_killed_with_sigkill_takes_its_servers_along(tmp_path: Path) -> None:
    command, pids, ports = relay_command(tmp_path)
    command.process.kill()
    command.process.wait(10)
    deadline = time.monotonic() + 10
    while any(pid_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(pid_alive(pid) for pid in pids), "a nats-server outlived its relay"
    assert all(refused(port) for port in set(ports))
    assert list(command.tmp.iterdir()) == []


def test_the_relay_says_when_a_server_stops(tmp_path: Path) -> None:
    command, pids, _ = relay_command(tmp_path)
    os.kill(pids[0], signal.SIGKILL)
    assert command.process.stdout is not None
    line = command.process.stdout.readline()
    assert line.strip() == "webxdc-realtime: server 1 stopped (exit -9)"
    assert command.stop(signal.SIGTERM) == 0


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_listen_stops_on_each_signal(tmp_path: Path, relay: Relay, signum: int) -> None:
    command = Command(
        ["listen", "--relay", relay.nats_urls[0], "--chat", "stopping"], tmp_path, "listening"
    )
    assert command.stop(signum) == 0
    assert command.lines[-1] == "webxdc-realtime: stopped listening"
    assert list(command.tmp.iterdir()) == []
