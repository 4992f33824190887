"""``sendToChat(message)``: Delta Chat desktop's checks, in its order, with its words.

The glue reads the message's shape into :class:`Message` (what is set, what kind each
data key is) and rejects the app's Promise with the plain string this returns, or goes
on with the data key it names. SPEC-webxdc.md, "sendToChat".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

EMPTY: Final = (
    "Error from sendToChat: Invalid empty message, at least one of text or file should be provided"
)
NO_NAME: Final = "file name is missing"
SEVERAL_KEYS: Final = "you can only set one of `blob`, `base64` or `plainText`, not multiple ones"
NO_DATA: Final = (
    "data is not set or wrong format, set one of `blob`, `base64` or `plainText`, "
    "see webxdc documentation for sendToChat"
)

DataKey = Literal["blob", "base64", "plainText"]


@dataclass(frozen=True, slots=True)
class Message:
    """What a ``sendToChat`` message holds, as JavaScript sees it.

    Attributes
    ----------
    text : bool
        ``message.text`` is truthy.
    file : bool
        ``message.file`` is truthy.
    name : bool
        ``message.file.name`` is truthy.
    data_keys : int
        How many of ``blob``, ``base64``, ``plainText`` are keys of ``message.file``.
    blob : bool
        ``message.file.blob instanceof Blob``.
    base64 : bool
        ``typeof message.file.base64 === "string"``.
    plain_text : bool
        ``typeof message.file.plainText === "string"``.
    """

    text: bool = False
    file: bool = False
    name: bool = False
    data_keys: int = 0
    blob: bool = False
    base64: bool = False
    plain_text: bool = False


def check(message: Message) -> tuple[str, DataKey | None]:
    """Decide a ``sendToChat`` call.

    Parameters
    ----------
    message : Message
        Its shape.

    Returns
    -------
    rejection : str
        The string to reject the Promise with; "" if the message is fine.
    data_key : {"blob", "base64", "plainText"} or None
        Which data the file's content is in (None: no file, or rejected).
    """
    if not message.file and not message.text:
        return EMPTY, None
    if not message.file:
        return "", None
    if not message.name:
        return NO_NAME, None
    if message.data_keys > 1:
        return SEVERAL_KEYS, None
    if message.blob:
        return "", "blob"
    if message.base64:
        return "", "base64"
    if message.plain_text:
        return "", "plainText"
    return NO_DATA, None
