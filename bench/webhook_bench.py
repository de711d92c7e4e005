"""Webhook deliveries per second to a local receiver.

    .venv/bin/python bench/webhook_bench.py [--events 1000] [--subscriptions 3] [--db sqlite|postgres]

Builds a scratch database (a temp SQLite file, or a fresh PostgreSQL database at 127.0.0.1:5432,
dropped afterwards), one user owning --subscriptions webhook subscriptions to a threaded HTTP/1.1
receiver on 127.0.0.1 (ephemeral port, answers 200), and --events changes in the feed; then runs
the scheduler's delivery worker (``deliver_due`` with the real ``HttpWebhookSender``: signed
POSTs, keep-alive, WEBHOOK_WORKERS threads) until every delivery is recorded as delivered.
Prints one line: deliveries, seconds, deliveries/s. Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from market.adapters import orm  # noqa: E402
from market.adapters.db import make_engine  # noqa: E402
from market.adapters.orm_federation import webhook_deliveries  # noqa: E402
from market.adapters.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from market.adapters.webhooks import HttpWebhookSender  # noqa: E402
from market.domain import federation as fed  # noqa: E402
from market.domain.taxonomy import MARKETS  # noqa: E402
from market.services.federation.webhooks import deliver_due  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive, as a real receiver behind a proxy would

    def do_POST(self):   # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def database(kind: str):
    """(url, cleanup)."""
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "webhooks.sqlite"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    name = f"webhook_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", drop


def seed(uow_factory, events: int, subscriptions: int, url: str) -> None:
    with uow_factory() as uow:
        s = uow.session
        for code, name, province in MARKETS:
            s.execute(orm.markets.insert().values(code=code, name=name, province=province))
        user_id = s.execute(orm.users.insert().values(
            email="admin@example.cn", password_hash="x", display_name="admin", role="admin", active=True,
            created_at=NOW).returning(orm.users.c.id)).scalar_one()
        for i in range(subscriptions):
            uow.federation.add_subscription({
                "market_code": None, "owner_id": user_id, "url": url, "description": f"bench {i}",
                "event_types": list(fed.EVENT_TYPES), "secret": f"whsec_bench_{i}", "active": True, "cursor": 0,
                "created_at": NOW, "updated_at": NOW})
        representation = {"title": "一种基于石墨烯的柔性散热膜及其制备方法", "abstract": "导热系数提高百分之四十。" * 5,
                          "market_code": "SH", "price_fen": 500_000_00, "keywords": ["石墨烯", "散热"]}
        uow.federation.append_changes([
            {"entity_type": "achievement", "entity_id": i, "kind": "created", "event_type": "listing.published",
             "version": f"{i:016x}", "representation": {**representation, "id": i}, "committed_at": NOW}
            for i in range(1, events + 1)], {})
        uow.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--subscriptions", type=int, default=3)
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgres"))
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url, cleanup = database(args.db)
    orm.start_mappers()
    engine = make_engine(url)
    try:
        orm.metadata.create_all(engine)
        factory = sessionmaker(bind=engine, expire_on_commit=False)
        uow_factory = lambda: SqlAlchemyUnitOfWork(factory)   # noqa: E731
        seed(uow_factory, args.events, args.subscriptions, f"http://127.0.0.1:{server.server_address[1]}/hook")
        sender = HttpWebhookSender(workers=args.workers, allowed_hosts=("127.0.0.1",))
        policy = fed.RetryPolicy()
        total = args.events * args.subscriptions
        started = time.perf_counter()
        delivered = 0
        while delivered < total:
            delivered += deliver_due(uow_factory, sender, lambda: datetime.now(timezone.utc), policy)["delivered"]
        seconds = time.perf_counter() - started
        with engine.connect() as conn:
            done = conn.scalar(select(func.count()).select_from(webhook_deliveries)
                               .where(webhook_deliveries.c.status == "delivered"))
        print(f"webhooks {args.db}: {done:,} deliveries ({args.events:,} events x {args.subscriptions} subscriptions, "
              f"{args.workers} sender threads) in {seconds:.2f} s = {done / seconds:,.0f} deliveries/s")
    finally:
        engine.dispose()
        server.shutdown()
        cleanup()


if __name__ == "__main__":
    main()
