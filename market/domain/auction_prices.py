"""Price rules of a lot: the increment grid, the reserve (保留价), the leader's proxy maximum.

Plain functions over integer fen, so the lot, the close and the tests share one arithmetic.

- The grid is anchored on the starting price: every bid, the first included, is
  `starting_price + k × increment` (k ≥ 0). A grid that moved with the first bid would let one
  odd opening bid turn every later bid on the announced grid into an "off increment" refusal.
- The reserve is never revealed while bidding: the shown price moves only by competition. A
  price lifted to the reserve by a proxy tells every watcher where the reserve is; so the reserve
  is applied at the hammer instead (`hammer_price`), when the leader's maximum reaches it.
- A reserve below the starting price would be no reserve at all, and a sign of a typing error.
"""
from __future__ import annotations

from .errors import ValidationFailed


def grid_floor(value: int, start: int, increment: int) -> int:
    """The highest price on the grid that is <= value (never below the start)."""
    if value <= start:
        return start
    return start + (value - start) // increment * increment


def grid_ceil(value: int, start: int, increment: int) -> int:
    """The lowest price on the grid that is >= value."""
    if value <= start:
        return start
    return start - (start - value) // increment * increment


def on_grid(value: int, start: int, increment: int) -> bool:
    return value >= start and (value - start) % increment == 0


def next_on_grid(price: int | None, start: int, increment: int) -> int:
    """The lowest valid bid: the start, or the first grid price above the current price."""
    if price is None:
        return start
    return grid_floor(price, start, increment) + increment


def check_reserve(starting_price_fen: int, reserve_price_fen: int | None) -> None:
    """A lot's reserve, if any, is at least its starting price (422 naming the field)."""
    if reserve_price_fen is not None and reserve_price_fen < starting_price_fen:
        raise ValidationFailed.on(
            "reserve_price_fen",
            "保留价不得低于起拍价 (the reserve must be at least the starting price)")


def hammer_price(*, current_price_fen: int | None, leader_max_fen: int | None,
                 reserve_price_fen: int | None, starting_price_fen: int,
                 increment_fen: int) -> int | None:
    """The price the lot sells at when bidding ends, or None when it does not sell (流拍).

    The shown price sells when it meets the reserve (or there is none). Otherwise, when the
    leader's hidden maximum reaches the reserve, the lot sells to the leader at the reserve,
    rounded up onto the grid: the reserve is applied at the hammer, not during bidding."""
    if current_price_fen is None:
        return None
    if reserve_price_fen is None or current_price_fen >= reserve_price_fen:
        return current_price_fen
    at_reserve = grid_ceil(reserve_price_fen, starting_price_fen, increment_fen)
    if leader_max_fen is not None and leader_max_fen >= at_reserve:
        return at_reserve
    return None


def raised_maximum(current_max_fen: int, requested_max_fen: int, starting_price_fen: int,
                   increment_fen: int) -> int | None:
    """The leader's new proxy maximum (on the grid), or None when the request would lower it.
    A leader may raise its own maximum (it is still the best bid: the price does not move),
    never lower it: a lower maximum could already have been bid against."""
    new_max = grid_floor(requested_max_fen, starting_price_fen, increment_fen)
    return None if new_max < current_max_fen else new_max
