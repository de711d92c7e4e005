"""A small, editable synonym list (config/synonyms.txt) that expands what users type.

Users abbreviate (快充, 锂电, 新能源车) where listings spell out (快速充电, 锂电池, 新能源汽车). The
query text gets the expansion appended as a chunk of its own, before analysis, so every adapter
ranks it the same way: the original words still count, the expansion's words add evidence, and
its phrase boost rewards documents that spell it out. Only queries change: no reindex.

The file is re-read when it changes (checked at most every RELOAD_SECONDS), so operators edit it
without a restart; a broken line is skipped with a warning, never a failed search.
"""
from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path

from market.adapters.search import analysis

log = logging.getLogger(__name__)

DEFAULT_PATH = Path(__file__).resolve().parents[3] / "config" / "synonyms.txt"
RELOAD_SECONDS = 2.0


class Synonyms:
    def __init__(self, path: str | Path | None = DEFAULT_PATH):
        self.path = Path(path) if path else None
        self._rules: list[tuple[str, list[str]]] = []
        self._stamp: tuple | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    def rules(self) -> list[tuple[str, list[str]]]:
        """(abbreviation, expansions), longest abbreviation first; re-read if the file changed."""
        now = time.monotonic()
        if now - self._checked >= RELOAD_SECONDS:
            with self._lock:
                self._checked = now
                stamp = _stamp(self.path)
                if stamp != self._stamp:
                    self._rules = _read(self.path) if stamp else []
                    self._stamp = stamp
        return self._rules

    def expand(self, text: str) -> str:
        """`text` with the expansions of the abbreviations it contains appended (an expansion
        the text already holds is not added again)."""
        if not text:
            return text
        folded = analysis.normalise(text).lower()
        extra = []
        for short, expansions in self.rules():
            if _contains(folded, short):
                extra += [e for e in expansions if e.lower() not in folded and e not in extra]
        return text if not extra else " ".join([text, *extra])


def _contains(folded: str, short: str) -> bool:
    """Chinese abbreviations match inside the text (它们不分词); Latin ones only as whole
    words (AI in 'AI 芯片', not in 'detail')."""
    if not short.isascii():
        return short in folded
    return re.search(rf"(?<![0-9a-z]){re.escape(short)}(?![0-9a-z])", folded) is not None


def _stamp(path: Path | None) -> tuple | None:
    try:
        st = os.stat(path) if path else None
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size) if st else None


def _read(path: Path) -> list[tuple[str, list[str]]]:
    rules: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        short, arrow, rest = line.partition("=>")
        short = analysis.normalise(short.strip()).lower()
        expansions = [analysis.normalise(e.strip()) for e in rest.split("|") if e.strip()]
        if not arrow or not short or not expansions:
            log.warning("%s:%s: not a synonym rule (`缩写 => 全称`): %r", path, number, line)
            continue
        rules.setdefault(short, []).extend(e for e in expansions if e not in rules.get(short, []))
    log.info("search synonyms: %d rules from %s", len(rules), path)
    return sorted(rules.items(), key=lambda kv: (-len(kv[0]), kv[0]))


#: The list every query uses (the app points it at SEARCH_SYNONYMS_FILE).
SYNONYMS = Synonyms()


def use_file(path: str | Path | None) -> None:
    """Point the search at another synonym file (None: no synonyms)."""
    global SYNONYMS
    SYNONYMS = Synonyms(path)


def expand(text: str) -> str:
    return SYNONYMS.expand(text)
