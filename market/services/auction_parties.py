"""What each party to a lot reads beyond the public view, and the published result of a sale.

- The seller's organisation reads its own lot's reserve (保留价), to check what it agreed to; no
  bidder ever does, and the public never does, not even once an unsold lot has closed.
- The winner finds its confirmation (成交确认书) and signing deadline in its own views (the lot,
  its registrations): it has to sign by that deadline or forfeit its deposit.
- A sale is published (成交公示): the sold achievement stays readable by everyone, with the
  hammer price, the winner's organisation name and the date.
"""
from __future__ import annotations

from market.domain.auctions import SHANGHAI, Confirmation, Lot


def winner_confirmation(c: Confirmation) -> dict:
    """The confirmation as its winner needs it: which, in what state, and by when to sign."""
    return {"id": c.id, "status": c.status, "hammer_price_fen": c.hammer_price_fen,
            "sign_by": c.sign_by, "deadline": c.deadline, "signed_at": c.signed_at}


def party_view(repo, lot: Lot, org_id: int | None) -> dict:
    """The fields of `lot` that organisation `org_id` may read as seller or as winner."""
    extra: dict = {}
    if org_id is None:
        return extra
    if org_id == lot.seller_id:
        extra["reserve_price_fen"] = lot.reserve_price_fen
    if lot.status == "sold" and org_id == lot.leader_id:
        confirmation = repo.confirmation_of_lot(lot.id)
        extra["my_confirmation"] = winner_confirmation(confirmation) if confirmation else None
    return extra


def sale_result(uow, achievement_id: int) -> dict | None:
    """成交公示 of a sold achievement: its latest sold lot's hammer price, winner and date."""
    repo = uow.auctions
    lot = repo.sold_lot_of(achievement_id)
    if lot is None:
        return None
    winner = uow.organisations.get(lot.leader_id) if lot.leader_id is not None else None
    return {"lot_id": lot.id, "hammer_price_fen": lot.current_price_fen,
            "winner_name": winner.name if winner else None,
            "sold_at": lot.closed_at,
            "sold_on": lot.closed_at.astimezone(SHANGHAI).date() if lot.closed_at else None}
