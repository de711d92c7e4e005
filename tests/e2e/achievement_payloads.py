"""Valid request bodies for the foundation e2e tests (texts written for the project)."""
import itertools

from market.domain.codes import patent_check_char

_SERIAL = itertools.count(1)


def fresh_application_number() -> str:
    """A valid CN application number no other test achievement carries: one number may be
    published as one achievement only."""
    digits = f"20231{next(_SERIAL):07d}"
    return f"{digits}.{patent_check_char(digits)}"


ACHIEVEMENT = {
    "title": "一种基于石墨烯的柔性散热膜及其制备方法",
    "abstract": "本发明公开了一种柔性散热膜，导热系数提高百分之四十，适用于5G手机与可穿戴设备。",
    "keywords": ["石墨烯", "散热膜", "柔性电子"],
    "ip_type": "发明专利",
    "application_numbers": ["ZL200410033212.6"],
    "field": "新材料",
    "maturity": "中试",
    "transfer_modes": ["转让", "普通许可"],
    "price_fen": 80_000_000,
}

DEMAND = {
    "title": "寻求MEMS压力传感器晶圆级封装技术",
    "description": "我公司需要提升MEMS压力传感器封装良率，希望与高校合作开发晶圆级封装工艺。",
    "field": "电子信息",
    "budget_min_fen": 50_000_000,
    "budget_max_fen": 100_000_000,
    "deadline": "2025-12-31",
    "cooperation_mode": "合作开发",
}
