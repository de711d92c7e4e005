"""Cross-market de-duplication: the one home of the keys that make two markets'
listings of one achievement meet, and of the rule for an id sent twice in a file.

- ``match_keys``: the keys an achievement is found by across markets. Patent
  numbers (``P:<number>``) when there are any; only otherwise the normalised
  title + holder (``T:<sha1>``), since two patents of one holder may share a title.
- ``synthetic_key``: the market id of a row whose market gives only a row number (AH).
- ``LaterRowWins``: a file that sends one id twice keeps the later row.
"""
from __future__ import annotations

import hashlib
from typing import Iterable

from market.domain.normalise import title_holder_key


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def match_keys(application_numbers: Iterable[str] | None, title: str, holder_name: str) -> list[str]:
    """The de-duplication keys of an achievement (see the module docstring)."""
    numbers = list(application_numbers or ())
    if numbers:
        return [f"P:{number}" for number in numbers]
    return ["T:" + _digest(title_holder_key(title, holder_name))]


def synthetic_key(application_numbers: list[str], title: str, holder: str) -> str | None:
    """A stable id for a market whose own id is only a row number (AH):
    the first patent number, else a digest of the normalised title and holder."""
    if application_numbers:
        return f"P{application_numbers[0]}"
    key = title_holder_key(title, holder)
    if key.startswith("|") or key.endswith("|"):
        return None
    return "T" + _digest(key)[:24]


class LaterRowWins:
    """Ids sent more than once in one file: the last row carrying an id wins, the
    earlier ones are refused as superseded (read in a first pass over the file)."""

    def __init__(self) -> None:
        self._last_row: dict[str, int] = {}
        self.winners: dict[str, int] = {}  # id sent more than once -> the row that wins

    def see(self, external_id: str | None, row: int) -> None:
        if not external_id:
            return
        if external_id in self._last_row:
            self.winners[external_id] = row
        self._last_row[external_id] = row

    @staticmethod
    def superseded_by(winners: dict[str, int], external_id: str, row: int) -> int | None:
        """The row that replaces ``row`` of ``external_id``, or None when ``row`` stands."""
        later = winners.get(external_id, row)
        return None if later == row else later
