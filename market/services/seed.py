"""Demo data for `make run`: the four markets, a dozen organisations, users of
every role and ~200 listings. All texts are generated here from the project's
own word lists (no third-party data)."""
from __future__ import annotations

import random
from datetime import datetime, timedelta

from market.domain import taxonomy
from market.domain.accounts import Market, Organisation, User
from market.domain.achievements import Achievement
from market.domain.codes import credit_code_check_char, patent_check_char
from market.domain.demands import Demand

from .auctions import seed_demo_auction
from .seed_deals import seed_demo_deals

DEMO_PASSWORD = "demo-pass-2025"

ORGS = [  # name, kind, province, city
    ("沪东理工大学", "university", "上海", "上海"),
    ("浦江材料科学研究院", "research_institute", "上海", "上海"),
    ("金陵工业大学", "university", "江苏", "南京"),
    ("太湖智能制造研究所", "research_institute", "江苏", "苏州"),
    ("钱塘科技大学", "university", "浙江", "杭州"),
    ("甬江海洋研究院", "research_institute", "浙江", "宁波"),
    ("江淮工程大学", "university", "安徽", "合肥"),
    ("上海临港新能源装备有限公司", "enterprise", "上海", "上海"),
    ("苏州工业园区精密传感有限公司", "enterprise", "江苏", "苏州"),
    ("杭州云栖数字医疗科技有限公司", "enterprise", "浙江", "杭州"),
    ("合肥新桥智能网联汽车有限公司", "enterprise", "安徽", "合肥"),
    ("长三角技术转移服务中心", "service_agency", "上海", "上海"),
]

# signed up by itself and awaiting its market's verification (issue 20): op-sh sees it in the queue
PENDING_ORG = ("浦东智能传感研究院", "research_institute", "上海", "上海")
PENDING_EMAIL = "pending@yrd.example"

TOPICS = {
    "电子信息": (["毫米波雷达", "边缘计算", "5G基站", "图像识别", "联邦学习", "芯片封装"], ["信号处理方法", "调度系统", "低功耗电路", "检测装置"]),
    "先进制造": (["激光焊接", "工业机器人", "数控机床", "增材制造", "视觉定位"], ["控制方法", "夹具", "在线检测系统", "误差补偿方法"]),
    "新能源与高效节能": (["固态电池", "光伏组件", "氢燃料电池", "储能变流器", "余热回收"], ["制备方法", "管理系统", "热管理装置", "优化控制方法"]),
    "生物医药和医疗器械": (["抗体药物", "基因检测", "可降解支架", "医学影像", "中药提取"], ["制备工艺", "检测试剂盒", "辅助诊断方法", "给药装置"]),
    "新材料": (["石墨烯", "碳纤维复合材料", "高熵合金", "钙钛矿薄膜", "BiFeO3陶瓷"], ["制备方法", "改性工艺", "涂层", "成型模具"]),
    "环境保护与资源综合利用": (["污水处理", "PM2.5监测", "固废资源化", "土壤修复", "VOCs治理"], ["工艺", "监测设备", "催化剂", "处理系统"]),
    "现代交通": (["智能网联汽车", "轨道交通", "无人驾驶", "电驱动系统", "船舶推进"], ["控制策略", "故障诊断方法", "车载终端", "轻量化结构"]),
    "城市建设与社会发展": (["装配式建筑", "城市管网", "智慧社区", "桥梁健康监测", "海绵城市"], ["施工方法", "评估系统", "预警平台", "构件"]),
    "航空航天": (["无人机", "卫星导航", "航空发动机叶片", "复合材料机翼", "姿态控制"], ["设计方法", "测试装置", "制造工艺", "导航算法"]),
    "农业": (["智慧灌溉", "水稻育种", "农产品保鲜", "植保无人机", "土壤墒情"], ["监测系统", "栽培方法", "保鲜剂", "作业装置"]),
}


def demo_accounts() -> list[str]:
    """The demo log-ins, for `make run` to print."""
    lines = [f"Demo accounts (password for all: {DEMO_PASSWORD}):",
             f"  {'admin@yrd.example':<24} regional admin"]
    lines += [f"  {f'op-{code.lower()}@yrd.example':<24} operator of {code} {name}" for code, name, _ in taxonomy.MARKETS]
    lines += [f"  {f'member{i + 1}@yrd.example':<24} member of {name} ({kind})"
              for i, (name, kind, _, _) in enumerate(ORGS)]
    lines += [f"  {PENDING_EMAIL:<24} administrator of {PENDING_ORG[0]} (awaiting SH's verification)"]
    return lines


def ensure_markets(uow) -> None:
    with uow:
        for code, name, province in taxonomy.MARKETS:
            if uow.markets.get(code) is None:
                uow.markets.add(Market(code, name, province))
        uow.commit()


def _credit_code(rng: random.Random) -> str:
    body = "91" + "".join(rng.choice("0123456789") for _ in range(6)) + "".join(
        rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(9))
    return body + credit_code_check_char(body)


def _patent_number(rng: random.Random, year: int) -> str:
    digits = f"{year}1{rng.randrange(10**7):07d}"
    return f"{digits}.{patent_check_char(digits)}"


def _achievement_text(rng, field):
    subjects, methods = TOPICS[field]
    subject, method = rng.choice(subjects), rng.choice(methods)
    title = f"一种基于{subject}的{method}"
    abstract = (f"本成果公开了{title}。针对{subject}在长三角产业应用中成本高、稳定性差的问题，"
                f"提出了新的{method}，经{rng.choice(['小试', '中试', '示范线'])}验证，关键指标提升"
                f"{rng.randint(15, 60)}%，可用于{rng.choice(['装备制造', '电子信息', '医疗健康', '交通运输', '节能环保'])}领域。")
    return title, abstract, [subject, method]


def seed_demo(uow_factory, hasher, now: datetime, *, if_empty: bool = False, listings: int = 200) -> list[str]:
    ensure_markets(uow_factory())
    with uow_factory() as uow:
        if uow.users.by_email("admin@yrd.example"):
            if if_empty:
                return ["demo data already loaded"]
    rng = random.Random(2025)
    password_hash = hasher.hash(DEMO_PASSWORD)
    accounts = []
    market_of = {p: c for c, _, p in taxonomy.MARKETS}
    with uow_factory() as uow:
        orgs = []
        for name, kind, province, city in ORGS:
            org = uow.organisations.by_name(name, province)
            if org is None:
                org = Organisation(name, kind, province, city, _credit_code(rng), created_at=now,
                                   market_code=market_of[province])
                uow.organisations.add(org)
            orgs.append(org)
        pending = uow.organisations.by_name(PENDING_ORG[0], PENDING_ORG[2])
        if pending is None:
            pending = Organisation(*PENDING_ORG, _credit_code(rng), created_at=now, market_code="SH",
                                   verification_status="unverified")
            uow.organisations.add(pending)
        uow.flush()

        def user(email, name, role, org=None, market=None):
            if uow.users.by_email(email) is None:
                uow.users.add(User(email, name, password_hash, role, org.id if org else None, market, created_at=now))
            accounts.append((email, role, org.name if org else (market or "全区域")))

        user("admin@yrd.example", "区域管理员", "admin")
        for code, _, _ in taxonomy.MARKETS:
            user(f"op-{code.lower()}@yrd.example", f"{code}运营", "operator", market=code)
        for i, org in enumerate(orgs):
            user(f"member{i + 1}@yrd.example", f"{org.name}联系人", "member", org=org)
        user(PENDING_EMAIL, f"{pending.name}联系人", "member", org=pending)
        uow.flush()
        makers = [o for o in orgs if o.lists_achievements]
        companies = [o for o in orgs if o.posts_demands]
        fields = list(TOPICS)
        created = 0
        for i in range(listings * 3 // 4):
            holder, field = rng.choice(makers), rng.choice(fields)
            title, abstract, keywords = _achievement_text(rng, field)
            published = now - timedelta(days=rng.randint(0, 365), minutes=i)
            price = None if rng.random() < 0.25 else rng.choice([5, 10, 20, 50, 80, 120, 300]) * 1_000_000
            a = Achievement(
                title=title, abstract=abstract, keywords=keywords, ip_type=rng.choice(taxonomy.IP_TYPES[:4]),
                field=field, application_numbers=[_patent_number(rng, rng.randint(2016, 2024))],
                maturity=rng.choice(taxonomy.MATURITIES),
                transfer_modes=rng.sample(taxonomy.TRANSFER_MODES, rng.randint(1, 3)), price_fen=price,
                holder_id=holder.id, market_code=market_of[holder.province], province=holder.province,
                city=holder.city, now=published)
            status_roll = rng.random()
            if status_roll < 0.85:
                a.submit(None, published)
                a.approve(None, published)
            elif status_roll < 0.95:
                a.submit(None, published)
            uow.achievements.add(a)
            created += 1
        for i in range(listings - created):
            company, field = rng.choice(companies), rng.choice(fields)
            subjects, methods = TOPICS[field]
            subject = rng.choice(subjects)
            title = f"寻求{subject}{rng.choice(methods)}技术合作"
            low = rng.choice([20, 50, 100, 200])
            d = Demand(title=title, description=f"我公司主营{field}相关产品，现需要{subject}方面的成熟技术，"
                                                  f"希望与高校院所开展{rng.choice(taxonomy.COOPERATION_MODES)}，"
                                                  f"解决量产中的良率与成本问题。",
                       field=field, budget_min_fen=low * 1_000_000, budget_max_fen=low * 2 * 1_000_000,
                       deadline=(now + timedelta(days=rng.randint(30, 240))).date(),
                       cooperation_mode=rng.choice(taxonomy.COOPERATION_MODES), enterprise_id=company.id,
                       market_code=market_of[company.province], province=company.province, city=company.city,
                       now=now - timedelta(days=rng.randint(0, 90)))
            if rng.random() < 0.85:
                d.submit(None, d.created_at)
                d.approve(None, d.created_at)
            uow.demands.add(d)
        uow.commit()
    lines = [f"demo data loaded: {len(ORGS)} organisations, {created} achievements, {listings - created} demands"]
    lines += seed_demo_auction(uow_factory(), now)
    lines += seed_demo_deals(uow_factory, now)
    lines += [f"every demo account's password: {DEMO_PASSWORD}"]
    lines += [f"  {email:<28} {role:<9} {where}" for email, role, where in accounts]
    return lines
