"""Liveness and database health."""
from flask import Blueprint, jsonify
from sqlalchemy import text

from .deps import services

blp = Blueprint("health", __name__)


@blp.get("/healthz")
def healthz():
    """Reports whether the database answers; 503 if it does not."""
    database = {"ok": True}
    try:
        with services().uow_factory() as u:
            u.session.execute(text("SELECT 1"))
            database["dialect"] = u.session.bind.dialect.name
    except Exception as exc:  # the point is to report it, not to raise
        database = {"ok": False, "error": type(exc).__name__}
    body = {"status": "ok" if database["ok"] else "degraded", "database": database}
    feed = services().extra.get("live_feed")
    if feed is not None:   # this process's open event streams (the feed process: all of them)
        body["live_watchers"] = feed.fanout.count()
    return jsonify(body), 200 if database["ok"] else 503
