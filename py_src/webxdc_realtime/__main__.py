"""``python -m webxdc_realtime``: the command line, as ``webxdc-realtime``."""

import sys

from .host.cli import main

sys.exit(main())
