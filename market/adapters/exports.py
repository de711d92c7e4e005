"""Statistics tables and charts as files: CSV, XLSX (openpyxl) and SVG (pygal).

The inputs are the plain dicts the statistics services return, so every export
shows exactly the figures the JSON API shows. Money stays integer fen in the
`(分)` columns; the `(万元)` columns are Decimal conversions for people. Charts
are SVG with their labels as <text>, so Chinese renders with the reader's own
fonts in any browser (no rasterised glyphs, no font files to ship).
"""
from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

FEN_PER_WAN = Decimal(1_000_000)
_SCRIPT = re.compile(rb"<script\b[^>]*>.*?</script>|<script\b[^>]*/>", re.S)
CJK_FONTS = '"Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif'

LABELS = {
    "province": "省份", "year": "年份", "quarter": "季度", "month": "月份", "type": "合同类型",
    "field": "技术领域", "market": "登记市场", "count": "合同数(项)",
    "contract_amount_fen": "合同成交额(分)", "contract_amount_wan": "合同成交额(万元)",
    "tech_amount_fen": "技术交易额(分)", "tech_amount_wan": "技术交易额(万元)",
    "yoy": "同比(合同成交额)", "qoq": "环比(合同成交额)",
}
SIDE_LABELS = {"outflow": "输出技术(按卖方省份)", "inflow": "吸纳技术(按买方省份)"}
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "svg": "image/svg+xml; charset=utf-8",
}


def fen_to_wan(fen: int) -> Decimal:
    return (Decimal(fen) / FEN_PER_WAN).quantize(Decimal("0.01"))


# --- tables --------------------------------------------------------------------------
def contracts_table(result: dict) -> tuple[list[str], list[list]]:
    """The grouped statistics as one header + rows, with a 合计 (total) last row."""
    groups = list(result["group_by"])
    header = [LABELS[g] for g in groups] + [LABELS[k] for k in (
        "count", "contract_amount_fen", "contract_amount_wan", "tech_amount_fen", "tech_amount_wan",
        "yoy", "qoq")]
    rows = [[row[g] for g in groups] + _figures(row) + [_ratio(row.get("yoy")), _ratio(row.get("qoq"))]
            for row in result["rows"]]
    rows.append(["合计"] + [""] * (len(groups) - 1) + _figures(result["total"]) + ["", ""])
    return header, rows


def _figures(t: dict) -> list:
    return [t["count"], t["contract_amount_fen"], fen_to_wan(t["contract_amount_fen"]),
            t["tech_amount_fen"], fen_to_wan(t["tech_amount_fen"])]


def _ratio(change: dict | None):
    return "" if not change or change.get("contract_amount_fen") is None else change["contract_amount_fen"]


def flows_cells_table(result: dict) -> tuple[list[str], list[list]]:
    header = ["卖方省份(输出)", "买方省份(吸纳)"] + [LABELS[k] for k in (
        "count", "contract_amount_fen", "contract_amount_wan", "tech_amount_fen", "tech_amount_wan")]
    rows = [[line["seller"], cell["buyer"]] + _figures(cell)
            for line in result["matrix"] for cell in line["cells"]]
    return header, rows


def flows_matrix_table(result: dict, measure: str = "contract_amount_fen") -> tuple[list[str], list[list]]:
    """Seller rows × buyer columns, with 输出合计 column and 吸纳合计 row."""
    buckets = result["buckets"]
    to_value = (lambda v: fen_to_wan(v)) if measure.endswith("_fen") else (lambda v: v)
    header = ["卖方\\买方"] + buckets + ["输出合计"]
    rows = []
    for line in result["matrix"]:
        rows.append([line["seller"]] + [to_value(c[measure]) for c in line["cells"]]
                    + [to_value(result["outflow"][line["seller"]][measure])])
    rows.append(["吸纳合计"] + [to_value(result["inflow"][b][measure]) for b in buckets]
                + [to_value(result["total"][measure])])
    return header, rows


def flows_positions_table(result: dict) -> tuple[list[str], list[list]]:
    header = ["省份", "输出合同成交额(万元)", "吸纳合同成交额(万元)", "净输出额(万元)",
              "长三角跨省输出(万元)", "长三角跨省吸纳(万元)", "占长三角跨省成交额比重"]
    cross = result["yrd_cross_province"]["by_province"]
    rows = []
    for bucket in result["buckets"]:
        c = cross.get(bucket)
        rows.append([bucket, fen_to_wan(result["outflow"][bucket]["contract_amount_fen"]),
                     fen_to_wan(result["inflow"][bucket]["contract_amount_fen"]),
                     fen_to_wan(result["net"][bucket]["contract_amount_fen"]),
                     fen_to_wan(c["outflow"]["contract_amount_fen"]) if c else "",
                     fen_to_wan(c["inflow"]["contract_amount_fen"]) if c else "",
                     _or_blank(c["outflow_share"]) if c else ""])
    yrd = result["yrd_cross_province"]
    rows.append(["长三角跨省合计", "", "", "", fen_to_wan(yrd["total"]["contract_amount_fen"]), "",
                 _or_blank(yrd["share_of_total"])])
    return header, rows


def _or_blank(value):
    return "" if value is None else value


def to_csv(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a byte-order mark: Excel opens Chinese CSV correctly only with it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell_text(v) for v in row] for row in rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell_text(value) -> str:
    return "" if value is None else str(value)


def to_xlsx(sheets: list[tuple[str, list[str], list[list]]], *, meta: list[tuple[str, str]] = ()) -> bytes:
    """One workbook; each (title, header, rows) a sheet; `meta` lines on a 说明 sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_xlsx_value(v) for v in row])
        for index, name in enumerate(header, start=1):
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(10, len(str(name)) * 2)
        sheet.freeze_panes = "A2"
    if meta:
        info = book.create_sheet("说明")
        for key, value in meta:
            info.append([key, value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsx_value(value):
    """Decimal 万元 become numbers with two decimals; Excel has no Decimal type."""
    if isinstance(value, Decimal):
        return float(value)
    return value


def contracts_workbook(result: dict) -> bytes:
    header, rows = contracts_table(result)
    return to_xlsx([("技术合同统计", header, rows)], meta=_meta(result))


def flows_workbook(result: dict) -> bytes:
    sheets = [
        ("流向矩阵(成交额万元)",) + flows_matrix_table(result, "contract_amount_fen"),
        ("流向矩阵(技术交易额万元)",) + flows_matrix_table(result, "tech_amount_fen"),
        ("流向矩阵(合同数)",) + flows_matrix_table(result, "count"),
        ("净输出与跨省",) + flows_positions_table(result),
        ("明细",) + flows_cells_table(result),
    ]
    return to_xlsx(sheets, meta=_meta(result))


def _meta(result: dict) -> list[tuple[str, str]]:
    lines = [("统计期间", f"{result['from']} 至 {result['to']}"),
             ("口径", "仅已认定登记合同" if result.get("registered_only", True) else "全部合同(含未登记)")]
    if "side" in result:
        lines.append(("方向", SIDE_LABELS[result["side"]]))
    lines.append(("说明", "金额以分为准；万元列为换算值"))
    return lines


# --- charts -----------------------------------------------------------------------------
def _style():
    from pygal.style import Style
    return Style(font_family=CJK_FONTS, title_font_family=CJK_FONTS, label_font_family=CJK_FONTS,
                 legend_font_family=CJK_FONTS, value_font_family=CJK_FONTS, major_label_font_family=CJK_FONTS,
                 tooltip_font_family=CJK_FONTS)


def _chart(kind: str, title: str, x_labels: list[str]):
    import pygal
    chart_class = {"line": pygal.Line, "bar": pygal.Bar, "stacked": pygal.StackedBar}[kind]
    # js=[]: no script from a CDN; the SVG is self-contained and static.
    return chart_class(js=[], style=_style(), title=title, x_labels=x_labels, x_label_rotation=30,
                       legend_at_bottom=True, y_title="万元", print_values=False,
                       disable_xml_declaration=False, width=960, height=540)


def contracts_chart_svg(result: dict) -> bytes:
    """A time grouping draws lines over the periods, one per value of the other
    group (the quarterly series per province); otherwise bars (stacked for two groups)."""
    groups = list(result["group_by"])
    time = next((g for g in groups if g in ("year", "quarter", "month")), None)
    x_group = time or groups[0]
    series_group = next((g for g in groups if g != x_group), None)
    x_labels = list(dict.fromkeys(row[x_group] for row in result["rows"]))
    side = SIDE_LABELS.get(result.get("side"), "") if "province" in groups else ""
    title = f"技术合同成交额 {result['from']} 至 {result['to']} {side}".strip()
    kind = "line" if time and series_group else ("stacked" if series_group else "bar")
    chart = _chart(kind, title, [str(x) for x in x_labels])
    if series_group is None:
        values = {row[x_group]: row["contract_amount_fen"] for row in result["rows"]}
        chart.add("合同成交额", [_wan_number(values.get(x, 0)) for x in x_labels])
    else:
        names = list(dict.fromkeys(row[series_group] for row in result["rows"]))
        cell = {(row[x_group], row[series_group]): row["contract_amount_fen"] for row in result["rows"]}
        for name in names:
            chart.add(str(name), [_wan_number(cell.get((x, name), 0)) for x in x_labels])
    return _static(chart.render())


def flows_chart_svg(result: dict) -> bytes:
    """The flows matrix as stacked bars: one bar per seller province, stacked by
    the buyer's province, so each bar is that province's outflow."""
    buckets = result["buckets"]
    title = f"技术流向 {result['from']} 至 {result['to']} (卖方→买方, 合同成交额)"
    chart = _chart("stacked", title, [f"{b}输出" for b in buckets])
    cells = {(line["seller"], c["buyer"]): c["contract_amount_fen"]
             for line in result["matrix"] for c in line["cells"]}
    for buyer in buckets:
        chart.add(f"→{buyer}", [_wan_number(cells[(seller, buyer)]) for seller in buckets])
    return _static(chart.render())


def _static(svg: bytes) -> bytes:
    """pygal always inlines a config <script> for its tooltips; a static chart
    needs none, and without scripts the SVG is safe to show in an <img>."""
    return _SCRIPT.sub(b"", svg)


def _wan_number(fen: int) -> float:
    """Chart coordinates only: the plotted height of an amount in 万元."""
    return float(fen_to_wan(fen))
