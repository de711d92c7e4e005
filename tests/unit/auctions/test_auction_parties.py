"""Who may do what around a lot: the operator's own market, the seller's reserve, the winner's
confirmation, the published result of a sale."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from market.domain.achievements import Achievement, AchievementListing
from market.domain.auctions import Confirmation
from market.domain.errors import Forbidden
from market.services.auction_parties import party_view

from auction_factories import SELLER, T0, Bidders, make_lot


def achievement(market="SH", status="published") -> Achievement:
    a = Achievement(title="一种固态电池电解质", holder_id=SELLER, market_code=market, field="新材料",
                    ip_type="发明专利", now=T0, status=status)
    a.id = 1
    return a


def test_operator_may_auction_only_achievements_listed_on_its_own_market():
    sh = achievement("SH")
    sh.require_listed_on("SH")
    with pytest.raises(Forbidden) as err:
        sh.require_listed_on("JS")
    assert err.value.errors == {"achievement_id": ["not_listed_on_market"]}


def test_a_live_listing_on_another_market_lets_that_market_auction_it():
    a = achievement("SH")
    a.listings.append(AchievementListing("JS", "JS-001", None, True, None, T0))
    assert a.is_listed_on("JS")
    a.listings[0].status = "delisted"
    assert not a.is_listed_on("JS")


def test_sold_achievement_stays_readable_by_everyone():
    assert achievement(status="sold").visible_to(None)
    assert not achievement(status="draft").visible_to(None)


class Repo:
    def __init__(self, confirmation=None):
        self.confirmation = confirmation

    def confirmation_of_lot(self, lot_id):
        return self.confirmation


def sold_lot():
    lot = make_lot(reserve_price_fen=150_000_00)
    lot.id = 9
    bidders = Bidders(lot, T0 - timedelta(days=1))
    lot.place_bid(bidders(7), 150_000_00, T0 + timedelta(minutes=1))
    lot.close(lot.ends_at)
    return lot


def test_sellers_organisation_reads_its_lots_reserve():
    assert party_view(Repo(), make_lot(reserve_price_fen=150_000_00), SELLER) == {"reserve_price_fen": 150_000_00}


def test_bidder_never_reads_the_reserve_not_even_as_winner():
    lot = sold_lot()
    assert "reserve_price_fen" not in party_view(Repo(), lot, 7)
    assert party_view(Repo(), lot, 8) == {}


def test_winner_reads_its_confirmation_id_status_and_deadline():
    lot = sold_lot()
    confirmation = Confirmation(lot_id=lot.id, achievement_id=1, market_code="SH", seller_id=SELLER,
                                winner_id=7, hammer_price_fen=150_000_00, deposit_fen=0,
                                sign_by=date(2025, 3, 10), created_at=lot.ends_at)
    confirmation.id = 3
    mine = party_view(Repo(confirmation), lot, 7)["my_confirmation"]
    assert (mine["id"], mine["status"], mine["sign_by"]) == (3, "pending", date(2025, 3, 10))
    assert mine["deadline"] == confirmation.deadline


def test_another_market_lists_the_published_achievement_and_may_then_auction_it():
    from market.domain.errors import Conflict
    a = achievement("SH")
    a.add_listing("JS", actor_id=5, now=T0, external_id="JS-1")
    a.require_listed_on("JS")
    assert a.history[-1].detail == {"listed_on_market": "JS"} and a.history[-1].actor_id == 5
    with pytest.raises(Conflict):
        a.add_listing("JS", actor_id=5, now=T0)
    with pytest.raises(Conflict):
        achievement("SH", status="draft").add_listing("JS", actor_id=5, now=T0)
