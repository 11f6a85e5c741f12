"""Realistic, valid identifiers and names for demo data, factories and benchmarks (deterministic
given a ``random.Random``)."""

from __future__ import annotations

import random
from datetime import date, timedelta

from jointcredit.subjects.identifiers import USCC_ALPHABET, resident_id_check_char, uscc_check_char

LIXIA = "370102"
_ORG_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_VALUES = {c: (int(c) if c.isdigit() else ord(c) - 55) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田"
    "董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白"
    "邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建"
    "华志强海燕玉兰红梅文博子涵浩然欣怡宇轩梓萱俊杰佳怡"
)
PREFIXES = ["济南", "山东", "历下区", "泉城", "齐鲁", "大明湖", "千佛山", "趵突泉", "舜耕", "解放路"]
CORES = [
    "宏远",
    "恒通",
    "鑫源",
    "华信",
    "金泰",
    "瑞丰",
    "博纳",
    "安达",
    "众诚",
    "永盛",
    "德润",
    "天成",
    "嘉禾",
    "鸿运",
    "君诚",
    "海纳",
    "明德",
    "泰和",
    "润康",
    "新锐",
    "景明",
    "正阳",
    "同德",
    "立信",
]
INDUSTRIES = [
    ("餐饮管理", "餐饮业"),
    ("食品销售", "批发和零售业"),
    ("建筑工程", "建筑业"),
    ("房地产开发", "房地产业"),
    ("医药连锁", "卫生和社会工作"),
    ("环保科技", "科学研究和技术服务业"),
    ("物业管理", "房地产业"),
    ("教育咨询", "教育"),
    ("文化传媒", "文化、体育和娱乐业"),
    ("商贸", "批发和零售业"),
    ("信息技术", "信息传输、软件和信息技术服务业"),
    ("物流", "交通运输、仓储和邮政业"),
    ("安全技术服务", "租赁和商务服务业"),
    ("消防工程", "建筑业"),
    ("劳务派遣", "租赁和商务服务业"),
]
FORMS = ["有限公司", "有限责任公司", "股份有限公司"]
STREETS = [
    "泉城路",
    "解放路",
    "文化东路",
    "历山路",
    "经十路",
    "山大路",
    "和平路",
    "燕山立交桥",
    "东关大街",
    "千佛山路",
]


def org_code(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
    total = sum(_ORG_VALUES[c] * w for c, w in zip(body, _ORG_WEIGHTS))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def uscc(rng: random.Random, *, registry: str = "9", org_type: str = "1", region: str = LIXIA) -> str:
    code17 = registry + org_type + region + org_code(rng)
    assert all(c in USCC_ALPHABET for c in code17)
    return code17 + uscc_check_char(code17)


def resident_id(
    rng: random.Random, *, region: str = LIXIA, born_from: int = 1950, born_to: int = 2004
) -> str:
    start = date(born_from, 1, 1)
    birth = start + timedelta(days=rng.randrange((date(born_to, 12, 31) - start).days))
    code17 = f"{region}{birth:%Y%m%d}{rng.randrange(0, 1000):03d}"
    return code17 + resident_id_check_char(code17)


def person_name(rng: random.Random) -> str:
    given_len = 1 if rng.random() < 0.35 else 2
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(given_len))


def company_name(rng: random.Random, serial: int | None = None) -> tuple[str, str]:
    industry, sector = rng.choice(INDUSTRIES)
    core = rng.choice(CORES) + (rng.choice(CORES) if rng.random() < 0.5 else "")
    suffix = f"{serial}" if serial is not None and serial >= len(CORES) ** 2 else ""
    return f"{rng.choice(PREFIXES)}{core}{suffix}{industry}{rng.choice(FORMS)}", sector


def address(rng: random.Random) -> str:
    return f"山东省济南市历下区{rng.choice(STREETS)}{rng.randrange(1, 300)}号"
