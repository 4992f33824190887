"""Screenshot the demo as a newcomer would see it: two tabs, one cursor moved, one chat line.

Usage: python tools/screenshot.py OUT.png   (after `make build`)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser.conftest import serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402


def main(out: str) -> None:
    with serve(ROOT / "build" / "site") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        ada = context.new_page()
        ada.goto(url + "/#addr=ada@example.org&name=Ada")
        ben = context.new_page()
        ben.goto(url + "/#addr=ben@example.org&name=Ben")
        for page in (ada, ben):
            page.evaluate("webxdcRealtime.ready")
        time.sleep(3)  # let the example exchange a few messages
        box = ben.locator("#board").bounding_box()
        assert box is not None
        for i in range(12):
            ben.mouse.move(box["x"] + 200 + 25 * i, box["y"] + 80 + 9 * i)
            time.sleep(0.03)
        ben.fill("#chat-input", "Hi Ada, I can see your tab from mine!")
        ben.press("#chat-input", "Enter")
        ada.fill("#chat-input", "Hello Ben, the cursor works too.")
        ada.press("#chat-input", "Enter")
        time.sleep(1.5)
        ada.screenshot(path=out, full_page=True)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/demo.png")
