"""A message of frames: everything a peer sent in one task, judged in a few calls.

Apps send in bursts (cursor moves, the chunks of a file, Yjs updates). The glue puts
the frames a page sends within one task back to back in one BroadcastChannel message
(or relay message), and posts it when the task ends: one structured clone and one
event on the receiving side, instead of one per frame. A message of one frame is the
same thing, so that every message is read one way::

    message = frame frame ...        each frame: a 36-byte header, then its payload
                                     (see ``_frame``); its length field says where
                                     the next frame starts

The receiving side judges a message in *runs*: :meth:`Batch.run` judges at once every
frame from the current one that takes the endpoint's fast path (data of our topic from
another peer, while the app listens, on a perfect network), which the glue then hands
to the listener one by one, each as a fresh Uint8Array; :meth:`Batch.next` judges the
next frame whatever it is (an announcement, a frame to delay, anything malformed).

The app's listener may change what later frames of the same message deserve: it may
leave, join again, or store a listener that takes no data. Before such a call reaches
the core, the glue calls :meth:`Batch.cut` with how many frames of the run the app got:
the rest are taken back (uncounted) and judged afresh, in the new state, by the next
:meth:`Batch.run` or :meth:`Batch.next`. So a message of frames is judged exactly as
the same frames sent one per message would be.

A batch works on its endpoint's own state (the fast path's prefix, the last number
heard from each sender, the counters): it is the endpoint's receiving side for messages
of frames, in a module of its own.

Framing is forgiving in one way only: a length field that points past the end of the
message makes the rest of the message one frame, which the decoder drops as malformed
(its length does not match). Bytes too few for a header, and an empty message, are one
malformed frame too.
"""

from __future__ import annotations

from .channel import Endpoint
from .errors import MAX_PAYLOAD
from .events import Event
from .frame import HEADER_SIZE
from .receiving import _PREFIX_SIZE, _TAIL, _after

_LENGTH_AT = HEADER_SIZE - 4  # the payload length field: the header's last 4 bytes


def frame_end(message: bytes, pos: int) -> int:
    """Return where the frame that starts at ``pos`` ends (see the module docstring).

    Parameters
    ----------
    message : bytes
        Frames back to back.
    pos : int
        Where a frame starts, ``pos < len(message)``.

    Returns
    -------
    int
        The end of the frame, at most ``len(message)``.
    """
    size = len(message)
    if size - pos < HEADER_SIZE:
        return size
    length = int.from_bytes(message[pos + _LENGTH_AT : pos + HEADER_SIZE], "big")
    return min(size, pos + HEADER_SIZE + length)


class Batch:
    """The frames of one received message, judged in order.

    Parameters
    ----------
    endpoint : Endpoint
        The page that received it.

    Attributes
    ----------
    message : bytes
        The message being judged.
    pos : int
        Where the next frame to judge starts.
    """

    __slots__ = ("_empty", "_prior", "_run_count", "_run_start", "endpoint", "message", "pos")

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.message = b""
        self.pos = 0
        self._run_start = 0
        self._run_count = 0
        self._empty = False
        # The last heard from each sender of the run before it (None: nothing): a cut
        # restores them.
        self._prior: dict[bytes, int | None] = {}

    def start(self, message: bytes) -> None:
        """Take a new message; nothing is judged yet.

        Parameters
        ----------
        message : bytes
            Frames back to back, as received.
        """
        self.message = message
        self.pos = self._run_start = self._run_count = 0
        self._empty = not message  # an empty message is one (malformed) frame

    @property
    def done(self) -> bool:
        """Whether every frame of the message was judged."""
        return self.pos >= len(self.message) and not self._empty

    def run(self) -> int:
        """Judge the frames from here on that take the fast path.

        Returns
        -------
        int
            How many frames, from :attr:`pos`, to hand to the listener now, in order
            (counted as delivered); 0 if the next frame needs :meth:`next`.
        """
        # The endpoint's fast path (see Endpoint.accept), over as many frames as take it.
        endpoint, message = self.endpoint, self.message
        start = pos = self.pos
        self._run_start, self._run_count = start, 0
        if not endpoint._fast:
            return 0
        prefix, own, size = endpoint._data_prefix, endpoint.peer_id, len(message)
        unpack, add, heard = _TAIL.unpack_from, endpoint.peers.add, endpoint._heard
        last_seen, prior = endpoint._last, self._prior
        prior.clear()
        count = 0
        while pos + HEADER_SIZE <= size and message.startswith(prefix, pos):
            sender, seq, length = unpack(message, pos + _PREFIX_SIZE)
            end = pos + HEADER_SIZE + length
            last = last_seen.get(sender)
            if end > size or length > MAX_PAYLOAD or sender == own or not _after(seq, last):
                break
            if sender not in prior:
                prior[sender] = last
            heard(last_seen, sender, seq)
            add(sender)
            count += 1
            pos = end
        if count:
            endpoint._count_delivered(count, pos - start - count * HEADER_SIZE)
        self._run_count, self.pos = count, pos
        return count

    def next(self, now: float = 0.0) -> tuple[int, int, Event]:
        """Judge the next frame, whatever it is. Never raises.

        Parameters
        ----------
        now : float
            The clock, ms (for the network's bandwidth).

        Returns
        -------
        start, end : int
            Where the frame is in the message; its payload starts at ``start +
            HEADER_SIZE`` when it is well-formed.
        event : Event
            As :meth:`~webxdc_realtime.Endpoint.receive` says.
        """
        start = self.pos
        end = frame_end(self.message, start) if self.message else 0
        self.pos = end
        self._run_count = 0
        self._empty = False
        return start, end, self.endpoint.receive(self.message[start:end], end - start, now)

    def cut(self, delivered: int) -> None:
        """Of the last run, only the first ``delivered`` frames reached the app.

        The others are uncounted, and the next :meth:`run` or :meth:`next` judges them
        again, in whatever state the app's calls have left the page.

        Parameters
        ----------
        delivered : int
            Frames of the run handed to the listener, ``0 <= delivered <= count``.
        """
        count, self._run_count = self._run_count, 0
        if not count or delivered >= count:
            return
        # Uncount and forget the frames not delivered: what was last heard from each
        # sender is what it was before the run, then the delivered frames' numbers.
        endpoint, message = self.endpoint, self.message
        last_seen = endpoint._last
        for sender, value in self._prior.items():
            if value is None:
                last_seen.pop(sender, None)
            else:
                last_seen[sender] = value
        pos, first, payload = self._run_start, 0, 0
        for index in range(count):
            sender, seq, length = _TAIL.unpack_from(message, pos + _PREFIX_SIZE)
            if index == delivered:
                first = pos
            if index < delivered:
                last_seen[sender] = seq
            else:
                payload += length
            pos += HEADER_SIZE + length
        endpoint._count_delivered(delivered - count, -payload)
        self.pos = first


def split_message(message: bytes) -> list[bytes]:
    """Split a message into its frames (see the module docstring); for tools and tests.

    Parameters
    ----------
    message : bytes
        Frames back to back.

    Returns
    -------
    list of bytes
        Each frame, in order (the last may be malformed).
    """
    out, pos = [], 0
    while pos < len(message):
        end = frame_end(message, pos)
        out.append(message[pos:end])
        pos = end
    return out
