"""The demo cast and catalogue: who the enterprise is, what it buys, from whom, how well each vendor serves.

Pure data, no Django: ``builders`` turns it into records and ``workload`` into work orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PASSWORD = "oqms-demo-2026"

ORG_UNITS = [
    # code, name, parent code, description
    ("HQ", "总部", None, "集团总部职能部门：行政、IT、财务与人力资源"),
    ("EC", "华东运营中心", "HQ", "华东区域的研发、生产与运营"),
]

SITES = [
    # code, name, org unit, city, address
    ("SH-LJZ", "上海陆家嘴总部大厦", "HQ", "上海", "上海市浦东新区陆家嘴环路1000号恒生银行大厦28楼"),
    ("BJ-ZGC", "北京中关村办公区", "HQ", "北京", "北京市海淀区中关村大街27号中关村大厦12层"),
    ("GZ-TH", "广州天河分公司", "HQ", "广州", "广州市天河区珠江新城华夏路8号合景国际金融广场19楼"),
    ("SZ-NS", "深圳南山研发中心", "HQ", "深圳", "深圳市南山区科技园科苑路15号科兴科学园B栋6楼"),
    ("CD-GX", "成都高新办公区", "HQ", "成都", "成都市高新区天府大道中段1268号天府软件园E3栋"),
    ("SH-ZJ", "上海张江研发园区", "EC", "上海", "上海市浦东新区张江高科技园区碧波路690号"),
    ("SH-SJ", "上海松江生产基地", "EC", "上海", "上海市松江区松江工业区荣乐东路2365号"),
    ("SU-SIP", "苏州工业园区工厂", "EC", "苏州", "江苏省苏州市工业园区星湖街328号创意产业园"),
    ("HZ-BJ", "杭州滨江办公区", "EC", "杭州", "浙江省杭州市滨江区网商路599号"),
    ("NJ-JN", "南京江宁物流中心", "EC", "南京", "江苏省南京市江宁区秣陵街道将军大道155号"),
]

CATEGORIES = [
    # code, name, English name, contract number abbreviation
    ("it", "IT 支持", "IT support", "IT"),
    ("maintenance", "设备维保", "Equipment maintenance", "MT"),
    ("cleaning", "保洁服务", "Cleaning", "CL"),
    ("security", "安保服务", "Security", "SC"),
    ("callcentre", "呼叫中心", "Call centre", "CC"),
]
CATEGORY_ABBREVIATIONS = {code: abbr for code, _name, _en, abbr in CATEGORIES}

SERVICE_TYPES = [
    # code, category, name, English name, delivery standard
    ("desktop", "it", "桌面支持", "Desktop support", "电脑、外设与办公软件故障处理，现场或远程支持"),
    ("network", "it", "网络与会议系统", "Network and meeting rooms", "有线/无线网络、VPN 与视频会议系统"),
    ("account", "it", "账号与权限", "Accounts and access", "域账号、邮箱与业务系统权限的开通、变更与回收"),
    ("hvac", "maintenance", "暖通空调维保", "HVAC maintenance", "中央空调、新风与冷却塔的巡检、保养与维修"),
    ("electrical", "maintenance", "供配电维护", "Electrical maintenance", "配电房巡检、照明与插座线路维修"),
    ("elevator", "maintenance", "电梯维保", "Elevator maintenance", "直梯与扶梯的半月保养与故障急修"),
    (
        "equipment",
        "maintenance",
        "生产设备维修",
        "Production equipment repair",
        "产线设备故障维修与预防性维护",
    ),
    ("office-cleaning", "cleaning", "办公区保洁", "Office cleaning", "办公区、会议室、卫生间的日常保洁"),
    ("deep-cleaning", "cleaning", "专项清洁", "Deep cleaning", "地毯清洗、石材养护、外墙与玻璃清洁"),
    ("guard", "security", "门岗与巡逻", "Guarding and patrol", "出入口管理、访客登记与定时巡逻"),
    ("cctv", "security", "监控中心值守", "CCTV monitoring", "监控中心 7×24 小时值守与报警联动"),
    ("hotline", "callcentre", "员工服务热线", "Employee service hotline", "400 热线受理、派单与回访"),
]

# Response / resolution targets in minutes per priority, by category (the seed: maintenance response <= 2 h).
SLA = {
    "it": ((15, 240), (30, 480), (120, 1440), (240, 4320)),
    "maintenance": ((30, 240), (60, 480), (120, 1440), (480, 4320)),
    "cleaning": ((60, 240), (120, 480), (240, 1440), (480, 4320)),
    "security": ((5, 60), (15, 240), (60, 720), (240, 2880)),
    "callcentre": ((10, 120), (30, 480), (120, 1440), (240, 4320)),
}
PRIORITIES = ("P1", "P2", "P3", "P4")
PRIORITY_SHARES = (0.05, 0.20, 0.45, 0.30)


@dataclass(frozen=True)
class VendorSpec:
    """A demo vendor and how well it serves: median response and resolution times as shares of the SLA."""

    code: str
    name: str
    short_name: str
    division: str  # administrative division code, characters 3-8 of the credit code
    categories: tuple[str, ...]
    service_types: tuple[str, ...]
    org_units: tuple[str, ...]
    fee: str
    share: float  # share of all work orders
    response: float
    resolution: float
    rating: float  # mean rating before SLA breaches pull it down
    status: str = "active"
    reopen: float = 0.02
    contacts: tuple[tuple[str, str, str], ...] = ()
    documents: tuple[tuple[str, str, int | None], ...] = ()  # type, issuer, days to expiry (None: permanent)
    staff: tuple[str, ...] = field(default=())
    address: str = ""


# Business licences are issued by the market regulator of the district in the credit code.
REGISTRIES = {
    "310115": "上海市浦东新区市场监督管理局",
    "320594": "苏州工业园区市场监督管理局",
    "310112": "上海市闵行区市场监督管理局",
    "320505": "苏州市虎丘区市场监督管理局",
    "310104": "上海市徐汇区市场监督管理局",
    "330110": "杭州市余杭区市场监督管理局",
    "310106": "上海市静安区市场监督管理局",
    "510107": "成都市武侯区市场监督管理局",
}

ISSUER_CQC = "中国质量认证中心"
ISSUER_CCCI = "方圆标志认证集团有限公司"
ISSUER_SAC = "上海质量体系审核中心"

VENDORS = [
    VendorSpec(
        "huaxin",
        "上海华信智联科技服务有限公司",
        "华信智联",
        "310115",
        ("it",),
        ("desktop", "network", "account"),
        ("HQ",),
        "186000.00",
        0.20,
        0.35,
        0.45,
        4.5,
        contacts=(("周晓明", "客户经理", "13816620451"), ("郑丽", "服务台主管", "13918862207")),
        documents=(("iso27001", ISSUER_CQC, 410), ("iso20000", ISSUER_SAC, 45)),
        staff=("孙浩", "李伟", "吴敏"),
        address="上海市浦东新区张江路665号3幢501室",
    ),
    VendorSpec(
        "boyuan",
        "苏州博远信息技术有限公司",
        "博远信息",
        "320594",
        ("it",),
        ("desktop", "network", "account"),
        ("EC",),
        "142000.00",
        0.17,
        0.65,
        0.75,
        3.9,
        contacts=(("钱志强", "项目经理", "13862153390"),),
        documents=(("iso9001", ISSUER_CCCI, 300), ("cmmi_svc", "CMMI Institute", 520)),
        staff=("沈磊", "冯涛", "蒋婷"),
        address="江苏省苏州市工业园区金鸡湖大道1355号国际科技园四期",
    ),
    VendorSpec(
        "hengli",
        "上海恒力机电设备维保有限公司",
        "恒力机电",
        "310112",
        ("maintenance",),
        ("hvac", "electrical", "elevator"),
        ("HQ", "EC"),
        "238000.00",
        0.15,
        0.40,
        0.50,
        4.4,
        contacts=(
            ("韩建国", "总经理", "13701782245"),
            ("杨帆", "调度主管", "13585517730"),
            ("朱红梅", "安全主任", "13764421098"),
        ),
        documents=(("iso9001", ISSUER_CQC, 700), ("safety_production", "上海市应急管理局", 380)),
        staff=("秦刚", "许强", "何俊"),
        address="上海市闵行区七莘路3111号虹桥商务大厦11楼",
    ),
    VendorSpec(
        "anda",
        "江苏安达设施工程有限公司",
        "安达设施",
        "320505",
        ("maintenance",),
        ("equipment",),
        ("EC",),
        "96000.00",
        0.08,
        0.90,
        0.95,
        3.2,
        status="probation",
        reopen=0.06,
        contacts=(("吕文斌", "项目经理", "13952417765"),),
        documents=(("iso9001", ISSUER_CCCI, -20), ("safety_production", "江苏省应急管理厅", 150)),
        staff=("施勇", "张鹏", "孔亮"),
        address="江苏省苏州市高新区狮山路28号高新广场16楼",
    ),
    VendorSpec(
        "jiemei",
        "上海洁美环境服务有限公司",
        "洁美环境",
        "310104",
        ("cleaning",),
        ("office-cleaning", "deep-cleaning"),
        ("HQ",),
        "128000.00",
        0.12,
        0.50,
        0.55,
        4.1,
        contacts=(("曹美玲", "客户经理", "13661935582"), ("严磊", "现场主管", "13524460193")),
        documents=(("iso9001", ISSUER_SAC, 500), ("iso14001", ISSUER_SAC, 500)),
        staff=("华秀英", "金桂兰", "魏建华"),
        address="上海市徐汇区漕溪北路398号汇智大厦9楼",
    ),
    VendorSpec(
        "lvzhou",
        "杭州绿洲物业服务有限公司",
        "绿洲物业",
        "330110",
        ("cleaning",),
        ("office-cleaning", "deep-cleaning"),
        ("EC",),
        "112000.00",
        0.10,
        0.75,
        0.80,
        3.7,
        contacts=(("陶伟", "项目经理", "13867432216"),),
        documents=(("iso9001", ISSUER_CCCI, 260), ("iso14001", ISSUER_CCCI, 25)),
        staff=("姜红", "戚玉梅", "谢勇"),
        address="浙江省杭州市余杭区文一西路998号海创园18幢",
    ),
    VendorSpec(
        "weian",
        "上海卫安保安服务有限公司",
        "卫安保安",
        "310106",
        ("security",),
        ("guard", "cctv"),
        ("HQ", "EC"),
        "265000.00",
        0.08,
        0.25,
        0.35,
        4.6,
        contacts=(("邹国庆", "总经理", "13601639975"), ("喻斌", "勤务主管", "13816078842")),
        documents=(("security_service", "上海市公安局", None), ("iso9001", ISSUER_CQC, 820)),
        staff=("柏林", "水志刚", "窦海"),
        address="上海市静安区共和新路1968号大宁国际广场5楼",
    ),
    VendorSpec(
        "shengtong",
        "成都声通客户联络中心有限公司",
        "声通联络",
        "510107",
        ("callcentre",),
        ("hotline",),
        ("HQ", "EC"),
        "88000.00",
        0.10,
        0.50,
        0.60,
        4.0,
        contacts=(("章小燕", "运营经理", "13880127764"), ("云鹏", "质检主管", "13982246651")),
        documents=(("iso9001", ISSUER_CQC, 450), ("iso27001", ISSUER_CQC, 450)),
        staff=("苏静", "潘雪", "葛明"),
        address="四川省成都市武侯区天府大道北段1700号环球中心W6区",
    ),
]

# Internal logins: username, role, display name, org unit, phone.
INTERNAL_USERS = [
    ("qm", "quality_manager", "王静", "HQ", "13800138001"),
    ("requester", "requester", "刘洋", "HQ", "13800138002"),
    ("requester2", "requester", "陈晨", "EC", "13800138003"),
    ("requester3", "requester", "赵磊", "HQ", "13800138004"),
    ("admin", "admin", "系统管理员", None, ""),
    ("inspector", "inspector", "黄建平", "EC", "13800138005"),
    ("assessor", "assessor", "林雨（第三方评估）", None, "13800138006"),
]
ASSESSOR_VENDORS = ("huaxin", "anda")
ASSESSOR_DAYS = 90

# What people ask for, by service type.
TITLES = {
    "desktop": [
        "电脑无法开机",
        "打印机卡纸",
        "显示器无信号",
        "Outlook 无法收发邮件",
        "电脑运行缓慢",
        "新员工电脑安装",
        "键盘鼠标更换",
        "办公软件激活失败",
    ],
    "network": ["无线网络连接不上", "VPN 连接失败", "会议室投屏无法使用", "视频会议没有声音", "网口不通"],
    "account": ["新员工开通域账号", "重置密码", "申请共享盘权限", "离职人员账号回收", "邮箱容量扩容"],
    "hvac": ["会议室空调不制冷", "空调漏水", "新风机噪音大", "机房精密空调告警", "冷却塔例行保养"],
    "electrical": ["走廊照明不亮", "插座没电", "配电柜跳闸", "应急照明灯故障", "配电房月度巡检"],
    "elevator": ["电梯困人", "电梯门开关异常", "扶梯异响", "电梯半月保养", "电梯按钮失灵"],
    "equipment": ["贴片机报警停机", "传送带跑偏", "空压机压力不足", "注塑机温控异常", "叉车充电故障"],
    "office-cleaning": [
        "卫生间需要清洁",
        "会议室会后清理",
        "茶水间地面湿滑",
        "垃圾未及时清运",
        "工位区地面污渍",
    ],
    "deep-cleaning": ["地毯深度清洗", "大堂石材养护", "外墙玻璃清洗", "厨房油烟管道清洁"],
    "guard": ["访客登记系统故障", "夜间巡逻发现门未锁", "停车场车辆乱停", "门禁卡失效", "大型活动安保支援"],
    "cctv": ["监控画面丢失", "报警主机误报", "调取监控录像", "摄像头角度偏移"],
    "hotline": [
        "热线来电转派：宿舍报修",
        "员工咨询班车时刻",
        "热线投诉处理回访",
        "来电无法接通",
        "热线满意度回访",
    ],
}
PLACES = [
    "一楼大堂",
    "二楼开放办公区",
    "三楼东侧会议室",
    "五楼茶水间",
    "六楼机房",
    "地下车库",
    "员工餐厅",
    "B 栋二层",
    "仓库",
    "前台",
]
RESOLUTIONS = {
    "it": [
        "已现场更换故障配件，测试正常",
        "远程处理完成，用户确认可用",
        "已重装驱动并更新系统补丁",
        "已调整配置并恢复服务",
    ],
    "maintenance": [
        "已更换损坏部件，试运行正常",
        "清洗滤网并补充冷媒，运行正常",
        "紧固线路并更换空开",
        "按保养规程完成并记录",
    ],
    "cleaning": ["已完成清洁并拍照确认", "已按标准流程清理，地面已放置警示牌", "专项清洁完成，现场验收通过"],
    "security": ["已现场处置并记录台账", "已恢复设备并通知监控中心", "已协调相关部门处理完毕"],
    "callcentre": ["已电话回访并解答", "已转派相关部门并跟进闭环", "已回访用户，问题已解决"],
}
PAUSE_REASONS = {
    "it": (("awaiting_requester", 0.5), ("awaiting_parts", 0.3), ("awaiting_third_party", 0.2)),
    "maintenance": (("awaiting_parts", 0.6), ("awaiting_third_party", 0.2), ("access", 0.2)),
    "cleaning": (("scheduled", 0.7), ("access", 0.3)),
    "security": (("awaiting_third_party", 0.6), ("access", 0.4)),
    "callcentre": (("awaiting_requester", 0.7), ("awaiting_third_party", 0.3)),
}
PAUSE_SHARE = {"it": 0.08, "maintenance": 0.15, "cleaning": 0.04, "security": 0.03, "callcentre": 0.06}
RATING_COMMENTS = {
    1: ["拖了很久才处理，很不满意", "问题没有真正解决"],
    2: ["响应太慢", "处理结果一般，需要改进"],
    3: ["基本解决", ""],
    4: ["处理及时", "服务不错", ""],
    5: ["非常专业，点赞！", "响应很快，谢谢", "服务很好", ""],
}
PAUSE_NOTES = {
    "awaiting_requester": "联系不上报修人，等待回复",
    "awaiting_parts": "等待备件到货",
    "awaiting_third_party": "等待原厂/第三方支持",
    "scheduled": "按报修人要求改约时间上门",
    "access": "现场暂时无法进入",
}
REOPEN_NOTES = ["问题复现，请再次处理", "处理不彻底，仍有故障", "现场验收未通过"]
