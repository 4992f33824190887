"""Make an offline Pyodide folder: the npm package's runtime plus pure-Python wheels.

The npm package ``pyodide`` ships the runtime and a lock file, but no package wheels.
We add the wheels we need (from PyPI, or built here) and point their lock entries at
them. Chrome checks each lock entry's sha256 (subresource integrity), so a wheel
whose hash differs from Pyodide's own build is refused unless the entry is rewritten.

Usage::

    python tools/pyodide_dir.py OUT_DIR WHEEL [WHEEL ...]
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NPM_PYODIDE = ROOT / "node_modules" / "pyodide"
# What the page never needs from the npm package.
SKIP = re.compile(r"(^console.*\.html$|\.d\.ts$|^README\.md$|\.map$)")
# The lock's pytest entry names legacy dependencies without PyPI wheels (atomicwrites, py);
# pytest 9 needs only these. attrs no longer needs six.
DEPENDS = {
    "pytest": ["pluggy", "iniconfig", "packaging", "pygments"],
    "attrs": [],
    "hypothesis": ["attrs", "sortedcontainers"],
}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def wheel_name_version(path: Path) -> tuple[str, str]:
    name, version = path.name.split("-")[:2]
    return canonical(name), version


def make(out: Path, wheels: list[Path]) -> None:
    if not NPM_PYODIDE.is_dir():
        sys.exit(f"{NPM_PYODIDE} is missing: run `npm ci` first")
    out.mkdir(parents=True, exist_ok=True)
    for src in NPM_PYODIDE.iterdir():
        if src.is_file() and not SKIP.search(src.name):
            shutil.copy2(src, out / src.name)
    lock = json.loads((NPM_PYODIDE / "pyodide-lock.json").read_text())
    packages = lock["packages"]
    by_name = {canonical(key): key for key in packages}
    for wheel in wheels:
        name, version = wheel_name_version(wheel)
        shutil.copy2(wheel, out / wheel.name)
        key = by_name.get(name, name)
        entry = packages.get(key) or {
            "name": name,
            "package_type": "package",
            "install_dir": "site",
            "imports": [name.replace("-", "_")],
            "depends": [],
            "unvendored_tests": False,
            "tool": {},
        }
        entry.update(
            file_name=wheel.name,
            version=version,
            sha256=hashlib.sha256(wheel.read_bytes()).hexdigest(),
        )
        if name in DEPENDS:
            entry["depends"] = DEPENDS[name]
        packages[key] = entry
    (out / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    make(Path(sys.argv[1]), [Path(w) for w in sys.argv[2:]])
