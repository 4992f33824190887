"""The Pyodide adapter: the page's Python, between the JS glue and the core.

``adapter`` is the one module that imports ``js`` and ``pyodide``: the glue makes one
:class:`~webxdc_realtime.browser.adapter.BrowserEndpoint` per page and calls it once per
app call or received message. ``contract`` says what crosses, written once: each call,
each result, and the codes both sides name (exported into ``webxdc.js`` at build time).
"""
