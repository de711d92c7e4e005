"""What a list of achievements or demands is asked for: the filters the public
lists, the owners' lists and the review queues share (the repositories apply them)."""
from __future__ import annotations

from dataclasses import dataclass, field as dc_field  # "field" is also a filter below


@dataclass
class ListingFilter:
    """Filters shared by the public lists of achievements and demands."""
    market: str | None = None
    field: str | None = None
    ip_type: str | None = None
    mode: str | None = None
    province: str | None = None
    price_min: int | None = None
    price_max: int | None = None
    statuses: tuple[str, ...] = ()
    owner_org_id: int | None = None
    sort: str = "newest"
    page: int = 1
    per_page: int = 20
    extra: dict = dc_field(default_factory=dict)
