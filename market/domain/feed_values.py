"""How one value of a feed row is read before its meaning is checked: its JSON
type, a yes/no flag, markup in a text, a list beyond its cap.

The markets' exports are produced by many hands; a value of the wrong shape
must never be stored as its Python text (``{'zh': …}``) nor a flag read by
truthiness (``"false"`` is true in Python). Each reader returns the value and,
where it changed the text on purpose, a note the import run shows as a
warning; anything it cannot read raises ``ValueError`` with a reason.
"""
from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

_TRUE = {"true", "1", "是", "yes", "y"}
_FALSE = {"false", "0", "否", "no", "n"}
_JSON_TYPE_NAMES = {dict: "JSON 对象 (object)", list: "JSON 列表 (array)", bool: "布尔值 (boolean)",
                    float: "小数 (number)", Decimal: "小数 (number)", int: "数字 (number)"}


def json_type_name(value) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def parse_flag(value, default: bool = False) -> bool:
    """A yes/no column: JSON true/false, or the strings true/false, 1/0, 是/否.
    Absent or empty is ``default``; anything else is refused, never guessed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise ValueError(f"应为 是/否 (true/false, 1/0), 收到 {value!r}")


def scalar_text(value, *, numbers: bool = True) -> str | None:
    """A text-valued field: a string (or, where ``numbers``, a JSON integer,
    e.g. a date 20240305 or an id); None when absent. An object, a list, a
    boolean or a float where a text belongs is refused naming its type."""
    if value is None or isinstance(value, str):
        return value
    if numbers and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"应为文本, 收到{json_type_name(value)}: {_preview(value)}")


def _preview(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- markup ---------------------------------------------------------------
# only real HTML tag names count as markup: 'a<b 且 c>d' in a formula is text
_TAG_NAMES = ("p|div|br|span|b|i|u|em|strong|font|a|img|li|ul|ol|table|tr|td|th|tbody|thead|h[1-6]|sub|sup"
              "|section|article|blockquote|pre|hr|dd|dt|dl|script|style|center|small|big|code")
_ATTRIBUTE = r"""\s+[A-Za-z:-]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s<>]+))?"""
_MARKUP_RE = re.compile(rf"<\s*/?\s*(?:{_TAG_NAMES})(?:{_ATTRIBUTE})*\s*/?\s*>|<!--.*?-->"
                        r"|&(?:#\d+|#[xX][0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]{1,31});", re.IGNORECASE | re.DOTALL)
_BLOCK_TAGS = {"p", "div", "br", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
               "section", "article", "blockquote", "pre", "hr", "dd", "dt", "dl"}
_SKIP_TAGS = {"script", "style"}


class _TextExtractor(HTMLParser):
    """Text content of an HTML fragment: entities decoded (convert_charrefs),
    tags dropped, block elements ending a line, script/style omitted."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag, attrs):
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


_BLANK_LINES_RE = re.compile(r"[ \t\u00a0]*\n[ \t\u00a0\n]*")


def has_markup(text: str) -> bool:
    return ("<" in text or "&" in text) and bool(_MARKUP_RE.search(text))


def strip_markup(text: str) -> tuple[str, bool]:
    """(plain text, whether markup was found). Text without tags or entities
    is returned as it is, so an ordinary '<' or '&' in a formula survives.
    Markup escaped twice (``&amp;quot;``, ``&lt;p&gt;``) is reduced too."""
    found = False
    for _ in range(3):
        if not has_markup(text):
            break
        found = True
        parser = _TextExtractor()
        parser.feed(text)
        parser.close()
        text = _BLANK_LINES_RE.sub("\n", "".join(parser.parts).replace("\u00a0", " ")).strip()
    return text, found


# --- lists ----------------------------------------------------------------
def capped(items: list, cap: int) -> tuple[list, int]:
    """The first ``cap`` items and how many were left out."""
    return items[:cap], max(0, len(items) - cap)
