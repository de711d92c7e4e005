"""Reading one feed row's values: every problem of the row (not just the
first) and every deliberate change, named by the market's own column.

A problem makes a ``RowError`` and the row is refused; a change the importer
makes on purpose (markup reduced to text, white space folded, a list capped)
makes a ``RowWarning`` and the row is kept, so nothing is altered silently.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Mapping

from market.domain import feed_values as fv
from market.domain import normalise as nz


@dataclass(frozen=True)
class RowError:
    market_code: str
    row: int
    external_id: str | None
    field: str
    reason: str


@dataclass(frozen=True)
class RowWarning(RowError):
    """Same shape as an error; the row was kept with the value described."""


class RowCheck:
    def __init__(self, market_code: str, row: int, external_id: str | None, columns: Mapping[str, str]):
        self.market_code, self.row, self.external_id = market_code, row, external_id
        self.columns = columns
        self.errors: list[RowError] = []
        self.warnings: list[RowWarning] = []

    def _column(self, name: str) -> str:
        return self.columns.get(name, name)

    def fail(self, name: str, reason: str) -> None:
        self.errors.append(RowError(self.market_code, self.row, self.external_id, self._column(name), reason))

    def warn(self, name: str, reason: str) -> None:
        self.warnings.append(RowWarning(self.market_code, self.row, self.external_id, self._column(name), reason))

    def take(self, name: str, parse: Callable, *args, default=None, **kwargs):
        try:
            return parse(*args, **kwargs)
        except (ValueError, TypeError) as exc:
            self.fail(name, str(exc))
            return default

    # --- texts ----------------------------------------------------------
    def raw_text(self, name: str, value, *, numbers: bool = True) -> str:
        """The value as text, refusing a JSON object, list or boolean."""
        if value.__class__ is str:  # the common case, without the exception machinery of take()
            return value
        text = self.take(name, fv.scalar_text, value, numbers=numbers, default=None)
        return "" if text is None else text

    def text(self, name: str, value) -> str:
        """A multi-line text (abstract, description): markup reduced to text, with a warning."""
        text, removed = nz.strip_controls(self.raw_text(name, value, numbers=False))
        if removed:
            self.warn(name, f"删除了 {removed} 个控制字符或无效字符 (control characters removed)")
        plain, had_markup = fv.strip_markup(text.strip())
        if had_markup:
            self.warn(name, "HTML 标记已转为纯文本 (markup reduced to text)")
        return plain

    def line(self, name: str, value) -> str:
        """A one-line text (title, name): markup reduced, white space runs folded, each with a warning."""
        text = self.text(name, value)
        folded = nz.fold_spaces(text)
        if folded != text:
            self.warn(name, "换行或连续空白已合并为一个空格 (white space folded)")
        return folded

    def required_line(self, name: str, value, empty: str, limit: int, label: str) -> str:
        text = self.line(name, value)
        if not text:
            if not any(e.field == self._column(name) for e in self.errors):
                self.fail(name, empty)
        elif len(text) > limit:
            self.fail(name, f"{label}超过{limit}字")
        return text

    def flag(self, name: str, value, default: bool = False) -> bool:
        return self.take(name, fv.parse_flag, value, default, default=default)

    def keywords(self, name: str, value, cap: int) -> list[str]:
        """A JSON list of strings or one string split by the usual separators,
        kept up to ``cap`` with a warning naming how many were left out."""
        if isinstance(value, list):
            bad = [v for v in value if not isinstance(v, str)]
            if bad:
                self.fail(name, f"关键词应为文本, 收到{fv.json_type_name(bad[0])}: {bad[0]!r}")
                return []
            if fv.has_markup("\n".join(value)):
                self.warn(name, "HTML 标记已转为纯文本 (markup reduced to text)")
                value = [fv.strip_markup(v)[0] for v in value]
        elif value is not None:
            value = self.text(name, self.raw_text(name, value))
        words, dropped = fv.capped(nz.split_keywords(value), cap)
        if dropped:
            self.warn(name, f"关键词共 {len(words) + dropped} 个, 只保留前 {cap} 个 (list capped at {cap})")
        return words
