"""The core is I/O-free: only the browser adapter may import js or pyodide."""

from __future__ import annotations

import ast
from pathlib import Path

import webxdc_realtime

BROWSER_MODULES = {"js", "pyodide", "pyodide_js"}
ADAPTER = "_browser.py"


def imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_no_core_module_imports_js_or_pyodide() -> None:
    package = Path(webxdc_realtime.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) >= 5
    for module in modules:
        if module.name != ADAPTER:
            assert not imported_roots(module.read_text()) & BROWSER_MODULES, module.name


def test_the_check_sees_such_imports() -> None:
    assert imported_roots("import js\nfrom pyodide.ffi import to_js\n") == {"js", "pyodide"}
