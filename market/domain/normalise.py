"""Turn the four markets' free-form values into the platform's canonical ones.

Every market writes prices, dates, field labels and names its own way. The
functions here are pure and raise ``ValueError`` with a Chinese reason on a
value that cannot be read, so an importer can report the row and move on.
Texts are stored as sent; the ``*_key`` functions give the simplified,
half-width, punctuation-free forms used only for matching.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from market.domain import places, taxonomy
from market.domain.codes import normalise_patent_number
from market.domain.feed_dates import SHANGHAI, parse_date  # noqa: F401  (the feeds' date reading)
from market.domain.money import parse_amount_fen

NEGOTIABLE_WORDS = ("面议", "面談", "面谈", "议价", "議價")


# --- text -----------------------------------------------------------------
_FULLWIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20  # ideographic space
# control characters, and lone surrogates (JSON can carry them as \ud800 escapes; no database takes them)
_CONTROL_RE = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufeff\u200b\ud800-\udfff]")
_SPACES_RE = re.compile(r"\s+")
_KEY_DROP_RE = re.compile(r"[\W_]+")


def halfwidth(text: str) -> str:
    """Full-width ASCII forms (Ａ１，) to their half-width twins; nothing else changes."""
    return text.translate(_FULLWIDTH)


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # imported lazily: building the converter loads its dictionaries

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional script to simplified (OpenCC t2s); simplified text is unchanged."""
    return _t2s().convert(text) if text else text


def clean_text(value) -> str:
    """A text as sent, minus control characters and surrounding whitespace."""
    if value is None:
        return ""
    return _CONTROL_RE.sub("", str(value)).strip()


def strip_controls(text: str) -> tuple[str, int]:
    """(text without control characters, lone surrogates, BOM or zero-width spaces; how many were removed)."""
    return _CONTROL_RE.subn("", text)


def clean_line(value) -> str:
    """A one-line text (title, name): internal whitespace runs become one space."""
    return _SPACES_RE.sub(" ", clean_text(value))


def fold_spaces(text: str) -> str:
    """clean_line of a text already through clean_text."""
    return _SPACES_RE.sub(" ", text)


def match_key(text: str | None) -> str:
    """The form two spellings of the same title or name share: simplified,
    half-width, case-folded, without whitespace or punctuation."""
    if not text:
        return ""
    return _KEY_DROP_RE.sub("", halfwidth(to_simplified(clean_text(text))).casefold())


def title_holder_key(title: str, holder: str) -> str:
    """De-duplication key of an achievement without a patent number."""
    return f"{match_key(title)}|{match_key(holder)}"


# --- prices ---------------------------------------------------------------
@dataclass(frozen=True)
class Price:
    fen: int | None
    negotiable: bool

    @classmethod
    def by_negotiation(cls) -> "Price":
        return cls(None, True)


def is_negotiable_text(raw) -> bool:
    text = clean_text(raw)
    return any(word in text for word in NEGOTIABLE_WORDS)


def parse_price(raw, default_unit: str | None = "元", negotiable: bool = False) -> Price:
    """A listing's asking price: 面议 (or the market's negotiable flag) gives no
    amount; otherwise a positive amount in fen (``default_unit`` None: the
    market always writes the unit, so a bare number is refused as ambiguous)."""
    if negotiable or is_negotiable_text(raw):
        return Price.by_negotiation()
    if not clean_text(raw):
        raise ValueError("缺少价格 (既未标价也未注明面议)")
    fen = parse_amount_fen(raw, default_unit)
    if fen == 0:
        raise ValueError("价格不能为零 (如需议价请注明面议)")
    return Price(fen, False)


_RANGE_SPLIT_RE = re.compile(r"\s*(?:-|~|～|〜|—|–|至|到)\s*")


def parse_budget(raw, default_unit: str = "万元") -> tuple[int | None, int | None]:
    """A demand's budget range: '50-100万元' / '50~100' (万元) / '30万元' / 面议 -> (min, max) fen."""
    text = halfwidth(clean_text(raw))
    if not text or is_negotiable_text(text):
        return None, None
    unit = None
    for candidate in ("万元", "万", "元"):
        if text.endswith(candidate):
            unit, text = candidate, text[: -len(candidate)].strip()
            break
    parts = [p for p in _RANGE_SPLIT_RE.split(text) if p != ""]
    if text.startswith("-") or not 1 <= len(parts) <= 2:
        raise ValueError(f"无法识别的预算 '{clean_text(raw)}'")
    # a unit written after the range applies to both ends; a currency sign on one end means yuan there
    low, high = (parse_amount_fen(p + unit) if unit else parse_amount_fen(p, default_unit)
                 for p in (parts[0], parts[-1]))
    if low > high:
        raise ValueError(f"预算下限高于上限 '{clean_text(raw)}'")
    return low, high


# --- dates: see market.domain.feed_dates -------------------------------


# --- vocabularies ---------------------------------------------------------
# Each market's own field labels -> taxonomy.FIELDS. Labels missing here are
# reported as unknown by map_field: a wrong guess would silently misfile.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "SH": {label: label for label in taxonomy.FIELDS},
    "JS": {
        "新一代信息技术": "电子信息",
        "高端装备制造": "先进制造",
        "新能源": "新能源与高效节能",
        "生物医药": "生物医药和医疗器械",
        "新材料": "新材料",
        "节能环保": "环境保护与资源综合利用",
        "新能源汽车及交通": "现代交通",
        "社会发展": "城市建设与社会发展",
        "航空航天": "航空航天",
        "现代农业": "农业",
    },
    # ZJ sends codes 01-10 in the order of its own list, which is the taxonomy's order.
    "ZJ": {f"{i:02d}": label for i, label in enumerate(taxonomy.FIELDS, start=1)},
    "AH": {
        "电子信息技术": "电子信息",
        "先进制造与自动化": "先进制造",
        "新能源与节能": "新能源与高效节能",
        "生物与新医药": "生物医药和医疗器械",
        "新材料技术": "新材料",
        "资源与环境": "环境保护与资源综合利用",
        "现代交通": "现代交通",
        "城市建设": "城市建设与社会发展",
        "航空航天技术": "航空航天",
        "农业技术": "农业",
    },
}


class UnknownLabel(ValueError):
    """A vocabulary label the platform has no mapping for (reported, never guessed)."""


def map_field(market_code: str, raw) -> str:
    label = to_simplified(halfwidth(clean_line(raw)))
    if not label:
        raise ValueError("缺少技术领域")
    mapping = FIELD_LABELS.get(market_code, {})
    if label in mapping:
        return mapping[label]
    if label in taxonomy.FIELDS:
        return label
    raise UnknownLabel(f"未知的技术领域标签 '{label}' ({market_code})")


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def map_maturity(raw) -> str:
    """'中试阶段' / '中试' -> '中试'."""
    label = _strip_suffix(to_simplified(clean_line(raw)), ("阶段", "期"))
    if label not in taxonomy.MATURITIES:
        raise UnknownLabel(f"未知的成熟度 '{clean_line(raw)}'")
    return label


_IP_ALIASES = {"发明": "发明专利", "实用新型专利": "实用新型", "外观设计专利": "外观设计",
               "软件著作": "软件著作权", "计算机软件著作权": "软件著作权", "专有技术": "技术秘密"}


def map_ip_type(raw) -> str:
    label = to_simplified(clean_line(raw))
    label = _IP_ALIASES.get(label, label)
    if label not in taxonomy.IP_TYPES:
        raise UnknownLabel(f"未知的知识产权类型 '{clean_line(raw)}'")
    return label


def map_transfer_modes(raw) -> list[str]:
    """'转让' or '转让、普通许可' -> a list of canonical transfer modes."""
    labels = [to_simplified(p) for p in re.split(r"[、,，;；/|]", clean_line(raw)) if p.strip()]
    if not labels:
        raise ValueError("缺少交易方式")
    unknown = [label for label in labels if label.strip() not in taxonomy.TRANSFER_MODES]
    if unknown:
        raise UnknownLabel(f"未知的交易方式 '{unknown[0]}'")
    return list(dict.fromkeys(label.strip() for label in labels))


def map_cooperation_mode(raw) -> str:
    label = to_simplified(clean_line(raw))
    if label not in taxonomy.COOPERATION_MODES:
        raise UnknownLabel(f"未知的合作方式 '{clean_line(raw)}'")
    return label


def split_keywords(raw) -> list[str]:
    """A keyword list sent as a JSON list or as one string split by ；;，,、 or spaces."""
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else re.split(r"[；;，,、\s]+", clean_text(raw))
    return list(dict.fromkeys(k for k in (clean_line(i) for i in items) if k))


def normalise_patent(raw) -> str | None:
    """'ZL202310123456.7' -> '202310123456.7'; '' -> None; invalid -> ValueError."""
    text = halfwidth(clean_text(raw))
    return normalise_patent_number(text) if text else None


# --- places ---------------------------------------------------------------
@lru_cache(maxsize=8192)
def parse_place(raw: str | None, default_province: str | None = None) -> places.Place:
    """A place as sent (text) -> province / city / district (see market.domain.places);
    cached: a feed names the same few places over and over."""
    return places.parse_place(to_simplified(clean_line(raw)), default_province)


_ORG_KIND_MARKERS = (
    ("research_institute", ("研究所", "研究院", "科学院", "实验室", "研究中心")),
    ("university", ("大学", "学院", "学校")),
    ("service_agency", ("服务中心", "技术转移", "促进中心", "交易所", "事务所")),
)


def organisation_kind(name: str) -> str:
    """Inferred from the name's ending, since the feeds do not say; enterprise otherwise."""
    simplified = to_simplified(name)
    if re.search(r"(公司|集团|厂|企业)$", simplified):
        return "enterprise"
    for kind, markers in _ORG_KIND_MARKERS:
        if any(marker in simplified for marker in markers):
            return kind
    return "enterprise"
