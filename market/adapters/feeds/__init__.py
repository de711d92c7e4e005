"""Market feed adapters and their registry.

Adding a fifth market means one new module with a ``FeedAdapter`` subclass
and one line in ``ADAPTERS`` below; the import service only asks the registry.
"""
from __future__ import annotations

from market.adapters.feeds.ah import AnhuiFeed
from market.adapters.feeds.base import HEAD_BYTES, FeedAdapter
from market.adapters.feeds.js import JiangsuFeed
from market.adapters.feeds.sh import ShanghaiFeed
from market.adapters.feeds.zj import ZhejiangFeed
from market.domain.errors import NotFound

ADAPTERS: dict[str, FeedAdapter] = {a.code: a for a in (ShanghaiFeed(), JiangsuFeed(), ZhejiangFeed(), AnhuiFeed())}


def adapter_for(market_code: str) -> FeedAdapter:
    try:
        return ADAPTERS[(market_code or "").upper()]
    except KeyError:
        raise NotFound(f"没有市场 {market_code} 的导入格式 (no feed adapter)") from None


class FeedRegistry:
    """The feed readers as the unit of work offers them to the import service
    (``uow.feeds``), so that the service never imports an adapter."""

    HEAD_BYTES = HEAD_BYTES

    @staticmethod
    def adapter_for(market_code: str) -> FeedAdapter:
        return adapter_for(market_code)


FEEDS = FeedRegistry()

__all__ = ["ADAPTERS", "FEEDS", "HEAD_BYTES", "FeedAdapter", "FeedRegistry", "adapter_for"]
