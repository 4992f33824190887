"""The npm package installed with pnpm, in a workspace: its modules are links into
``node_modules/.pnpm``, not hoisted to the app's folder, and the plugin still finds its
runtime (from its own place, never from the working directory). With Vite 5, the oldest
the plugin supports (the template's project has the newest)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from cli.conftest import HostPage

from .conftest import dev_server, wait_for
from .template import ROOT, TARBALL

pytestmark = pytest.mark.browser

PNPM = ROOT / "node_modules" / ".bin" / "pnpm"
VITE_5 = "5.4.21"

CONFIG = """\
import { defineConfig } from "vite";
import { webxdcRealtime } from "webxdc-realtime/vite";

export default defineConfig({ plugins: [webxdcRealtime()] });
"""

INDEX = """\
<!doctype html>
<script src="webxdc.js"></script>
<script>
  const heard = (window.heard = []);
  const channel = window.webxdc.joinRealtimeChannel();
  channel.setListener((data) => heard.push(new TextDecoder().decode(data)));
  window.say = (text) => channel.send(new TextEncoder().encode(text));
</script>
"""


def test_installed_with_pnpm_in_a_workspace_it_finds_its_runtime(
    tmp_path: Path, https_host_page: Any
) -> None:
    root = tmp_path / "monorepo"
    app = root / "packages" / "app"
    app.mkdir(parents=True)
    (root / "package.json").write_text('{"name": "monorepo", "private": true}\n')
    (root / "pnpm-workspace.yaml").write_text("packages:\n  - packages/*\n")
    dependencies = {"vite": VITE_5, "webxdc-realtime": f"file:{TARBALL}"}
    package = {"name": "app", "private": True, "type": "module", "devDependencies": dependencies}
    (app / "package.json").write_text(json.dumps(package, indent=2) + "\n")
    (app / "vite.config.js").write_text(CONFIG)
    (app / "index.html").write_text(INDEX)
    done = subprocess.run(
        [str(PNPM), "install", "--prefer-offline"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    installed = (app / "node_modules" / "webxdc-realtime").resolve()
    assert (app / "node_modules" / "webxdc-realtime").is_symlink()
    assert ".pnpm" in installed.parts, installed

    with dev_server(app, tmp_path / "vite.log", scheme="http") as dev:
        assert wait_for(lambda: dev.said("webxdc:  http://localhost:")), dev.log.read_text()
        host: HostPage = https_host_page(f"{dev.origin}/_webxdc-realtime/")
        host.wait_live(2)
        ada, ben = host.peers()
        ada.evaluate("say('from a pnpm workspace')")
        assert wait_for(lambda: ben.evaluate("heard") == ["from a pnpm workspace"])
        assert ada.evaluate("heard") == []
        host.log()
        assert host.failed == []
