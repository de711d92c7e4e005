"""The four markets' real exports (../shared/data/feeds), when present."""
import collections
import hashlib
import io

import pytest
from sqlalchemy import select

from market.adapters import orm
from market.adapters.feeds import ADAPTERS, HEAD_BYTES
from market.domain import normalise as nz
from market.domain.feeds import ListingRecord

pytestmark = [pytest.mark.shared, pytest.mark.slow]

FEEDS = [("SH", "sh_achievements.jsonl"), ("JS", "js_achievements.csv"), ("ZJ", "zj_achievements.json"),
         ("AH", "ah_achievements.csv"), ("SH", "sh_demands.jsonl"), ("JS", "js_demands.csv"),
         ("ZJ", "zj_demands.jsonl"), ("AH", "ah_demands.csv")]


@pytest.fixture
def feeds_dir(shared_data_dir):
    path = shared_data_dir / "feeds"
    if not path.is_dir():
        pytest.skip("../shared/data/feeds is absent")
    return path


def expected_duplicate_groups(feeds_dir) -> list[set[tuple[str, str]]]:
    """Listings that must share one achievement, worked out from the parsed rows
    alone: the same patent number, or (without one) the same normalised title + holder."""
    groups = collections.defaultdict(set)
    for market, name in FEEDS[:4]:
        adapter = ADAPTERS[market]
        data = (feeds_dir / name).read_bytes()
        for record in adapter.read(io.BytesIO(data), adapter.detect_kind(data[:HEAD_BYTES])):
            if not isinstance(record, ListingRecord):
                continue
            keys = [f"P:{p}" for p in record.application_numbers] or [
                "T:" + hashlib.sha1(nz.title_holder_key(record.title, record.holder_name).encode()).hexdigest()]
            for key in keys:
                groups[key].add((market, record.external_id))
    return [members for members in groups.values() if len({m for m, _ in members}) > 1]


def test_all_four_shared_feeds_import_reconcile_and_merge_duplicates(feeds_dir, run_import, uow_factory):
    first = {}
    for market, name in FEEDS:
        report = run_import(market, feeds_dir / name)
        counts = report["counts"]
        assert counts["rows_read"] == sum(counts[k] for k in ("created", "updated", "unchanged", "withdrawn",
                                                                "rejected")), name
        assert counts["rejected"] == len({(e["row"]) for e in report["errors"]}), name
        first[name] = report
    reasons = collections.Counter((r["market_code"], e["field"], e["reason"].split("'")[0].split("(")[0].strip())
                                  for r in first.values() for e in r["errors"])
    print("\nfirst import:", {n: r["counts"] for n, r in first.items()})
    print("rejected by reason:", dict(reasons))
    assert sum(r["counts"]["created"] for r in first.values()) > 7000

    for market, name in FEEDS:
        counts = run_import(market, feeds_dir / name)["counts"]
        assert counts["created"] == counts["updated"] == counts["withdrawn"] == 0, name
        assert counts["rejected"] == first[name]["counts"]["rejected"], name

    groups = expected_duplicate_groups(feeds_dir)
    assert len(groups) > 100
    with uow_factory() as uow:
        t = orm.achievement_listings.c
        owner = {(m, e): a for m, e, a in uow.session.execute(select(t.market_code, t.external_id, t.achievement_id))}
    split = [g for g in groups if len({owner[member] for member in g if member in owner}) != 1]
    assert split == []
