"""What crosses between the JS glue and the Python core in the page: the contract, once.

The glue (``js_glue/webxdc/``: ``page.js``, ``updates.js``, ``api.js``, ``network.js``) calls the
adapter (:mod:`webxdc_realtime.browser.adapter`), one call per app call or received
message. Arguments are JS primitives, converted implicitly, with no proxy made per
message: frame headers cross as latin-1 strings, one char per byte (cheaper than a
Uint8Array proxy each way); a message of frames crosses as a Uint8Array, read in one copy.
Results are JS primitives, or small objects whose one distinctive key names them; the glue
hands the adapter the makers of those objects (``js_glue/webxdc/contract.js``, ``SHAPES``),
so that each is made in JS by a call with primitives, a fifth of what converting a dict
costs. The codes below are exported into ``webxdc.js`` at build time (``contract`` beside
the rules table, with the frame layout, ``frame``), so that the glue names them as the
core does.

An app's misuse comes back as a *value*, a JS ``Error`` or ``TypeError`` with the
contract's message (SPEC.md), which the glue throws (``if (result instanceof Error)
throw result``): raised, it would reach the app wrapped in Pyodide's ``PythonError``.
The glue's ``SHAPES.error`` makes it, in the page's own realm: peers of a host page share
one runtime that lives in another page, whose ``TypeError`` is not the app's. For the same
reason the adapter keeps no JS object of a page beyond ``endpoint.close()``. A bad frame
never becomes an exception.

=========================================  ================================================
the glue calls                             and gets
=========================================  ================================================
``BrowserEndpoint(chat, instance,          the page's endpoint: ``channel_name``,
profile, addr, SHAPES)``                   ``updates_name``, ``network_name``,
                                           ``relay_subject``, ``relay_updates_subject``,
                                           ``relay_sync_subject``,
                                           ``relay_announce_again_ms``, ``header_size``,
                                           ``rules_digest``
``endpoint.join()``                        a *reply* with the new ``channel``; or an Error
``channel.set_listener(typeof fn)``        nothing; or an Error
``channel.send(toStringTag, length,        the header (str): post header + payload; an
bytes_ok)``                                Error; or a reply with ``header`` (null: not
                                           sent) and ``log`` (for the console, or "")
``channel.leave()``                        a reply
``endpoint.announce_again()``              a reply: through a relay, ``relay_announce_again_ms``
                                           after joining or connecting, a presence frame
``endpoint.receive(header,                 a *verdict* on one frame that came alone
payload.length[, payload, now])``
``endpoint.due(payload.length)``           the verdict on a frame the network delayed or
                                           held, when its time comes: ``DELIVER`` or not
``endpoint.receive_batch(message, now)``,  a *step* of judging a message of frames
``endpoint.receive_more(now)``
``endpoint.cut(delivered)``                the app is about to call the core during a run
                                           it got only this many frames of: the rest is
                                           taken back, judged again in the next step
``endpoint.set_network(json)``,            the network's conditions (see ``network.js``)
``network_change``, ``parse_network``,
``judge_update``
``endpoint.stats(now)``, ``set_tap(on)``,  counters; tell the devtools why frames drop
``set_trace(on)``, ``set_dedupe(on)``      (frame by frame), tell the trace (runs kept);
                                           frames come two ways (a relay)
``channel.ahead``, ``sent_ahead``,          decisions made ahead (below)
``endpoint.ahead``, ``took_ahead``
``endpoint.close()``                       the page is gone: let go of its JS objects
``BrowserUpdates(...)`` and its methods    the update log (see ``updates.js``)
``send_to_chat(...)``                      ``[rejection, data key]``
=========================================  ================================================

*Ahead*: the core may decide before it is asked, and the glue apply the decision
byte for byte, with no call per frame:

- ``channel.ahead(count)``: ``{keys, count, limit, epoch}``, the headers of this channel
  object's next ``count`` sends of a Uint8Array of at most ``limit`` bytes, concatenated,
  their length fields zero (the glue writes the payload's length there); ``count`` 0: no
  send is only a send in this state. When they run out, ``channel.sent_ahead(frames,
  payload_bytes, count)`` takes in those sent and hands out ``count`` more.
- ``endpoint.ahead(count)``: ``{keys, count, limit, epoch}``, for each peer heard from,
  the header parts up to the length field of its next ``count`` data frames: such a
  frame, whole, of at most ``limit`` bytes, and not before one already taken from that
  sender, is delivered as ``receive`` would, alone or at the start of a message of frames
  (the glue hands the core the rest of the message, from the first frame that is not
  one). ``endpoint.took_ahead(taken, frames, payload_bytes)`` takes in those delivered
  since it was last called; ``endpoint.ahead`` again, after it, hands out each sender's
  next ones.

The glue hands the core what it took before any other call into it, so that every call
(``stats`` too) sees the state it would have seen frame by frame. Which decisions a call
spoiled is the core's to say: after a call, decisions whose ``epoch`` is no longer
``endpoint.send_epoch`` (sends) or ``endpoint.receive_epoch`` (frames) are forgotten. The
core moves them on when a decision may no longer hold (an app call's effects, a send or
a delivery made another way, the fast path's conditions); the glue only compares.

A *reply* is ``{frames, member, ...}``: announcements to post first, in order, and
whether the page is in the channel afterwards (the glue opens or closes its
BroadcastChannel).

A *verdict* on a frame is one of:

- a :class:`Received` code: ``DELIVER`` (hand the payload to the listener of the channel
  object that receives, now), ``NOTHING`` (dropped, or an announcement taken in),
  ``NEEDS_PAYLOAD`` (call ``receive`` again with the payload: an announcement names its
  sender; at most 256 bytes);
- ``{answer: frame}``: post this frame (latin-1), the answer to a peer's join;
- ``{after: [ms, ...]}``: the network delays it (twice: a duplicate); call ``due`` when
  each delay ends;
- ``{held: id}``: the network holds it until ``set_network`` releases that id (then
  ``due``) or drops it;
- ``{dropped: reason}``: dropped, said only while tapped (the devtools are open).

A *step* of a message of frames is one of:

- ``{run: n, start, done}``: hand the next ``n`` frames from byte ``start`` to the
  listener, in order, each a fresh Uint8Array of its payload (each header says its
  payload's length, see ``frame``); then, unless ``done``, ask for the next step;
- ``{frame: verdict, start, end, done}``: the frame at ``start:end`` of the message was
  judged on its own, with this verdict (its header is the first ``header_size`` bytes).
"""

from __future__ import annotations

import enum


class Received(enum.IntEnum):
    """The verdicts on a frame that are a number (the others are objects; see above)."""

    NOTHING = 0
    DELIVER = 1
    NEEDS_PAYLOAD = 2


def export_contract() -> dict[str, object]:
    """Return the codes the glue names, as JSON data, for ``webxdc.js``.

    Returns
    -------
    dict
        ``{"received": {"NOTHING": 0, "DELIVER": 1, "NEEDS_PAYLOAD": 2}}``.
    """
    return {"received": {code.name: code.value for code in Received}}
