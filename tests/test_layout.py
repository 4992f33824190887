"""The package's rooms keep their layering, and so do the glue's folders (no cycle).

- ``webxdc_realtime.core``: no I/O, the same in CPython and under Pyodide; imports only
  the standard library and itself (not ``js``/``pyodide``, not the adapter, not the host
  tools).
- ``webxdc_realtime.browser``: the adapter (``adapter``, the one module that imports ``js``
  and ``pyodide``) and its contract with the glue; uses the core, never the host tools.
- ``webxdc_realtime.host``: CPython tools on the developer's machine; may use the core,
  never the adapter (it runs where there is no ``js``).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import webxdc_realtime

PACKAGE = Path(webxdc_realtime.__file__).parent
BROWSER_ONLY = {"js", "pyodide", "pyodide_js"}


def imports(path: Path) -> set[str]:
    """What a module imports, as absolute dotted names (relative ones resolved)."""
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    here = parts if path.name == "__init__.py" else parts[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = here[: len(here) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def room(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def modules(room_name: str) -> list[Path]:
    found = sorted((PACKAGE / room_name).glob("*.py")) or [PACKAGE / f"{room_name}.py"]
    assert found and all(p.is_file() for p in found), room_name
    return found


def test_the_core_imports_only_the_standard_library_and_itself() -> None:
    core = modules("core")
    assert len(core) >= 10
    for path in core:
        for name in imports(path):
            if name.startswith("webxdc_realtime"):
                assert name.startswith("webxdc_realtime.core"), (path.name, name)
            else:
                assert name.split(".")[0] in sys.stdlib_module_names, (path.name, name)


def test_the_adapter_uses_the_core_and_never_the_host_tools() -> None:
    browser = {path.name: imports(path) for path in modules("browser")}
    assert {"js", "pyodide.ffi"} <= browser["adapter.py"]
    for name, names in browser.items():
        ours = {n for n in names if n.startswith("webxdc_realtime")}
        assert all(n.startswith(("webxdc_realtime.core", "webxdc_realtime.browser")) for n in ours)
        if name != "adapter.py":  # the contract: importable anywhere (the build reads it)
            assert not roots(names) & BROWSER_ONLY, name


def test_the_host_tools_never_use_the_adapter_nor_js() -> None:
    host = modules("host")
    assert len(host) >= 8
    for path in host:
        names = imports(path)
        assert not roots(names) & BROWSER_ONLY, path.name
        assert not any(n.startswith("webxdc_realtime.browser") for n in names), path.name


def test_only_the_adapter_imports_js_or_pyodide() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path != PACKAGE / "browser" / "adapter.py":
            assert not roots(imports(path)) & BROWSER_ONLY, path


def test_the_check_sees_such_imports(tmp_path: Path) -> None:
    assert roots({"js", "pyodide.ffi"}) == {"js", "pyodide"}
    example = PACKAGE / "core" / "frame.py"
    assert "webxdc_realtime.core.errors" in imports(example)  # a relative import, resolved


GLUE = Path(__file__).resolve().parents[1] / "js_glue"
_JS_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^'"]*?\bfrom\s+["'](\.\.?/[^"']+)["']""", re.M)


def folder_imports(glue: Path) -> dict[str, set[str]]:
    """Which folders of ``js_glue/`` each folder's modules import from (static imports)."""
    glue = glue.resolve()
    found: dict[str, set[str]] = {}
    for path in sorted(glue.glob("*/*.js")):
        folder = path.parent.name
        targets = found.setdefault(folder, set())
        for spec in _JS_IMPORT.findall(path.read_text()):
            target = (path.parent / spec).resolve().parent
            if target.parent == glue and target.name != folder:
                targets.add(target.name)
    return found


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle of the graph (the folders on it, the first again at the end), or []."""

    def walk(node: str, path: list[str]) -> list[str]:
        if node in path:
            return [*path[path.index(node) :], node]
        for nxt in sorted(graph.get(node, ())):
            found = walk(nxt, [*path, node])
            if found:
                return found
        return []

    for start in sorted(graph):
        found = walk(start, [])
        if found:
            return found
    return []


def test_the_glues_folders_import_each_other_without_a_cycle(tmp_path: Path) -> None:
    graph = folder_imports(GLUE)
    assert graph["runtime-share"] == {"webxdc", "shared"}  # it lends the glue's runtime
    assert "runtime-share" in graph["host"] and "shared" in graph["webxdc"]
    assert graph["shared"] == set()  # what the others agree on imports nothing of theirs
    assert cycle(graph) == [], graph
    # The check sees a cycle where there is one: two folders that import each other.
    for name, other in (("a", "b"), ("b", "a")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "m.js").write_text(f'import {{ x }} from "../{other}/m.js";\n')
    assert cycle(folder_imports(tmp_path)) == ["a", "b", "a"]
