"""A project of the official Vite template, with our npm package, as an app author has it.

npm's registry here has no ``@webxdc/create-vite-plugins`` (the template's ``npm create``), so
the project is the example ``@webxdc/vite-plugins`` ships on npm (as in
``tests/cli/vite_project.py``): its ``vite.config.js`` (``buildXDC``, ``eruda``,
``mockWebxdc``, ``legacy``, ``secureContext``: HTTPS with a self-signed certificate) and
``index.html``, verbatim, and its ``package.json`` with ``latest`` pinned to the versions of
our lock file; its ``emulator`` script and what only that needs (webxdc-dev, concurrently)
are left out: our plugin takes the emulator's place. Then what an author writes
(``project/``): a ``src/main.ts`` of the vanilla-ts template's kind (a realtime chat and
shared notes), a manifest, and, from our README, the one line in ``vite.config.js``,
``playwright.config.ts`` and a spec of three peers. ``npm install``, then ``npm install -D``
of our packed tarball (``make release``) and ``@playwright/test``, as the README says (and
TypeScript, as the vanilla-ts template has it, to check our types).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from conftest import CHROMIUM, FIREFOX  # the tests' browsers (Chromium: its headless shell)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "node_modules" / "@webxdc" / "vite-plugins" / "example"
OURS = json.loads((ROOT / "package.json").read_text())
TARBALL = ROOT / "build" / "release" / f"webxdc-realtime-{OURS['version']}.tgz"
PLAYWRIGHT = OURS["devDependencies"]["@playwright/test"]

PROJECT = Path(__file__).resolve().parent / "project"
"""What the author writes (``src/``, ``public/``, ``playwright.config.ts``, ``tests/``) and
our checks of the fixture (``checks/``, ``checks.config.ts``), copied over the example."""

IMPORT = 'import { webxdcRealtime } from "webxdc-realtime/vite";'
ONE_LINE = "webxdcRealtime()"
"""What the README has the author add to the template's ``vite.config``: the plugin, and
its import."""


def npm(folder: Path, *args: str, timeout: float = 300) -> str:
    """Run ``npm ARGS`` in ``folder`` (from the cache where it can); return what it printed."""
    done = subprocess.run(
        ["npm", *args, "--prefer-offline", "--no-audit", "--no-fund"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def write_greeting(folder: Path, greeting: str) -> None:
    """Edit ``src/main.ts``: its greeting, which every peer shows."""
    main = folder / "src" / "main.ts"
    main.write_text(
        re.sub(
            r'const greeting = "[^"]*";',
            f"const greeting = {json.dumps(greeting)};",
            main.read_text(),
            count=1,
        )
    )


def make_project(folder: Path) -> Path:
    """Write the project into ``folder``, install it with our tarball; return it."""
    folder.mkdir(parents=True)
    for name in ("index.html", "vite.config.js"):
        shutil.copy(EXAMPLE / name, folder / name)
    example = json.loads((EXAMPLE / "package.json").read_text())
    del example["scripts"]["emulator"]
    ours = OURS["devDependencies"]
    example["devDependencies"] = {name: ours[name] for name in ("@webxdc/vite-plugins", "vite")}
    (folder / "package.json").write_text(json.dumps(example, indent=2) + "\n")
    config = (folder / "vite.config.js").read_text()
    config = config.replace('from "vite";', f'from "vite";\n{IMPORT}').replace(
        "secureContext()]", f"secureContext(), {ONE_LINE}]"
    )
    assert IMPORT in config and ONE_LINE in config, config
    (folder / "vite.config.js").write_text(config)
    index = (folder / "index.html").read_text()
    (folder / "index.html").write_text(
        index.replace("</body>", '  <script type="module" src="/src/main.ts"></script>\n  </body>')
    )
    shutil.copytree(PROJECT, folder, dirs_exist_ok=True)
    npm(folder, "install")
    typescript = [
        f"{name}@{OURS['devDependencies'][name]}" for name in ("typescript", "@types/node")
    ]
    npm(folder, "install", "-D", str(TARBALL), f"@playwright/test@{PLAYWRIGHT}", *typescript)
    return folder


def playwright_test(
    folder: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``npx playwright test ARGS`` in the project, with Debian's browsers; what it did."""
    return subprocess.run(
        [str(folder / "node_modules" / ".bin" / "playwright"), "test", "--reporter=line", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "CHROMIUM": CHROMIUM, "FIREFOX": FIREFOX, **(env or {})},
    )
