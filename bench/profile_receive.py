"""A CPU profile of the receiving and the sending tab during a burst of 16 B messages.

Prints the functions with the most self time on each side, for raw BroadcastChannel and
for ours, so that the cost of each step is read off a profile, not guessed.
Usage: [MODE=ping|pace] python bench/profile_receive.py [SIZE] [COUNT]
(pace: one send per task, as `make bench`'s "one send per task").
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser.conftest import ISOLATED, serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402


def self_times(profile: dict[str, Any]) -> Counter[str]:
    nodes = {node["id"]: node for node in profile["nodes"]}
    counts: Counter[int] = Counter(profile["samples"])
    deltas = profile["timeDeltas"]
    per_sample = (profile["endTime"] - profile["startTime"]) / max(1, len(deltas)) / 1000
    out: Counter[str] = Counter()
    for node_id, n in counts.items():
        frame = nodes[node_id]["callFrame"]
        where = frame["url"].rsplit("/", 1)[-1] or "(native)"
        out[f"{frame['functionName'] or '(anonymous)'} [{where}]"] += n * per_sample
    return out


def main(size: int, count: int) -> None:
    with serve(ROOT, ISOLATED) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for kind in ("raw", "ours"):
            ctx = browser.new_context()
            pages = [ctx.new_page() for _ in range(2)]
            for page in pages:
                page.goto(f"{url}/bench/{kind}.html")
                page.evaluate(f"Bench.setup('{kind}')")
            sender, receiver = pages
            sessions = [ctx.new_cdp_session(page) for page in pages]
            for cdp in sessions:
                cdp.send("Profiler.enable")
                cdp.send("Profiler.setSamplingInterval", {"interval": 50})
                cdp.send("Profiler.start")
            if MODE == "ping":
                receiver.evaluate("Bench.echo()")
                samples = sorted(sender.evaluate(f"Bench.ping({size}, {count})"))
                print(f"\n== {kind}: {count} pings of {size} B, p50 {samples[count // 2]:.3f} ms")
            else:
                receiver.evaluate(f"Bench.receive({count})")
                send = "pace" if MODE == "pace" else "blast"
                start = sender.evaluate(f"Bench.{send}({size}, {count})")
                while not (result := receiver.evaluate("Bench.result()"))["end"]:
                    time.sleep(0.02)
                seconds = (result["end"] - start) / 1000
                print(
                    f"\n== {kind}: {count} x {size} B in {seconds * 1000:.0f} ms, "
                    f"{count / seconds:.0f} msg/s"
                )
            for side, cdp in zip(("sender", "receiver"), sessions, strict=True):
                profile = cdp.send("Profiler.stop")["profile"]
                top = self_times(profile)
                busy = sum(v for k, v in top.items() if not k.startswith("(idle)"))
                print(f"-- {side}: {busy:.0f} ms busy; top self time (ms):")
                for name, ms in top.most_common(12):
                    print(f"   {ms:8.1f}  {name}")
            ctx.close()
        browser.close()


MODE = os.environ.get("MODE", "burst")

if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 16,
        int(sys.argv[2]) if len(sys.argv) > 2 else 5000,
    )
