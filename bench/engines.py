"""Chromium and Firefox side by side: how long a page takes to go live, and what a tab costs.

For each engine (Debian's chromium and firefox-esr, headless): the browser's launch; a page
of ours from its script tag to live (`webxdcRealtime.timings`: Python restored from the
snapshot), cold (a new browser context) and warm (a reload); and the memory of its content
processes (all of them, PSS, after a GC where the engine offers one; Firefox starts some
ahead of need) with 1 and with 4 tabs of one origin in the channel: the cost of a tab is the
slope. Median of --reps. Prints a table, and writes it into bench/RESULTS.md; never fails
on time.

Usage: python bench/engines.py [--reps N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from run import pss_mib, write_section  # noqa: E402

from browser.conftest import serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS, FIREFOX  # noqa: E402

PAGE = "/tests/browser/pages/app.html?chat=engines"


def content_processes(engine: str) -> set[int]:
    """The engine's processes that hold pages: Chromium's renderers, Firefox's content."""
    marker = b"--type=renderer" if engine == "chromium" else b"-contentproc"
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes():
                    pids.add(int(entry.name))
            except OSError:
                continue
    return pids


def live_ms(page: object) -> float:
    page.wait_for_function("window.webxdcRealtime?.status === 'live'", timeout=120_000)  # type: ignore[attr-defined]
    return float(page.evaluate("webxdcRealtime.timings.init"))  # type: ignore[attr-defined]


def once(p: object, engine: str, url: str) -> dict[str, float]:
    started = time.monotonic()
    if engine == "chromium":
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)  # type: ignore[attr-defined]
    else:
        browser = p.firefox.launch(channel="moz-firefox", executable_path=FIREFOX, headless=True)  # type: ignore[attr-defined]
    launch = time.monotonic() - started
    try:
        context = browser.new_context()
        first = context.new_page()
        first.goto(url + PAGE + "#addr=t0@x&name=T0", wait_until="commit")
        cold = live_ms(first)
        first.reload(wait_until="commit")
        warm = live_ms(first)
        first.evaluate("T.join()")

        def memory() -> float:
            time.sleep(1.5)
            for page in context.pages:
                page.evaluate("window.gc && gc()")
            time.sleep(0.5)
            return sum(pss_mib(pid) for pid in content_processes(engine))

        one = memory()
        for i in range(1, 4):
            page = context.new_page()
            page.goto(url + PAGE + f"#addr=t{i}@x&name=T{i}", wait_until="commit")
            live_ms(page)
            page.evaluate("T.join()")
        four = memory()
        context.close()
    finally:
        browser.close()
    return {"launch": launch * 1000, "cold": cold, "warm": warm, "one": one, "four": four}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    rows = {}
    with serve(ROOT) as url, sync_playwright() as p:
        for engine in ("chromium", "firefox"):
            runs = [once(p, engine, url) for _ in range(args.reps)]
            rows[engine] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            print(engine, {k: round(v, 1) for k, v in rows[engine].items()}, flush=True)
    lines = [
        f"Chromium and Firefox, median of {args.reps} ({time.strftime('%Y-%m-%d')}).",
        "",
        "| engine | launch, ms | page to live, cold, ms | warm (reload), ms "
        "| content processes, 1 tab, MiB | 4 tabs, MiB | per tab, MiB |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {engine} | {r['launch']:.0f} | {r['cold']:.0f} | {r['warm']:.0f} | "
            f"{r['one']:.0f} | {r['four']:.0f} | {(r['four'] - r['one']) / 3:.1f} |"
            for engine, r in rows.items()
        ),
    ]
    markdown = "\n".join(lines)
    print()
    print(markdown)
    write_section(markdown, "engines")


if __name__ == "__main__":
    main()
