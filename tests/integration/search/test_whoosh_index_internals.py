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


def test_doc_masks_set_exactly_the_given_doc_numbers_sparse_or_dense():
    import random

    from market.adapters.search.whoosh_index import doc_mask
    rng = random.Random(5)
    for size in (1, 7, 8, 9, 63, 64, 65, 1000, 4099):
        for share in (0.0, 0.01, 0.5, 1.0):  # below and above the sparse/dense switch
            ids = rng.sample(range(size), int(size * share))
            mask = doc_mask(ids, size)
            assert mask == sum(1 << d for d in ids)
            assert mask.bit_count() == len(ids)
    assert doc_mask(iter([3, 3, 0]), 4) == 0b1001  # any iterable, repeats once


def test_totals_and_facets_over_several_segments_with_deletions_count_each_live_match(tmp_path):
    from market.adapters.search.fake import FakeSearchIndex
    docs = [make_doc(i, f"储能电池{i}" if i % 3 else f"光伏组件{i}", markets=["SH", "JS"] if i % 2 else ["AH"],
                     modes=["转让", "许可"] if i % 4 == 0 else ["转让"], field="新能源" if i % 5 else "电子信息",
                     doc_type="demand" if i % 7 == 0 else "achievement") for i in range(1, 61)]
    index, fake = WhooshSearchIndex(tmp_path / "ix"), FakeSearchIndex()
    for part in (docs[:20], docs[20:45], docs[45:]):  # one segment each
        index.upsert(part)
        fake.upsert(part)
    gone = [d.doc_id for d in docs if d.entity_id % 6 == 0]
    index.delete(gone)
    fake.delete(gone)
    assert len(index._searcher().reader().leaf_readers()) > 1
    for q in (SearchQuery("储能电池"), SearchQuery("储能电池", market="SH"), SearchQuery("电池 光伏"),
              SearchQuery(""), SearchQuery("", public_only=False),
              SearchQuery("储能电池", exclude_ids=frozenset({"achievement:1", "achievement:2"}))):
        ours, ref = index.search(q), fake.search(q)
        assert ours.total == ref.total and ours.total > 0
        assert ours.facets == ref.facets


def test_scores_use_the_same_field_lengths_as_whoosh_on_every_segment(tmp_path):
    from whoosh.searching import Searcher
    index = WhooshSearchIndex(tmp_path / "ix")
    index.upsert([make_doc(i, f"激光雷达{i}", "点云处理" * i) for i in range(1, 6)])
    index.upsert([make_doc(i, f"激光雷达{i}", "点云" * (i % 4)) for i in range(6, 12)])
    searcher = index._searcher()
    leaves = searcher.reader().leaf_readers()
    assert len(leaves) == 2
    for reader, _ in leaves:
        scorer = searcher.weighting.scorer(Searcher(reader, weighting=searcher.weighting), "text", "激光雷达")
        assert type(scorer.dfl).__name__ == "builtin_function_or_method"  # the list lookup, not Whoosh's path
        for docnum in range(reader.doc_count_all()):
            assert scorer.dfl(docnum) == reader.doc_field_length(docnum, "text", 1)


def test_snippets_and_explanations_skip_segmenting_only_texts_no_term_can_match(monkeypatch):
    from market.adapters.search import base
    texts = ["長三角激光雷達", "ＰＭ２．５监测仪", "LiDAR点云处理", "ΑΣ Σ传感器", "测试机构", "", "a" * 6000 + "激光"]
    term_sets = [{"激光雷达", "激光", "雷达"}, {"pm2.5"}, {"lidar", "点云"}, {"ας", "σ"}, {"传感器"}, {"无关"}]
    doc = make_doc(1, "", "")

    def outputs():
        out = []
        for text in texts:
            for terms in term_sets:
                doc.title = doc.body = doc.org = text
                out.append((base.explain(doc, terms), base.highlight(text, terms), base.highlight(text, terms, 200)))
        return out

    shortcut = outputs()
    base._analysed.cache_clear()
    monkeypatch.setattr(base, "_may_match", lambda text, terms: True)
    assert outputs() == shortcut
    assert any(e for e, _, _ in shortcut) and any(not e for e, _, _ in shortcut)


def test_exact_totals_reuse_posting_blocks_ranking_decoded_without_losing_or_adding_documents(tmp_path):
    from market.adapters.search import whoosh_index
    from market.adapters.search.fake import FakeSearchIndex
    docs = [make_doc(i, f"储能电池{i}号" if i % 2 else f"光伏电池{i}号", "电池管理系统" * (1 + i % 3),
                     markets=["SH"] if i % 3 else ["JS"]) for i in range(1, 401)]  # postings of several blocks
    index, fake = WhooshSearchIndex(tmp_path / "ix"), FakeSearchIndex()
    index.rebuild(docs)
    fake.upsert(docs)
    gone = [d.doc_id for d in docs if d.entity_id % 10 == 0]
    index.delete(gone)
    fake.delete(gone)
    reads = []
    original = whoosh_index.posting_ids
    monkey = lambda *a: reads.append(a[1:]) or original(*a)  # noqa: E731
    whoosh_index.posting_ids = monkey
    try:
        for q in (SearchQuery("储能电池 光伏"), SearchQuery("电池", market="JS"), SearchQuery("储能电池", page=3)):
            assert index.search(q).total == fake.search(q).total > 100
    finally:
        whoosh_index.posting_ids = original
    assert ("text", "电池") in reads  # the exact total read the term's postings (cold masks)


def test_a_committed_batch_leaves_no_segment_reader_for_the_garbage_collector(tmp_path):
    """A writer's segment readers (each a memory map of its segment) must go when the writer
    does: left in reference cycles, every batch of an import kept a mapping of the whole index
    until the next full collection."""
    import gc

    from whoosh.reading import SegmentReader
    index = WhooshSearchIndex(tmp_path / "ix")
    index.upsert([make_doc(i, f"储能电池{i}") for i in range(1, 6)])
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for n in range(2):   # the second batch's writer opens readers of the first's segments
            index.upsert([make_doc(i, f"光伏组件{i}") for i in range(10 * n + 6, 10 * n + 11)])
        gc.collect()
        left = [o for o in gc.garbage if isinstance(o, (SegmentReader, FileExistsError))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert left == []
    assert index.search(SearchQuery("光伏组件")).total == 10
