"""The core: the channel's rules with no I/O, the same in CPython and under Pyodide.

The channel and its endpoint (``channel``), the one receiver (``receiver``), frames and
their layout (``frame``), chat and app instance (``scope``), what becomes of a frame and
the counters (``events``), the app's misuse (``errors``), the host profiles' rules as data
(``rules``), the network model (``network``, ``network_forms``), the update log
(``updates``) and ``sendToChat``'s checks (``send_to_chat``). It imports nothing outside
this package but the standard library: not ``js`` or ``pyodide`` (that is
``webxdc_realtime.browser``, the adapter), not the host tools (``webxdc_realtime.host``).
``tests/test_layout.py`` keeps it so.
"""
