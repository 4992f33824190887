"""A relay safe across machines: TLS for pages (wss://) and terminal peers (tls://), with a
certificate made at test time (trustme); a client without the token refused; off loopback
without TLS the relay refuses to start, saying why."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from browser.conftest import Tab, wait_for
from conftest import no_nats_server_left
from webxdc_realtime.host.relay import Relay, RelayError

from .test_relay import COMMAND, INSTANCE, relayed

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A certificate authority of the test's own, and a certificate for this machine."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    files = {"ca": folder / "ca.pem", "cert": folder / "cert.pem", "key": folder / "key.pem"}
    ca.cert_pem.write_to_path(str(files["ca"]))
    cert.private_key_pem.write_to_path(str(files["key"]))
    with files["cert"].open("wb") as out:  # the chain: the certificate, then the authority's
        for blob in cert.cert_chain_pems:
            out.write(blob.bytes())
    return files


@pytest.fixture(scope="module")
def tls_relay(authority: dict[str, Path]) -> Iterator[Relay]:
    relay = Relay(token="s3cret", tls_cert=str(authority["cert"]), tls_key=str(authority["key"]))
    relay.start()
    try:
        yield relay
    finally:
        relay.stop()
        no_nats_server_left(relay)


def test_its_addresses_say_tls(tls_relay: Relay) -> None:
    assert tls_relay.ws_urls[0].startswith("wss://s3cret@127.0.0.1:")
    assert tls_relay.nats_urls[0].startswith("tls://s3cret@127.0.0.1:")


def test_a_page_and_a_terminal_peer_talk_over_tls(
    tls_relay: Relay, authority: dict[str, Path], chromium: Any, site: str
) -> None:
    ca = str(authority["ca"])
    url = tls_relay.nats_urls[0]
    peer = ["--chat", "tls", "--instance", INSTANCE]
    listener = subprocess.Popen(
        [str(COMMAND), "listen", "--relay", url, "--tls-ca", ca, *peer, "--name", "bot@tls"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    context = chromium.new_context(ignore_https_errors=True)  # trusts the test's authority
    try:
        assert listener.stdout is not None
        assert "listening to chat 'tls'" in listener.stdout.readline()
        tab = Tab(context.new_page())
        tab.page.goto(f"{site}/tests/browser/pages/{relayed(tls_relay, 'tls', addr='web@x')}")
        tab.wait_live()
        assert wait_for(lambda: tab.js("webxdcRealtime.relay.status") == "connected", 15)
        tab.js("T.join()")
        assert wait_for(lambda: "bot@tls" in tab.stats()["names"], timeout=15)
        tab.js("T.ch.send(new TextEncoder().encode('over wss'))")
        lines = [listener.stdout.readline() for _ in range(2)]  # web@x joined, then the data
        assert 'web@x  8 B  "over wss"' in lines[1], lines
        sent = subprocess.run(
            [str(COMMAND), "send", "--relay", url, "--tls-ca", ca, *peer, "over tls"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert wait_for(lambda: tab.js("T.texts()") == ["over tls"], timeout=15)
    finally:
        context.close()
        listener.terminate()
        listener.wait(15)


def test_a_client_without_the_token_is_refused(
    tls_relay: Relay, authority: dict[str, Path]
) -> None:
    url = tls_relay.nats_urls[0].replace("s3cret@", "")
    done = subprocess.run(
        [str(COMMAND), "send", "--relay", url, "--tls-ca", str(authority["ca"]), "hi"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert "authorization violation" in done.stderr.lower()
    assert "Traceback" not in done.stderr


def test_a_terminal_that_does_not_trust_the_certificate_is_told(tls_relay: Relay) -> None:
    done = subprocess.run(
        [str(COMMAND), "send", "--relay", tls_relay.nats_urls[0], "hi"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done
    assert "certificate verify failed" in done.stderr
    assert "--tls-ca" in done.stderr


def test_off_loopback_without_tls_it_refuses_to_start_unless_insecure() -> None:
    with pytest.raises(RelayError, match="without TLS would send the token and every frame"):
        Relay(host="0.0.0.0")
    insecure = Relay(host="0.0.0.0", insecure=True)
    assert insecure.token  # generated
    with pytest.raises(RelayError, match="both a certificate"):
        Relay(tls_cert="cert.pem")
    done = subprocess.run(
        [str(COMMAND), "relay", "--listen", "0.0.0.0"], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 2
    assert "--insecure to do it all the same" in done.stderr
