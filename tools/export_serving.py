"""Write what serving an app means (the reserved prefix, the Content-Security-Policy) as JSON.

``make build`` writes ``dist/host/serving.json`` with this, for the Vite plugin
(``js_glue/vite/``), which serves apps as ``webxdc-realtime run`` does: the facts stay the
Python server's (``webxdc_realtime.host.server``), written once.

Usage::

    python tools/export_serving.py OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from webxdc_realtime.host.server import CSP, PREFIX

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    Path(sys.argv[1]).write_text(json.dumps({"prefix": PREFIX, "csp": CSP}, indent=1) + "\n")
