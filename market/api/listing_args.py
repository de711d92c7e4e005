"""Turn validated query args into the repository's ListingFilter."""
from market.adapters.repository import ListingFilter

_KEYS = ("market", "field", "ip_type", "mode", "province", "price_min", "price_max", "sort", "page", "per_page")


def to_filter(args: dict) -> ListingFilter:
    return ListingFilter(**{k: args[k] for k in _KEYS if k in args})
