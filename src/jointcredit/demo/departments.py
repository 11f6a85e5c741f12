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
