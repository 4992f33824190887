"""The two errors of the core, and the exact messages of the contract.

As in h11, the split is by whose fault it is. :class:`LocalProtocolError` means the
app misused the API; its message is the one SPEC.md prescribes, and the glue throws it
into the app as a JS ``Error`` or ``TypeError`` (:attr:`LocalProtocolError.error_type`).
:class:`RemoteProtocolError` means another peer put a bad frame on the wire; the channel
drops and counts such frames, so it never reaches the app. Any other exception escaping
the core is a bug.
"""

from __future__ import annotations

from typing import Final, Literal

MAX_PAYLOAD: Final = 128_000
"""Largest payload, in bytes, that ``send`` accepts (SPEC.md row 9)."""

ALREADY_JOINED: Final = "realtime listener already exists"
NOT_UINT8ARRAY: Final = "realtime listener data must be a Uint8Array"
TRASHED: Final = "realtime listener is trashed and can no longer be used"

ErrorType = Literal["Error", "TypeError"]


TOO_LARGE: Final = "realtime listener data is too large: {length} bytes, the limit is {limit} bytes"
"""Template of the message for a payload over the limit (SPEC.md row 9): names size and limit."""

NOT_A_FUNCTION: Final = "realtime listener must be a function, got {given}"
"""Template of the message for a listener that is not a function (row 6): names what was given."""


class RealtimeError(Exception):
    """Base class of the errors the core raises on purpose."""


class LocalProtocolError(RealtimeError):
    """The app used the channel API in a way the contract forbids.

    Parameters
    ----------
    message : str
        The message the app sees; one of SPEC.md's.
    error_type : {"Error", "TypeError"}
        The JavaScript error class the glue throws into the app.
    """

    def __init__(self, message: str, error_type: ErrorType = "Error") -> None:
        super().__init__(message)
        self.message = message
        self.error_type: ErrorType = error_type


class RemoteProtocolError(RealtimeError):
    """A frame from the wire is not a well-formed frame of a known version.

    Parameters
    ----------
    message : str
        What was wrong with the frame.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
