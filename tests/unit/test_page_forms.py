"""How the member pages read a form: money typed in 元 becomes integer fen, lists split on
Chinese and Western commas, blanks clear a field when editing, and the API's bilingual messages
are shown in their Chinese half; every deal and publicity status has a Chinese label."""
from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from market.api.deals import OfferIn
from market.api.schemas import AchievementPatch, DemandIn
from market.domain.deals import AGREEMENT_STATUSES, INTEREST_STATUSES, NEGOTIATION_STATUSES, OFFER_STATUSES
from market.domain.labels import status_label
from market.domain.publicity import NOTICE_STATUSES, OBJECTION_STATUSES
from market.web.forms import MONEY_MESSAGE, chinese, form_values, load, yuan_to_fen


@pytest.mark.parametrize("typed, fen", [("1200000", 120_000_000), ("1,200,000.5", 120_000_050), ("0.01", 1),
                                        (" 80 ", 8_000)])
def test_yuan_typed_in_the_form_become_integer_fen(typed, fen):
    assert yuan_to_fen(typed) == fen


@pytest.mark.parametrize("typed", ["12.345", "六十万", "-5", "1e6", ""])
def test_money_that_is_not_yuan_with_two_decimals_is_refused_in_chinese(typed):
    with pytest.raises(ValueError, match=MONEY_MESSAGE):
        yuan_to_fen(typed)


def test_the_english_gloss_is_dropped_and_a_chinese_only_message_is_kept():
    assert chinese("必填字段 (required)") == "必填字段"
    assert chinese("必须是以下之一: SH, JS (must be one of: SH, JS)") == "必须是以下之一: SH, JS"
    assert chinese("公示天数（15 日）") == "公示天数（15 日）"


def test_a_create_form_leaves_blanks_out_and_splits_lists_on_any_comma():
    form = MultiDict({"title": " 需求 ", "budget_min_fen": "", "field": "新材料"})
    data, errors = form_values(form, DemandIn(), {"title": "text", "budget_min_fen": "money", "field": "text"})
    assert (data, errors) == ({"title": "需求", "field": "新材料"}, {})
    keywords, _ = form_values(MultiDict({"keywords": "石墨烯，散热膜,柔性电子、 5G"}), AchievementPatch(),
                              {"keywords": "list"})
    assert keywords == {"keywords": ["石墨烯", "散热膜", "柔性电子", "5G"]}


def test_an_edit_form_clears_blank_fields_the_way_the_schema_allows():
    form = MultiDict([("price_fen", ""), ("abstract", ""), ("transfer_modes", "转让"), ("transfer_modes", "普通许可")])
    data, _ = form_values(form, AchievementPatch(), {"price_fen": "money", "abstract": "text", "transfer_modes": "multi"},
                          editing=True)
    assert data == {"price_fen": None, "abstract": "", "transfer_modes": ["转让", "普通许可"]}


def test_the_apis_schema_judges_the_form_and_answers_chinese_field_messages():
    data, errors = form_values(MultiDict({"price_fen": "abc", "transfer_mode": "赠与"}), OfferIn(),
                               {"price_fen": "money", "transfer_mode": "text"})
    loaded, messages = load(OfferIn(), data, errors)
    assert loaded is None and messages["price_fen"] == [MONEY_MESSAGE]
    assert messages["transfer_mode"][0].startswith("必须是以下之一") and "must be" not in messages["transfer_mode"][0]


@pytest.mark.parametrize("kind, statuses", [
    ("interest", INTEREST_STATUSES), ("negotiation", NEGOTIATION_STATUSES), ("offer", OFFER_STATUSES),
    ("agreement", AGREEMENT_STATUSES), ("notice", NOTICE_STATUSES), ("objection", OBJECTION_STATUSES),
    ("achievement", ("in_agreement",)),
])
def test_every_deal_and_publicity_status_has_a_chinese_label(kind, statuses):
    for status in statuses:
        assert re.fullmatch(r"[\u4e00-\u9fff]+", status_label(kind, status)), (kind, status)
