"""Chinese text analysis shared by every search adapter.

Why not jieba's own ``ChineseAnalyzer``: it gives each token its *character*
offset as position, so phrase queries silently match nothing. Here positions
count words: each accurate-mode word gets the next position, and its
search-mode sub-words (长三角 -> 长三, 三角) share that position, so both 长三角 and
三角 hit, and phrases over whole words or their sub-words still line up.

Normalisation (same on index and query side): full-width -> half-width,
OpenCC traditional -> simplified, Latin lower-cased per token. The normalised
text keeps one character per input character, so token offsets point into the
original text (needed for highlighting).
"""
from __future__ import annotations

import bisect
import functools
import importlib.util
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import opencc
import rjieba

# Function words and patent boilerplate: not indexed, but they still take a
# position so a phrase cannot jump over them.
STOPWORDS = frozenset(
    "的 了 和 与 及 或 等 在 是 对 于 为 以 将 其 中 由 被 并 而 之 也 该 所 从 把 向 "
    "有 个 这 那 就 都 又 但 则 且 即 如 若 因 用 通过 进行 所述 一种 本发明 本实用新型 "
    "其中 以及 一个 具有 包括 可以 能够 使得 及其 a an the of and or in on to for with by is are".split()
)

_FULLWIDTH_OFFSET = 0xFEE0
MAX_TOKEN_CHARS = 60  # longer "words" (base64, junk) are dropped on both sides
_LATIN = re.compile(r"[0-9a-z]", re.I)
_EDGE_PUNCT = "._-&%+#"


@functools.lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


_HALFWIDTH = {code: code - _FULLWIDTH_OFFSET for code in range(0xFF01, 0xFF5F)}
_HALFWIDTH[0x3000] = ord(" ")


def to_halfwidth(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３，) and the ideographic space -> ASCII, 1:1 by character."""
    return text.translate(_HALFWIDTH)


def normalise(text: str) -> str:
    """Half-width + simplified script, same length as ``text`` (offsets stay valid).

    OpenCC converts phrases; if a phrase conversion ever changes the length we
    fall back to character-by-character conversion to keep offsets aligned.
    """
    if not text:
        return ""
    half = to_halfwidth(text)
    simplified = _t2s().convert(half)
    if len(simplified) == len(half):
        return simplified
    converter = _t2s()
    return "".join(c2 if len(c2 := converter.convert(c)) == 1 else c for c in half)


class Token(NamedTuple):
    """One indexed term. ``pos`` counts words; ``start``/``end`` index the original text."""

    text: str
    pos: int
    start: int
    end: int
    sub: bool = False  # a search-mode sub-word of a longer word


@functools.lru_cache(maxsize=300_000)
def _clean(word: str) -> str:
    """Lower-case Latin, strip edge punctuation ('end.' -> 'end'); '' if nothing word-like remains."""
    w = word.strip().lower()
    if _LATIN.search(w):
        w = w.strip(_EDGE_PUNCT) if not w.endswith(("++", "#")) else w.lstrip(_EDGE_PUNCT)
    if not w or len(w) > MAX_TOKEN_CHARS or not any(c.isalnum() for c in w):
        return ""
    return w


def tokenize(text: str, *, subwords: bool = True, keep_stopwords: bool = False) -> list[Token]:
    """Word tokens of ``text`` with word-counted positions (see module docstring).

    Each word comes first, followed by its sub-words (same position)."""
    new = tuple.__new__
    return [new(Token, t) for t in raw_tokens(text, subwords=subwords, keep_stopwords=keep_stopwords)]


def raw_tokens(text: str, *, subwords: bool = True, keep_stopwords: bool = False) -> list[tuple]:
    """``tokenize`` as plain ``(text, pos, start, end, sub)`` tuples: the indexing hot
    path (~125 tokens a document) skips building a named tuple per token."""
    if not text:
        return []
    norm = normalise(text)
    tokens: list[tuple] = []
    long_words: list[tuple[int, int, int, int]] = []  # (start, end, pos, index after it in tokens)
    pos = -1
    clean, stop, append = _clean, (() if keep_stopwords else STOPWORDS), tokens.append
    for word, start, end in rjieba.tokenize(norm):
        cleaned = clean(word)
        if not cleaned:
            continue
        pos += 1
        if cleaned not in stop:
            append((cleaned, pos, start, end, False))
            if subwords and end - start > 2:
                long_words.append((start, end, pos, len(tokens)))
    if not long_words:
        return tokens
    return _with_subwords(norm, tokens, long_words, stop)


def _with_subwords(norm: str, tokens: list[tuple], long_words: list, stop) -> list[tuple]:
    """Insert the search-mode pieces strictly inside each long word, right after it."""
    starts = [w[0] for w in long_words]
    pieces: dict[int, list[tuple]] = {}
    clean, bisect_right = _clean, bisect.bisect_right
    for word, start, end in rjieba.tokenize(norm, mode="search"):
        i = bisect_right(starts, start) - 1
        if i < 0:
            continue
        w_start, w_end, pos, after = long_words[i]
        if end > w_end or (start == w_start and end == w_end):
            continue
        cleaned = clean(word)
        if cleaned and cleaned not in stop:
            found = pieces.get(after)
            if found is None:
                pieces[after] = [(cleaned, pos, start, end, True)]
            else:
                found.append((cleaned, pos, start, end, True))
    if not pieces:
        return tokens
    out: list[tuple] = []
    last = 0
    for after in sorted(pieces):
        out += tokens[last:after]
        out += pieces[after]
        last = after
    out += tokens[last:]
    return out


def has_phrase(text: str, phrase: list[str]) -> bool:
    """Whether the words of ``phrase`` occur at consecutive word positions of ``text``."""
    if not phrase:
        return False
    at: dict[str, set[int]] = {}
    for tok in tokenize(text):
        at.setdefault(tok.text, set()).add(tok.pos)
    return any(all(p + i in at.get(w, ()) for i, w in enumerate(phrase)) for p in at.get(phrase[0], ()))


def terms(text: str, *, subwords: bool = True) -> list[str]:
    """Just the term strings (for engines that take pre-segmented text)."""
    return [t.text for t in tokenize(text, subwords=subwords)]


@dataclass
class QueryWord:
    """One word of a query with the sub-words that may stand in for it."""

    text: str
    subs: list[str] = field(default_factory=list)


@dataclass
class QueryChunk:
    """A run of the query between spaces/punctuation: its words may form a phrase.

    ``quoted`` chunks came from balanced double quotes: the phrase is required."""

    words: list[QueryWord]
    quoted: bool = False

    @property
    def phrase(self) -> list[str]:
        return [w.text for w in self.words]


_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”')
_SPLIT = re.compile(r"[\s,;，；、。:：|/\"'“”‘’()（）\[\]【】<>《》!?！？+\-*~^{}]+")


def analyse_query(text: str, max_words: int = 32) -> list[QueryChunk]:
    """Split a user query into chunks of words (stopwords and repeats dropped).

    A chunk is what the user typed together ("激光雷达 点云" gives two chunks);
    consecutive words of a chunk are a phrase worth a boost, and a quoted
    chunk ("使用寿命 达到") must match as a phrase. Stray quotes and operators are
    plain separators; at most ``max_words`` words are kept.
    """
    text = normalise(text or "")
    pieces: list[tuple[str, bool]] = []
    cursor = 0
    for m in _QUOTED.finditer(text):
        pieces.extend((p, False) for p in _SPLIT.split(text[cursor:m.start()]))
        pieces.append((m.group(1) if m.group(1) is not None else m.group(2), True))
        cursor = m.end()
    pieces.extend((p, False) for p in _SPLIT.split(text[cursor:]))
    chunks: list[QueryChunk] = []
    seen: set[str] = set()
    total = 0
    for raw, quoted in pieces:
        if not raw or total >= max_words:
            continue
        words = _query_words(raw)
        if not quoted:
            words = [w for w in words if w.text not in seen]
        words = words[: max_words - total]
        seen.update(w.text for w in words)
        if words:
            total += len(words)
            chunks.append(QueryChunk(words, quoted and len(words) > 1))
    return chunks


def _query_words(raw: str) -> list[QueryWord]:
    words: list[QueryWord] = []
    current: QueryWord | None = None
    for tok in tokenize(raw):
        if not tok.sub:
            current = QueryWord(tok.text)
            words.append(current)
        elif current is not None and tok.text not in current.subs and tok.text != current.text:
            current.subs.append(tok.text)
    return words


# --- key terms (TF-IDF over jieba's IDF table, segmented by rjieba) ---------------

@functools.lru_cache(maxsize=1)
def _idf_table() -> tuple[dict[str, float], float]:
    spec = importlib.util.find_spec("jieba")  # locate the data file without importing jieba
    path = Path(next(iter(spec.submodule_search_locations))) / "analyse" / "idf.txt"
    table: dict[str, float] = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) == 2:
                table[parts[0]] = float(parts[1])
    median = sorted(table.values())[len(table) // 2] if table else 10.0
    return table, median


def idf(term: str) -> float:
    """General-corpus IDF of a term from jieba's table (median for unknown terms)."""
    table, median = _idf_table()
    return table.get(term, median)


def key_terms(text: str, top_k: int = 12) -> list[tuple[str, float]]:
    """The text's key terms weighted by TF-IDF (jieba's method, faster segmentation).

    Single characters and pure numbers are skipped: they carry little meaning
    in a demand ("需求内容：1、..."). Weights are scaled so the top term is 1.0.
    """
    counts: Counter[str] = Counter()
    for tok in tokenize(text, subwords=False):
        word = tok.text
        if len(word) < 2 or word.replace(".", "").isdigit():
            continue
        counts[word] += 1
    if not counts:
        return []
    total = sum(counts.values())
    scored = sorted(((w, c / total * idf(w)) for w, c in counts.items()), key=lambda x: (-x[1], x[0]))[:top_k]
    top = scored[0][1] or 1.0
    return [(w, round(s / top, 4)) for w, s in scored]


def add_user_terms(terms_: Iterable[str]) -> int:
    """Teach the segmenter technical terms (e.g. listings' keywords); returns how many were added.

    Affects segmentation globally: rebuild the index after changing it.
    """
    added = 0
    for term in terms_:
        word = normalise(term.strip())
        if 2 <= len(word) <= 12 and " " not in word:
            rjieba.add_word(word, None, None)
            added += 1
    return added


def bm25_idf(n_docs: int, doc_freq: int) -> float:
    """Lucene-style BM25 IDF, used where an engine has none (PostgreSQL ranking)."""
    return math.log(1 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


def iter_terms(texts: Iterable[str]) -> Iterator[str]:
    for text in texts:
        yield from terms(text)
