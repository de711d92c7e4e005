"""Key terms of a listing for matching: real terms, weighted by where they stand.

Why not plain TF-IDF over the segmentation: the measured matcher (issue 21) ranked
segmentation fragments first (包上 of 电池包上盖, 智能网 of 智能网联), and generic demand words
(研发, 技术, 提高 ...) and organisation names carried whole lists. Here:

* a candidate is a dictionary word with a noun-like part of speech (rjieba's tagger), a
  rare verb of jieba's IDF table (焊接, 注塑: processes) or a Latin/alphanumeric term (LED);
  verbs the dictionary barely knows (包上), single characters, numbers, places, person and
  organisation names (POS ns / nr / nt) never are;
* a word glued to a following single content character (智能网 + 联, 电池 + 包) is a piece of
  a compound the dictionary lacks: the compound (智能网联, 电池包) is the term, not the piece;
* words every demand uses are dropped (config/match_stopwords.txt, documented there);
* the title weighs most, the stated goal (需求内容, 预期目标, 技术指标) more than the company's
  background (公司简介, 现有基础), which weighs little.
"""
from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import rjieba

from market.adapters.search import analysis

STOPWORDS_PATH = Path(__file__).resolve().parents[3] / "config" / "match_stopwords.txt"
NOUN_POS = frozenset({"n", "nz", "vn", "l", "eng", "ng", "an", "j", "nrt", "i", "nr", "nrfg"})
EXCLUDED_POS = frozenset({"ns", "nt", "t", "m", "q", "x"})
#: A verb counts only if it is in jieba's IDF table with at least this IDF (a process, not 提高).
RARE_VERB_IDF = 9.0
#: Single characters that never extend a compound (function words, locatives, measure words).
FUNCTION_CHARS = frozenset("的了着过和与及或等在是对于为以将把被从向由其之而并且也都又就才所该此这那上下中内外"
                           "后前时个种项次年月日用有无不可能会要成")
#: The parts of speech a glued character may have (a noun or verb piece of a compound: 包, 联, 头).
GLUE_POS = frozenset({"n", "ng", "nz", "v", "vn", "k"})
#: A longer word ending in an evaluation is a phrase (精度高, 韧性好), not a term.
EVALUATIVE_ENDS = tuple("高低好差大小强弱快慢多少")
TITLE_WEIGHT = 3.0
GOAL_WEIGHT = 1.5
BACKGROUND_WEIGHT = 0.3
MAX_TERM_CHARS = 12

_GOAL = ("需求内容", "需求描述", "需求背景", "技术需求", "预期目标", "技术指标", "主要指标", "解决的问题",
         "拟解决", "技术难点", "关键技术", "需求", "目标", "内容")
_BACKGROUND = ("公司简介", "企业简介", "单位简介", "现有工作基础", "现有基础", "工作基础", "现有条件",
               "合作方式", "投入", "经费", "公司概况", "企业概况", "背景")
_HEADING = re.compile(r"^\s*[0-9一二三四五六七八九十、.（()）]*\s*([\u4e00-\u9fff]{2,8})\s*[:：]")


@dataclass(frozen=True)
class KeyTerm:
    """One key term: ``parts`` are the dictionary words of a compound (empty for a word)."""

    text: str
    weight: float
    parts: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """The generic demand words of config/match_stopwords.txt (lines; ``#`` starts a comment)."""
    if not STOPWORDS_PATH.exists():
        return frozenset()
    words = set()
    for line in STOPWORDS_PATH.read_text(encoding="utf-8").splitlines():
        words.update(line.split("#", 1)[0].split())
    return frozenset(words)


def sections(text: str) -> list[tuple[str, float]]:
    """``text`` cut at its headings (需求内容：, 公司简介： ...), each piece with its weight."""
    out: list[tuple[str, float]] = []
    weight, lines = GOAL_WEIGHT, []
    for line in (text or "").splitlines():
        m = _HEADING.match(line)
        if m:
            if lines:
                out.append(("\n".join(lines), weight))
            weight, lines = _heading_weight(m.group(1)), [line[m.end():]]
        else:
            lines.append(line)
    if lines:
        out.append(("\n".join(lines), weight))
    return out


def _heading_weight(heading: str) -> float:
    if any(h in heading for h in _BACKGROUND):
        return BACKGROUND_WEIGHT
    return GOAL_WEIGHT if any(h in heading for h in _GOAL) else 1.0


def candidate_terms(text: str) -> list[KeyTerm]:
    """The real terms of ``text`` in order (repeats kept; weight 1 each)."""
    tagged = [(analysis.normalise(w).lower(), pos) for w, pos in rjieba.tag(text or "")]
    out: list[KeyTerm] = []
    i = 0
    while i < len(tagged):
        word, pos = tagged[i]
        glued = _glued_chars(tagged, i + 1)
        if glued and _is_content(word, pos) and len(word) >= 2:
            compound = word + glued
            out.append(KeyTerm(compound, 1.0, (word, glued)))
            i += 1 + len(glued)
            continue
        if len(word) == 1 and glued and word not in FUNCTION_CHARS and pos in GLUE_POS and _cjk(word):
            compound = word + glued  # 药 + 头: a run of single characters the dictionary split
            out.append(KeyTerm(compound, 1.0, (word, glued)))
            i += 1 + len(glued)
            continue
        if _is_term(word, pos):
            out.append(KeyTerm(word, 1.0))
        i += 1
    return out


def _glued_chars(tagged: list[tuple[str, str]], j: int) -> str:
    """Single content characters following position ``j`` (at most two): pieces of a compound."""
    chars = ""
    while j < len(tagged) and len(chars) < 2:
        word, pos = tagged[j]
        if len(word) != 1 or not _cjk(word) or word in FUNCTION_CHARS or pos not in GLUE_POS:
            break
        chars += word
        j += 1
    return chars


def _cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _is_content(word: str, pos: str) -> bool:
    return pos in NOUN_POS or pos == "vn"


def _is_term(word: str, pos: str) -> bool:
    if len(word) < 2 or len(word) > MAX_TERM_CHARS or word in stopwords() or analysis._clean(word) != word:
        return False
    if word.replace(".", "").isdigit() or pos in EXCLUDED_POS or word in stopwords():
        return False
    if len(word) >= 3 and word.endswith(EVALUATIVE_ENDS):
        return False
    if pos in ("nr", "nrfg") and analysis.idf(word) >= analysis._idf_table()[1]:
        return False  # a person name; dictionary terms the tagger calls names (金刚石) have an IDF entry
    if pos == "eng":
        return len(word) >= 2 and not word.isdigit()
    if pos in NOUN_POS:
        return True
    if pos.startswith("v"):
        if any(c in FUNCTION_CHARS for c in word):  # 包上, 用于: a verb with a function character
            return False
        table, _ = analysis._idf_table()
        return table.get(word, 0.0) >= RARE_VERB_IDF
    return False


def key_terms(title: str, body: str, keywords: list[str] | None = None, top_k: int = 16) -> list[KeyTerm]:
    """The listing's key terms weighted by field and section (title x3, goal x1.5, background
    x0.3) times jieba's IDF, scaled so the top term is 1.0. Stop-listed words never appear."""
    scores: dict[str, float] = defaultdict(float)
    parts: dict[str, tuple[str, ...]] = {}
    pieces = [(title, TITLE_WEIGHT), (" ; ".join(keywords or []), TITLE_WEIGHT)] + sections(body)
    for text, weight in pieces:
        for term in candidate_terms(text):
            if term.text in stopwords():
                continue
            scores[term.text] += weight
            if term.parts:
                parts[term.text] = term.parts
    if not scores:
        return []
    scored = sorted(((t, s * _specificity(t)) for t, s in scores.items()), key=lambda x: (-x[1], x[0]))[:top_k]
    top = scored[0][1] or 1.0
    return [KeyTerm(t, round(s / top, 4), parts.get(t, ())) for t, s in scored]


def _specificity(term: str) -> float:
    """jieba's IDF; a compound the dictionary lacks counts as rare (it is specific by construction)."""
    return analysis.idf(term)
