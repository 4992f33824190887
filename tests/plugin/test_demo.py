"""The README's example of the pytest plugin, on the demo app: run as written there."""

from __future__ import annotations

import json
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "demo"


def chat_lines(peer):  # the demo's chat, as that peer's page shows it
    return peer.evaluate(
        "Array.from(document.querySelectorAll('#chat li span'), (s) => s.textContent)"
    )


def say(peer, text):
    peer.frame.fill("#chat-input", text)
    peer.frame.press("#chat-input", "Enter")


def test_a_partitioned_peer_misses_the_chat_and_hears_it_again_once_healed(webxdc_app):
    app = webxdc_app(DEMO, peers=3)
    ada, ben, cleo = app.peers

    app.network.partition([ada, ben], [cleo])
    say(ada, "Cleo cannot hear this")
    ben.wait_for("document.querySelectorAll('#chat li').length >= 1")
    assert chat_lines(ben) == ["Cleo cannot hear this"]
    assert chat_lines(cleo) == []  # the demo's chat is ephemeral: Cleo never gets it

    app.network.heal()
    say(ada, "now everyone")
    cleo.wait_for("document.querySelectorAll('#chat li').length >= 1")
    assert chat_lines(cleo) == ["now everyone"]
    assert json.loads(json.dumps(app.network.state))["partitions"] == []
