"""Import of a market's contract register: row errors reported, the file loaded
again changes nothing, a corrected amount updates the contract with history."""
import pytest

from contract_world import NOW
from market.domain.errors import Forbidden, ValidationFailed
from market.services import contracts as svc

HEADER = "合同编号,合同名称,合同类型,技术领域,卖方,卖方省份,买方,买方省份,合同成交额,技术交易额,签订日期,登记编号"
ROWS = [
    "SH-2025-0001,储能电池热管理系统技术开发,技术开发,新能源与高效节能,申江电池研究院,上海市,皖江汽车有限公司,安徽省,120万元,100万元,2025-02-14,2025310100000101",
    "SH-2025-0002,工业视觉检测软件许可,技术许可,电子信息,浦江视觉科技有限公司,上海,甬城模具有限公司,浙江,350000,350000,2025/06/30,",
    "SH-2025-0003,超出金额,技术服务,电子信息,浦江视觉科技有限公司,上海,甬城模具有限公司,浙江,10万元,11万元,2025-07-01,",
    "SH-2025-0004,错误日期,技术咨询,农业,浦江视觉科技有限公司,上海,甬城模具有限公司,浙江,10万元,1万元,2025-13-01,",
    "SH-2025-0005,外省卖方,技术转让,新材料,苏锡新材料有限公司,江苏,甬城模具有限公司,浙江,10万元,1万元,2025-03-01,",
    ",缺编号,技术咨询,农业,浦江视觉科技有限公司,上海,甬城模具有限公司,浙江,10万元,1万元,2025-03-01,",
    "SH-2025-0007,境外买方,技术转让,航空航天,申江电池研究院,上海,Aero Parts GmbH,境外,1000000元,800000元,2025年9月1日,",
]


def _csv(rows, encoding="utf-8-sig") -> bytes:
    return ("\n".join([HEADER] + rows) + "\n").encode(encoding)


def _import(uow_factory, staff, content, who="op_sh", market="SH"):
    return svc.import_contract_register(uow_factory(), actor_id=staff[who], market_code=market,
                                        filename="register.csv", content=content, now=NOW)


def test_register_import_creates_good_rows_and_reports_each_bad_one(uow_factory, staff):
    report = _import(uow_factory, staff, _csv(ROWS))
    assert report["counts"] == {"rows": 7, "created": 3, "updated": 0, "unchanged": 0, "rejected": 4}
    problems = {(e["row"], e["field"]) for e in report["errors"]}
    assert problems == {(4, "tech_amount_fen"), (5, "signed_on"), (6, "market_code"), (7, "external_id")}
    with uow_factory() as uow:
        repo = svc.contracts_repo(uow)
        first = repo.by_external_id("SH", "SH-2025-0001")
        assert (first.status, first.registration_number) == ("registered", "2025310100000101")
        assert (first.contract_amount_fen, first.tech_amount_fen) == (120_000_000, 100_000_000)
        assert (first.seller_province, first.buyer_province) == ("上海", "安徽")
        assert repo.by_external_id("SH", "SH-2025-0002").status == "submitted"
        assert repo.by_external_id("SH", "SH-2025-0007").buyer_province == "境外"
        assert uow.organisations.by_name("申江电池研究院", "上海").kind == "research_institute"


def test_loading_the_same_register_again_changes_nothing(uow_factory, staff):
    _import(uow_factory, staff, _csv(ROWS))
    again = _import(uow_factory, staff, _csv(ROWS))
    assert again["counts"] == {"rows": 7, "created": 0, "updated": 0, "unchanged": 3, "rejected": 4}
    with uow_factory() as uow:
        assert svc.contracts_repo(uow).list()[1] == 3


def test_a_corrected_amount_updates_the_contract_and_its_history(uow_factory, staff):
    _import(uow_factory, staff, _csv(ROWS[:2]))
    corrected = ROWS[1].replace(",350000,350000,", ",400000,350000,").replace("2025/06/30,", "2025/06/30,2025310100000102")
    report = _import(uow_factory, staff, _csv([ROWS[0], corrected]))
    assert report["counts"]["updated"] == 1 and report["counts"]["unchanged"] == 1
    with uow_factory() as uow:
        contract = svc.contracts_repo(uow).by_external_id("SH", "SH-2025-0002")
        assert contract.contract_amount_fen == 40_000_000 and contract.status == "registered"
        assert {"contract_amount_fen": [35_000_000, 40_000_000]} in [h.detail for h in contract.history]


def test_gb18030_register_is_read(uow_factory, staff):
    report = _import(uow_factory, staff, _csv(ROWS[:1], encoding="gb18030"))
    assert report["counts"]["created"] == 1


def test_register_without_required_columns_is_refused_whole(uow_factory, staff):
    with pytest.raises(ValidationFailed) as err:
        _import(uow_factory, staff, "合同编号,合同名称\nX,Y\n".encode())
    assert "file" in err.value.errors
    with pytest.raises(ValidationFailed):
        _import(uow_factory, staff, b"\xff\xfe\x00\x00garbage")
    with uow_factory() as uow:
        assert svc.contracts_repo(uow).import_runs("SH") == []


def test_only_the_markets_own_operators_import_its_register(uow_factory, staff):
    for who in ("op_js", "admin", "sh_member"):
        with pytest.raises(Forbidden):
            _import(uow_factory, staff, _csv(ROWS[:1]), who=who)


def test_import_runs_are_recorded_with_their_errors(uow_factory, staff):
    _import(uow_factory, staff, _csv(ROWS))
    (run,) = svc.list_import_runs(uow_factory(), actor_id=staff["op_sh"], market_code="SH")
    assert run["counts"]["rejected"] == 4 and len(run["sha256"]) == 64
    assert svc.get_import_run(uow_factory(), actor_id=staff["op_sh"], market_code="SH", run_id=run["id"])["errors"]


@pytest.mark.parametrize("amounts, field", [("12.345,1万元", "contract_amount"), ("\"￥850,000\",1万元", None)])
def test_register_amounts_are_read_by_the_one_amount_reading_of_feeds(uow_factory, staff, amounts, field):
    """Sub-fen amounts are refused (not rounded), and a yuan sign means yuan, as in the market feeds."""
    row = f"SH-2025-0100,金额读法,技术服务,电子信息,浦江视觉科技有限公司,上海,甬城模具有限公司,浙江,{amounts},2025-07-01,"
    report = _import(uow_factory, staff, _csv([row]))
    if field:
        [error] = report["errors"]
        assert error["field"] == field and "分" in str(error), error
        return
    with uow_factory() as uow:
        assert svc.contracts_repo(uow).by_external_id("SH", "SH-2025-0100").contract_amount_fen == 85_000_000
