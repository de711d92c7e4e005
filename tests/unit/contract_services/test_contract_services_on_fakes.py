"""The contract services on the in-memory unit of work (no database): direct entry,
registration numbers, auction sales retried, the register import and who sees what."""
from datetime import date

import pytest

from foundation_fakes import FakeUnitOfWork, PlainHasher
from market.adapters.clock import FrozenClock
from market.domain.accounts import Market
from market.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from market.services import accounts
from market.services import contracts as svc

HEADER = "合同编号,合同名称,合同类型,技术领域,卖方,卖方省份,买方,买方省份,合同成交额,技术交易额,签订日期,登记编号"
GOOD = "SH-2025-0001,储能电池热管理系统技术开发,技术开发,新能源与高效节能,申江电池研究院,上海市,皖江汽车有限公司,安徽省,120万元,100万元,2025-02-14,"
BAD_DATE = "SH-2025-0004,错误日期,技术咨询,农业,浦江视觉科技有限公司,上海,甬城模具有限公司,浙江,10万元,1万元,2025-13-01,"
SUB_FEN = "SH-2025-0005,金额读法,技术服务,电子信息,浦江视觉科技有限公司,上海,甬城模具有限公司,浙江,12.345,1万元,2025-07-01,"


class World:
    def __init__(self):
        self.uow, self.clock = FakeUnitOfWork(), FrozenClock()
        for code, name, province in (("SH", "上海技术交易所", "上海"), ("JS", "江苏省技术产权交易市场", "江苏")):
            self.uow.markets.add(Market(code, name, province))
        self.seller = self.org("浦江视觉科技有限公司", "上海")
        self.buyer = self.org("甬城模具有限公司", "浙江")
        self.member = self.user("m@x.cn", "member", organisation_id=self.seller)
        self.op_sh = self.user("sh@x.cn", "operator", market_code="SH")
        self.op_js = self.user("js@x.cn", "operator", market_code="JS")

    def org(self, name, province):
        return accounts.create_organisation(self.uow, name=name, kind="enterprise", province=province,
                                            now=self.clock.now())["id"]

    def user(self, email, role, **kw):
        return accounts.create_user(self.uow, PlainHasher(), email=email, password="long-enough-pass",
                                    display_name=email, role=role, now=self.clock.now(), **kw)["id"]

    def direct(self, **changes):
        data = {"title": "视觉检测软件开发", "contract_type": "技术开发", "field": "电子信息",
                "seller_org_id": self.seller, "buyer_org_id": self.buyer, "contract_amount_fen": 2_000_000_00,
                "tech_amount_fen": 1_500_000_00, "signed_on": date(2025, 2, 18), **changes}
        return svc.record_direct_contract(self.uow, actor_id=self.member, data=data, now=self.clock.now())

    def register_csv(self, *rows, who=None):
        content = ("\n".join((HEADER,) + rows) + "\n").encode("utf-8-sig")
        return svc.import_contract_register(self.uow, actor_id=who or self.op_sh, market_code="SH",
                                            filename="register.csv", content=content, now=self.clock.now())


@pytest.fixture
def world():
    return World()


def test_direct_entry_is_submitted_to_the_sellers_market(world):
    view = world.direct()
    assert (view["status"], view["market_code"], view["source"]) == ("submitted", "SH", "direct")
    assert [h["to_status"] for h in view["history"]] == ["submitted"]


def test_registration_numbers_count_up_per_market_and_year(world):
    first, second = world.direct(), world.direct()
    numbers = [svc.register_contract(world.uow, actor_id=world.op_sh, contract_id=c["id"],
                                     now=world.clock.now())["registration_number"] for c in (first, second)]
    assert numbers == ["SH2025000001", "SH2025000002"]


def test_a_registration_number_in_use_is_refused(world):
    first, second = world.direct(), world.direct()
    svc.register_contract(world.uow, actor_id=world.op_sh, contract_id=first["id"], now=world.clock.now(),
                          registration_number="N-1")
    with pytest.raises(Conflict):
        svc.register_contract(world.uow, actor_id=world.op_sh, contract_id=second["id"], now=world.clock.now(),
                              registration_number="N-1")


def test_another_markets_operator_cannot_even_see_the_contract_to_register_it(world):
    contract = world.direct()
    with pytest.raises(NotFound):
        svc.register_contract(world.uow, actor_id=world.op_js, contract_id=contract["id"], now=world.clock.now())


def test_members_list_their_organisations_contracts_and_operators_their_markets(world):
    world.direct()
    assert svc.list_contracts(world.uow, actor_id=world.member)["total"] == 1
    assert svc.list_contracts(world.uow, actor_id=world.op_sh)["total"] == 1
    assert svc.list_contracts(world.uow, actor_id=world.op_js)["total"] == 0
    with pytest.raises(Forbidden):
        svc.list_contracts(world.uow, actor_id=world.op_js, market_code="SH")


def test_register_import_creates_good_rows_and_reports_bad_ones_by_field(world):
    report = world.register_csv(GOOD, BAD_DATE, SUB_FEN)
    assert report["counts"] == {"rows": 3, "created": 1, "updated": 0, "unchanged": 0, "rejected": 2}
    assert {(e["row"], e["field"]) for e in report["errors"]} == {(3, "signed_on"), (4, "contract_amount")}
    contract = world.uow.contracts.by_external_id("SH", "SH-2025-0001")
    assert (contract.contract_amount_fen, contract.tech_amount_fen) == (120_000_000, 100_000_000)
    assert world.uow.organisations.by_name("申江电池研究院", "上海").kind == "research_institute"


def test_loading_the_same_register_again_changes_nothing_and_both_runs_are_kept(world):
    world.register_csv(GOOD)
    again = world.register_csv(GOOD)
    assert again["counts"] == {"rows": 1, "created": 0, "updated": 0, "unchanged": 1, "rejected": 0}
    runs = svc.list_import_runs(world.uow, actor_id=world.op_sh, market_code="SH")
    assert [r["id"] for r in runs] == [again["id"], again["id"] - 1]


def test_register_of_unknown_encoding_or_without_columns_is_refused_whole(world):
    with pytest.raises(ValidationFailed):
        svc.import_contract_register(world.uow, actor_id=world.op_sh, market_code="SH", filename="x.csv",
                                     content=b"\xff\xfe\x00\x00garbage", now=world.clock.now())
    with pytest.raises(ValidationFailed) as err:
        svc.import_contract_register(world.uow, actor_id=world.op_sh, market_code="SH", filename="x.csv",
                                     content="合同编号,合同名称\nX,Y\n".encode(), now=world.clock.now())
    assert "file" in err.value.errors and world.uow.contracts.import_runs("SH") == []


def test_only_the_markets_own_operators_import_its_register(world):
    for who in (world.op_js, world.member):
        with pytest.raises(Forbidden):
            world.register_csv(GOOD, who=who)
