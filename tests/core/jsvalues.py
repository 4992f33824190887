"""JS values an app may pass to ``send`` or ``setListener``, as plain data for tests.

A value is a small dict (a *descriptor*), which the CPython tests read here the way the
glue reads the real value (``js_glue/webxdc/rules.js``, ``readBytes``), and which the browser
tests build into the real JS value (``tests/browser/pages/sequence.js``). The
differential test compares the two readings' outcomes.

==========================  ==============================================
descriptor                  the JS value
==========================  ==============================================
``{"u8": n, "fill": b}``    ``new Uint8Array(n).fill(b)``
``{"view": n, "fill": b}``  n bytes b, a ``subarray`` in the middle of a larger buffer
``{"array": [..]}``         a plain Array of those numbers
``{"int8": [..]}``          ``new Int8Array([..])``
``{"arraybuffer": n}``      ``new ArrayBuffer(n)``
``{"dataview": n}``         ``new DataView(new ArrayBuffer(n))``
``{"arraylike": n}``        ``{length: n}``
``{"string": s}``           the string s
``{"number": x}``           the number x
``{"boolean": x}``          true or false
``{"object": true}``        ``{}``
``{"function": true}``      a function
``{"null": true}``          null
``{"undefined": true}``     undefined
==========================  ==============================================
"""

from __future__ import annotations

from typing import Any, NamedTuple

from webxdc_realtime import UINT8ARRAY_TAG

Descriptor = dict[str, Any]

_TAGS = {
    "u8": UINT8ARRAY_TAG,
    "view": UINT8ARRAY_TAG,
    "array": "[object Array]",
    "int8": "[object Int8Array]",
    "arraybuffer": "[object ArrayBuffer]",
    "dataview": "[object DataView]",
    "arraylike": "[object Object]",
    "string": "[object String]",
    "number": "[object Number]",
    "boolean": "[object Boolean]",
    "object": "[object Object]",
    "function": "[object Function]",
    "null": "[object Null]",
    "undefined": "[object Undefined]",
}
_TYPEOF = {
    "u8": "object",
    "view": "object",
    "array": "object",
    "int8": "object",
    "arraybuffer": "object",
    "dataview": "object",
    "arraylike": "object",
    "object": "object",
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "function": "function",
    "null": "null",
    "undefined": "undefined",
}


def kind(value: Descriptor) -> str:
    """The descriptor's kind: its first key."""
    return next(iter(value))


def typeof(value: Descriptor) -> str:
    """What the glue passes ``setListener``'s check: ``typeof``, ``"null"`` for null."""
    return _TYPEOF[kind(value)]


def tag(value: Descriptor) -> str:
    """``Object.prototype.toString`` of the value."""
    return _TAGS[kind(value)]


def _array_from(value: Descriptor) -> list[object]:
    """What ``Array.from(value)`` gives (not for null or undefined, where it throws)."""
    k = kind(value)
    if k == "u8" or k == "view":
        return [value["fill"]] * value[k]
    if k == "array" or k == "int8":
        return list(value[k]) if k == "array" else [((v + 128) % 256) - 128 for v in value[k]]
    if k == "string":
        return list(value[k])
    if k == "arraylike":
        return [None] * value[k]
    return []  # ArrayBuffer, DataView, numbers, booleans, {}, functions of no parameter


class Read(NamedTuple):
    """The facts ``send`` is decided on, and the bytes it would send."""

    tag: str
    length: int | None
    bytes_ok: bool
    payload: bytes | None


def read(value: Descriptor, reads: str) -> Read:
    """Read ``value`` as the glue's ``readBytes`` does under a profile's ``send_reads``."""
    t = tag(value)
    if t == UINT8ARRAY_TAG:
        payload = bytes(_array_from(value))  # type: ignore[arg-type]
        return Read(t, len(payload), True, payload)
    if reads == "array-from" and kind(value) not in ("null", "undefined"):
        numbers = _array_from(value)
        if all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 255 for n in numbers):
            return Read(t, len(numbers), True, bytes(numbers))  # type: ignore[arg-type]
    return Read(t, None, False, None)


def filled(n: int, byte: int = 0) -> Descriptor:
    """``new Uint8Array(n).fill(byte)``."""
    return {"u8": n, "fill": byte}
