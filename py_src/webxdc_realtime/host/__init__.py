"""The host tools: what runs in CPython on the developer's machine, never in the page.

``cli`` (the ``webxdc-realtime`` command), ``server`` (the app at the root of its origin,
the host page, our runtime), ``app`` (a folder or an ``.xdc``), ``dev_server`` (``run
URL``), ``live_reload``, ``relay`` (NATS servers), ``peer`` (a peer in Python, for scripts
and bots), ``terminal`` (``listen`` and ``send``, on it) and
``pytest_plugin``. They use the core; the wheel the page loads leaves them out.
"""
