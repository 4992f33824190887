"""`webxdc-realtime run`: how long from the command to all peers live, and what a peer costs.

Runs the command on tests/apps/pingboard (or --app: a folder, an .xdc, a dev server's URL)
with 1 to 12 peers, opens its host page in a new (cold) browser context, and waits for the
command to print "peers: all N live". Memory is
the PSS of every renderer process the page made, at steady state; the cost of a peer is
the slope of that over N (least squares). Median of --reps runs. Prints a table, and for
the default app writes it into bench/RESULTS.md; never fails on time.

Usage: python bench/host.py [--reps N] [--peers 1,2,3,4] [--app APP]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from run import pss_mib, renderers, write_section  # noqa: E402

from cli.conftest import COMMAND, PINGBOARD, Run  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402


def once(browser: object, peers: int, app: str) -> tuple[float, float, float]:
    """Seconds from the command to all live, as the page says it, and renderer PSS MiB."""
    started = time.monotonic()
    process = subprocess.Popen(
        [str(COMMAND), "run", app, "--port", "0", "--peers", str(peers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
    )
    command = Run(process)
    try:
        before = renderers()
        context = browser.new_context()  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(command.url)
        deadline = time.monotonic() + 180
        while not command.said(f"peers: all {peers} live") and time.monotonic() < deadline:
            time.sleep(0.02)
        live = time.monotonic() - started
        (line,) = command.said(f"peers: all {peers} live")
        page_says = float(line.split(", ")[1].split(" s ")[0])
        for _ in range(2):  # steady state: let garbage (the decompressed snapshots) go
            time.sleep(1.5)
            page.evaluate("window.gc && gc()")
            for frame in page.frames[1:]:
                frame.evaluate("window.gc && gc()")
        time.sleep(0.5)
        memory = sum(pss_mib(pid) for pid in renderers() - before)
        context.close()
        return live, page_says, memory
    finally:
        command.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--peers", default="1,2,4,8,12")
    parser.add_argument(
        "--app",
        default=str(PINGBOARD),
        help="a folder, an .xdc or a running dev server's URL (default: tests/apps/pingboard)",
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.peers.split(",")]
    rows = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for peers in counts:
            runs = [once(browser, peers, args.app) for _ in range(args.reps)]
            rows.append([peers, *(statistics.median(r[i] for r in runs) for i in range(3))])
            print(f"{peers} peers: {rows[-1][1]:.2f} s, {rows[-1][3]:.1f} MiB", flush=True)
        browser.close()
    shown = os.path.relpath(args.app, ROOT) if Path(args.app).exists() else args.app
    lines = [
        f"Run of {time.strftime('%Y-%m-%d')}, `webxdc-realtime run` on {shown}, median of "
        f"{args.reps} (cold context).",
        "",
        "| peers | command to all live, s | page open to all live, s | renderers' PSS, MiB |",
        "|---|---|---|---|",
        *(f"| {p} | {live:.2f} | {page:.2f} | {memory:.1f} |" for p, live, page, memory in rows),
    ]
    if len(rows) > 1:
        xs = [r[0] for r in rows]
        slope = statistics.linear_regression(xs, [r[3] for r in rows]).slope
        lines += ["", f"Memory per peer (the slope over {xs[0]}-{xs[-1]} peers): {slope:.1f} MiB."]
    markdown = "\n".join(lines)
    print()
    print(markdown)
    if args.app == str(PINGBOARD):
        write_section(markdown, "host")


if __name__ == "__main__":
    main()
