"""Whoosh-only behaviour behind the contract suite: ranking-only totals, fast postings paths."""
from __future__ import annotations

from whoosh.formats import Positions

from market.adapters.search.base import SearchQuery
from market.adapters.search.whoosh_index import WhooshSearchIndex, WordPositions, WordTokenizer

from search_fixtures import make_doc


def test_ranking_only_total_with_a_filter_is_bounded_by_the_filtered_documents(tmp_path):
    index = WhooshSearchIndex(tmp_path / "ix")
    index.upsert([make_doc(i, f"储能电池{i}", markets=["SH"] if i <= 3 else ["JS"]) for i in range(1, 11)])
    result = index.search(SearchQuery("储能电池", market="SH", facets=False, snippets=False))
    assert {h.entity_id for h in result.hits} == {1, 2, 3}
    assert 3 <= result.total <= 3


def test_word_positions_format_encodes_the_same_postings_as_whoosh(tmp_path):
    tokenizer = WordTokenizer(line_boosts=(1.5, 1.5))
    text = "長三角激光雷达\n激光雷达；5G；PM2.5\n测试机构\n本发明涉及激光雷达的点云处理，激光雷达很好。"
    ours = list(WordPositions().word_values(text, tokenizer, mode="index"))
    whoosh = list(Positions().word_values(text, tokenizer, mode="index"))
    assert ours == whoosh and ours


def test_rebuild_larger_than_the_memory_limit_sorts_postings_through_run_files(tmp_path):
    index = WhooshSearchIndex(tmp_path / "ix")
    docs = [make_doc(i, f"激光雷达点云{i}号", "一种基于激光雷达的点云处理方法，用于自动驾驶" * 20) for i in range(1, 301)]
    writer_kwargs = index._ix.writer  # a tiny limitmb forces several sorted runs on disk

    def small_writer(*args, **kwargs):
        kwargs["limitmb"] = 0.05
        return writer_kwargs(*args, **kwargs)

    index._ix.writer = small_writer
    assert index.rebuild(docs) == 300
    result = index.search(SearchQuery("激光雷达", per_page=5))
    assert result.total == 300 and len(result.hits) == 5
    assert index.search(SearchQuery("299号")).hits[0].entity_id == 299
