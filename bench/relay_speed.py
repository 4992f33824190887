"""The relay's speed: ours over the relay beside the NATS client alone, same server, same run.

Two browser contexts of one headless Chromium (two "devices": no BroadcastChannel between
them), each with a page of the NATS project's client alone (`@nats-io/nats-core`, as
dist/relay.mjs bundles it) and a page of ours with ``?relay=``, on one ``nats-server``
(`webxdc-realtime relay`, loopback). The same loops (bench/harness.js): one-way latency
(round trips halved, 1000 after 200 to warm up) and burst throughput (a burst sent in one
task). Each repetition measures both, in turns.

Driven over ``--remote-debugging-pipe`` with a few lines of CDP (bench/cdp.py), not
Playwright: Playwright turns on CDP's Network domain, which copies every WebSocket frame
to its driver, and a measure under it measures that copy too.

Usage: python bench/relay_speed.py [--reps N] [--sizes 16 B,1 KB] [--no-results]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from cdp import Browser, Page  # noqa: E402
from run import BURST, SIZES, write_section  # noqa: E402

from browser.conftest import ISOLATED, serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from webxdc_realtime.host.relay import Relay  # noqa: E402

PINGS = 1000
KINDS = ("nats", "ours")


def latency(a: Page, b: Page, size: int) -> float:
    """One-way latency p50, ms."""
    b.evaluate("Bench.echo()")
    a.evaluate(f"Bench.ping({size}, 200)")
    samples: list[float] = a.evaluate(f"Bench.ping({size}, {PINGS})")
    return statistics.median(samples)


def burst(a: Page, b: Page, size: int) -> float:
    """Burst throughput, messages per second, with every message there and in order."""
    count = BURST[size]
    b.evaluate(f"Bench.receive({count})")
    start = a.evaluate(f"Bench.blast({size}, {count})")
    result = b.wait("Bench.result().end && Bench.result()", timeout=300)
    if not (result["count"] == count and result["ordered"]):
        raise RuntimeError(
            f"{count} x {size} B: {result['count']} came, ordered {result['ordered']}"
        )
    return float(count / ((result["end"] - start) / 1000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sizes", default=",".join(SIZES), help="of: " + ", ".join(SIZES))
    parser.add_argument("--no-results", action="store_true", help="leave bench/RESULTS.md alone")
    args = parser.parse_args()
    sizes = {label: SIZES[label] for label in args.sizes.split(",")}
    figures: dict[str, dict[str, dict[str, list[float]]]] = {
        label: {kind: {"p50": [], "burst": []} for kind in KINDS} for label in sizes
    }
    flags = [*CHROMIUM_FLAGS]
    with serve(ROOT, ISOLATED) as url, Relay() as relay:
        browser = Browser(CHROMIUM, flags)
        try:
            relayed = quote(relay.ws_urls[0])
            with browser.context() as first, browser.context() as second:
                pages: dict[str, list[Page]] = {kind: [] for kind in KINDS}
                for context in (first, second):
                    for kind, html in (("nats", "raw"), ("ours", "ours")):
                        page = context.page(f"{url}/bench/{html}.html?relay={relayed}")
                        page.evaluate(f"Bench.setup('{kind}')")
                        pages[kind].append(page)
                for page in pages["ours"]:
                    page.wait("webxdcRealtime.relay.status === 'connected'")
                pages["ours"][0].wait("webxdcRealtime.stats().peers === 1")
                for rep in range(args.reps):
                    for label, size in sizes.items():
                        order = KINDS if rep % 2 == 0 else KINDS[::-1]
                        for kind in order:
                            a, b = pages[kind]
                            figures[label][kind]["p50"].append(latency(a, b, size))
                            figures[label][kind]["burst"].append(burst(a, b, size))
                        print(f"  {label:>8}: {line(figures[label])}", flush=True)
                    print(f"repetition {rep + 1} of {args.reps} done", flush=True)
                for page in pages["ours"]:  # what the page's link did: nothing dropped
                    dropped = page.evaluate("webxdcRealtime.relay.dropped")
                    if dropped:
                        raise RuntimeError(f"our page dropped {dropped} frames")
        finally:
            browser.close()
    markdown = table(figures, args.reps)
    print()
    print(markdown)
    if not args.no_results:
        write_section(markdown, "relay")


def line(kinds: dict[str, dict[str, list[float]]]) -> str:
    last = {kind: {k: v[-1] for k, v in f.items()} for kind, f in kinds.items()}
    return (
        f"latency p50 nats {last['nats']['p50']:.3f} ms, ours {last['ours']['p50']:.3f} ms; "
        f"burst nats {last['nats']['burst']:.0f}, ours {last['ours']['burst']:.0f} msg/s"
    )


def table(figures: dict[str, Any], reps: int) -> str:
    """The Markdown table: medians, and ours against the NATS client alone."""
    rows = [
        "Two browser contexts of one headless Chromium, one `nats-server` on loopback "
        "(`webxdc-realtime relay`); the NATS client alone (`@nats-io/nats-core`) beside ours "
        f"with `?relay=`, in turns; median of {reps} runs. Driven over "
        "`--remote-debugging-pipe` with `Target` and `Runtime.evaluate` only (no Network "
        "domain: no copy of each WebSocket frame to the driver). `python bench/relay_speed.py`.",
        "",
        "| size | latency p50, NATS alone / ours (ms) | ours / NATS (goal <= 1.2) "
        "| burst, NATS alone / ours (msg/s) | ours / NATS (goal >= 1.0; 2.0 at 16 B) "
        "| burst, ours (MB/s) |",
        "|---|---|---|---|---|---|",
    ]
    for label, kinds in figures.items():
        p50 = {k: statistics.median(f["p50"]) for k, f in kinds.items()}
        msgs = {k: statistics.median(f["burst"]) for k, f in kinds.items()}
        rows.append(
            f"| {label} | {p50['nats']:.3f} / {p50['ours']:.3f} | {p50['ours'] / p50['nats']:.2f}x "
            f"| {msgs['nats']:.0f} / {msgs['ours']:.0f} | {msgs['ours'] / msgs['nats']:.2f}x "
            f"| {msgs['ours'] * SIZES[label] / 1e6:.1f} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    main()
