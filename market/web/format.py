"""How the pages show values: money in 元 from fen, times in Asia/Shanghai, the glossary's labels."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask

from market.api.fields import SHANGHAI
from market.domain.labels import status_label
from market.domain.taxonomy import MARKET_NAMES


def yuan(fen: int | None, negotiable_label: str = "面议") -> str:
    """¥1,234,500 (whole yuan) or ¥1,234.50; None is 面议 (negotiable)."""
    if fen is None:
        return negotiable_label
    value = Decimal(fen) / 100
    text = f"{value:,.0f}" if fen % 100 == 0 else f"{value:,.2f}"
    return f"¥{text}"


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(SHANGHAI).strftime(fmt) if value else ""


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(yuan=yuan, local_time=local_time, status_label=status_label)
    app.jinja_env.globals.update(MARKET_NAMES=MARKET_NAMES)
