"""The demo's chat under a partition (the README shows this file as it is): run it from the
project's root, `pytest tests/plugin/test_demo.py`, or copy it beside your app, change APP."""

APP = "demo"  # your app: a folder with an index.html, or an .xdc


def chat(peer):
    """The chat lines this peer's page shows."""
    return peer.evaluate(
        "Array.from(document.querySelectorAll('#chat li span'), (s) => s.textContent)"
    )


def say(peer, text):
    peer.frame.fill("#chat-input", text)
    peer.frame.press("#chat-input", "Enter")


def test_a_partitioned_peer_misses_the_chat_and_hears_it_again_once_healed(webxdc_app):
    app = webxdc_app(APP, peers=3)  # serves the app, opens its host page, waits until all are live
    ada, ben, cleo = app.peers

    app.network.partition([ada, ben], [cleo])  # reaches every peer before it returns
    say(ada, "Cleo cannot hear this")
    ben.wait_for("document.querySelectorAll('#chat li').length >= 1")
    assert chat(ben) == ["Cleo cannot hear this"]
    assert chat(cleo) == []  # the chat is ephemeral: Cleo never gets it

    app.network.heal()
    say(ada, "now everyone")
    cleo.wait_for("document.querySelectorAll('#chat li').length >= 1")
    assert chat(cleo) == ["now everyone"]
