"""The wheel the page loads: the package's wheel without what only CPython runs.

The page imports the core and the adapter (``webxdc_realtime.core``,
``webxdc_realtime.browser``); the host tools (``webxdc_realtime.host``: the command line,
its server, the pytest plugin, the relay) run on the developer's machine. So the wheel in
``dist/``, which Pyodide loads and the snapshot holds, leaves them out, with the entry
points that name them, the dependencies they need (aiohttp, watchfiles: nothing is left
for micropip or ``loadPackage`` to look for) and the README in its metadata. pypa's
``wheel`` writes the RECORD.

Usage::

    python tools/browser_wheel.py FULL.whl OUT_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from wheel.wheelfile import WheelFile

LEFT_OUT = ("webxdc_realtime/host/", "webxdc_realtime/__main__.py")


def main(source: Path, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / source.name
    with WheelFile(source) as full, WheelFile(target, "w") as browser:
        for info in full.infolist():
            name = info.filename
            if name.startswith(LEFT_OUT) or name.endswith(("/RECORD", "/entry_points.txt")):
                continue
            data = full.read(name)
            if name.endswith("/METADATA"):  # its headers, without the README after them
                headers = data.decode().split("\n\n", 1)[0].split("\n")
                dropped = ("Requires-Dist:", "Provides-Extra:")
                data = "\n".join(h for h in headers if not h.startswith(dropped)).encode() + b"\n"
            browser.writestr(info, data)
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(main(Path(sys.argv[1]), Path(sys.argv[2])))
