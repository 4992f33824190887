"""``python -m webxdc_realtime``: the command line, as ``webxdc-realtime``."""

import sys

from .cli import main

sys.exit(main())
