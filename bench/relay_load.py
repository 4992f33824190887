"""The relay under load: one chat of many Python peers and 4 browser pages, then many chats.

For each size of chat (``--peers``): that many Python peers (``webxdc_realtime.host.peer``,
each its own NATS connection, in this process) and 4 pages of ours (headless Chromium over
``--remote-debugging-pipe``, each in a browser context of its own) join one chat of one
``nats-server`` (loopback). A Python peer sends 200 frames, one every 10 ms (one-way latency
at every other peer: p50, p99), then a burst of ``BURST`` (fan-out: frames delivered per
second, over every receiver, until the last has them all). Then ``--chats`` chats of 4 Python
peers each, all sending at once. Every frame names its chat: a frame that reaches another
chat's peer is counted (it must be 0). nats-server's memory (RSS) and CPU are read from
/proc. The peers' own work is in the figures: 200 Python peers in one process take their
share of this machine's 2 cores.

Usage: python bench/relay_load.py [--peers 10,50,100,200] [--chats 50] [--no-results]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import struct
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))
from cdp import Browser, Page  # noqa: E402
from run import percentile, write_section  # noqa: E402

from browser.conftest import serve  # noqa: E402
from conftest import CHROMIUM, CHROMIUM_FLAGS  # noqa: E402
from webxdc_realtime.host.peer import Message, Peer  # noqa: E402
from webxdc_realtime.host.relay import Relay  # noqa: E402

INSTANCE = "/bench/"  # the pages' folder: their app instance
PACED = 200
BURST = 1000
PAGES = 4
TICKS = os.sysconf("SC_CLK_TCK")


def frame(chat: str) -> bytes:
    return struct.pack(">d", time.time() * 1000) + chat.encode()


class Receivers:
    """What the Python peers got: latencies, counts, frames of another chat."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.count = 0
        self.foreign = 0

    async def read(self, peer: Peer, chat: str) -> None:
        tag = chat.encode()
        async for event in peer.events():
            if isinstance(event, Message):
                now = time.time() * 1000
                self.latencies.append(now - struct.unpack(">d", event.data[:8])[0])
                self.foreign += event.data[8:] != tag
                self.count += 1


class Loop:
    """An asyncio loop in a thread of its own, for the Python peers."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coroutine: Any, timeout: float = 300) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


def server_usage(pid: int) -> tuple[float, float]:
    """nats-server's RSS (MiB) and CPU time (s) so far."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return rss / 1024, (int(fields[11]) + int(fields[12])) / TICKS


async def join_all(url: str, chat: str, count: int, receivers: Receivers) -> list[Peer]:
    peers = await asyncio.gather(
        *(
            Peer(url, chat, INSTANCE, addr=f"p{i}@{chat}", backlog=100_000).join()
            for i in range(count)
        )
    )
    for peer in peers:
        asyncio.get_running_loop().create_task(receivers.read(peer, chat))
    return list(peers)


async def leave_all(peers: list[Peer]) -> None:
    await asyncio.gather(*(peer.leave() for peer in peers))


async def paced(sender: Peer, chat: str, count: int, every: float) -> None:
    for _ in range(count):
        await sender.send(frame(chat))
        await asyncio.sleep(every)


async def burst(sender: Peer, chat: str, count: int) -> float:
    start = time.monotonic()
    for _ in range(count):
        await sender.send(frame(chat))
    return start


def wait_until(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def one_chat(
    loop: Loop, browser: Browser, site: str, relay: Relay, pid: int, count: int
) -> dict[str, Any]:
    chat = f"load-{count}"
    receivers = Receivers()
    peers = loop.run(join_all(relay.nats_urls[0], chat, count, receivers))
    contexts = [browser.context() for _ in range(PAGES)]
    pages: list[Page] = []
    try:
        for context in contexts:
            opened = context.__enter__()
            url = f"{site}/bench/load.html?chat={chat}&relay={quote(relay.ws_urls[0])}"
            pages.append(opened.page(url))
        for page in pages:
            page.wait("window.Load.ready && webxdcRealtime.relay.status === 'connected'")
        time.sleep(1)  # the joins settle
        others = count - 1 + PAGES
        _, cpu0 = server_usage(pid)
        t0 = time.monotonic()
        loop.run(paced(peers[0], chat, PACED, 0.01))
        total = lambda: receivers.count + sum(p.evaluate("Load.count") for p in pages)  # noqa: E731
        wait_until(lambda: total() >= PACED * others, 30)
        latencies = receivers.latencies + [x for p in pages for x in p.evaluate("Load.latencies")]
        before = total()
        start = loop.run(burst(peers[0], chat, BURST))
        complete = wait_until(lambda: total() >= before + BURST * others, 120)
        elapsed = time.monotonic() - start
        delivered = total() - before
        wait_until(lambda: total() >= (PACED + BURST) * others, 60)  # the late ones come
        rss1, cpu1 = server_usage(pid)
        foreign = receivers.foreign + sum(p.evaluate("Load.foreign") for p in pages)
        return {
            "peers": count + PAGES,
            "p50_ms": percentile(latencies, 0.5),
            "p99_ms": percentile(latencies, 0.99),
            "fanout_per_s": delivered / elapsed,
            "per_receiver_per_s": delivered / others / elapsed,
            "complete": complete,
            "server_rss_mib": rss1,
            "server_cpu": (cpu1 - cpu0) / (time.monotonic() - t0),
            "foreign": foreign,
            "lost": max(0, (PACED + BURST) * others - total()),  # after a minute more
        }
    finally:
        for context in contexts:
            context.__exit__(None, None, None)
        loop.run(leave_all(peers))


def many_chats(loop: Loop, relay: Relay, pid: int, chats: int) -> dict[str, Any]:
    receivers = Receivers()

    async def scenario() -> tuple[list[Peer], float]:
        groups = await asyncio.gather(
            *(join_all(relay.nats_urls[0], f"many-{c}", 4, receivers) for c in range(chats))
        )
        await asyncio.sleep(1)
        start = time.monotonic()
        await asyncio.gather(
            *(paced(group[0], f"many-{c}", 100, 0.01) for c, group in enumerate(groups))
        )
        return [peer for group in groups for peer in group], start

    _, cpu0 = server_usage(pid)
    t0 = time.monotonic()
    peers, start = loop.run(scenario())
    wanted = chats * 100 * 3
    complete = wait_until(lambda: receivers.count >= wanted, 60)
    elapsed = time.monotonic() - start
    rss1, cpu1 = server_usage(pid)
    loop.run(leave_all(peers))
    return {
        "chats": chats,
        "peers": chats * 4,
        "p50_ms": percentile(receivers.latencies, 0.5),
        "p99_ms": percentile(receivers.latencies, 0.99),
        "delivered_per_s": receivers.count / elapsed,
        "complete": complete,
        "lost": max(0, wanted - receivers.count),
        "foreign": receivers.foreign,
        "server_rss_mib": rss1,
        "server_cpu": (cpu1 - cpu0) / (time.monotonic() - t0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--peers", default="10,50,100,200", help="Python peers in the one chat")
    parser.add_argument("--chats", type=int, default=50, help="chats of 4 Python peers")
    parser.add_argument("--no-results", action="store_true", help="leave bench/RESULTS.md alone")
    args = parser.parse_args()
    curve: list[dict[str, Any]] = []
    loop = Loop()
    with serve(ROOT) as site, Relay() as relay:
        process = relay.servers[0].process
        assert process is not None
        browser = Browser(CHROMIUM, list(CHROMIUM_FLAGS))
        try:
            for count in (int(n) for n in args.peers.split(",")):
                row = one_chat(loop, browser, site, relay, process.pid, count)
                curve.append(row)
                print(f"  {row}", flush=True)
        finally:
            browser.close()
        many = many_chats(loop, relay, process.pid, args.chats)
        print(f"  {many}", flush=True)
    loop.close()
    markdown = table(curve, many)
    print()
    print(markdown)
    if not args.no_results:
        write_section(markdown, "relay-load")


def table(curve: list[dict[str, Any]], many: dict[str, Any]) -> str:
    rows = [
        f"One chat: Python peers (`Peer`, one NATS connection each, in one process) and {PAGES} "
        "pages of ours (headless Chromium), one `nats-server` on loopback. A Python peer sends "
        f"{PACED} frames 10 ms apart (latency: at every other peer), then a burst of {BURST} "
        "(fan-out: frames delivered per second over all receivers). `python bench/relay_load.py`"
        " (`make bench-relay`).",
        "",
        "| peers in the chat | latency p50 / p99 (ms) | fan-out (frames/s) "
        "| per receiver (frames/s) | lost (a minute after) | of another chat "
        "| nats-server RSS (MiB) / CPU (cores) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in curve:
        rows.append(
            f"| {r['peers']} | {r['p50_ms']:.1f} / {r['p99_ms']:.1f} | {r['fanout_per_s']:.0f} "
            f"| {r['per_receiver_per_s']:.0f} | {r['lost']} | {r['foreign']} "
            f"| {r['server_rss_mib']:.0f} / {r['server_cpu']:.2f} |"
        )
    rows += [
        "",
        f"{many['chats']} chats of 4 Python peers ({many['peers']} peers), each chat's sender "
        f"sending 100 frames 10 ms apart, all at once: latency p50 {many['p50_ms']:.1f} ms, p99 "
        f"{many['p99_ms']:.1f} ms; {many['delivered_per_s']:.0f} frames/s delivered; "
        f"{many['lost']} lost; {many['foreign']} of another chat; nats-server RSS "
        f"{many['server_rss_mib']:.0f} MiB, CPU {many['server_cpu']:.2f} cores.",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    main()
