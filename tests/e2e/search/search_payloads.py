"""Listings written for the search e2e tests (texts written for the project)."""

ACHIEVEMENTS = {
    "lidar": ("uni_member", {
        "title": "一种车载激光雷达点云实时分割方法",
        "abstract": "本发明公开了一种车载激光雷达点云实时分割方法，通过体素化降采样和图卷积网络，"
                    "在嵌入式平台上实现每秒二十帧的障碍物识别，适用于自动驾驶和智能网联汽车。",
        "keywords": ["激光雷达", "点云分割", "自动驾驶"], "ip_type": "发明专利", "field": "电子信息",
        "transfer_modes": ["转让"], "price_fen": 30_000_000}),
    "battery": ("inst_member", {
        "title": "高镍三元锂电池正极材料包覆改性技术",
        "abstract": "通过原子层沉积在高镍三元正极表面包覆氧化铝纳米层，抑制循环过程中的界面副反应，"
                    "使电池循环寿命提高百分之三十，已完成中试。",
        "keywords": ["锂电池", "正极材料", "原子层沉积"], "ip_type": "发明专利", "field": "新能源与高效节能",
        "transfer_modes": ["普通许可", "作价入股"], "price_fen": None}),
    "water": ("uni_member", {
        "title": "印染废水深度处理与回用工艺",
        "abstract": "采用臭氧催化氧化与膜生物反应器组合工艺，对印染废水进行深度处理，出水COD低于五十毫克每升，"
                    "回用率达到百分之七十。",
        "keywords": ["印染废水", "臭氧催化氧化", "膜生物反应器"], "ip_type": "发明专利",
        "field": "环境保护与资源综合利用", "transfer_modes": ["转让"], "price_fen": 5_000_000}),
    "pm25": ("inst_member", {
        "title": "PM2.5在线监测传感器",
        "abstract": "一种基于激光散射原理的颗粒物传感器，可同时检测PM2.5和PM10浓度，具有温湿度补偿功能。",
        "keywords": ["PM2.5", "颗粒物", "传感器"], "ip_type": "实用新型", "field": "环境保护与资源综合利用",
        "transfer_modes": ["普通许可"], "price_fen": 800_000}),
    "robot": ("uni_member", {
        "title": "协作机器人柔顺控制系统",
        "abstract": "基于关节力矩传感器与导纳控制的协作机器人柔顺控制系统，实现人机协作装配时的碰撞检测与安全停机。",
        "keywords": ["协作机器人", "柔顺控制", "导纳控制"], "ip_type": "软件著作权", "field": "先进制造",
        "transfer_modes": ["独占许可"], "price_fen": 12_000_000}),
}

# Written from the lidar achievement's abstract, in a company's own words (traditional script).
LIDAR_DEMAND = {
    "title": "尋求自動駕駛障礙物識別技術",
    "description": "我公司研發智能網聯汽車，需要在嵌入式平台上對車載激光雷達的點雲進行實時分割，"
                   "快速識別道路障礙物，希望與高校合作開發。",
    "field": "电子信息", "budget_min_fen": 10_000_000, "budget_max_fen": 50_000_000,
    "deadline": "2025-12-31", "cooperation_mode": "合作开发",
}
