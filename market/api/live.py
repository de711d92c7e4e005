"""The live feeds (server-sent events): one lot, or every lot of an auction day.

Served by the process the README's production section gives for the stream URLs (gunicorn's
gevent worker: an open stream costs a greenlet, not a thread), or by any process in development.
Each process has one `LiveFeed` (one bus subscription), built on the first stream it serves."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import replace

from flask import Response, current_app, request, stream_with_context
from flask.views import MethodView

from market.adapters.peer import peer_closed
from market.domain.errors import NotFound
from market.services import auctions as svc
from market.services.live_feed import FeedSettings, FeedStore, LiveFeed
from market.services.live_stream import AuctionCursor, LotCursor, stream

from .auctions import _responds, auctions_blp, lots_blp
from .deps import services
from .fields import local_event_times, local_times
from .schemas import MAX_ID

EVENT_TYPES = ("lot_opened, timed_window_started (the free period is over: 限时报价期), bid_accepted, "
               "window_restarted, lot_closed, lot_cancelled; reconnect (the stream fell a whole queue "
               "behind: reconnect with Last-Event-ID)")


def _event_doc(id_doc: str) -> dict:
    return {"type": "object", "required": ["event", "data"], "properties": {
        "id": {"type": "string", "description": id_doc},
        "event": {"type": "string", "description": EVENT_TYPES},
        "data": {"type": "string", "description": "the event as a JSON object, with `server_now`; "
                                                  "times in Asia/Shanghai (+08:00)"},
        "retry": {"type": "integer", "description": "reconnection delay (ms), sent first"},
    }}


LOT_EVENT = _event_doc("the lot's event sequence number (send it back as Last-Event-ID)")
AUCTION_EVENT = _event_doc("the event's id, unique and increasing across the day's lots "
                           "(send it back as Last-Event-ID)")
_build_lock = threading.Lock()


def live_feed() -> LiveFeed:
    """This process's feed, built once (after gunicorn forked the worker)."""
    extra = services().extra
    feed = extra.get("live_feed")
    if feed is None:
        with _build_lock:
            feed = extra.get("live_feed")
            if feed is None:
                settings = FeedSettings.from_config(current_app.config)
                bus = services().events
                if not getattr(bus, "shared", False):   # other processes' events come from the DB
                    settings = replace(settings, poll_seconds=min(settings.poll_seconds, 1.0))
                feed = extra["live_feed"] = LiveFeed(bus, FeedStore(services().uow_factory),
                                                     settings, render=_render)
    return feed


def _render(event: dict) -> str:
    """The event's JSON, once for all its watchers; `event_id` (known only for events read from
    the database) is the day stream's SSE id, not part of the event."""
    shown = {k: v for k, v in event.items() if k != "event_id"}
    return json.dumps(local_event_times(shown), ensure_ascii=False, separators=(",", ":"))


def _last_event_id() -> int:
    """Last-Event-ID (or ?last_event_id=): an id; anything else replays from the start."""
    raw = request.headers.get("Last-Event-ID") or request.args.get("last_event_id") or "0"
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID else 0


def _respond(cursor, feed: LiveFeed) -> Response:
    environ = request.environ
    sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
    send_buffer = int(current_app.config.get("SSE_SEND_BUFFER_BYTES") or 0)
    if sock is not None and send_buffer:   # bounds the kernel's memory for a watcher that reads slowly
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    clock = services().clock
    body = stream(cursor, feed.settings, server_now=lambda: local_times(clock.now()),
                  client_gone=lambda: peer_closed(sock))
    return Response(stream_with_context(body), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@lots_blp.route("/<int:lot_id>/events")
class LotEvents(MethodView):
    @_responds(lots_blp, 200, LOT_EVENT, content_type="text/event-stream",
               description="the event stream; the schema describes one event (`id:`, `event:`, `data:` lines)")
    @_responds(lots_blp, 204, description="the lot is over and every event has been seen")
    def get(self, lot_id):
        """Server-sent events of one lot. Each has an id (the lot's event sequence); reconnect with
        `Last-Event-ID` to resume."""
        after = _last_event_id()
        factory = services().uow_factory
        final = svc.lot_is_final(factory(), lot_id)
        if final is None:
            raise NotFound(f"拍品 {lot_id} 不存在 (lot not found)")
        if final and not svc.lot_events_after(factory(), lot_id, after):
            return Response(status=204)   # over and fully seen: tells EventSource to stop
        feed = live_feed()
        return _respond(LotCursor(feed, lot_id, after), feed)


@auctions_blp.route("/<int:auction_id>/events")
class AuctionEvents(MethodView):
    @_responds(auctions_blp, 200, AUCTION_EVENT, content_type="text/event-stream",
               description="the event stream of every lot of the day (operator console, big screen)")
    def get(self, auction_id):
        """Server-sent events of every lot of an auction day, in order; each id is unique and
        increasing across lots: reconnect with `Last-Event-ID` to resume."""
        feed = live_feed()
        if not feed.store.auction_exists(auction_id):
            raise NotFound(f"拍卖会 {auction_id} 不存在 (auction not found)")
        return _respond(AuctionCursor(feed, auction_id, _last_event_id()), feed)
