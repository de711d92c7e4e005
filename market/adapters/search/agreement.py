"""Ranking that needs agreement: how well a candidate listing answers a listing's key terms.

The index finds candidates (an OR over the key terms, BM25); this module judges each one on
its own text, the same way for every adapter, so Whoosh and PostgreSQL rank alike:

* a key term counts where it stands as a whole word in the candidate's title, keywords or
  abstract -- never its organisation (研究 in 某某研究院 says nothing), and never as a
  sub-word of a longer word (管理 in 管理模式): a sub-word only counts toward its compound;
  a compound term (电池包, 智能网联) counts where it occurs as written;
* a match needs several key terms, or one rare and central one (a title term of the
  demand the general corpus rarely uses); otherwise it is no match at all;
* ``relevance`` sums the matched terms' weights, scaled by where they matched; below
  ``FLOOR`` a candidate is only "closest", never a match (the honest floor).
"""
from __future__ import annotations

import functools

from market.adapters.search import analysis
from market.adapters.search.base import SearchDocument
from market.adapters.search.keyterms import KeyTerm

#: Field factors: a term in the candidate's title or keywords says more than one in its abstract.
FIELD_FACTORS = {"title": 1.0, "keywords": 0.9, "body": 0.6}
#: One term alone is a match only if it weighs this much in the demand and is this rare (jieba IDF).
SINGLE_TERM_WEIGHT = 0.6
SINGLE_TERM_IDF = 10.0
#: Calibrated on the judged set (bench/match_eval.py): below it most candidates were graded 0.
FLOOR = 0.5
MIN_TERMS = 2


@functools.lru_cache(maxsize=8192)
def _whole_words(text: str) -> frozenset[str]:
    return frozenset(analysis.terms(text, subwords=False))


@functools.lru_cache(maxsize=8192)
def _folded(text: str) -> str:
    return analysis.normalise(text).lower()


def _occurs(term: KeyTerm, text: str) -> bool:
    if not text or term.text not in _folded(text):  # cheap: no substring, no word (most pairs)
        return False
    return bool(term.parts) or term.text in _whole_words(text)


def judge(doc: SearchDocument, terms: list[KeyTerm]) -> tuple[float, dict[str, list[str]], bool]:
    """(relevance, matched terms per field, agreement) of ``doc`` for the key terms."""
    matched: dict[str, list[str]] = {}
    score, hits = 0.0, []
    for term in terms:
        best = 0.0
        for name, factor in FIELD_FACTORS.items():
            if _occurs(term, doc.text_of(name)):
                matched.setdefault(name, []).append(term.text)
                best = max(best, factor)
        if best:
            hits.append(term)
            score += term.weight * best
    hits = [t for t in hits if not any(t.text != o.text and t.text in o.parts for o in hits)]
    agreed = len(hits) >= MIN_TERMS or any(_central(t) for t in hits)
    return round(score, 4), matched, agreed


def _central(term: KeyTerm) -> bool:
    """A rare term that carries the demand: one is enough."""
    rare = bool(term.parts) or analysis.idf(term.text) >= SINGLE_TERM_IDF
    return rare and term.weight >= SINGLE_TERM_WEIGHT


def query_terms(terms: list[KeyTerm]) -> list[tuple[str, float]]:
    """What the index is asked for: each term, and a compound's dictionary parts at half weight
    (the index segments 电池包 as 电池 / 包: the compound itself is no index term)."""
    out: dict[str, float] = {}
    for t in terms:
        out[t.text] = max(out.get(t.text, 0.0), t.weight)
        for part in t.parts:
            if len(part) >= 2:
                out[part] = max(out.get(part, 0.0), t.weight * 0.5)
    return list(out.items())
