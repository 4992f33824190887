"""What the host page's trace costs: two peers of one host page, tracing on against off.

The peers are two frames of the host page of `webxdc-realtime run` (one shared runtime),
running bench/harness.js as their app. Each figure is the median of --reps runs, in one
browser, in this order per repetition: raw BroadcastChannel between the two frames (the
baseline), ours with the trace off (`?trace=off`), ours with it on (the default). Then the
size of the trace of that session. Prints a table (ratios on/off, and each against raw)
and writes it into bench/RESULTS.md; never fails on time.

Usage: python bench/trace.py [--reps N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from run import write_section  # noqa: E402

from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from webxdc_realtime.host.app import load_app  # noqa: E402
from webxdc_realtime.host.server import Files, Host, ServerThread, find_runtime  # noqa: E402

SIZES = {"16 B": 16, "1 KB": 1024, "128000 B": 128_000}
BURST = {16: 5000, 1024: 5000, 128_000: 200}
PINGS = 500
MODES = ("raw", "off", "on")

APP = """<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="/webxdc.js"></script><script src="harness.js"></script>"""


def peers_of(page: Any) -> list[Any]:
    """The two peers' frames, once both are live."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = page.evaluate("host.peers.map((p) => p.status)")
        if status == ["live", "live"]:
            break
        time.sleep(0.05)
    else:
        raise TimeoutError(f"peers not live: {status}")
    return [
        page.locator(f'section[data-addr="{addr}"] iframe').element_handle().content_frame()
        for addr in page.evaluate("host.peers.map((p) => p.addr)")
    ]


def measure(a: Any, b: Any, size: int) -> tuple[float, float]:
    """One-way latency (ms, the mean of PINGS round trips halved: the host page is not
    cross-origin isolated, so its clock ticks in 0.1 ms, too coarse for a median) and
    burst throughput (msg/s) from a to b."""
    b.evaluate("Bench.echo()")
    a.evaluate(f"Bench.ping({size}, 100)")
    samples: list[float] = a.evaluate(f"Bench.ping({size}, {PINGS})")
    count = BURST[size]
    b.evaluate(f"Bench.receive({count})")
    start = a.evaluate(f"Bench.blast({size}, {count})")
    deadline = time.monotonic() + 120
    while not (result := b.evaluate("Bench.result()"))["end"]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"burst of {count} x {size} B: {result['count']} arrived")
        time.sleep(0.02)
    return statistics.fmean(samples), count / ((result["end"] - start) / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-results", action="store_true", help="leave bench/RESULTS.md alone")
    parser.add_argument("--sizes", default=",".join(SIZES), help="of those: " + ", ".join(SIZES))
    args = parser.parse_args()
    sizes = {label: SIZES[label] for label in args.sizes.split(",")}
    folder = Path(tempfile.mkdtemp(prefix="bench-trace-"))
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        label: {mode: [] for mode in MODES} for label in sizes
    }
    sizes_kb: list[float] = []
    try:
        (folder / "index.html").write_text(APP)
        shutil.copy(ROOT / "bench" / "harness.js", folder / "harness.js")
        (folder / "manifest.toml").write_text('name = "bench"\n')
        server = ServerThread(Host(Files(load_app(folder)), find_runtime(None), peers=2))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for rep in range(args.reps):
                # Off and on take turns going first: neither always follows the other.
                for mode in ("raw", *(("off", "on") if rep % 2 == 0 else ("on", "off"))):
                    context = browser.new_context()
                    page = context.new_page()
                    page.goto(server.url + "?peers=2" + ("" if mode == "on" else "&trace=off"))
                    a, b = peers_of(page)
                    for frame in (a, b):
                        frame.evaluate(f"Bench.setup('{'raw' if mode == 'raw' else 'ours'}')")
                    for label, size in sizes.items():
                        results[label][mode].append(measure(a, b, size))
                    if mode == "on":
                        size = page.evaluate("host.traceFile().then((b) => b.size)")
                        events = page.evaluate("host.trace.kept().length")
                        sizes_kb.append(size / 1000)
                        print(f"  trace: {events} events, {size / 1000:.0f} kB", flush=True)
                    context.close()
                print(f"repetition {rep + 1} of {args.reps} done", flush=True)
            browser.close()
        server.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    markdown = table(results, sizes_kb, args.reps)
    print()
    print(markdown)
    if not args.no_results:
        write_section(markdown, "trace")


def table(
    results: dict[str, dict[str, list[tuple[float, float]]]], sizes_kb: list[float], reps: int
) -> str:
    """The Markdown table of medians and ratios."""
    rows = [
        f"Two peers of one host page (`webxdc-realtime run`), Chromium; median of {reps} runs; "
        "`python bench/trace.py`.",
        "",
        "| size | latency, raw / off / on (ms) | on / off | burst, raw / off / on (msg/s) "
        "| on / off | on / raw |",
        "|---|---|---|---|---|---|",
    ]
    for label, modes in results.items():
        p50 = {m: statistics.median(r[0] for r in runs) for m, runs in modes.items()}
        burst = {m: statistics.median(r[1] for r in runs) for m, runs in modes.items()}
        rows.append(
            f"| {label} | {p50['raw']:.3f} / {p50['off']:.3f} / {p50['on']:.3f} "
            f"| {p50['on'] / p50['off']:.2f}x "
            f"| {burst['raw']:.0f} / {burst['off']:.0f} / {burst['on']:.0f} "
            f"| {burst['on'] / burst['off']:.2f}x | {burst['on'] / burst['raw']:.2f}x |"
        )
    if sizes_kb:
        rows += ["", f"The trace of one such session: {statistics.median(sizes_kb):.0f} kB (gzip)."]
    return "\n".join(rows)


if __name__ == "__main__":
    main()
