"""Segmentation and normalisation shared by every search adapter."""
import pytest

from market.adapters.search import analysis
from market.adapters.search.base import highlight


def words(text, **kw):
    return [t.text for t in analysis.tokenize(text, **kw)]


def test_search_mode_adds_sub_words_so_that_both_long_and_short_words_hit():
    assert {"长三角", "三角"} <= set(words("长三角地区"))


def test_sub_words_share_the_position_of_their_word():
    toks = analysis.tokenize("长三角一体化发展")
    pos = {t.text: t.pos for t in toks}
    assert pos["三角"] == pos["长三角"] == 0
    assert pos["一体化"] == 1


def test_positions_count_words_not_characters():
    toks = [t for t in analysis.tokenize("使用寿命达到一万小时") if not t.sub]
    assert [t.pos for t in toks] == list(range(len(toks)))


def test_traditional_script_is_indexed_as_simplified():
    assert words("長三角的技術轉移") == words("长三角的技术转移")


def test_full_width_digits_and_letters_become_half_width():
    assert "2025" in words("２０２５年")
    assert "5g" in words("５Ｇ通信")


@pytest.mark.parametrize("text, token", [("5G基站", "5g"), ("BiFeO3薄膜", "bifeo3"), ("PM2.5检测", "pm2.5"),
                                         ("Li-ion电池", "li-ion")])
def test_mixed_latin_and_digit_tokens_stay_whole_and_lower_cased(text, token):
    assert token in words(text)


def test_edge_punctuation_is_stripped_from_latin_tokens():
    assert "end" in words("the end.")


def test_offsets_point_into_the_original_text_even_for_traditional_and_full_width():
    text = "長三角５Ｇ"
    for tok in analysis.tokenize(text):
        assert analysis.normalise(text[tok.start:tok.end]).lower() == tok.text or tok.sub


def test_stopwords_take_a_position_but_are_not_emitted():
    toks = analysis.tokenize("电池的寿命")
    assert "的" not in [t.text for t in toks]
    assert {t.text: t.pos for t in toks}["寿命"] == 2


def test_query_chunks_follow_what_the_user_typed_together():
    chunks = analysis.analyse_query("激光雷达 点云")
    assert [c.phrase for c in chunks] == [["激光雷达"], ["点云"]]
    assert chunks[0].words[0].subs == ["激光", "雷达"]


def test_balanced_quotes_make_a_required_phrase_and_stray_quotes_are_ignored():
    chunks = analysis.analyse_query('"使用寿命 达到" 电池')
    assert chunks[0].quoted and chunks[0].phrase == ["使用寿命", "达到"]
    assert not chunks[1].quoted
    assert [c.phrase for c in analysis.analyse_query('电池"')] == [["电池"]]


@pytest.mark.parametrize("query", ["", "   ", "&& || --", "((( *** ~~~", "😀😀", "\"", "!!!"])
def test_queries_without_words_give_no_chunks(query):
    assert analysis.analyse_query(query) == []


def test_very_long_queries_are_capped():
    chunks = analysis.analyse_query(" ".join(f"词{i}" for i in range(500)))
    assert sum(len(c.words) for c in chunks) <= 32


def test_key_terms_weigh_rare_technical_words_above_common_ones():
    terms = dict(analysis.key_terms("企业需要开发高韧性立方氮化硼单晶，提高立方氮化硼单晶的韧性和热稳定性"))
    assert terms["氮化硼"] > terms.get("企业", 0)
    assert max(terms.values()) == 1.0


def test_has_phrase_needs_consecutive_words():
    assert analysis.has_phrase("使用寿命达到一万小时", ["使用寿命", "达到"])
    assert not analysis.has_phrase("达到使用寿命", ["使用寿命", "达到"])


def test_highlight_marks_matched_terms_and_escapes_html():
    out = highlight("<b>激光雷达</b>用于测距", {"激光雷达"})
    assert "<mark>激光雷达</mark>" in out
    assert "&lt;b&gt;" in out


def test_highlight_marks_traditional_text_with_the_simplified_term():
    assert highlight("長三角技術", {"长三角"}) == "<mark>長三角</mark>技術"
