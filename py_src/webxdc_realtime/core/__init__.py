"""The core: the channel's rules with no I/O, the same in CPython and under Pyodide.

State machines and frames (``channel``, ``receiving``, ``batch``, ``frame``, ``scope``),
the host profiles' rules as data (``rules``), the network model (``network``,
``network_forms``), the update log (``updates``) and ``sendToChat``'s checks
(``send_to_chat``). It imports nothing outside this package but the standard library:
not ``js`` or ``pyodide`` (that is ``webxdc_realtime.browser``, the adapter), not the host
tools (``webxdc_realtime.host``). ``tests/core/test_layout.py`` keeps it so.
"""
