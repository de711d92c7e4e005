"""Data of the judged matching set (bench/match_eval.py): the shared demands and the four
markets' achievement feeds, read with the platform's own feed adapters.

Nothing here is copied into the repository: texts are read from ../shared/data at run time;
only ids and grades are stored (bench/match_judgements.json).
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from market.adapters.feeds import adapter_for  # noqa: E402
from market.adapters.search import analysis  # noqa: E402
from market.adapters.search.base import SearchDocument  # noqa: E402
from market.domain.feeds import ACHIEVEMENTS, ListingRecord  # noqa: E402

#: ../shared/data beside the checkout (a worktree one level deeper looks one level further up)
DATA = next((p / "shared" / "data" for p in (ROOT.parent, ROOT.parent.parent) if (p / "shared" / "data").exists()),
            ROOT.parent / "shared" / "data")
FEEDS = (("SH", "sh_achievements.jsonl"), ("JS", "js_achievements.csv"), ("ZJ", "zj_achievements.json"),
         ("AH", "ah_achievements.csv"))
DEMANDS_FILE = "demands_bdci2019.jsonl"
JUDGED_DEMANDS = 64
SAMPLE_SEED = 2019


def load_achievements(data: Path = DATA) -> list[tuple[str, SearchDocument]]:
    """(stable key, document) per achievement of the four feeds: withdrawn rows left out, one
    achievement per patent / title as the import merges them (a patent listed on two markets)."""
    by_key: dict[str, tuple[str, ListingRecord]] = {}
    for market, name in FEEDS:
        with (data / "feeds" / name).open("rb") as fh:
            for rec in adapter_for(market).read(fh, ACHIEVEMENTS):
                if not isinstance(rec, ListingRecord) or rec.withdrawn:
                    continue
                merge = rec.application_numbers[0] if rec.application_numbers else analysis.normalise(rec.title)
                by_key.setdefault(merge, (f"{market}:{rec.external_id}", rec))
    out = []
    for i, (key, rec) in enumerate(sorted(by_key.values(), key=lambda kv: kv[0]), start=1):
        out.append((key, SearchDocument(
            doc_type="achievement", entity_id=i, title=rec.title, body=rec.abstract or "",
            keywords=list(rec.keywords), org=rec.holder_name, field=rec.field, markets=[rec.market_code],
            province=rec.province, ip_type=rec.ip_type, status="published", public=True, version="1")))
    return out


def load_demands(data: Path = DATA, n: int = JUDGED_DEMANDS) -> list[dict]:
    """A fixed random sample of ``n`` shared demands that have a description."""
    with (data / DEMANDS_FILE).open(encoding="utf-8") as fh:
        demands = [json.loads(line) for line in fh]
    demands = sorted((d for d in demands if d.get("abstract")), key=lambda d: d["id"])
    return random.Random(SAMPLE_SEED).sample(demands, n)
