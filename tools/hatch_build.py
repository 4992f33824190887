"""Hatch build hook: the wheel of `make wheel` carries the built runtime.

With WEBXDC_REALTIME_DIST set to a built ``dist/`` (Pyodide, the snapshot, ``webxdc.js``,
the host page, the self-test), the wheel holds it as ``webxdc_realtime/dist``, where
``server.find_runtime`` looks first: an installed wheel runs apps with nothing else.
Without it (the wheel that goes into ``dist/`` for Pyodide, editable installs) nothing
is added.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class RuntimeHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        folder = os.environ.get("WEBXDC_REALTIME_DIST")
        if not folder or self.target_name != "wheel" or version == "editable":
            return
        dist = Path(folder).resolve()
        for needed in ("webxdc.js", "host/index.html", "pyodide.asm.wasm"):
            if not (dist / needed).is_file():
                raise RuntimeError(f"{dist / needed} is missing: run `make build` first")
        build_data["force_include"][str(dist)] = "webxdc_realtime/dist"
