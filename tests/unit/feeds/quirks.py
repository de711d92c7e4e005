"""Valid rows of each market's achievement feed, written in that market's own
format, and the quirk families real exports show: each family changes one
value of one row and says what the platform must make of it, either the
values to store (and the column warned about) or the column of a row error.

Used by the Hypothesis property tests (unit: the adapters; integration: the
whole import with its counts).
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, timedelta

from hypothesis import strategies as st

from market.adapters.feeds import ah, js, sh, zj
from market.domain.achievements import MAX_KEYWORDS
from market.domain.codes import patent_check_char
from market.domain.places import YRD_CITIES, DISTRICT_CITIES

MARKETS = ("SH", "JS", "ZJ", "AH")
COLUMNS = {"SH": sh.LISTING_COLUMNS, "JS": js.LISTING_COLUMNS, "ZJ": zj.LISTING_COLUMNS, "AH": ah.LISTING_COLUMNS}
FIELD_LABEL = {"SH": "新材料", "JS": "新材料", "ZJ": "05", "AH": "新材料技术"}
PRICE = {"SH": "1,200,000.00", "JS": "120", "ZJ": "120万元", "AH": "120万"}  # all 120_000_000 fen
LISTED = {"SH": "2024-03-05T10:00:00+08:00", "JS": "2024/3/5", "ZJ": "20240305", "AH": "2024年3月5日"}
PLACE = {"SH": ("上海市", ("上海", "上海", None)), "JS": ("江苏省无锡市", ("江苏", "无锡", None)),
         "ZJ": ("杭州市", ("浙江", "杭州", None)), "AH": ("合肥市", ("安徽", "合肥", None))}
CSV_MARKETS = ("JS", "AH")
JSON_MARKETS = ("SH", "ZJ")


def patent(serial: int) -> str:
    digits = f"20231{serial:07d}"
    return f"{digits}.{patent_check_char(digits)}"


@dataclass
class Expect:
    """What one row must become: stored values (and warned columns), or a row error on ``reject``."""

    values: dict = field(default_factory=dict)
    warned: set = field(default_factory=set)
    reject: str | None = None  # the market's column named by the row error


def base_row(market: str, i: int, offset: int = 0) -> tuple[dict, Expect]:
    """Row ``i`` as the market writes it (platform names -> raw values) and what it must store;
    ``offset`` gives other ids and patent numbers (several files into one database)."""
    place, (province, city, district) = PLACE[market]
    i += offset
    raw = {
        "external_id": f"{market}-P-{i:04d}", "title": f"一种测试装置第{i}号", "abstract": f"本发明公开了第{i}种装置。",
        "patents": patent(i + 1), "ip_type": "发明专利", "holder": "东海理工大学", "field_label": FIELD_LABEL[market],
        "transfer_mode": "转让", "price": PRICE[market], "listed_on": LISTED[market], "place": place,
        "maturity": "中试阶段", "keywords": "材料；装置" if market == "ZJ" else ["材料", "装置"],
        "row_number": str(i + 1), "status": "挂牌中" if market == "SH" else "1", "negotiable": False,
    }
    values = {"title": raw["title"], "abstract": raw["abstract"], "price_fen": 120_000_000, "negotiable": False,
              "listed_on": date(2024, 3, 5), "province": province, "city": city, "district": district,
              "application_numbers": [raw["patents"]], "holder_name": "东海理工大学"}
    if market in JSON_MARKETS:
        values["keywords"] = ["材料", "装置"]
    return raw, Expect(values)


def base_row_at(market: str, i: int) -> tuple[dict, Expect]:
    """base_row with ids and patent numbers counted from ``i`` (several files into one database)."""
    return base_row(market, 0, i)


def write(market: str, rows: list[dict]) -> bytes:
    """The market's file of these rows (each row: platform names -> raw values; '!line' replaces a CSV line)."""
    columns = COLUMNS[market]
    if market == "SH":
        lines = [json.dumps({columns[k]: v for k, v in row.items() if k in columns}, ensure_ascii=False)
                 for row in rows]
        return ("\n".join(lines) + "\n").encode("utf-8")
    if market == "ZJ":
        objs = []
        for row in rows:
            obj = {columns[k]: v for k, v in row.items() if k in columns and k != "patents"}
            obj["zl"] = [{"zlh": row["patents"], "zllx": "发明专利"}]
            objs.append(obj)
        return json.dumps({"total": len(objs), "rows": objs, "exportTime": "2024-03-06"}, ensure_ascii=False).encode()
    header = [c for k, c in columns.items() if k != "external_id" or market == "JS"]
    names = {c: k for k, c in columns.items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        if "!line" in row:
            buffer.write(row["!line"] + "\r\n")
        else:
            writer.writerow([row.get(names[c], "") for c in header])
    text = buffer.getvalue()
    return ("\ufeff" + text).encode("utf-8") if market == "JS" else text.encode("gb18030")


def csv_line(market: str, row: dict) -> str:
    columns = COLUMNS[market]
    header = [c for k, c in columns.items() if k != "external_id" or market == "JS"]
    names = {c: k for k, c in columns.items()}
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow([row.get(names[c], "") for c in header])
    return buffer.getvalue()


# --- the quirk families -----------------------------------------------------
# each: (market, row, expect, draw) -> (row, expect) with one value changed

def prices(market, row, expect, draw):
    yuan = draw(st.integers(min_value=1, max_value=10**11))
    form = draw(st.sampled_from(["sign", "yuan", "wan", "bare", "subfen", "negative", "fullwidth", "badgroup"]))
    ok = lambda fen: (row | {"price": text}, Expect(expect.values | {"price_fen": fen}))  # noqa: E731
    reject = lambda: (row | {"price": text}, Expect(reject=COLUMNS[market]["price"]))  # noqa: E731
    if form == "sign":
        text = draw(st.sampled_from(["￥", "¥", "RMB "])) + f"{yuan:,}"
        return ok(yuan * 100)
    if form == "yuan":
        text = f"{yuan}元"
        return ok(yuan * 100)
    if form == "wan":
        text = f"{yuan}万元"
        return ok(yuan * 1_000_000) if yuan * 1_000_000 <= 10**15 else reject()
    if form == "fullwidth":
        text = "".join(chr(ord(c) + 0xFEE0) for c in str(yuan)) + "元"
        return ok(yuan * 100)
    if form == "bare":
        text = str(yuan)
        if market in ("ZJ", "AH"):
            return reject()  # the documented values always carry a unit: ambiguous
        fen = yuan * 100 if market == "SH" else yuan * 1_000_000
        return ok(fen) if fen <= 10**15 else reject()
    if form == "subfen":
        text = f"{yuan}.{draw(st.integers(min_value=1, max_value=9))}{draw(st.integers(0, 9))}" \
               f"{draw(st.integers(min_value=1, max_value=9))}元"
        return reject()
    if form == "negative":
        text = f"-{yuan}元"
        return reject()
    text = f"{yuan // 10 or 1},{yuan % 10}元"  # a comma that is not a thousands separator
    return reject()


FLAG_VALUES = [(True, True), ("true", True), ("1", True), (1, True), ("是", True), ("TRUE", True),
               (False, False), ("false", False), ("0", False), (0, False), ("否", False), ("", False),
               ("maybe", None), ("2", None), (2, None), ({"v": 1}, None), ([True], None), (0.5, None)]


def flags(market, row, expect, draw):
    """SH priceNegotiable: strict yes/no (the other markets write 面议 in the price)."""
    value, meaning = draw(st.sampled_from(FLAG_VALUES))
    row = row | {"negotiable": value}
    if meaning is None:
        return row, Expect(reject="priceNegotiable")
    if meaning:
        return row, Expect(expect.values | {"negotiable": True, "price_fen": None})
    return row, Expect(expect.values)


def wrong_types(market, row, expect, draw):
    name = draw(st.sampled_from(["title", "holder", "abstract", "ip_type", "maturity", "place"]))
    value = draw(st.sampled_from([{"zh": "一种装置", "en": "a device"}, ["华东理工大学", "上海交通大学"], True, 1.5]))
    return row | {name: value}, Expect(reject=COLUMNS[market][name])


def markup(market, row, expect, draw):
    name = draw(st.sampled_from(["title", "abstract"]))
    text = expect.values[name]
    form = draw(st.sampled_from(["p", "entity", "nbsp", "double", "italic"]))
    written, meant = {
        "p": (f"<p>{text}</p>", text),
        "entity": (f"&quot;{text}&quot;", f'"{text}"'),
        "nbsp": (f"{text[:2]}&nbsp;{text[2:]}", f"{text[:2]} {text[2:]}"),
        "double": (f"&amp;quot;{text}&amp;quot;", f'"{text}"'),
        "italic": (f"{text[:2]}<i>{text[2:4]}</i>{text[4:]}", text),
    }[form]
    return row | {name: written}, Expect(expect.values | {name: meant}, {COLUMNS[market][name]})


def white_space(market, row, expect, draw):
    gap = draw(st.sampled_from(["\n", "\t", "  ", "\r\n", " \u3000 "]))
    title = expect.values["title"]
    written = title[:2] + gap + title[2:]
    return row | {"title": written}, Expect(expect.values | {"title": f"{title[:2]} {title[2:]}"},
                                            {COLUMNS[market]["title"]})


def control_characters(market, row, expect, draw):
    """A NUL, BEL, BOM or zero-width space inside a title: removed, with a warning."""
    char = draw(st.sampled_from(["\x00", "\x07", "\ufeff", "\u200b"]))
    title = expect.values["title"]
    position = draw(st.integers(min_value=1, max_value=len(title) - 1))
    return (row | {"title": title[:position] + char + title[position:]},
            Expect(expect.values, {COLUMNS[market]["title"]}))


def keyword_lists(market, row, expect, draw):
    count = draw(st.integers(min_value=0, max_value=MAX_KEYWORDS + 20))
    words = [f"关键词{n}" for n in range(count)]
    written = "；".join(words) if market == "ZJ" else words
    warned = {COLUMNS[market]["keywords"]} if count > MAX_KEYWORDS else set()
    return row | {"keywords": written}, Expect(expect.values | {"keywords": words[:MAX_KEYWORDS]}, warned)


_CN = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    return _CN[n] if n < 10 else ("十" if n // 10 == 1 else _CN[n // 10] + "十") + (_CN[n % 10] if n % 10 else "")


def dates(market, row, expect, draw):
    day = draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)))
    forms = ["iso", "slash_time", "cn_time", "cn_numerals", "compact", "impossible"]
    form = draw(st.sampled_from(forms + (["serial"] if market in CSV_MARKETS else [])))
    written = {
        "iso": day.isoformat(),
        "slash_time": f"{day.year}/{day.month:02d}/{day.day:02d} 10:00:00",
        "cn_time": f"{day.year}年{day.month}月{day.day}日 10:00",
        "cn_numerals": "".join(_CN[int(c)] for c in str(day.year)) + f"年{_cn_small(day.month)}月{_cn_small(day.day)}日",
        "compact": day.strftime("%Y%m%d"),
        "serial": str((day - date(1899, 12, 30)).days),
        "impossible": f"{day.year}/{draw(st.sampled_from(['13/1', '2/30', '4/31', '0/5']))}",
    }[form]
    if form == "impossible":
        return row | {"listed_on": written}, Expect(reject=COLUMNS[market]["listed_on"])
    return row | {"listed_on": written}, Expect(expect.values | {"listed_on": day})


PROVINCE_NAMES = {"上海": "上海市", "江苏": "江苏省", "浙江": "浙江省", "安徽": "安徽省"}
_UNIQUE_DISTRICTS = sorted(d for d, cities in DISTRICT_CITIES.items() if len(cities) == 1)


def places(market, row, expect, draw):
    city = draw(st.sampled_from(sorted(YRD_CITIES)))
    province, districts = YRD_CITIES[city]
    district = draw(st.sampled_from((None, "工业园区", "高新区") + districts))
    style = draw(st.sampled_from(["full", "city_suffix", "short", "district_only"]))
    if style == "district_only" and district in _UNIQUE_DISTRICTS:
        written = (PROVINCE_NAMES[province] if draw(st.booleans()) and province != "上海" else "") + district
    else:
        city_written = city + ("市" if style != "short" else "")
        prefix = PROVINCE_NAMES[province] if style == "full" and province != city else ""
        written = prefix + city_written + (district or "")
    return row | {"place": written}, Expect(expect.values | {"province": province, "city": city,
                                                              "district": district})


def patents(market, row, expect, draw):
    number = expect.values["application_numbers"][0]
    form = draw(st.sampled_from(["zl", "fullwidth", "spaces", "bad_check", "short"]))
    if form == "bad_check":
        check = number[-1]
        wrong = draw(st.sampled_from([c for c in "0123456789X" if c != check]))
        return row | {"patents": number[:-1] + wrong}, Expect(reject=COLUMNS[market]["patents"])
    if form == "short":
        return row | {"patents": number[1:]}, Expect(reject=COLUMNS[market]["patents"])
    written = {"zl": "ZL" + number, "spaces": f" {number} ",
               "fullwidth": "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in number)}[form]
    return row | {"patents": written}, Expect(expect.values)


FAMILIES = {"prices": prices, "flags": flags, "wrong_types": wrong_types, "markup": markup,
            "white_space": white_space, "control_characters": control_characters, "keyword_lists": keyword_lists, "dates": dates, "places": places,
            "patents": patents}
APPLIES = {"flags": ("SH",), "wrong_types": JSON_MARKETS, "keyword_lists": JSON_MARKETS}


# --- demands ----------------------------------------------------------------
DEMAND_COLUMNS = {"SH": sh.DEMAND_COLUMNS, "JS": js.DEMAND_COLUMNS, "ZJ": zj.DEMAND_COLUMNS, "AH": ah.DEMAND_COLUMNS}
DEMAND_FIELD = {"SH": "新材料", "JS": "新材料", "ZJ": "05", "AH": "新材料技术"}


def base_demand(market: str, i: int) -> tuple[dict, Expect]:
    place, (province, city, district) = PLACE[market]
    raw = {"external_id": f"{market}-D-{i:04d}", "title": f"需求第{i}号", "description": f"需要第{i}种技术。",
           "enterprise": "江南制造有限公司", "field_label": DEMAND_FIELD[market], "budget": "50-100万元",
           "deadline": "2025-06-30", "cooperation_mode": "合作开发", "place": place}
    values = {"title": raw["title"], "description": raw["description"], "budget_min_fen": 50_000_000,
              "budget_max_fen": 100_000_000, "deadline": date(2025, 6, 30), "province": province, "city": city,
              "district": district, "enterprise_name": "江南制造有限公司"}
    return raw, Expect(values)


def write_demands(market: str, rows: list[dict]) -> bytes:
    columns = DEMAND_COLUMNS[market]
    if market in JSON_MARKETS:
        return "".join(json.dumps({columns[k]: v for k, v in row.items()}, ensure_ascii=False) + "\n"
                       for row in rows).encode("utf-8")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(columns.values()))
    writer.writerows([[row.get(k, "") for k in columns] for row in rows])
    text = buffer.getvalue()
    return ("\ufeff" + text).encode("utf-8") if market == "JS" else text.encode("gb18030")


def budgets(market, row, expect, draw):
    low = draw(st.integers(min_value=1, max_value=10**6))
    high = low + draw(st.integers(min_value=0, max_value=10**6))
    form = draw(st.sampled_from(["wan_range", "bare_range", "sign", "yuan_range", "reversed", "subfen"]))
    column = DEMAND_COLUMNS[market]["budget"]
    if form == "reversed" and high > low:
        return row | {"budget": f"{high}-{low}万元"}, Expect(reject=column)
    if form == "subfen":
        return row | {"budget": f"{low}.123元"}, Expect(reject=column)
    written, fen = {
        "wan_range": (f"{low}-{high}万元", (low * 1_000_000, high * 1_000_000)),
        "bare_range": (f"{low}~{high}", (low * 1_000_000, high * 1_000_000)),  # documented: 万元
        "sign": (f"￥{low:,}", (low * 100, low * 100)),  # a yuan sign means yuan in the 万元 column
        "yuan_range": (f"{low}-{high}元", (low * 100, high * 100)),
        "reversed": (f"{low}-{high}万元", (low * 1_000_000, high * 1_000_000)),
    }[form]
    return row | {"budget": written}, Expect(expect.values | {"budget_min_fen": fen[0], "budget_max_fen": fen[1]})


def demand_markup(market, row, expect, draw):
    text = expect.values["description"]
    return (row | {"description": f"<div>{text[:2]}<br>{text[2:]}</div>"},
            Expect(expect.values | {"description": f"{text[:2]}\n{text[2:]}"}, {DEMAND_COLUMNS[market]["description"]}))


def demand_types(market, row, expect, draw):
    name = draw(st.sampled_from(["title", "enterprise", "description", "budget", "deadline"]))
    value = draw(st.sampled_from([{"min": 50, "max": 100}, ["50", "100"], True, 1.5]))
    return row | {name: value}, Expect(reject=DEMAND_COLUMNS[market][name])


def deadlines(market, row, expect, draw):
    row, expect = dates(market, row | {"listed_on": row["deadline"]}, expect, draw)
    written = row.pop("listed_on")
    if expect.reject:
        return row | {"deadline": written}, Expect(reject=DEMAND_COLUMNS[market]["deadline"])
    values = dict(expect.values)
    values["deadline"] = values.pop("listed_on")
    return row | {"deadline": written}, Expect(values)


DEMAND_FAMILIES = {"budgets": budgets, "markup": demand_markup, "wrong_types": demand_types,
                   "deadlines": deadlines}
DEMAND_APPLIES = {"wrong_types": JSON_MARKETS}
