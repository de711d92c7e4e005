"""A small demo export of each market, in each market's own format, written
from the project's own word lists (no third-party text), for `make run` and
manual testing of the import: `flask --app wsgi market import-demo`.

The feeds carry the quirks of real exports on purpose: a few shared patents
across markets, 面议 prices, one empty title, one impossible date.
"""
from __future__ import annotations

import csv
import io
import json
import random
from datetime import date, timedelta
from pathlib import Path

from market.domain.codes import patent_check_char
from market.domain.taxonomy import FIELDS

from .imports import import_feed

SUBJECTS = ("光伏组件", "锂电池隔膜", "污水处理膜", "农用无人机", "智能电表", "风电叶片", "医用导管", "碳纤维支架",
            "水稻育秧盘", "港口起重机", "桥梁伸缩缝", "冷链箱体", "茶叶烘干机", "高铁轴承", "土壤传感器")
ACTIONS = ("在线检测方法", "低能耗制备工艺", "故障预警系统", "自动装配装置", "寿命评估方法", "回收利用技术",
           "表面改性方法", "远程监控平台")
HOLDERS = {
    "SH": ("沪东理工大学", "浦江材料研究所", "申城医学院"),
    "JS": ("太湖工业大学", "金陵智能制造研究院", "淮海农业学院"),
    "ZJ": ("钱塘大学", "之江数字技术研究所", "瓯江海洋学院"),
    "AH": ("皖江工业大学", "巢湖新材料研究院", "黄山农林学院"),
}
CITIES = {"SH": ("上海市",), "JS": ("南京市", "苏州市", "无锡市"), "ZJ": ("杭州市", "宁波市", "湖州市"),
          "AH": ("合肥市", "芜湖市", "安庆市")}
JS_FIELDS = ("新一代信息技术", "高端装备制造", "新能源", "生物医药", "新材料", "节能环保", "新能源汽车及交通",
             "社会发展", "航空航天", "现代农业")
AH_FIELDS = ("电子信息技术", "先进制造与自动化", "新能源与节能", "生物与新医药", "新材料技术", "资源与环境",
             "现代交通", "城市建设", "航空航天技术", "农业技术")
IP_TYPES = ("发明专利", "实用新型", "技术秘密", "软件著作权")
MODES = ("转让", "普通许可", "独占许可", "作价入股", "合作开发")
MATURITIES = ("实验室阶段", "小试阶段", "中试阶段", "产业化阶段")


def _patent(rng: random.Random, kind: str) -> str:
    digits = f"{rng.randint(2019, 2024)}{'1' if kind == '发明专利' else '2'}{rng.randint(0, 9_999_999):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def _items(rng: random.Random, count: int, shared: list[dict]) -> list[dict]:
    items = []
    for i in range(count):
        ip_type = rng.choice(IP_TYPES)
        subject, action = rng.choice(SUBJECTS), rng.choice(ACTIONS)
        items.append({
            "title": f"一种{subject}的{action}", "abstract": f"本成果提供{subject}的{action}，降低成本，提高可靠性。",
            "keywords": [subject, action[:2]], "ip_type": ip_type,
            "patent": _patent(rng, ip_type) if ip_type in ("发明专利", "实用新型") else None,
            "field": rng.randrange(len(FIELDS)), "mode": rng.choice(MODES), "maturity": rng.choice(MATURITIES),
            "price_wan": None if rng.random() < 0.2 else rng.randint(5, 300),
            "listed_on": date(2024, 1, 1) + timedelta(days=rng.randint(0, 600)), "n": i,
        })
    return items[: count - len(shared)] + shared


def build_demo_feeds(directory: Path, per_market: int = 40, seed: int = 2025) -> list[tuple[str, Path]]:
    """Write one achievements feed per market into ``directory``; returns [(market, path)]."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    shared_rng = random.Random(seed + 1)
    shared = [dict(item, holder="沪东理工大学") for item in _items(shared_rng, 3, [])]
    for item in shared:
        item["ip_type"], item["patent"] = "发明专利", _patent(shared_rng, "发明专利")
    out = []
    for code, writer in (("SH", _sh), ("JS", _js), ("ZJ", _zj), ("AH", _ah)):
        items = _items(rng, per_market, [dict(s) for s in shared])
        for item in items:
            item.setdefault("holder", rng.choice(HOLDERS[code]))
            item["city"] = rng.choice(CITIES[code])
        path = writer(directory, items)
        out.append((code, path))
    return out


def _sh(directory: Path, items: list[dict]) -> Path:
    lines = []
    for i, it in enumerate(items):
        price = None if it["price_wan"] is None else f"{it['price_wan'] * 10_000:,.2f}"
        lines.append(json.dumps({
            "projectNo": f"SH-DEMO-{i:04d}", "title": "" if i == 5 else it["title"], "summary": it["abstract"],
            "keywords": it["keywords"], "patentNo": f"ZL{it['patent']}" if it["patent"] else None,
            "ipType": it["ip_type"], "holder": it["holder"], "field": FIELDS[it["field"]], "tradeMode": it["mode"],
            "listPrice": price, "priceNegotiable": price is None, "maturity": it["maturity"],
            "listedAt": f"{it['listed_on'].isoformat()}T10:00:00+08:00", "city": it["city"], "status": "挂牌中",
        }, ensure_ascii=False))
    path = directory / "sh_demo_achievements.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _csv_bytes(header: list[str], rows: list[list], encoding: str) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def _js(directory: Path, items: list[dict]) -> Path:
    header = ["项目编号", "成果名称", "成果简介", "专利号", "成果类型", "权利人", "技术领域", "交易方式", "挂牌价(万元)",
              "挂牌日期", "所在地区", "成熟度"]
    rows = []
    for i, it in enumerate(items):
        d = it["listed_on"]
        listed = f"{d.year}/13/{d.day}" if i == 7 else f"{d.year}/{d.month}/{d.day}"
        rows.append([f"JS-DEMO-{i:04d}", it["title"], it["abstract"], it["patent"] or "", it["ip_type"],
                     it["holder"], JS_FIELDS[it["field"]], it["mode"],
                     "面议" if it["price_wan"] is None else str(it["price_wan"]), listed, f"江苏省{it['city']}",
                     it["maturity"]])
    path = directory / "js_demo_achievements.csv"
    path.write_bytes(_csv_bytes(header, rows, "utf-8-sig"))
    return path


def _zj(directory: Path, items: list[dict]) -> Path:
    rows = [{
        "cgbh": f"ZJ-DEMO-{i:04d}", "cgmc": it["title"], "cgjj": it["abstract"], "gjc": "；".join(it["keywords"]),
        "zl": [{"zlh": it["patent"], "zllx": it["ip_type"]}] if it["patent"] else [], "cglx": it["ip_type"],
        "cgsyr": it["holder"], "jsly": f"{it['field'] + 1:02d}", "jyfs": it["mode"],
        "jg": "面议" if it["price_wan"] is None else f"{it['price_wan']}万元", "fbsj": it["listed_on"].strftime("%Y%m%d"),
        "ssdq": it["city"], "cssd": it["maturity"], "zt": "0" if i == 3 else "1",
    } for i, it in enumerate(items)]
    path = directory / "zj_demo_achievements.json"
    doc = {"total": len(rows), "rows": rows, "exportTime": "2025-06-30 18:00:00"}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _ah(directory: Path, items: list[dict]) -> Path:
    header = ["序号", "成果名称", "成果简介", "知识产权编号", "知识产权类型", "单位", "领域", "转化方式", "价格", "发布时间",
              "地市", "成熟程度"]
    rows = []
    for i, it in enumerate(items):
        price = "面议" if it["price_wan"] is None else (f"{it['price_wan']}万" if i % 2 else f"{it['price_wan'] * 10_000}元")
        d = it["listed_on"]
        rows.append([i + 1, it["title"], it["abstract"], it["patent"] or "", it["ip_type"], it["holder"],
                     AH_FIELDS[it["field"]], it["mode"], price, f"{d.year}年{d.month}月{d.day}日", it["city"],
                     it["maturity"]])
    path = directory / "ah_demo_achievements.csv"
    path.write_bytes(_csv_bytes(header, rows, "gb18030"))
    return path


def import_demo_feeds(uow_factory, now, directory: Path, per_market: int = 40) -> list[dict]:
    """Generate the demo feeds and import them as the platform; returns the run reports."""
    return [import_feed(uow_factory(), code, path, path.name, None, now)
            for code, path in build_demo_feeds(directory, per_market)]
