"""Where the one-way latency goes: each leg of a round trip, in the page and between pages.

Two tabs ping-pong 16 B messages (as `make bench` does). An init script wraps every
page's BroadcastChannel (postMessage, onmessage) to stamp when a message is posted, when
the other page's handler starts and when it ends, so each round trip splits into: the
transit each way (post to the other's handler), the echoing page's work (its handler
start to its post), and the pinging page's work (its handler, then its next send).

Four transports, two tabs each:
  raw       the browser's BroadcastChannel
  raw+call  the same in a bare Pyodide page, plus a call into a trivial Python function
            on every send and every receive (the cost of crossing, cold)
  raw+work  the same, the function running ~150 bytecodes (as our receive and send do)
  raw+str   the same as raw+call, the function returning a 36-char latin-1 str (a header)
  ours      window.webxdc.joinRealtimeChannel()
Then, in one page, the hot cost of our core's send and receive (Endpoint.accept, the
glue's path for a frame alone) in a loop of 20000.

Usage: python bench/profile_latency.py [PINGS]
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser.conftest import ISOLATED, serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

STAMPS = """
(() => {
  const now = () => performance.timeOrigin + performance.now();
  window.stamps = { post: [], recv: [], done: [] };
  const post = BroadcastChannel.prototype.postMessage;
  BroadcastChannel.prototype.postMessage = function (message) {
    window.stamps.post.push(now());
    return post.call(this, message);
  };
  const handler = Object.getOwnPropertyDescriptor(BroadcastChannel.prototype, "onmessage");
  Object.defineProperty(BroadcastChannel.prototype, "onmessage", {
    get() {
      return handler.get.call(this);
    },
    set(fn) {
      const stamped = (event) => {
        window.stamps.recv.push(now());
        try {
          return fn(event);
        } finally {
          window.stamps.done.push(now());
        }
      };
      handler.set.call(this, fn && stamped);
    },
  });
})();
"""

# raw BroadcastChannel in a bare Pyodide page, with a Python call per send and receive.
CALLING = """async (work) => {
  while (!window.pyodide) await new Promise((resolve) => setTimeout(resolve, 20));
  const loop = work === "work" ? "for i in range(20): x += i & 3" : "pass";
  const back = work === "str" ? "h" : "True";
  const source = `def call(h, n):\n    x = 0\n    ${loop}\n    return ${back}\ncall`;
  const call = pyodide.runPython(source);
  await Bench.setup("raw");
  const { send, listen } = Bench.transport;
  const header = String.fromCharCode(...Array.from({ length: 36 }, (_, i) => (i * 97) % 256));
  Bench.transport = {
    send: (data) => (call(header, data.length), send(data)),
    listen: (fn) => listen((data) => (call(header, data.length), fn(data))),
  };
  return true;
}"""

HOT = """
import time
from webxdc_realtime import Scope
from webxdc_realtime.core.channel import Endpoint

a, b = Endpoint(Scope("c", "i"), "strict"), Endpoint(Scope("c", "i"), "strict")
sender, receiver = a.join(), b.join()
receiver.set_listener("function")
headers = [sender.send("[object Uint8Array]", 16, True) for _ in range(20001)]
assert b.accept(headers[0], 16)
start = time.perf_counter()
for header in headers[1:]:
    b.accept(header, 16)
receive = (time.perf_counter() - start) / 20000
start = time.perf_counter()
for _ in range(20000):
    sender.send("[object Uint8Array]", 16, True)
send = (time.perf_counter() - start) / 20000
f"send {send * 1e6:.2f} us, receive {receive * 1e6:.2f} us"
"""

LEGS = (
    ("transit, pinging -> echoing page", "post", "a", "recv", "b", 0),
    ("echoing page: its handler to its send", "recv", "b", "post", "b", 0),
    ("transit, echoing -> pinging page", "post", "b", "recv", "a", 0),
    ("pinging page: its handler", "recv", "a", "done", "a", 0),
    ("pinging page: handler end to next send", "done", "a", "post", "a", 1),
)


def legs(a: dict[str, list[float]], b: dict[str, list[float]]) -> dict[str, float]:
    pages = {"a": a, "b": b}
    n = min(len(a["post"]), len(a["recv"]), len(b["post"]), len(b["recv"])) - 1
    return {
        name: statistics.median(
            pages[to_page][to][i + shift] - pages[from_page][frm][i] for i in range(n)
        )
        * 1000
        for name, frm, from_page, to, to_page, shift in LEGS
    }


def run(browser: Any, url: str, transport: str, pings: int) -> tuple[float, dict[str, float]]:
    ctx = browser.new_context()
    ctx.add_init_script(STAMPS)
    try:
        pages = [ctx.new_page() for _ in range(2)]
        for page in pages:
            if transport.startswith("raw+"):
                page.goto(f"{url}/bench/bare.html")
                page.add_script_tag(url=f"{url}/bench/harness.js")
                page.evaluate(CALLING, transport[4:])
            else:
                page.goto(f"{url}/bench/{transport}.html")
                page.evaluate(f"Bench.setup('{transport}')")
        a, b = pages
        b.evaluate("Bench.echo()")
        a.evaluate("Bench.ping(16, 50)")  # warm-up
        for page in pages:
            page.evaluate("() => { for (const k in stamps) stamps[k].length = 0; }")
        samples = a.evaluate(f"Bench.ping(16, {pings})")
        return statistics.median(samples) * 1000, legs(a.evaluate("stamps"), b.evaluate("stamps"))
    finally:
        ctx.close()


def main(pings: int) -> None:
    transports = ("raw", "raw+call", "raw+work", "raw+str", "ours")
    with serve(ROOT, ISOLATED) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        print(f"{pings} round trips of 16 B; medians in microseconds (timer steps of 5 us)")
        results = {t: run(browser, url, t, pings) for t in transports}
        print(f"{'':42}" + "".join(f"{t:>10}" for t in transports))
        print(
            f"{'one-way (round trip / 2)':42}"
            + "".join(f"{results[t][0]:10.0f}" for t in transports)
        )
        for name, *_ in LEGS:
            print(f"{name:42}" + "".join(f"{results[t][1][name]:10.0f}" for t in transports))
        page = browser.new_page()
        page.goto(f"{url}/bench/bare.html")
        page.wait_for_function("window.pyodide")
        wheel = next((ROOT / "dist").glob("webxdc_realtime-*.whl")).name
        page.evaluate(f"pyodide.loadPackage('/dist/{wheel}')")
        print(
            f"hot, in a loop, our core alone: {page.evaluate('(c) => pyodide.runPython(c)', HOT)}"
        )
        browser.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
