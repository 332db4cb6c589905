"""Quzhou's reference data for the demo: chains, departments, taxonomy and routing catalogue.

Departments and chains are real bodies of the city; codes are short pinyin used in logins
(`banli-<code>`, `kezhang-<code>`).
"""

CHAINS = [
    ("xcl", "新材料"),
    ("xny", "新能源"),
    ("jcdl", "集成电路"),
    ("znzb", "智能装备"),
    ("smjk", "生命健康"),
    ("tzz", "特种纸"),
]

CITY_DEPARTMENTS = [
    ("jingxin", "市经信局"),
    ("fagai", "市发改委"),
    ("keji", "市科技局"),
    ("renshe", "市人力社保局"),
    ("ziran", "市自然资源和规划局"),
    ("shengtai", "市生态环境局"),
    ("zhujian", "市住建局"),
    ("jiaotong", "市交通运输局"),
    ("shangwu", "市商务局"),
    ("shijian", "市市场监管局"),
    ("shuiwu", "市税务局"),
    ("jinrong", "市金融办"),
    ("shuju", "市数据局"),
    ("caizheng", "市财政局"),
    ("sifa", "市司法局"),
    ("zhengwu", "市政务服务办"),
    ("gongdian", "国网衢州供电公司"),
    ("gongshui", "衢州水务集团"),
]

COUNTIES = [
    ("kecheng", "柯城区"),
    ("qujiang", "衢江区"),
    ("longyou", "龙游县"),
    ("jiangshan", "江山市"),
    ("changshan", "常山县"),
    ("kaihua", "开化县"),
    ("zhizao", "智造新城"),
]

SERVICE_BOARDS = [
    ("fuwu", "市企业综合服务中心"),  # the dispatchers' desk
    ("xiaoneng", "市效能办"),  # the supervisors
]

# (code, name, keywords, lead, assisting): keywords feed the keyword router.
CATEGORIES = [
    (
        "policy",
        "政策咨询与兑现",
        "政策 补助 补贴 奖励 兑现 申报 扶持 惠企 减免 高企 技改 专项资金",
        "jingxin",
        ["caizheng"],
    ),
    ("land", "要素保障-用地", "用地 土地 地块 规划 不动产 土地证 征地 容积率 用地指标 出让", "ziran", []),
    (
        "energy",
        "要素保障-用能",
        "用电 电力 供电 增容 变压器 停电 跳闸 能耗 用能 电网 报装 电价",
        "gongdian",
        ["fagai"],
    ),
    # City gas is regulated by the housing bureau, not the power company.
    ("gas", "要素保障-用气", "天然气 燃气 用气 供气 气压 管道气 调压站", "zhujian", ["fagai"]),
    ("water", "要素保障-用水", "用水 供水 水压 污水 排水 管网 水表 接管 积水 内涝", "gongshui", ["zhujian"]),
    ("labour", "要素保障-用工与人才", "招工 用工 员工 人才 社保 技工 培训 招聘 公寓 落户 通勤 缺工", "renshe", []),
    ("finance", "融资金融", "贷款 融资 银行 担保 转贷 授信 利率 上市 资金周转 抵押 续贷", "jinrong", []),
    ("approval", "审批服务", "审批 许可 环评 施工许可 验收 消防 办证 备案 排污 证照 核准", "zhengwu", ["shengtai"]),
    ("project", "项目建设协调", "项目 施工 道路 拆迁 工地 进场 围墙 工程 建设 管线迁改", "zhujian", ["jiaotong"]),
    (
        "innovation",
        "科技创新与知识产权",
        "研发 专利 知识产权 科技 创新 技术攻关 商标 侵权 实验室 研究院",
        "keji",
        ["shijian"],
    ),
    ("legal", "涉企执法与法律服务", "执法 检查 罚款 处罚 合同 纠纷 法律 律师 仲裁 重复检查", "sifa", ["shijian"]),
    ("market", "市场与外贸物流", "出口 外贸 物流 退税 报关 展会 港口 运输 订单 海关 集装箱", "shangwu", ["shuiwu"]),
    ("environment", "营商环境投诉", "拖欠 账款 推诿 乱收费 刁难 效率低 不作为 摊派 营商环境", "fagai", []),
    ("chain", "产业链协作配套", "产业链 上下游 配套 供应商 协作 对接 采购 本地化", "jingxin", []),
    ("other", "其他", "", "fuwu", []),
]

# Categories that a county handles first for companies in its area, with the city department assisting.
COUNTY_LED = {"land": "ziran", "project": "zhujian"}

# English names (shown in English mode), by code: chains, departments, categories.
ENGLISH = {
    # chains
    "xcl": "New materials", "xny": "New energy", "jcdl": "Integrated circuits", "znzb": "Intelligent equipment",
    "smjk": "Life and health", "tzz": "Specialty paper",
    # city departments
    "jingxin": "Economy and Information Technology Bureau", "fagai": "Development and Reform Commission",
    "keji": "Science and Technology Bureau", "renshe": "Human Resources and Social Security Bureau",
    "ziran": "Natural Resources and Planning Bureau", "shengtai": "Ecology and Environment Bureau",
    "zhujian": "Housing and Urban-Rural Development Bureau", "jiaotong": "Transport Bureau",
    "shangwu": "Commerce Bureau", "shijian": "Market Supervision Bureau", "shuiwu": "Taxation Bureau",
    "jinrong": "Financial Affairs Office", "shuju": "Data Bureau", "caizheng": "Finance Bureau",
    "sifa": "Justice Bureau", "zhengwu": "Government Services Office", "gongdian": "State Grid Quzhou Power Supply",
    "gongshui": "Quzhou Water Group",
    # counties
    "kecheng": "Kecheng District", "qujiang": "Qujiang District", "longyou": "Longyou County",
    "jiangshan": "Jiangshan City", "changshan": "Changshan County", "kaihua": "Kaihua County",
    "zhizao": "Smart Manufacturing New City",
    # service boards
    "fuwu": "Enterprise Service Centre", "xiaoneng": "Efficiency Office",
    # categories
    "policy": "Policy enquiries and payments", "land": "Factors: land", "energy": "Factors: energy",
    "gas": "Factors: gas", "water": "Factors: water", "labour": "Factors: labour and talent",
    "finance": "Finance and credit",
    "approval": "Approvals", "project": "Project construction", "innovation": "Innovation and IP",
    "legal": "Enforcement and legal services", "market": "Markets, trade and logistics",
    "environment": "Business environment complaints", "chain": "Industry-chain cooperation", "other": "Other",
}  # fmt: skip
