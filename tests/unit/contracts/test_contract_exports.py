import csv
import io
import xml.etree.ElementTree as ET
from datetime import date

from openpyxl import load_workbook

from market.adapters import exports
from market.domain import stats
import stats_oracle as oracle

SPAN = stats.DateRange(date(2025, 1, 1), date(2025, 12, 31))


def _contracts_result():
    facts = [oracle.ContractFact("上海", "江苏", date(2025, 2, 1), "技术开发", "农业", "SH", "registered", 3_000_000, 1_000_000),
             oracle.ContractFact("安徽", "上海", date(2025, 8, 1), "技术服务", "新材料", "AH", "registered", 1_234_567, 0)]
    groups = ("quarter", "province")
    return stats.contracts_result(oracle.aggregate(facts, groups, "outflow"), {}, groups=groups,
                                  side="outflow", span=SPAN, registered_only=True)


def _flows_result():
    pairs = [("上海", "江苏", stats.Totals(2, 5_000_000, 4_000_000)), ("北京", "浙江", stats.Totals(1, 1_000_000, 0)),
             ("安徽", "境外", stats.Totals(1, 2_500_000, 2_500_000))]
    return {"from": "2025-01-01", "to": "2025-12-31", "registered_only": True,
            **stats.FlowMatrix.from_pairs(pairs).as_dict()}


def test_contracts_csv_has_a_bom_a_header_every_row_and_the_total():
    header, rows = exports.contracts_table(_contracts_result())
    data = exports.to_csv(header, rows)
    assert data.startswith("\ufeff".encode())
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert parsed[0][:2] == ["季度", "省份"]
    assert parsed[-1][0] == "合计" and parsed[-1][3] == "4234567"
    assert len(parsed) == 1 + 16 + 1
    shanghai_q1 = next(r for r in parsed if r[:2] == ["2025Q1", "上海"])
    assert shanghai_q1[2:5] == ["1", "3000000", "3.00"]


def test_contracts_xlsx_round_trips_the_figures():
    book = load_workbook(io.BytesIO(exports.contracts_workbook(_contracts_result())))
    sheet = book["技术合同统计"]
    values = list(sheet.values)
    assert values[-1][0] == "合计" and values[-1][3] == 4234567
    assert "说明" in book.sheetnames


def test_flows_xlsx_matrix_rows_and_columns_add_up():
    book = load_workbook(io.BytesIO(exports.flows_workbook(_flows_result())))
    rows = list(book["流向矩阵(合同数)"].values)
    header, body = rows[0], rows[1:]
    assert header[1:7] == ("上海", "江苏", "浙江", "安徽", "其他省份", "境外")
    assert body[-1][0] == "吸纳合计" and body[-1][-1] == 4
    for line in body[:-1]:
        assert sum(line[1:7]) == line[7]
    assert "净输出与跨省" in book.sheetnames


def test_flows_csv_lists_every_cell():
    header, rows = exports.flows_cells_table(_flows_result())
    assert len(rows) == 36
    assert ["上海", "江苏", 2, 5_000_000] == rows[1][:4]


def _svg_texts(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(el.itertext()) for el in root.iter("{http://www.w3.org/2000/svg}text")]


def test_quarterly_chart_is_svg_with_chinese_kept_as_text_and_no_script():
    svg = exports.contracts_chart_svg(_contracts_result())
    texts = _svg_texts(svg)
    assert any("技术合同成交额" in t for t in texts)
    assert {"上海", "安徽"} <= set(texts)
    assert "2025Q3" in texts
    assert b"<script" not in svg


def test_flows_chart_labels_each_seller_and_buyer():
    texts = _svg_texts(exports.flows_chart_svg(_flows_result()))
    assert "上海输出" in texts and "→境外" in texts
