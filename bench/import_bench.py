"""Import throughput and memory of the federated import.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--db sqlite,postgres] [--keep]

For each database (a fresh SQLite file; a fresh PostgreSQL database at
127.0.0.1:5432, dropped afterwards) it imports, in order, the four shared
achievement feeds (../shared/data/feeds), the same four again (the idempotent
re-import), then a synthesised feed of --rows rows made by recombining the
shared texts (titles, abstracts, holders of all four markets; fresh ids and
valid patent numbers), written to a temp dir, never into the repository.

Each import runs in its own child process, so "peak MB" is that process's peak
resident memory (ru_maxrss) and "import MB" the growth during the import
itself: flat memory shows as an import MB that does not grow with the rows.
Figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
FEEDS = ROOT.parent / "shared" / "data" / "feeds"
SHARED = [("SH", "sh_achievements.jsonl"), ("JS", "js_achievements.csv"), ("ZJ", "zj_achievements.json"),
          ("AH", "ah_achievements.csv")]
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def _child(url: str, search_dir: str, search: bool, market: str, path: str, queue) -> None:
    from datetime import datetime, timezone

    from market import create_app
    from market.services.imports import import_feed

    backend = "whoosh" if url.startswith("sqlite") else "postgres"  # each database's production choice
    app = create_app("testing", DATABASE_URL=url, SEARCH_BACKEND=backend, SEARCH_INDEX_DIR=search_dir)
    services = app.extensions["market"]
    if not search:  # measure the import alone: unhook the search indexer (issue 4)
        indexer = services.extra["search_indexer"]
        services.extra["before_commit"].remove(indexer.record)
        services.extra["after_commit"].remove(indexer.after_commit)
    before = rss_mb()
    start = time.perf_counter()
    report = import_feed(services.uow_factory(), market, path, Path(path).name, None, datetime.now(timezone.utc))
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"counts": report["counts"], "seconds": seconds, "peak_mb": peak, "import_mb": peak - before})


def run_case(url: str, search_dir: Path, search: bool, market: str, path: Path) -> dict:
    """One import in a fresh process; with ``search`` the search index follows each
    batch (Whoosh in ``search_dir`` on SQLite, the PostgreSQL backend on PostgreSQL)."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(url, str(search_dir), search, market, str(path), queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result


def prepare_sqlite(workdir: Path) -> str:
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    migrate(url)
    return url


def prepare_postgres() -> tuple[str, callable]:
    from sqlalchemy import create_engine, text
    name = f"import_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    migrate(url)

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return url, drop


def migrate(url: str) -> None:
    from alembic import command

    from market.cli import alembic_config
    cfg = alembic_config(url)
    cfg.attributes["configure_logger"] = False
    command.upgrade(cfg, "head")


def synthesise(rows: int, out: Path, seed: int = 7) -> Path:
    """A SH-format JSON Lines feed of ``rows`` rows recombining the shared texts."""
    from market.adapters.feeds import ADAPTERS, HEAD_BYTES
    from market.domain.codes import patent_check_char
    from market.domain.feeds import ListingRecord
    from market.domain.taxonomy import FIELDS

    titles, abstracts, holders = [], [], []
    for market, name in SHARED:
        data = (FEEDS / name).read_bytes()
        adapter = ADAPTERS[market]
        for record in adapter.read(io.BytesIO(data), adapter.detect_kind(data[:HEAD_BYTES])):
            if isinstance(record, ListingRecord):
                titles.append(record.title)
                abstracts.append(record.abstract)
                holders.append(record.holder_name)
    rng = random.Random(seed)
    modes, maturities = ("转让", "普通许可", "独占许可", "作价入股", "合作开发"), ("实验室阶段", "小试阶段", "中试阶段", "产业化阶段")
    with open(out, "w", encoding="utf-8") as f:
        for i in range(rows):
            has_patent = rng.random() < 0.8
            digits = f"{2015 + i % 10}{rng.choice('12')}{(i * 7919) % 10_000_000:07d}"
            title = titles[i % len(titles)]
            if i >= len(titles):
                title = f"{title}（{abstracts[rng.randrange(len(abstracts))][:6]}{i}）"[:200]
            price = None if rng.random() < 0.2 else rng.randint(1, 500) * 10_000
            f.write(json.dumps({
                "projectNo": f"SYN{i:07d}", "title": title, "summary": abstracts[rng.randrange(len(abstracts))],
                "keywords": [], "patentNo": f"ZL{digits}.{patent_check_char(digits)}" if has_patent else None,
                "ipType": "发明专利" if has_patent else "技术秘密", "holder": holders[rng.randrange(len(holders))],
                "field": FIELDS[i % len(FIELDS)], "tradeMode": modes[i % 5],
                "listPrice": None if price is None else f"{price:,}.00", "priceNegotiable": price is None,
                "maturity": maturities[i % 4], "listedAt": f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}T10:00:00+08:00",
                "city": "上海市", "status": "挂牌中",
            }, ensure_ascii=False) + "\n")
    return out


def print_row(db: str, label: str, result: dict) -> None:
    c = result["counts"]
    rate = c["rows_read"] / result["seconds"] if result["seconds"] else 0
    print(f"{db:16} {label:30} {c['rows_read']:>7} {c['created']:>7} {c['unchanged']:>7} {c['rejected']:>6} "
          f"{result['seconds']:>8.1f} {rate:>8.0f} {result['peak_mb']:>8.0f} {result['import_mb']:>8.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--search", default="off,on", help="off: import alone; on: search indexing included")
    args = parser.parse_args()
    if not FEEDS.is_dir():
        sys.exit(f"{FEEDS} is absent: nothing to benchmark")
    with tempfile.TemporaryDirectory(prefix="import_bench_") as tmp:
        workdir = Path(tmp)
        synthetic = synthesise(args.rows, workdir / "synthetic_sh.jsonl")
        print(f"synthetic feed: {args.rows:,} rows, {synthetic.stat().st_size / 1e6:.0f} MB")
        print(f"{'db':16} {'feed':30} {'rows':>7} {'created':>7} {'same':>7} {'rej':>6} {'seconds':>8} "
              f"{'rows/s':>8} {'peak MB':>8} {'import MB':>8}")
        for db in args.db.split(","):
            for search in args.search.split(","):
                bench_database(db, search == "on", workdir, synthetic, args.rows)


def bench_database(db: str, search: bool, workdir: Path, synthetic: Path, rows: int) -> None:
    """A fresh database: the four shared feeds, the same again, then the synthetic feed."""
    label_db = f"{db}{'+search' if search else ''}"
    drop = None
    if db == "sqlite":
        (workdir / "bench.sqlite").unlink(missing_ok=True)
        url = prepare_sqlite(workdir)
    else:
        url, drop = prepare_postgres()
    search_dir = workdir / f"search_{label_db}"
    try:
        for label in ("", " (again)"):
            for market, name in SHARED:
                print_row(label_db, name + label, run_case(url, search_dir, search, market, FEEDS / name))
        print_row(label_db, f"synthetic {rows:,} rows", run_case(url, search_dir, search, "SH", synthetic))
    finally:
        if drop:
            drop()


if __name__ == "__main__":
    main()
