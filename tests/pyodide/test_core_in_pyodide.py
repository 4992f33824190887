"""The same core, inside Pyodide, in headless Chromium (pytest-pyodide).

The wheel that ``make build`` made is installed with micropip from the test server;
then the whole CPython suite (tests/core) is copied into Pyodide's file system and
run there by pytest. pytest-pyodide's run-in-pyodide option is not used: in pytest-pyodide 0.59.2 it
reports false passes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pytest_pyodide import run_in_pyodide
from pytest_pyodide.copy_files_to_pyodide import copy_files_to_emscripten_fs

# One worker for the module under pytest-xdist: what it makes once per module is costly.
pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("pyodide")]

ROOT = Path(__file__).resolve().parents[2]


def _wheel(selenium: Any) -> str:
    wheels = sorted(Path(selenium.dist_dir).glob("webxdc_realtime-*-py3-none-any.whl"))
    assert wheels, f"no webxdc_realtime wheel in {selenium.dist_dir}: run `make build`"
    return wheels[-1].name


@pytest.fixture(scope="module")
def pyodide_with_package(selenium_module_scope: Any) -> Any:
    selenium = selenium_module_scope
    selenium.run_js(
        f"""
        await pyodide.loadPackage(["micropip", "pytest", "hypothesis"]);
        const micropip = pyodide.pyimport("micropip");
        const wheel = "{selenium.base_url}/{_wheel(selenium)}";
        await micropip.install.callKwargs(wheel, {{deps: false}});  // the page needs no other
        micropip.destroy();
        """
    )
    return selenium


@run_in_pyodide
def _facts(selenium: Any) -> list[object]:
    import importlib.util
    import sys

    import webxdc_realtime

    return [
        list(sys.version_info[:2]),
        sys.platform,
        webxdc_realtime.__file__,
        sorted(m for m in sys.modules if m.split(".")[0] in {"js", "pyodide", "pyodide_js"}),
        [
            importlib.util.find_spec(f"webxdc_realtime.{r}") is not None
            for r in ("core", "browser", "host")
        ],
    ]


def test_the_wheel_runs_on_pyodide_python(pyodide_with_package: Any) -> None:
    version, platform, path, _, rooms = _facts(pyodide_with_package)
    assert version >= [3, 14]
    assert platform == "emscripten"
    assert "site-packages/webxdc_realtime" in path
    # The page's wheel holds the core and the adapter, not the host tools.
    assert rooms == [True, True, False]  # core, browser: yes; host: no


@run_in_pyodide
def _core_roundtrip(selenium: Any) -> list[object]:
    from webxdc_realtime import HEADER_SIZE, UINT8ARRAY_TAG, Data, Endpoint, Scope

    scope = Scope("chat", "app")
    a, b = Endpoint(scope), Endpoint(scope)
    sender = a.join()
    b.join().set_listener("function")
    (hello,) = b.take_outbox()
    a.receive(hello, len(hello))
    frame = sender.send(UINT8ARRAY_TAG, 5) + b"hello"
    event = b.receive(frame[:HEADER_SIZE], len(frame))
    assert isinstance(event, Data)
    return [frame[event.offset :].decode(), len(a.peers), scope.topic.hex()]


def test_core_round_trip_and_stable_topic_in_pyodide(pyodide_with_package: Any) -> None:
    from webxdc_realtime import Scope

    payload, peers, topic = _core_roundtrip(pyodide_with_package)
    assert payload == "hello"
    assert peers == 1
    assert topic == Scope("chat", "app").topic.hex()  # same hash as CPython


def test_whole_core_suite_passes_inside_pyodide(
    pyodide_with_package: Any, monkeypatch: Any
) -> None:
    selenium = pyodide_with_package
    monkeypatch.chdir(ROOT)  # copy_files_to_emscripten_fs serves files below the cwd
    copy_files_to_emscripten_fs([(ROOT / "tests" / "core", "suite/tests/core")], selenium)
    summary = selenium.run(
        """
        import io, os, contextlib, pytest
        os.chdir("/home/pyodide/suite")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = pytest.main(["-q", "-p", "no:cacheprovider", "tests/core"])
        [int(code), out.getvalue()[-3000:]]
        """
    )
    code, output = summary
    print(output)
    assert code == 0, output
    assert " passed" in output
    assert " failed" not in output
