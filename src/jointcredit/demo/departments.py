"""历下区 member departments with stable codes (DESIGN.md §4: fgj, scjgj, xzsp…)."""

DEPARTMENTS = [
    # code, name, initiating, cooperating, credit office
    ("fgj", "区发改局", True, True, True),
    ("scjgj", "区市场监管局", True, True, False),
    ("xzsp", "区行政审批服务局", True, True, False),
    ("swj", "区税务局", True, True, False),
    ("rsj", "区人社局", True, True, False),
    ("zjj", "区住建局", True, True, False),
    ("yjj", "区应急管理局", True, True, False),
    ("sthj", "区生态环境分局", True, True, False),
    ("czj", "区财政局", True, True, False),
    ("wjj", "区卫健局", True, True, False),
    ("jtj", "区教体局", True, True, False),
    ("wlj", "区文旅局", True, True, False),
    ("cgj", "区城管局", True, True, False),
    ("xfjy", "区消防救援大队", True, True, False),
    ("fy", "区法院", True, True, False),
    ("tqw", "团区委", True, True, False),
    ("xcb", "区委宣传部", True, True, False),
    ("gzw", "区国资委", False, True, False),
    ("ggzy", "区公共资源交易中心", False, True, False),
    ("mzj", "区民政局", True, True, False),
]

# 机关全称 (letters are signed with it) and 发文机关代字 (document numbers: 历市监失信告〔2026〕3号).
ORGANS = {
    "fgj": ("济南市历下区发展和改革局", "历发改"),
    "scjgj": ("济南市历下区市场监督管理局", "历市监"),
    "xzsp": ("济南市历下区行政审批服务局", "历审批"),
    "swj": ("国家税务总局济南市历下区税务局", "历税"),
    "rsj": ("济南市历下区人力资源和社会保障局", "历人社"),
    "zjj": ("济南市历下区住房和城乡建设局", "历住建"),
    "yjj": ("济南市历下区应急管理局", "历应急"),
    "sthj": ("济南市生态环境局历下分局", "济环历"),
    "czj": ("济南市历下区财政局", "历财"),
    "wjj": ("济南市历下区卫生健康局", "历卫健"),
    "jtj": ("济南市历下区教育和体育局", "历教体"),
    "wlj": ("济南市历下区文化和旅游局", "历文旅"),
    "cgj": ("济南市历下区城市管理局", "历城管"),
    "xfjy": ("济南市历下区消防救援大队", "历消"),
    "fy": ("济南市历下区人民法院", "历法"),
    "tqw": ("共青团济南市历下区委员会", "历团"),
    "xcb": ("中共济南市历下区委宣传部", "历宣"),
    "gzw": ("济南市历下区国有资产监督管理委员会", "历国资"),
    "ggzy": ("济南市历下区公共资源交易中心", "历公资"),
    "mzj": ("济南市历下区民政局", "历民政"),
}
