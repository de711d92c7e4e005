"""CSV records checked against the physical lines they came from.

A quote left open in one field (``"一种装置,…``) makes the CSV reader swallow
the following lines, newlines and all, into that field until some later
quote closes it: several valid records become one broken one and vanish
without a row error. A record may legitimately span lines (an abstract with
quoted newlines), so a multi-line record is suspect only when one of its
continuation lines is, on its own, a complete record of the header's width,
or when its field count differs from the header. Then its first line is
reported as broken (naming the physical lines it swallowed) and the lines
after it are read again, so no valid row is lost and every row read ends in
exactly one outcome.
"""
from __future__ import annotations

import csv
from typing import Iterable, Iterator, Optional, Tuple

# (row number, {column: value} or None, problem or None, the row's own id or None)
CsvRow = Tuple[int, Optional[dict], Optional[str], Optional[str]]


class PhysicalLines:
    """An iterator of text lines that remembers the lines (and their numbers)
    the CSV reader took for the record it is building."""

    def __init__(self, lines: Iterable[str], first_number: int = 1):
        self.lines = iter(lines)
        self.next_number = first_number
        self.taken: list[tuple[int, str]] = []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.lines)
        self.taken.append((self.next_number, line))
        self.next_number += 1
        return line

    def take_record(self) -> list[tuple[int, str]]:
        taken, self.taken = self.taken, []
        return taken


def _width(line: str) -> int:
    try:
        return len(next(csv.reader([line]), []))
    except csv.Error:
        return -1


def _span(taken: list[tuple[int, str]]) -> str:
    first, last = taken[0][0], taken[-1][0]
    return f"第 {first} 行" if first == last else f"第 {first}–{last} 行"


def _blank(values: list[str]) -> bool:
    return not any(v.strip() for v in values)


def data_rows(lines: PhysicalLines, header: list[str], id_column: str | None,
              start: int = 0) -> Iterator[CsvRow]:
    """(row number, row, problem, id) per data record; ``start`` rows came before."""
    number = start
    width = len(header)
    id_index = header.index(id_column) if id_column in header else None
    reader = csv.reader(lines)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            values, problem = None, str(exc)
        else:
            problem = None
        taken = lines.take_record()
        if values is not None and _blank(values):
            continue
        number += 1
        row_id = _row_id(values, id_index, taken)
        swallowed = len(taken) > 1 and any(_width(line) == width for _, line in taken[1:])
        if problem is None and not swallowed and len(values) == width:
            yield number, dict(zip(header, values)), None, row_id
            continue
        if len(taken) > 1 and (swallowed or problem is not None or len(values) != width):
            yield number, None, (f"{_span(taken)} 被读成一条记录: 第 {taken[0][0]} 行的引号未闭合 "
                                 f"(unclosed quote; the following lines are read again)"), row_id
            rest = PhysicalLines((line for _, line in taken[1:]), taken[1][0])
            for row in data_rows(rest, header, id_column, number):
                number = row[0]
                yield row
            continue
        found = len(values) if values is not None else 0
        yield number, None, (f"{_span(taken)}: 列数与表头不符 ({found} 列, 应为 {width} 列)"
                             + (f" ({problem})" if problem else "")), row_id


def _row_id(values: list[str] | None, id_index: int | None, taken: list[tuple[int, str]]) -> str | None:
    """The market's own id of a row, even of a broken one (read from its first line)."""
    if id_index is None:
        return None
    if values is None or len(values) <= id_index or len(taken) > 1:
        try:
            values = next(csv.reader([taken[0][1]]), []) if taken else []
        except csv.Error:
            return None
    value = values[id_index].strip() if len(values) > id_index else ""
    return value[:64] or None
