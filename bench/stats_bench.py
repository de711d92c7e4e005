"""Statistics at scale: 1,000,000 contracts on PostgreSQL, timed through the real services.

    .venv/bin/python bench/stats_bench.py [--rows 1000000] [--repeat 5] [--keep]

Creates a scratch database (migrated with Alembic, so the real indexes), fills it
in one INSERT … SELECT over generate_series (provinces weighted towards the delta,
three years of dates, 85% registered), ANALYZEs, then times:

  * flows   — GET /stats/flows for one year: the seller × buyer matrix (+ the year-earlier matrix)
  * quarter — GET /stats/contracts group_by=quarter,province for three years (+ comparison year)

Each timing is the whole service call (both queries, Python shaping). Prints cold,
median and best of --repeat runs, and the query plan of the quarter grouping.
Target: ≤ 1 s each. The figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.orm import sessionmaker  # noqa: E402

from market.adapters import orm  # noqa: E402
from market.adapters.unit_of_work import SqlAlchemyUnitOfWork  # noqa: E402
from market.domain import taxonomy  # noqa: E402
from market.services.stats import contract_stats, flow_stats  # noqa: E402

ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
NOW = datetime(2026, 1, 15, 2, 0, tzinfo=timezone.utc)
#: a province appears as often as its weight: the delta dominates, every other province and abroad occur
WEIGHTED = (["上海"] * 6 + ["江苏"] * 8 + ["浙江"] * 6 + ["安徽"] * 4
            + [p for p in taxonomy.PROVINCES if p not in taxonomy.YRD_PROVINCES] + [taxonomy.ABROAD] * 2)
ORGS_PER_SLOT = 4

FILL = """
INSERT INTO contracts (title, contract_type, field, seller_org_id, seller_province, buyer_org_id,
    buyer_province, contract_amount_fen, tech_amount_fen, signed_on, signed_year, signed_month, source,
    market_code, status, registration_number, created_at, updated_at)
SELECT 'bench ' || g, (CAST(:types AS text[]))[1 + g % 5], (CAST(:fields AS text[]))[1 + (g * 7) % 10],
       s, (CAST(:w AS text[]))[1 + (s - 1) % :n_w], b, (CAST(:w AS text[]))[1 + (b - 1) % :n_w],
       amount, amount * (40 + g % 61) / 100, d, extract(year FROM d)::int, extract(month FROM d)::int,
       (ARRAY['direct','import','auction','demand'])[1 + g % 4],
       CASE (CAST(:w AS text[]))[1 + (s - 1) % :n_w] WHEN '上海' THEN 'SH' WHEN '江苏' THEN 'JS' WHEN '浙江' THEN 'ZJ'
            WHEN '安徽' THEN 'AH' ELSE 'SH' END,
       CASE WHEN g % 20 < 17 THEN 'registered' ELSE 'submitted' END,
       CASE WHEN g % 20 < 17 THEN 'B' || g END,
       now(), now()
FROM (
    SELECT g, s, CASE WHEN b = s THEN b % :orgs + 1 ELSE b END AS b, amount, d
    FROM (SELECT g, 1 + floor(random() * :orgs)::int AS s, 1 + floor(random() * :orgs)::int AS b,
                 (100000 + floor(random() * 5e9))::bigint AS amount,
                 date '2023-01-01' + floor(random() * 1095)::int AS d
          FROM generate_series(1, :rows) AS g) raw
) x
"""


def create_database() -> tuple[str, callable]:
    name = f"stats_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", drop


def migrate(url: str) -> None:
    from alembic import command

    from market.cli import alembic_config
    cfg = alembic_config(url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def fill(engine, rows: int) -> float:
    started = time.perf_counter()
    orgs = len(WEIGHTED) * ORGS_PER_SLOT
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO organisations (name, kind, province, created_at) "
            "SELECT 'bench org ' || k, 'enterprise', (CAST(:w AS text[]))[1 + (k - 1) % :n_w], now() "
            "FROM generate_series(1, :orgs) AS k"), {"w": WEIGHTED, "n_w": len(WEIGHTED), "orgs": orgs})
        conn.execute(text(FILL), {"types": list(taxonomy.CONTRACT_TYPES), "fields": list(taxonomy.FIELDS),
                                  "w": WEIGHTED, "n_w": len(WEIGHTED), "orgs": orgs, "rows": rows})
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE contracts"))
    return time.perf_counter() - started


def timed(label: str, call, repeat: int) -> dict:
    runs = []
    for _ in range(repeat + 1):
        started = time.perf_counter()
        result = call()
        runs.append(time.perf_counter() - started)
    cold, warm = runs[0], runs[1:]
    print(f"  {label:<44} cold {cold * 1000:7.1f} ms   median {statistics.median(warm) * 1000:7.1f} ms"
          f"   best {min(warm) * 1000:7.1f} ms")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    orm.start_mappers()
    url, drop = create_database()
    engine = create_engine(url)
    try:
        migrate(url)
        seconds = fill(engine, args.rows)
        with engine.connect() as conn:
            count = conn.scalar(text("SELECT count(*) FROM contracts"))
            size = conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('contracts'))"))
            version = conn.scalar(text("SHOW server_version"))
        print(f"PostgreSQL {version}: {count:,} contracts ({size}) generated in {seconds:.1f} s "
              f"({count / seconds:,.0f} rows/s)")
        factory = sessionmaker(bind=engine, expire_on_commit=False)

        def uow():
            return SqlAlchemyUnitOfWork(factory)

        flows = timed("flows matrix, 2025 (+2024 for YoY)",
                      lambda: flow_stats(uow(), start="2025", end="2025", now=NOW), args.repeat)
        table = timed("by quarter × province, 2023Q1–2025Q4 (+YoY)",
                      lambda: contract_stats(uow(), start="2023Q1", end="2025Q4", group_by="quarter,province",
                                             side="outflow", now=NOW), args.repeat)
        timed("by quarter × province, inflow, 2025",
              lambda: contract_stats(uow(), start="2025Q1", end="2025Q4", group_by="quarter,province",
                                     side="inflow", now=NOW), args.repeat)
        timed("by month × type, 2025, all contracts",
              lambda: contract_stats(uow(), start="2025", end="2025", group_by="month,type", side="outflow",
                                     registered_only=True, now=NOW), args.repeat)
        print(f"  flows checks: {flows['checks']}; 2025 total {flows['total']['count']:,} contracts; "
              f"intra-delta cross-province share {flows['yrd_cross_province']['share_of_total']}")
        print(f"  quarter table: {len(table['rows'])} rows, total {table['total']['count']:,} contracts")
        with engine.connect() as conn:
            plan = conn.execute(text(
                "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT signed_year, (signed_month + 2) / 3, seller_province, "
                "count(*), sum(contract_amount_fen), sum(tech_amount_fen) FROM contracts WHERE signed_on >= '2023-01-01' "
                "AND signed_on <= '2025-12-31' AND status = 'registered' GROUP BY 1, 2, 3")).scalars().all()
        print("  plan of the quarter grouping:")
        for line in plan:
            print("    " + line)
    finally:
        engine.dispose()
        if args.keep:
            print(f"kept {url}")
        else:
            drop()


if __name__ == "__main__":
    main()
