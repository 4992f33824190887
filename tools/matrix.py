"""The matrix: how each host and simulator meets the contract, row by row of SPEC.md section 2.

Runs the self-test app (``dist/realtime-selftest.xdc``), two copies in one chat, under:

- our runtime, with each host profile (``strict``, ``desktop``, ``mobile``), in Chromium and
  in Firefox;
- webxdc-dev (npm ``@webxdc/webxdc-dev``: ``webxdc-dev run dist/realtime-selftest.xdc``),
  two of its instances, in Chromium;
- the mock ``webxdc.js`` of ``@webxdc/vite-plugins`` (what the official Vite template serves
  in development), two tabs, in Chromium;

reads each report (``window.selftest``), three runs each, the mock ten (a verdict not the
same in every run *varies*: the vite-plugins mock, whose copies talk through localStorage
events, pairs in some runs and not others), and writes one table: ``docs/MATRIX.md`` (what
each saw, in words) and the README's section between ``<!-- matrix:start -->`` and
``<!-- matrix:end -->`` (at a glance). ``make matrix`` runs it. Prints progress; Ctrl-C
stops it, and the simulators it started with it.

Usage::

    python tools/matrix.py [--runs N] [--only NAME ...] [--no-write]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import socket
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from browser.conftest import serve  # noqa: E402
from cli.processes import serving  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS, FIREFOX  # noqa: E402

XDC = ROOT / "dist" / "realtime-selftest.xdc"
NODE_BIN = ROOT / "node_modules" / ".bin"
MOCK = ROOT / "node_modules" / "@webxdc" / "vite-plugins" / "src" / "webxdc.js"
PROFILES = ("strict", "desktop", "mobile")
ENGINES = ("chromium", "firefox")
TIMEOUT = 150  # s for a pair to finish
MOCK_RUNS = 10  # the mock's copies pair in some runs only (5 of 10 on 2026-12-04): enough runs
# that "varies" shows almost always (all ten alike: about 3 %)


@dataclass
class Host:
    """One column: a host or simulator, run in one engine; its report of each run."""

    name: str  # e.g. "ours strict, chromium"
    engine: str
    rows: list[dict[str, Any]] | None = None  # the first run's report, merged (see merge)
    runs: int = 1


def version(package: str) -> str:
    data = json.loads((ROOT / "node_modules" / package / "package.json").read_text())
    return str(data["version"])


def unpacked(into: Path) -> Path:
    with zipfile.ZipFile(XDC) as xdc:
        xdc.extractall(into)
    return into


def free_ports(count: int) -> int:
    """A first port of ``count`` free ones in a row."""
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            first = probe.getsockname()[1]
        if first + count >= 65535:
            continue
        ok = True
        for port in range(first, first + count):
            with socket.socket() as probe:
                try:
                    probe.bind(("127.0.0.1", port))
                except OSError:
                    ok = False
                    break
        if ok:
            return first
    raise RuntimeError("no free ports")


def reports(context: Any, urls: list[str]) -> list[dict[str, Any]]:
    """Open the pages, wait until each report is done; return them."""
    pages = []
    for url in urls:
        page = context.new_page()
        page.goto(url, wait_until="commit")
        pages.append(page)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        phases = [page.evaluate("window.selftest?.phase ?? null") for page in pages]
        if all(phase == "done" for phase in phases):
            break
        time.sleep(0.5)
    return [page.evaluate("window.selftest ?? null") for page in pages]


def ours(browsers: dict[str, Any], only: set[str]) -> Iterator[Host]:
    """Our runtime: the app unpacked beside dist/, each profile in its own chat."""
    with tempfile.TemporaryDirectory(prefix="webxdc-matrix-") as folder:
        site = Path(folder) / "selftest"
        shutil.copytree(ROOT / "dist", site, ignore=shutil.ignore_patterns(".stamp", "*.xdc"))
        unpacked(site)
        with serve(Path(folder)) as url:
            for engine in ENGINES:
                hosts = [Host(f"ours {p}, {engine}", engine) for p in PROFILES]
                hosts = [h for h in hosts if not only or h.name in only]
                if not hosts:
                    continue
                say(f"our runtime in {engine}: {', '.join(h.name for h in hosts)}")
                context = browsers[engine].new_context()
                try:
                    for host in hosts:
                        profile = host.name.split()[1].rstrip(",")
                        base = f"{url}/selftest/?profile={profile}&chat=matrix-{profile}"
                        got = reports(
                            context, [f"{base}#name=Ada&addr=ada@x", f"{base}#name=Ben&addr=ben@x"]
                        )
                        host.rows = got[0]["rows"] if got[0] else None
                        yield host
                finally:
                    context.close()


@contextlib.contextmanager
def webxdc_dev_running(port: int) -> Iterator[None]:
    """webxdc-dev with two instances of the self-test (ports ``port`` to ``port + 2``)."""
    with serving([str(NODE_BIN / "webxdc-dev"), "run", str(XDC), "--port", str(port)], port + 2):
        yield


def webxdc_dev(browsers: dict[str, Any]) -> Host:
    """webxdc-dev: two of its instances (an origin each; it relays between them)."""
    host = Host(f"webxdc-dev {version('@webxdc/webxdc-dev')}", "chromium")
    say(f"{host.name}: webxdc-dev run {XDC.relative_to(ROOT)}, two instances")
    port = free_ports(3)
    with webxdc_dev_running(port):
        context = browsers["chromium"].new_context()
        try:
            got = reports(
                context, [f"http://localhost:{port + 1}/", f"http://localhost:{port + 2}/"]
            )
        finally:
            context.close()
    host.rows = got[0]["rows"] if got[0] else None
    return host


def vite_mock(browsers: dict[str, Any]) -> Host:
    """The Vite template's mock webxdc.js, in place of ours, two tabs of one origin."""
    host = Host(f"vite-plugins {version('@webxdc/vite-plugins')} mock", "chromium")
    say(f"{host.name}: its webxdc.js beside the app, two tabs")
    with tempfile.TemporaryDirectory(prefix="webxdc-matrix-") as folder:
        site = unpacked(Path(folder) / "app")
        shutil.copy(MOCK, site / "webxdc.js")
        with serve(site) as url:
            context = browsers["chromium"].new_context()
            try:
                got = reports(
                    context, [f"{url}/#name=Ada&addr=ada@x", f"{url}/#name=Ben&addr=ben@x"]
                )
            finally:
                context.close()
    host.rows = got[0]["rows"] if got[0] else None
    return host


def say(text: str) -> None:
    print(f"matrix: {text}", flush=True)


SYMBOL = {"pass": "pass", "differs": "**differs**", "not observable": "n/o", "pending": "?"}


def merge(runs: list[Host]) -> Host:
    """One host's runs as one: a row whose verdict was not the same every time "varies"."""
    first = runs[0]
    merged = Host(first.name, first.engine, None, len(runs))
    reports = [h.rows for h in runs if h.rows is not None]
    if not reports:
        return merged
    merged.rows = [dict(row) for row in reports[0]]
    for index, row in enumerate(merged.rows):
        seen = [report[index]["status"] for report in reports if index < len(report)]
        if len(set(seen)) > 1:
            counts = ", ".join(f"{s} {seen.count(s)} of {len(seen)}" for s in sorted(set(seen)))
            row["status"] = "varies"
            row["observed"] = f"varies between runs ({counts}); first run: {row['observed']}"
    return merged


def cell(row: dict[str, Any] | None) -> str:
    if row is None:
        return "?"
    return "*varies*" if row["status"] == "varies" else SYMBOL.get(row["status"], row["status"])


def tables(hosts: list[Host]) -> tuple[str, str]:
    """The README's table (at a glance) and docs/MATRIX.md (with what each saw)."""
    order: list[dict[str, Any]] = []
    for host in hosts:
        for row in host.rows or []:
            if row["id"] not in {r["id"] for r in order}:
                order.append(row)
    by_host = {h.name: {r["id"]: r for r in h.rows or []} for h in hosts}
    # At a glance: our profiles with both engines in one column when they agree.
    columns: list[tuple[str, list[str]]] = []
    for profile in PROFILES:
        names = [f"ours {profile}, {e}" for e in ENGINES if f"ours {profile}, {e}" in by_host]
        if names:
            columns.append((f"ours `{profile}`", names))
    columns += [(h.name, [h.name]) for h in hosts if not h.name.startswith("ours ")]

    def glance(names: list[str], row_id: str) -> str:
        cells = [cell(by_host[n].get(row_id)) for n in names]
        if len(set(cells)) == 1:
            return cells[0]
        return ", ".join(f"{n.split(', ')[1]}: {c}" for n, c in zip(names, cells, strict=True))

    head = "| row | rule | " + " | ".join(title for title, _ in columns) + " |"
    lines = [head, "|" + "---|" * (len(columns) + 2)]
    unseen: list[str] = []  # rows no app can observe under any host: named below the table
    for row in order:
        glances = [glance(names, row["id"]) for _, names in columns]
        if set(glances) == {SYMBOL["not observable"]}:
            unseen.append(f"{row['row']} ({row['title'][0].lower()}{row['title'][1:]})")
            continue
        lines.append(f"| {row['row']} | {row['title']} | {' | '.join(glances)} |")
    if unseen:
        lines += ["", f"Not observable by an app under any of them: rows {'; '.join(unseen)}."]
    readme = "\n".join(lines)
    detail = [
        "# How hosts and simulators meet the contract",
        "",
        "Made by `make matrix` (`tools/matrix.py`) on "
        f"{time.strftime('%Y-%m-%d')}: the self-test app (`dist/realtime-selftest.xdc`), two "
        "copies in one chat, under each host or simulator, several runs each (see each "
        "column). A row is a row of SPEC.md section 2; "
        "a cell says what the self-test saw: pass, **differs** (and how), not observable "
        "(n/o: no app can tell), or *varies* (not the same in every run).",
        "",
    ]
    for host in hosts:
        detail.append(f"## {host.name} ({host.runs} runs)")
        detail.append("")
        if host.rows is None:
            detail += ["No report: the app did not finish here.", ""]
            continue
        detail += ["| row | rule | verdict | what the self-test saw |", "|---|---|---|---|"]
        for row in host.rows:
            observed = str(row.get("observed", "")).replace("|", "\\|").replace("\n", " ")
            detail.append(f"| {row['row']} | {row['title']} | {cell(row)} | {observed} |")
        detail.append("")
    return readme, "\n".join(detail)


def write(readme_table: str, detail: str) -> None:
    (ROOT / "docs" / "MATRIX.md").write_text(detail)
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = "<!-- matrix:start -->", "<!-- matrix:end -->"
    if start in text and end in text:
        head, rest = text.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{readme_table}\n{end}{tail}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", default=[], help="hosts by name (default: all)")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    parser.add_argument(
        "--runs", type=int, default=3, help=f"runs of each (default 3; the mock {MOCK_RUNS})"
    )
    args = parser.parse_args()
    only = set(args.only)
    if not XDC.is_file():
        sys.exit(f"{XDC} is missing: run `make xdc`")
    runs: dict[str, list[Host]] = {}
    with sync_playwright() as p:
        browsers = {
            "chromium": p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS),
            "firefox": p.firefox.launch(
                channel="moz-firefox", executable_path=FIREFOX, headless=True
            ),
        }
        try:
            for run in range(max(args.runs, MOCK_RUNS)):
                say(f"run {run + 1}")
                found = list(ours(browsers, only)) if run < args.runs else []
                if run < args.runs and (not only or any(n.startswith("webxdc-dev") for n in only)):
                    found.append(webxdc_dev(browsers))
                if not only or any(name.startswith("vite-plugins") for name in only):
                    found.append(vite_mock(browsers))
                for host in found:
                    runs.setdefault(host.name, []).append(host)
        finally:
            for browser in browsers.values():
                browser.close()
    hosts = [merge(each) for each in runs.values()]
    for host in hosts:
        varies = sum(1 for r in host.rows or [] if r["status"] == "varies")
        say(f"{host.name}: {len(host.rows or [])} rows, {varies} varying over {host.runs} runs")
    readme_table, detail = tables(hosts)
    print(readme_table)
    if not args.no_write:
        write(readme_table, detail)
        say("wrote docs/MATRIX.md and the README's table")


if __name__ == "__main__":
    main()
