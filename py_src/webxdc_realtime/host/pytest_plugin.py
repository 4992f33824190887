"""A pytest plugin for webxdc app developers: run your app with N peers, shape their network.

Installed with the package (a ``pytest11`` entry point), it gives tests the fixture
``webxdc_app``: a function that serves an app folder or ``.xdc`` as ``webxdc-realtime
run`` does, opens its host page in headless Chromium (Playwright), waits until every peer
is live, and returns an :class:`AppRun` with one :class:`Peer` per peer and the
:class:`Network` between them::

    def test_peers_converge_after_a_partition(webxdc_app):
        app = webxdc_app("path/to/app", peers=3)
        ada, ben, cleo = app.peers
        app.network.partition([ada, ben], [cleo])
        ada.frame.click("#add")
        ...
        app.network.heal()

Options: ``--webxdc-browser chromium|firefox`` (default chromium), ``--webxdc-executable
PATH`` (default ``$CHROMIUM``, else ``chromium-headless-shell`` when headless, else
``chromium`` on the PATH; ``$FIREFOX`` or ``firefox-esr`` for Firefox), ``--webxdc-headed``,
``--webxdc-dist DIR`` (our built runtime; default the one installed with the package, else
this checkout's ``dist/``), ``--webxdc-trace
off|on|retain-on-failure``: keep the trace of each app's session (docs/TRACE.md: every
frame, what the network did with it, what each app got) in pytest's temporary folder, for
every test or (the default) for those that fail, and name it in the failure's report.
Playwright must be installed (``pip install 'webxdc-realtime[pytest]'``); its own browser
download is not needed.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # the server (aiohttp) is imported when a test asks for an app, not before:
    from .server import ServerThread  # pytest loads this plugin in every run, Pyodide's too

BROWSERS = ("chromium", "firefox")
"""The engines the plugin drives (``--webxdc-browser``)."""

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
)
"""How the plugin starts Chromium: headless, and kept off the network (no background
requests, updates, sync or QUIC), so that it starts the same on a machine without one."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add the plugin's options."""
    group = parser.getgroup("webxdc-realtime", "webxdc apps with several peers")
    group.addoption(
        "--webxdc-browser",
        choices=BROWSERS,
        default="chromium",
        help="the engine to run the peers in (default chromium)",
    )
    group.addoption(
        "--webxdc-executable",
        "--webxdc-chromium",  # its first name, when only Chromium was driven
        default=None,
        help="the browser's executable (default: $CHROMIUM, else chromium-headless-shell "
        "when headless, else chromium on the PATH; "
        "for firefox: $FIREFOX, else firefox-esr or firefox on the PATH)",
    )
    group.addoption("--webxdc-headed", action="store_true", help="show the browser")
    group.addoption("--webxdc-dist", default=None, help="webxdc-realtime's built dist/ folder")
    group.addoption(
        "--webxdc-trace",
        choices=TRACE_MODES,
        default="retain-on-failure",
        help="keep the trace of each app's session for every test (on), for those that fail "
        "(retain-on-failure, the default), or for none (off); read one with "
        "`webxdc-realtime trace FILE`",
    )


TRACE_MODES = ("off", "on", "retain-on-failure")
"""What ``--webxdc-trace`` takes."""
_RUNS = pytest.StashKey[list["AppRun"]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep the traces of a test of apps that failed, while their pages are open.

    Unless ``--webxdc-trace off``; each is named in the failure's report.
    """
    report = yield
    runs = item.stash.get(_RUNS, [])
    mode = item.config.getoption("webxdc_trace")
    if runs and report.failed and mode != "off" and report.when in ("setup", "call"):
        said = "\n".join(_keep_trace(run, item) for run in runs if not run.traced)
        if said:
            report.sections.append(("webxdc-realtime trace", said))
    return report


def _keep_trace(run: AppRun, item: pytest.Item) -> str:
    """Save ``run``'s trace in pytest's temporary folder; say where, or why not ("": none)."""
    factory = item.config._tmp_path_factory  # type: ignore[attr-defined]  # pytest's own
    name = re.sub(r"[^\w.-]+", "_", item.name)[:60]
    folder = factory.getbasetemp() / "webxdc-traces"
    folder.mkdir(exist_ok=True)
    index = item.stash.get(_RUNS, []).index(run)
    path = folder / f"{name}-{index}.jsonl.gz"
    run.traced = True
    try:
        saved = run.save_trace(path)
    except Exception as error:  # the page may be gone: the test's own failure stands
        return f"the trace of {run.url} could not be kept: {error}".splitlines()[0]
    return f"{path}  (webxdc-realtime trace {path} --summary)" if saved else ""


def pytest_report_header(config: pytest.Config) -> str:
    """Say which browser the peers run in."""
    name = config.getoption("webxdc_browser")
    executable = config.getoption("webxdc_executable") or _installed(name) or "not found"
    return f"webxdc-realtime: peers in {name} ({executable})"


class Peer:
    """One peer of the app: an iframe of the host page.

    Attributes
    ----------
    name, addr : str
        Its ``selfName`` and ``selfAddr``.
    frame : playwright Frame
        The app, as this peer sees it: ``click``, ``fill``, ``evaluate``, ...
    """

    def __init__(self, run: AppRun, name: str, addr: str) -> None:
        self.run = run
        self.name = name
        self.addr = addr

    def __repr__(self) -> str:
        return f"<Peer {self.name} {self.addr}>"

    @property
    def frame(self) -> Any:
        """The peer's frame (looked up anew: a reload makes a new one).

        Found by its card's iframe in the host page: a frame's name, as Playwright reports
        it, is not kept up to date in every engine (Firefox).
        """
        element = self.run.page.query_selector(f'section[data-addr="{self.addr}"] iframe')
        frame = element.content_frame() if element is not None else None
        if frame is None:
            raise LookupError(f"{self} has no frame in the host page (removed, or in its own tab)")
        return frame

    def evaluate(self, expression: str, arg: Any = None) -> Any:
        """Evaluate JavaScript in this peer's page."""
        return self.frame.evaluate(expression, arg)

    def wait_for(self, expression: str, timeout: float = 30) -> Any:
        """Wait until a JavaScript expression is truthy in this peer's page; return it.

        A name the page has not defined yet (a ``ReferenceError``: the app still loads, or
        reloads) counts as not yet; other errors end the wait.
        """
        patient = (
            f"(() => {{ try {{ return ({expression}\n); }} catch (e) {{ "
            "if (e instanceof ReferenceError) return false; throw e; } })()"
        )
        return self.frame.wait_for_function(patient, timeout=timeout * 1000).json_value()

    def wait_live(self, timeout: float = 120) -> None:
        """Wait until this peer's runtime is live."""
        self.run.wait_until(lambda: self.run._status(self.addr) == "live", timeout, f"{self} live")

    def reload(self, timeout: float = 120) -> None:
        """Reload this peer, as the host page's reload button does; wait until live.

        Its new page is told by its time origin: a peer that reloads fast may be live
        again before its status is read, so "loading" may never be seen.
        """
        before = self.evaluate("performance.timeOrigin")
        self.run.page.evaluate(
            "(addr) => { const p = host.peers.find((p) => p.addr === addr); p.status = 'loading';"
            " p.card.querySelector('iframe').contentWindow.location.reload(); }",
            self.addr,
        )
        self.run.wait_until(lambda: self._origin() not in (None, before), timeout, "the reload")
        self.wait_live(timeout)

    def _origin(self) -> float | None:
        """Return the time origin of the page in its frame, or None while it changes."""
        try:
            origin: float = self.frame.evaluate("performance.timeOrigin")
        except Exception:  # the frame navigates: its context is gone, or not there yet
            return None
        return origin


def _addr(peer: Peer | str) -> str:
    return peer.addr if isinstance(peer, Peer) else peer


class Network:
    """The network between the peers: the same conditions at every peer.

    Every method changes the conditions through a peer's ``webxdcRealtime.network``, which
    gives them to every peer of the app, and returns the new state. See the README's
    "See and shape the network" for what each condition does.
    """

    def __init__(self, run: AppRun) -> None:
        self.run = run

    def _change(self, method: str, *args: Any) -> dict[str, Any]:
        peer = self.run.peers[0]
        state: dict[str, Any] = peer.evaluate(
            f"(args) => webxdcRealtime.network.{method}(...args)", list(args)
        )
        self.run.wait_until(self._everywhere(state), 30, "the conditions at every peer")
        return state

    def _everywhere(self, state: dict[str, Any]) -> Callable[[], bool]:
        return lambda: all(
            p.evaluate("webxdcRealtime.network.state") == state for p in self.run.peers
        )

    def set(self, **conditions: Any) -> dict[str, Any]:
        """Set conditions of every link.

        Keywords: ``delay``, ``jitter`` (ms), ``loss``, ``duplicate`` (0 to 1),
        ``bandwidth`` (bytes/s), ``seed``.
        """
        return self._change("set", conditions)

    def link(self, sender: Peer | str, receiver: Peer | str, **conditions: Any) -> dict[str, Any]:
        """Set conditions of one directed link; none given: it follows the global ones."""
        return self._change("link", _addr(sender), _addr(receiver), conditions or None)

    def partition(self, *groups: list[Peer | str]) -> dict[str, Any]:
        """Split peers into groups that hear only each other."""
        return self._change("partition", *[[_addr(p) for p in group] for group in groups])

    def heal(self) -> dict[str, Any]:
        """End every partition."""
        return self._change("heal")

    def offline(self, peer: Peer | str, mode: str = "hold") -> dict[str, Any]:
        """Take a peer offline: its frames are held until it is back ("hold") or dropped."""
        return self._change("offline", _addr(peer), mode)

    def online(self, peer: Peer | str) -> dict[str, Any]:
        """Bring a peer back; what was held for it is delivered, in order."""
        return self._change("online", _addr(peer))

    def reset(self) -> dict[str, Any]:
        """Make the network perfect again (the seed is kept)."""
        return self._change("reset")

    def settled(self, timeout: float = 30) -> dict[str, Any]:
        """Wait until every peer has the conditions the first one has; return them.

        For a change made another way than through this object (the host page's devtools).
        """
        state = self.state
        self.run.wait_until(self._everywhere(state), timeout, "the conditions at every peer")
        return state

    @property
    def state(self) -> dict[str, Any]:
        """The conditions in force."""
        state: dict[str, Any] = self.run.peers[0].evaluate("webxdcRealtime.network.state")
        return state


class AppRun:
    """An app served with its host page open, and its peers.

    Attributes
    ----------
    url : str
        The host page's address.
    page : playwright Page
        The host page.
    peers : list of Peer
        The peers, in the page's order.
    network : Network
        The conditions between them.
    """

    def __init__(self, browser: Any, server: ServerThread, peers: int, timeout: float) -> None:
        self.server = server
        self.url = server.url
        self.context = browser.new_context(viewport={"width": 1500, "height": 900})
        self.page = self.context.new_page()
        self.page.goto(self.url)
        self.network = Network(self)
        self.traced = False
        self.wait_until(lambda: len(self._statuses()) == peers, timeout, f"{peers} peers")
        self.peers = [Peer(self, p["name"], p["addr"]) for p in self._peers()]
        for peer in self.peers:
            peer.wait_live(timeout)

    def _peers(self) -> list[dict[str, str]]:
        peers: list[dict[str, str]] = self.page.evaluate(
            "host.peers.filter((p) => !p.away)"
            ".map((p) => ({name: p.name, addr: p.addr, status: p.status}))"
        )
        return peers

    def _statuses(self) -> dict[str, str]:
        return {p["addr"]: p["status"] for p in self._peers()}

    def _status(self, addr: str) -> str:
        return self._statuses().get(addr, "")

    def wait_until(
        self, condition: Callable[[], Any], timeout: float = 30, what: str = "a condition"
    ) -> Any:
        """Wait until ``condition()`` is truthy (polled every 50 ms); return its value.

        For what happens in the host page or across peers (a log line, a counter, a
        state): ``app.wait_until(lambda: len(entries(app)) == 2, 10, "two log entries")``.
        One peer's page has :meth:`Peer.wait_for`, in JavaScript.

        Raises
        ------
        TimeoutError
            Naming ``what``, if it is not true within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        while not (value := condition()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"webxdc_app: waited {timeout} s for {what}")
            time.sleep(0.05)
        return value

    def peer(self, name: str) -> Peer:
        """Return the peer called ``name`` (its selfName)."""
        return next(p for p in self.peers if p.name == name)

    def add_peer(self, timeout: float = 120) -> Peer:
        """Add a peer, as the host page's button does; wait until it is live."""
        self.page.click("#add")
        self.wait_until(lambda: len(self._peers()) == len(self.peers) + 1, 10, "the new peer")
        new = self._peers()[-1]
        peer = Peer(self, new["name"], new["addr"])
        self.peers.append(peer)
        peer.wait_live(timeout)
        return peer

    def reset(self, timeout: float = 120) -> None:
        """Clear every peer's storage and the update log, as the host page's Reset does."""
        self.page.evaluate("host.reset()")
        for peer in self.peers:
            peer.wait_live(timeout)

    def save_trace(self, path: str | Path) -> bool:
        """Write the session's trace so far to ``path`` (``.jsonl.gz``, docs/TRACE.md).

        Returns False if the host page keeps none (its URL said ``?trace=off``).
        """
        data = self.page.evaluate("host.traceBase64()")
        if data is None:
            return False
        Path(path).write_bytes(base64.b64decode(data))
        return True

    def close(self) -> None:
        """Close the page and stop serving."""
        self.context.close()
        self.server.close()


@pytest.fixture(scope="session")
def webxdc_browser(pytestconfig: pytest.Config) -> Iterator[Any]:  # pragma: no cover
    """Launch the browser (``--webxdc-browser``), headless, for the session (Playwright).

    Chromium is launched as it is; Firefox through Playwright's ``moz-firefox`` channel
    (WebDriver BiDi: an installed Firefox, no download). (Our own suite overrides this
    fixture with its browsers; ``tests/plugin/test_plugin.py`` runs this one, in a pytest of
    its own, in a subprocess.)
    """
    from playwright.sync_api import sync_playwright

    name = pytestconfig.getoption("webxdc_browser")
    headed = pytestconfig.getoption("webxdc_headed")
    executable = pytestconfig.getoption("webxdc_executable") or _installed(name, headed)
    with sync_playwright() as playwright:
        if name == "firefox":
            browser = playwright.firefox.launch(
                channel="moz-firefox", executable_path=executable, headless=not headed
            )
        else:
            flags = [f for f in CHROMIUM_FLAGS if not (headed and "headless" in f)]
            browser = playwright.chromium.launch(executable_path=executable, args=flags)
        try:
            yield browser
        finally:
            browser.close()


def _installed(name: str, headed: bool = False) -> str | None:
    """Find the browser called ``name`` on this machine, if it is there.

    Headless, Chromium's headless shell comes first where it is installed (Debian's
    ``chromium-headless-shell``): it is what Playwright itself runs headless, the same
    engine with no browser window to build, and a page costs half the CPU.
    """
    candidates = {
        "chromium": ("CHROMIUM", "chromium-headless-shell", "chromium", "chromium-browser"),
        "firefox": ("FIREFOX", "firefox-esr", "firefox"),
    }[name]
    commands = [c for c in candidates[1:] if not (headed and c.endswith("headless-shell"))]
    return os.environ.get(candidates[0]) or next(
        (found for command in commands if (found := shutil.which(command))), None
    )


@pytest.fixture
def webxdc_app(
    webxdc_browser: Any, pytestconfig: pytest.Config, request: pytest.FixtureRequest
) -> Iterator[Callable[..., AppRun]]:
    """Run an app with N peers: ``webxdc_app(path, peers=2, profile="strict", chat="default")``.

    ``net``: the network every peer starts with (the ``?net=`` grammar, as ``run --net``);
    ``net_from``: a trace's, its seed too (as ``run --net-from``).

    Each call serves the app (a folder or an ``.xdc``) on a free 127.0.0.1 port, opens its
    host page in a fresh browser context (fresh storage) and returns an :class:`AppRun`
    once every peer is live. All are closed after the test.
    """
    from ..core.network_forms import parse_net
    from .app import load_app
    from .server import Files, Host, ServerThread, find_runtime
    from .trace import net_of, read

    runs: list[AppRun] = []
    request.node.stash[_RUNS] = runs
    runtime = find_runtime(pytestconfig.getoption("webxdc_dist"))

    def start(
        app: str | Path,
        peers: int = 2,
        profile: str = "strict",
        chat: str = "default",
        timeout: float = 120,
        net: str = "",
        net_from: str | Path | None = None,
    ) -> AppRun:
        if net_from is not None:
            net = net_of(read(net_from))
        parse_net(net)  # a wrong one is named here, not in each peer's console
        host = Host(Files(load_app(app)), runtime, peers, profile, chat, net=net.strip())
        server = ServerThread(host)
        try:
            run = AppRun(webxdc_browser, server, peers, timeout)
        except BaseException:
            server.close()
            raise
        runs.append(run)
        return run

    try:
        yield start
    finally:
        for run in runs:
            try:
                if pytestconfig.getoption("webxdc_trace") == "on" and not run.traced:
                    said = _keep_trace(run, request.node)
                    if said:
                        request.node.add_report_section("teardown", "webxdc-realtime trace", said)
            finally:
                run.close()
