"""Benchmarks: our channel against the browser's raw BroadcastChannel, in one run.

Drives Debian's Chromium headless with Playwright (its headless shell where installed, as
the tests do: the whole browser's own pages, its omnibox popup, took 70 % of a core beside
the measured ones), pages on 127.0.0.1, one browser context per scenario. Every figure is
the median of REPS repetitions, with min and max, beside its baseline from the same run.
Prints a Markdown table; writes bench/results/latest.json and latest.md, and its table in
bench/RESULTS.md. Never fails on time.

Usage: python bench/run.py [--reps N] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser.conftest import ISOLATED, serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from webxdc_realtime import UINT8ARRAY_TAG, Endpoint, Scope  # noqa: E402

SIZES = {"16 B": 16, "1 KB": 1024, "16 KB": 16 * 1024, "128000 B": 128_000}
BURST = {16: 5000, 1024: 5000, 16 * 1024: 1000, 128_000: 200}
PINGS = 1000  # round trips a latency run (after 200 to warm up)
TIMEOUT_MS = 180_000
RESULTS = ROOT / "bench" / "results"


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait(condition: Callable[[], Any], timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark step did not finish")
        time.sleep(0.02)
    return value


class Run:
    def __init__(self, browser: Any, url: str, reps: int) -> None:
        self.browser = browser
        self.url = url
        self.reps = reps

    @contextmanager
    def context(self) -> Iterator[Any]:
        ctx = self.browser.new_context()
        ctx.set_default_timeout(TIMEOUT_MS)
        try:
            yield ctx
        finally:
            ctx.close()

    def tabs(self, ctx: Any, kind: str, n: int) -> list[Any]:
        pages = []
        for _ in range(n):
            page = ctx.new_page()
            page.goto(f"{self.url}/bench/{kind}.html")
            pages.append(page)
        for page in pages:
            page.evaluate(f"Bench.setup('{kind}')")
        return pages

    # -- messaging -------------------------------------------------------------------------
    def latency(self, pages: list[Any], size: int) -> dict[str, float]:
        a, b = pages
        b.evaluate("Bench.echo()")
        a.evaluate(f"Bench.ping({size}, 200)")  # warm-up: steady state, for both transports
        samples: list[float] = a.evaluate(f"Bench.ping({size}, {PINGS})")
        return {"p50": percentile(samples, 0.5), "p99": percentile(samples, 0.99)}

    def throughput(
        self, sender: Any, receivers: list[Any], size: int, how: str = "blast"
    ) -> dict[str, Any]:
        """``how``: ``blast``, every send in one task (a burst); ``pace``, one per task."""
        count = BURST[size]
        for page in receivers:
            page.evaluate(f"Bench.receive({count})")
        start = sender.evaluate(f"Bench.{how}({size}, {count})")
        results = [
            wait(lambda p=page: (r := p.evaluate("Bench.result()"))["end"] and r)
            for page in receivers
        ]
        seconds = (max(r["end"] for r in results) - start) / 1000
        return {
            "msgs_per_s": count / seconds,
            "mb_per_s": count * size / seconds / 1e6,
            "lossless_in_order": all(r["count"] == count and r["ordered"] for r in results),
        }

    def messaging(self) -> dict[str, Any]:
        out: dict[str, Any] = {"latency": {}, "throughput": {}, "paced": {}, "fanout": {}}
        with self.context() as ctx:
            pairs = {kind: self.tabs(ctx, kind, 2) for kind in ("raw", "ours")}
            for label, size in SIZES.items():
                for kind, pages in pairs.items():
                    runs = [self.latency(pages, size) for _ in range(self.reps)]
                    out["latency"].setdefault(label, {})[kind] = {
                        "p50_ms": summary([r["p50"] for r in runs]),
                        "p99_ms": summary([r["p99"] for r in runs]),
                    }
                    runs = [self.throughput(pages[0], pages[1:], size) for _ in range(self.reps)]
                    out["throughput"].setdefault(label, {})[kind] = {
                        "msgs_per_s": summary([r["msgs_per_s"] for r in runs]),
                        "mb_per_s": summary([r["mb_per_s"] for r in runs]),
                        "lossless_in_order": all(r["lossless_in_order"] for r in runs),
                    }
                    runs = [
                        self.throughput(pages[0], pages[1:], size, "pace") for _ in range(self.reps)
                    ]
                    out["paced"].setdefault(label, {})[kind] = {
                        "msgs_per_s": summary([r["msgs_per_s"] for r in runs]),
                        "mb_per_s": summary([r["mb_per_s"] for r in runs]),
                        "lossless_in_order": all(r["lossless_in_order"] for r in runs),
                    }
                    p50 = out["latency"][label][kind]["p50_ms"]["median"]
                    burst = out["throughput"][label][kind]["msgs_per_s"]["median"]
                    paced = out["paced"][label][kind]["msgs_per_s"]["median"]
                    print(
                        f"  {label:>8} {kind:>4}: latency p50 {p50:.3f} ms, "
                        f"burst {burst:.0f} msg/s, one per task {paced:.0f} msg/s",
                        flush=True,
                    )
            for page in [p for pages in pairs.values() for p in pages]:
                page.close()
        with self.context() as ctx:
            for kind in ("raw", "ours"):
                pages = self.tabs(ctx, kind, 8)
                for label in ("16 B", "16 KB"):
                    runs = [
                        self.throughput(pages[0], pages[1:], SIZES[label]) for _ in range(self.reps)
                    ]
                    out["fanout"].setdefault(label, {})[kind] = {
                        "msgs_per_s": summary([r["msgs_per_s"] for r in runs]),
                        "lossless_in_order": all(r["lossless_in_order"] for r in runs),
                    }
                for page in pages:
                    page.close()
        return out

    # -- start-up ------------------------------------------------------------------------------
    def startup(self) -> dict[str, Any]:
        scope = Scope("bench", "bench")
        header = Endpoint(scope).join().send(UINT8ARRAY_TAG, 16)
        assert isinstance(header, bytes)
        header = list(header)
        pages = {"ours": "ours.html#startup", "ours-plain": "ours-plain.html#startup"}
        ours: dict[str, dict[str, list[dict[str, float]]]] = {
            kind: {"cold": [], "warm": []} for kind in pages
        }
        bare: dict[str, list[float]] = {"cold": [], "warm": []}
        for _ in range(self.reps):
            for kind, path in pages.items():
                with self.context() as ctx:
                    pinger = ctx.new_page()
                    pinger.goto(f"{self.url}/bench/pinger.html")
                    pinger.evaluate(
                        "([n, h]) => startPinging(n, h, new Array(16).fill(0))",
                        [scope.channel_name, header],
                    )
                    page = ctx.new_page()
                    for temperature in ("cold", "warm"):
                        if temperature == "cold":
                            page.goto(f"{self.url}/bench/{path}")
                        else:
                            page.reload()
                        wait(lambda page=page: page.evaluate("window.tFirst"))
                        t = page.evaluate(
                            "({script: tScript, first: tFirst, ...webxdcRealtime.timings})"
                        )
                        ours[kind][temperature].append(
                            {
                                "total": t["first"] - t["script"],
                                "pyodide": t["pyodide"],
                                "install": t["install"] - t["pyodide"],
                                "init": t["init"] - t["install"],
                                "live": t["init"],
                            }
                        )
            with self.context() as ctx:
                page = ctx.new_page()
                for temperature in ("cold", "warm"):
                    if temperature == "cold":
                        page.goto(f"{self.url}/bench/bare.html")
                    else:
                        page.reload()
                    bare[temperature].append(wait(lambda page=page: page.evaluate("window.bareMs")))
        return {
            temperature: {
                **{
                    kind: {
                        key: summary([r[key] for r in runs[temperature]])
                        for key in runs[temperature][0]
                    }
                    for kind, runs in ours.items()
                },
                "bare_loadPyodide_ms": summary(bare[temperature]),
            }
            for temperature in ("cold", "warm")
        }

    # -- memory ----------------------------------------------------------------------------------
    def memory(self) -> dict[str, Any]:
        out: dict[str, list[float]] = {"blank": [], "bare": [], "ours": [], "ours-plain": []}
        for _ in range(self.reps):
            for kind in out:
                with self.context() as ctx:
                    before = renderers()
                    page = ctx.new_page()
                    page.goto(f"{self.url}/bench/{kind}.html")
                    if kind == "bare":
                        wait(lambda page=page: page.evaluate("window.bareMs"))
                    if kind.startswith("ours"):
                        page.evaluate("Bench.setup('ours')")
                    # Steady state: let what is garbage (e.g. the decompressed snapshot) go.
                    for _ in range(2):
                        time.sleep(1.5)
                        page.evaluate("window.gc && gc()")
                    time.sleep(0.5)
                    new = renderers() - before
                    out[kind].append(sum(pss_mib(pid) for pid in new))
        return {f"{kind}_pss_mib": summary(values) for kind, values in out.items()}


def renderers() -> set[int]:
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"--type=renderer" in cmdline:
                pids.add(int(entry.name))
    return pids


def pss_mib(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    match = re.search(r"^Pss:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) / 1024 if match else 0.0


# -- report ----------------------------------------------------------------------------------------
def fmt(s: dict[str, float], digits: int = 0) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def table(results: dict[str, Any]) -> str:
    m, reps = results["machine"], results["reps"]
    lines = [
        f"Run {results['date']} on {m['cpu']} ({m['cores']} cores), {m['browser']}, "
        f"pyodide {m['pyodide']}; median of {reps} runs (min-max); ratio = ours / raw.",
        "",
        "| metric | size | raw BroadcastChannel | ours | ratio |",
        "|---|---|---|---|---|",
    ]
    # (heading, part of the results, figure, digits)
    rows = [
        ("latency p50, ms (2 tabs)", "latency", "p50_ms", 3),
        ("latency p99, ms (2 tabs)", "latency", "p99_ms", 3),
        ("throughput, msg/s (1 -> 1, burst)", "throughput", "msgs_per_s", 0),
        ("throughput, MB/s (1 -> 1, burst)", "throughput", "mb_per_s", 1),
        ("throughput, msg/s (1 -> 1, one send per task)", "paced", "msgs_per_s", 0),
        ("throughput, MB/s (1 -> 1, one send per task)", "paced", "mb_per_s", 1),
        ("fan-out, msg/s (1 -> 7, burst)", "fanout", "msgs_per_s", 0),
    ]
    for heading, part, figure, digits in rows:
        for label, by_kind in results[part].items():
            raw, ours = by_kind["raw"], by_kind["ours"]
            ratio = ours[figure]["median"] / raw[figure]["median"]
            checked = figure == "msgs_per_s"  # say it once per run of a burst, not per unit
            ok = not checked or (raw["lossless_in_order"] and ours["lossless_in_order"])
            lines.append(
                f"| {heading} | {label} | {fmt(raw[figure], digits)} | "
                f"{fmt(ours[figure], digits)} | {ratio:.2f} x{'' if ok else ' LOSS/REORDER'} |"
            )
    lines += [
        "",
        "| start-up, ms | how | Python up | install | init | live | first message | live - bare |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for temperature, s in results["startup"].items():
        bare = s["bare_loadPyodide_ms"]
        lines.append(f"| {temperature} | bare `loadPyodide()` | {fmt(bare)} | | | | | |")
        for kind, how in (
            ("ours", "ours, snapshot (default)"),
            ("ours-plain", "ours, plain start"),
        ):
            o = s[kind]
            lines.append(
                f"| {temperature} | {how} | {fmt(o['pyodide'])} | {fmt(o['install'])} | "
                f"{fmt(o['init'])} | {fmt(o['live'])} | {fmt(o['total'])} | "
                f"{o['live']['median'] - bare['median']:+.0f} |"
            )
    mem = results["memory"]
    bare_mib = mem["bare_pss_mib"]["median"]
    lines += [
        "",
        "| memory per tab, PSS MiB | blank page | bare Pyodide page | ours, snapshot "
        "| ours, plain |",
        "|---|---|---|---|---|",
        f"| renderer process | {fmt(mem['blank_pss_mib'], 1)} | {fmt(mem['bare_pss_mib'], 1)} | "
        f"{fmt(mem['ours_pss_mib'], 1)} ({mem['ours_pss_mib']['median'] - bare_mib:+.1f}) | "
        f"{fmt(mem['ours-plain_pss_mib'], 1)} "
        f"({mem['ours-plain_pss_mib']['median'] - bare_mib:+.1f}) |",
    ]
    lossless = all(
        v[k]["lossless_in_order"]
        for part in ("throughput", "paced", "fanout")
        for v in results[part].values()
        for k in ("raw", "ours")
    )
    lines += [
        "",
        "Every throughput and fan-out run: "
        + (
            "nothing lost, order kept."
            if lossless
            else "SOME MESSAGES LOST OR REORDERED (see JSON)."
        ),
    ]
    return "\n".join(lines)


def machine(browser: Any) -> dict[str, Any]:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    pyodide = json.loads((ROOT / "node_modules" / "pyodide" / "package.json").read_text())[
        "version"
    ]
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "browser": f"Chromium {browser.version} "
        + ("headless shell" if "headless-shell" in CHROMIUM else "headless"),
        "pyodide": pyodide,
        "python": platform.python_version(),
    }


def write_section(markdown: str, name: str) -> None:
    """Put ``markdown`` between bench/RESULTS.md's markers ``<!-- NAME:start -->`` and end."""
    results = ROOT / "bench" / "RESULTS.md"
    text = results.read_text()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        results.write_text(f"{head}{start}\n{markdown}\n{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-results", action="store_true", help="leave bench/RESULTS.md alone")
    parser.add_argument(
        "--only",
        choices=["messaging"],
        help="measure only this part, print it, write nothing (the relay: bench/relay_speed.py)",
    )
    args = parser.parse_args()
    if not (ROOT / "dist" / "webxdc.js").exists():
        sys.exit("dist/webxdc.js is missing: run `make build`")
    with serve(ROOT, ISOLATED) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        run = Run(browser, url, args.reps)
        results: dict[str, Any] = {
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "reps": args.reps,
            "machine": machine(browser),
        }
        print("messaging: latency, throughput, fan-out ...", flush=True)
        results.update(run.messaging())
        if args.only == "messaging":
            print(
                json.dumps(
                    {k: results[k] for k in ("latency", "throughput", "paced", "fanout")}, indent=1
                )
            )
            return
        print("start-up: cold and warm ...", flush=True)
        results["startup"] = run.startup()
        print("memory ...", flush=True)
        results["memory"] = run.memory()
        browser.close()
    markdown = table(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(results, indent=1) + "\n")
    (RESULTS / "latest.md").write_text(markdown + "\n")
    if not args.no_results:
        write_section(markdown, "bench")
    print()
    print(markdown)


if __name__ == "__main__":
    main()
