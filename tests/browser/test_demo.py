"""The demo as `make demo` serves it (build/site): two tabs talk, and it runs the spec's
example verbatim."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import ROOT, Tab, serve, wait_for

pytestmark = pytest.mark.browser

SITE = ROOT / "build" / "site"


SPEC = ROOT.parent / "shared" / "SPEC.md"
# The spec's example as the demo (and the tests' example page) runs it: one file, so that a
# clone anywhere can check it against the spec.
EXAMPLE = ROOT / "demo" / "example.js"


def copied_example() -> str:
    return EXAMPLE.read_text().strip()


def spec_example(spec: str) -> str:
    """The spec's longest js block that starts with the join: its whole example."""
    blocks = spec.split("```js\n")[1:]
    examples = [b.split("```", 1)[0].strip() for b in blocks if b.startswith("const realtime")]
    return max(examples, key=len)


def test_demo_and_example_page_run_the_spec_example_verbatim() -> None:
    example = copied_example()
    assert example.startswith("const realtimeChannel = window.webxdc.joinRealtimeChannel();")
    assert "hello from ${myId}" in example
    assert '<script src="example.js"></script>' in (ROOT / "demo" / "index.html").read_text()
    page = (ROOT / "tests" / "browser" / "pages" / "example.html").read_text()
    assert '<script src="/demo/example.js"></script>' in page


@pytest.mark.skipif(
    not SPEC.exists(), reason="SPEC.md is not beside this clone (../shared/): nothing to compare"
)
def test_the_copy_of_the_example_is_the_spec_s() -> None:
    assert copied_example() == spec_example(SPEC.read_text())


@pytest.fixture
def demo_tabs(browser: Any) -> Iterator[tuple[Tab, Tab]]:
    assert (SITE / "index.html").exists(), "run `make build`"
    with serve(SITE) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            ada, ben = Tab(context.new_page()), Tab(context.new_page())
            ada.page.goto(url + "/#addr=ada@example.org&name=Ada")
            ben.page.goto(url + "/#addr=ben@example.org&name=Ben")
            ada.wait_live()
            ben.wait_live()
            yield ada, ben
        finally:
            context.close()


def test_two_demo_tabs_exchange_messages_chat_and_cursors(demo_tabs: tuple[Tab, Tab]) -> None:
    ada, ben = demo_tabs
    # The example's messages, in the visible log.
    assert wait_for(lambda: "hello from ben@example.org" in ada.js("log.textContent"), timeout=20)
    assert wait_for(lambda: "hello from ada@example.org" in ben.js("log.textContent"), timeout=20)
    decoded_in_ada = ada.js(
        "[...log.children].map((l) => l.textContent).filter((t) => t.includes('Decoded')).join()"
    )
    assert "hello from ada@example.org" not in decoded_in_ada
    # The example's source, shown as it runs.
    source = "document.getElementById('example-source').textContent"
    assert wait_for(lambda: ada.js(source)) == copied_example()
    # Chat.
    ben.page.fill("#chat-input", "hi from Ben")
    ben.page.press("#chat-input", "Enter")
    assert wait_for(lambda: "hi from Ben" in ada.js("document.getElementById('chat').textContent"))
    # A cursor.
    box = ben.page.locator("#board").bounding_box()
    assert box is not None
    ben.page.mouse.move(box["x"] + 50, box["y"] + 50)
    ben.page.mouse.move(box["x"] + 120, box["y"] + 90)
    assert wait_for(lambda: ada.js("document.querySelectorAll('#board .cursor').length") == 1)
    assert ada.js("document.querySelector('#board .cursor span').textContent") == "Ben"
    # Status line.
    assert ada.js("document.getElementById('state').textContent").startswith("live in ")
    assert wait_for(lambda: ada.js("document.getElementById('peers').textContent") == "1")
