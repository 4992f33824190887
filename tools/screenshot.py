"""Screenshots as a newcomer would see them (after `make build`).

Usage::

    python tools/screenshot.py [OUT.png]                        # the demo: two tabs, a cursor, chat
    python tools/screenshot.py selftest OUT.png [PROFILE]       # the self-test's report, two copies
    python tools/screenshot.py host OUT.png                     # `webxdc-realtime run`, 3 peers
    python tools/screenshot.py devtools OUT.png                 # its devtools: a partition, loss
    python tools/screenshot.py template OUT.png DIR             # the Vite template's dev server
    python tools/screenshot.py vite OUT.png DIR                 # the same, with our Vite plugin
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


def selftest(out: str, profile: str) -> None:
    with serve(ROOT / "build" / "site") as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1000, "height": 900})
        pages = []
        for name in ("Ada", "Ben"):
            page = context.new_page()
            page.goto(
                f"{url}/selftest/?profile={profile}#addr={name.lower()}@example.org&name={name}"
            )
            pages.append(page)
        for page in pages:
            page.wait_for_function("window.selftest?.phase === 'done'", timeout=120_000)
        jpeg = out.endswith((".jpg", ".jpeg"))
        # The summary and the first table; the rest of the page is below it.
        height = pages[0].evaluate("document.querySelectorAll('table')[1].offsetTop + 120")
        clip = {"x": 0, "y": 0, "width": 1000, "height": height}
        pages[0].screenshot(path=out, full_page=True, clip=clip, quality=80 if jpeg else None)
        browser.close()


def host(out: str) -> None:
    """`webxdc-realtime run tests/apps/pingboard --peers 3`, after a few notes and a ping."""
    from cli.conftest import PINGBOARD, HostPage, run

    with run(PINGBOARD, "--peers", "3") as command, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = HostPage(browser.new_context(viewport={"width": 1500, "height": 860}), command.url)
        page.wait_live(3)
        ada, ben, cleo = page.peers()
        for frame in (ada, ben, cleo):
            frame.wait_for_function("fixture.ready")
        ada.click("#add")
        time.sleep(0.3)
        cleo.click("#add")
        time.sleep(0.3)
        ben.click("#ping")
        time.sleep(1)
        page.page.screenshot(path=out)
        browser.close()


def devtools(out: str) -> None:
    """The host page's devtools: three peers, Cleo partitioned off, 20 % loss, traffic."""
    from cli.conftest import PINGBOARD, HostPage, run

    with run(PINGBOARD, "--peers", "3") as command, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = HostPage(browser.new_context(viewport={"width": 1500, "height": 1500}), command.url)
        page.wait_live(3)
        ada, ben, cleo = page.peers()
        for frame in (ada, ben, cleo):
            frame.wait_for_function("fixture.ready")
        page.page.click("#tools")
        net = "webxdcRealtime.network"
        ada.evaluate(f"{net}.set({{loss: 0.2, delay: 40, jitter: 30, seed: 7}})")
        ada.evaluate(
            f"{net}.partition(['ada@peers.localhost', 'ben@peers.localhost'], "
            "['cleo@peers.localhost'])"
        )
        time.sleep(0.5)
        ada.click("#add")
        for i in range(6):
            (ada if i % 2 else ben).evaluate(
                f"fixture.send(JSON.stringify({{move: {i}, x: {i * 7}}}))"
            )
            cleo.evaluate(f"fixture.send('cleo says {i}')")
            time.sleep(0.35)
        time.sleep(2.5)
        page.page.screenshot(path=out, full_page=True)
        browser.close()


def template(out: str, folder: str) -> None:
    """`webxdc-realtime run localhost:PORT` on the official Vite template's dev server (made in
    the empty folder DIR), 2 peers; after a realtime message each way and an edit."""
    from cli.conftest import HostPage, run
    from cli.vite_project import dev_server, free_port, make_project, write_greeting

    project = make_project(Path(folder))
    port = free_port()
    with (
        dev_server(project, port),
        run(f"localhost:{port}", "--peers", "2") as command,
        sync_playwright() as p,
    ):
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = HostPage(browser.new_context(viewport={"width": 1500, "height": 700}), command.url)
        page.wait_live(2)
        time.sleep(1)
        write_greeting(project, "hello, edited while running")
        time.sleep(3)
        page.wait_live(2)
        ada, ben = page.peers()
        for frame in (ada, ben):
            frame.wait_for_function("window.state")
        ada.evaluate("state.say('hi Ben')")
        ben.evaluate("state.say('hi Ada')")
        time.sleep(0.5)
        for frame in (ada, ben):
            frame.evaluate(
                "document.body.insertAdjacentHTML('beforeend', "
                "`<p>heard: ${state.heard.join(', ')}</p>`)"
            )
        time.sleep(0.5)
        page.page.screenshot(path=out)
        print("\n".join(command.lines))
        browser.close()


def vite(out: str, folder: str) -> None:
    """The official Vite template's project with our npm package (``make release``'s tarball)
    in the empty folder DIR: `vite` with our plugin, its host page with 3 peers, after a
    message and a note. Prints how long from starting `vite` to every peer live."""
    from cli.conftest import HostPage
    from npm.conftest import dev_server
    from npm.template import make_project

    project = make_project(Path(folder))
    started = time.monotonic()
    with dev_server(project, Path(folder) / "vite.log") as dev, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(
            viewport={"width": 1500, "height": 760}, ignore_https_errors=True
        )
        page = HostPage(context, f"{dev.origin}/_webxdc-realtime/?peers=3")
        page.wait_live(3)
        print(f"from starting vite to 3 peers live: {time.monotonic() - started:.1f} s")
        ada, ben, cleo = page.peers()
        ada.fill("#text", "hello from Ada")
        ada.click("#say")
        ben.fill("#text", "bring bread")
        ben.click("#note")
        cleo.fill("#text", "on my way")
        cleo.click("#say")
        time.sleep(1)
        page.page.screenshot(path=out)
        print(dev.log.read_text())
        browser.close()


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
    if sys.argv[1:2] == ["selftest"]:
        selftest(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "strict")
    elif sys.argv[1:2] == ["host"]:
        host(sys.argv[2])
    elif sys.argv[1:2] == ["devtools"]:
        devtools(sys.argv[2])
    elif sys.argv[1:2] == ["template"]:
        template(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["vite"]:
        vite(sys.argv[2], sys.argv[3])
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "build/demo.png")
