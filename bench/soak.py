"""Under load: N tabs, each sending R frames a second of mixed sizes, for S seconds.

Every tab is a peer of one chat on a perfect link, in one headless Chromium. Each
payload carries its sender and sequence number, and each receiver checks, per sender,
that every frame arrives once, in order and intact. Prints progress every 5 s (frames
sent and received, the renderers' memory after a full GC, CPU), then per-sender figures: sent,
received, lost, duplicated, out of order; the memory's slope over the run; and CPU.
If the machine cannot keep up the rate, says what rate it reached. Ctrl-C stops it and
reports what it saw so far. Exit status 1 if anything was lost, duplicated, reordered
or corrupted.

Usage: python bench/soak.py [--tabs 8] [--rate 1000] [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from run import pss_mib, renderers  # noqa: E402

from browser.conftest import ISOLATED, serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU time of these processes so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICK
    return total


def chromium_pids() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                exe = (entry / "cmdline").read_bytes().split(b"\0", 1)[0]
            except OSError:
                continue
            if exe.endswith(b"chromium") or b"chromium/chrom" in exe:
                pids.add(int(entry.name))
    return pids


def collect(pages: list[Any]) -> None:
    """A full garbage collection in every tab (Chromium runs with --expose-gc), twice."""
    for _ in range(2):
        for page in pages:
            page.evaluate("window.gc && gc()")
        time.sleep(0.2)


def heaps(pages: list[Any]) -> tuple[float, float]:
    """Python's wasm memory and the JS heap in use, MiB, summed over the tabs."""
    sizes = [page.evaluate("webxdcRealtime.memory()") for page in pages]
    return (
        sum(size["wasm"] or 0 for size in sizes) / 2**20,
        sum(size["js"] or 0 for size in sizes) / 2**20,
    )


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (t, y)."""
    n = len(points)
    if n < 2:
        return 0.0
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    den = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / den if den else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tabs", type=int, default=8)
    parser.add_argument("--rate", type=int, default=1000, help="frames a second, per tab")
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    if not (ROOT / "dist" / "webxdc.js").exists():
        sys.exit("dist/webxdc.js is missing: run `make build`")
    n, rate, seconds = args.tabs, args.rate, args.seconds
    print(f"soak: {n} tabs, each {rate} frames/s of mixed sizes, {seconds} s (Ctrl-C stops)")
    pages: list[Any] = []
    memory: list[tuple[float, float]] = []
    own: list[tuple[float, float]] = []  # our heaps: Python's wasm memory, JS heap (MiB)
    stopped = False
    with serve(ROOT, ISOLATED) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            ctx = browser.new_context()
            before = renderers()
            for _ in range(n):
                page = ctx.new_page()
                page.goto(f"{url}/bench/soak.html")
                pages.append(page)
            for index, page in enumerate(pages):
                page.evaluate(f"Soak.join({index}, {n})")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if all(pg.evaluate("webxdcRealtime.stats().peers") == n - 1 for pg in pages):
                    break
                time.sleep(0.2)
            # Steady state first: let the start-up's garbage (the decompressed snapshot) go.
            time.sleep(1.5)
            collect(pages)
            tabs = renderers() - before
            procs = chromium_pids()
            memory.append((0.0, sum(pss_mib(pid) for pid in tabs)))
            own.append(heaps(pages))
            print(
                f"  {n} tabs live, each aware of the {n - 1} others; renderers "
                f"{memory[0][1]:.0f} MiB PSS in all ({memory[0][1] / n:.1f} per tab)"
            )
            cpu0, t0 = cpu_seconds(procs), time.monotonic()
            for page in pages:
                page.evaluate(f"Soak.start({rate}, {seconds})")
            last = t0
            while True:
                time.sleep(0.25)
                now = time.monotonic()
                running = any(pg.evaluate("Soak.running") for pg in pages)
                if now - last >= 5 or not running:
                    last = now
                    reports = [pg.evaluate("Soak.report()") for pg in pages]
                    sent = sum(r["sent"] for r in reports)
                    received = sum(s["received"] for r in reports for s in r["from"] if s)
                    collect(pages)  # what is kept, not what is garbage not yet collected
                    mib = sum(pss_mib(pid) for pid in tabs)
                    memory.append((now - t0, mib))
                    own.append(heaps(pages))
                    cpu = (cpu_seconds(procs) - cpu0) / (now - t0)
                    print(
                        f"  {now - t0:5.1f} s: sent {sent:,}, received {received:,}, "
                        f"renderers {mib:.0f} MiB, CPU {cpu:.2f} cores",
                        flush=True,
                    )
                if not running:
                    break
            elapsed = time.monotonic() - t0
            cpu = (cpu_seconds(procs) - cpu0) / elapsed
            time.sleep(2)  # what is in flight arrives
        except KeyboardInterrupt:
            stopped = True
            elapsed = time.monotonic() - t0 if "t0" in locals() else 0.0
            cpu = 0.0
        reports = [pg.evaluate("Soak.report()") for pg in pages] if pages else []
        browser.close()
    report(reports, n, rate, seconds, elapsed, memory, own, cpu, stopped)


def report(
    reports: list[dict[str, Any]],
    n: int,
    rate: int,
    seconds: int,
    elapsed: float,
    memory: list[tuple[float, float]],
    own: list[tuple[float, float]],
    cpu: float,
    stopped: bool,
) -> None:
    bad = 0
    totals = {"sent": 0, "received": 0, "lost": 0, "duplicated": 0, "reordered": 0, "corrupt": 0}
    print(
        "\n| sender | sent | received (by the others, in all) | lost | duplicated | out of order "
        "| corrupt |"
    )
    print("|---|---|---|---|---|---|---|")
    for index, sender in enumerate(reports):
        got = [r["from"][index] for j, r in enumerate(reports) if j != index]
        got = [g or {"received": 0, "duplicated": 0, "reordered": 0, "corrupt": 0} for g in got]
        received = sum(g["received"] for g in got)
        lost = sender["sent"] * (n - 1) - received
        row = {
            "sent": sender["sent"],
            "received": received,
            "lost": lost,
            "duplicated": sum(g["duplicated"] for g in got),
            "reordered": sum(g["reordered"] for g in got),
            "corrupt": sum(g["corrupt"] for g in got),
        }
        for key, value in row.items():
            totals[key] += value
        bad += row["lost"] + row["duplicated"] + row["reordered"] + row["corrupt"]
        print(
            f"| tab {index} | {row['sent']:,} | {received:,} | {lost:,} | {row['duplicated']} "
            f"| {row['reordered']} | {row['corrupt']} |"
        )
    print(
        f"| all | {totals['sent']:,} | {totals['received']:,} | {totals['lost']:,} | "
        f"{totals['duplicated']} | {totals['reordered']} | {totals['corrupt']} |"
    )
    asked = n * rate
    sending = max((r["seconds"] for r in reports), default=0.0) or elapsed
    reached = totals["sent"] / sending if sending else 0.0
    print()
    print(
        f"rate: asked {asked:,} frames/s in all ({rate:,} per tab); reached {reached:,.0f} "
        f"frames/s sent and {totals['received'] / sending if sending else 0:,.0f} delivered "
        f"(sending took {sending:.1f} s)"
        + ("" if reached >= 0.97 * asked else " - the machine did not keep up the rate")
    )
    if len(memory) >= 3:
        # Idle before; under load (from the first sample on, once the load has filled
        # what it fills); idle after. After a full GC each time: what is kept.
        load = memory[1:-1]
        per_minute = slope(load) * 60
        print(
            f"memory (renderers' PSS after a full GC, {n} tabs): {memory[0][1]:.0f} MiB idle "
            f"before; under load {load[0][1]:.0f} MiB at {load[0][0]:.0f} s, "
            f"{load[-1][1]:.0f} MiB at {load[-1][0]:.0f} s, slope {per_minute:+.1f} MiB/min "
            f"({per_minute / n:+.2f} per tab); {memory[-1][1]:.0f} MiB idle after "
            f"({(memory[-1][1] - memory[0][1]) / n:+.1f} MiB per tab over the run)"
        )
        (wasm0, js0), (wasm1, js1) = own[0], own[-1]
        top = max(wasm for wasm, _ in own)
        print(
            f"our own heaps, per tab, idle before -> idle after: Python's wasm memory "
            f"{wasm0 / n:.1f} -> {wasm1 / n:.1f} MiB (at most {top / n:.1f} under load), "
            f"JS heap in use {js0 / n:.1f} -> {js1 / n:.1f} MiB; what PSS holds beyond these "
            f"is Chromium's (message queues, allocator caches)"
        )
    print(
        f"CPU: {cpu:.2f} cores busy on average (all Chromium processes; "
        f"{os.cpu_count()} cores here)"
    )
    if stopped:
        print("stopped by Ctrl-C: the figures are of the run so far")
        sys.exit(130)
    print(
        "nothing lost, duplicated, reordered or corrupted"
        if not bad
        else "SOME FRAMES LOST, DUPLICATED, REORDERED OR CORRUPTED"
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
