"""The platform's controlled vocabularies (one canonical label each)."""
from __future__ import annotations

FIELDS = (
    "电子信息", "先进制造", "新能源与高效节能", "生物医药和医疗器械", "新材料",
    "环境保护与资源综合利用", "现代交通", "城市建设与社会发展", "航空航天", "农业",
)
IP_TYPES = ("发明专利", "实用新型", "外观设计", "软件著作权", "技术秘密", "其他")
MATURITIES = ("实验室", "小试", "中试", "产业化")
TRANSFER_MODES = ("转让", "普通许可", "独占许可", "作价入股", "合作开发")
COOPERATION_MODES = ("技术转让", "技术许可", "合作开发", "委托开发", "技术服务")
ORG_KINDS = ("university", "research_institute", "enterprise", "service_agency", "other")
# a registrant has signed up (issue 20) and not yet created or joined an organisation
ROLES = ("member", "operator", "admin", "registrant")
ORG_ROLES = ("administrator", "trader", "drafter")   # a member's role inside the organisation
SIGNUP_ORG_KINDS = ("university", "research_institute", "enterprise", "other")
CONTRACT_TYPES = ("技术开发", "技术转让", "技术许可", "技术咨询", "技术服务")

YRD_PROVINCES = ("上海", "江苏", "浙江", "安徽")
PROVINCES = YRD_PROVINCES + (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "福建", "江西",
    "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川", "贵州",
    "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "香港", "澳门", "台湾",
)
ABROAD = "境外"

MARKETS = (
    ("SH", "上海技术交易所", "上海"),
    ("JS", "江苏省技术产权交易市场", "江苏"),
    ("ZJ", "浙江科技大市场", "浙江"),
    ("AH", "安徽科技大市场", "安徽"),
)
MARKET_CODES = tuple(code for code, _, _ in MARKETS)
MARKET_NAMES = {code: name for code, name, _ in MARKETS}

_PROVINCE_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def canonical_province(name: str | None) -> str | None:
    """'江苏省' / '上海市' / '广西壮族自治区' -> '江苏' / '上海' / '广西'; None if unknown."""
    if not name:
        return None
    text = name.strip()
    if text in PROVINCES or text == ABROAD:
        return text
    for suffix in _PROVINCE_SUFFIXES:
        if text.endswith(suffix) and text[: -len(suffix)] in PROVINCES:
            return text[: -len(suffix)]
    return None
