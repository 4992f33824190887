"""Write the core's call rules (every host profile) as JSON, for the JS glue.

``make build`` writes ``dist/rules.json`` with this, and ``tools/build-js.mjs`` embeds it
in ``webxdc.js``, so that the rules apply from an app's first call, before Python is live.
Beside them: the frame layout (in the table) and the codes of the glue's contract with
the adapter (``contract``), so that the glue names what the core names.

Usage::

    python tools/export_rules.py OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from webxdc_realtime import export_rules
from webxdc_realtime.browser.contract import export_contract

if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    table = {**export_rules(), "contract": export_contract()}
    Path(sys.argv[1]).write_text(json.dumps(table, indent=1) + "\n")
