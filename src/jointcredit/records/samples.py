"""Realistic rows in the standard fields (valid USCCs and IDs from the demo generators) and files
built from them: used by the demo data, the tests and the import benchmark."""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from jointcredit.common import clock
from jointcredit.subjects import generators as gen


def _recent_decision(rng: random.Random) -> date:
    """A decision date 3–9 months before today: published, still on the portal (not a fixed year,
    which would leave every sample expired a few years on)."""
    return clock.today() - timedelta(days=80 + rng.randrange(0, 200))


PENALTY_HEADER = [
    "CF_XDR_MC",
    "CF_XDR_LB",
    "CF_XDR_SHXYM",
    "CF_FRDB",
    "CF_XDR_ZJLX",
    "CF_XDR_ZJHM",
    "CF_WSH",
    "CF_WFXW",
    "CF_SY",
    "CF_YJ",
    "CF_CFLB",
    "CF_NR",
    "CF_NR_FK",
    "CF_NR_WFFF",
    "CF_NR_ZKDX",
    "CF_JDRQ",
    "CF_YXQ",
    "CF_GSJZQ",
    "CF_CFJG",
    "CF_CFJGDM",
    "CF_ZT",
    "CF_LYDW",
    "CF_LYDWDM",
    "BZ",
]
LICENSE_HEADER = [
    "XK_XDR_MC",
    "XK_XDR_LB",
    "XK_XDR_SHXYM",
    "XK_FRDB",
    "XK_XDR_ZJLX",
    "XK_XDR_ZJHM",
    "XK_XKWS",
    "XK_WSH",
    "XK_XKLB",
    "XK_XKZS",
    "XK_XKBH",
    "XK_NR",
    "XK_JDRQ",
    "XK_YXQZ",
    "XK_YXQZI",
    "XK_XKJG",
    "XK_XKJGDM",
    "XK_ZT",
    "XK_LYDW",
    "XK_LYDWDM",
    "BZ",
]


def penalty_row(
    rng: random.Random,
    department,
    *,
    n: int = 1,
    decided: date | None = None,
    person: bool = False,
    **overrides,
) -> dict:
    decided = decided or _recent_decision(rng)
    if person:
        subject = {
            "CF_XDR_MC": gen.person_name(rng),
            "CF_XDR_LB": "自然人",
            "CF_XDR_SHXYM": "",
            "CF_FRDB": "",
            "CF_XDR_ZJLX": "身份证",
            "CF_XDR_ZJHM": gen.resident_id(rng),
        }
    else:
        subject = {
            "CF_XDR_MC": gen.company_name(rng)[0],
            "CF_XDR_LB": "法人及非法人组织",
            "CF_XDR_SHXYM": gen.uscc(rng),
            "CF_FRDB": gen.person_name(rng),
            "CF_XDR_ZJLX": "",
            "CF_XDR_ZJHM": "",
        }
    row = subject | {
        "CF_WSH": f"济历{department.code}罚〔{decided.year}〕{n}号",
        "CF_WFXW": "未按规定公示食品经营许可证",
        "CF_SY": "经查，当事人在经营场所未悬挂食品经营许可证。",
        "CF_YJ": "《中华人民共和国食品安全法》第一百二十六条",
        "CF_CFLB": "警告;罚款",
        "CF_NR": "警告，并处罚款人民币伍仟元",
        "CF_NR_FK": "0.5",
        "CF_NR_WFFF": "",
        "CF_NR_ZKDX": "",
        "CF_JDRQ": decided.isoformat(),
        "CF_YXQ": "",
        "CF_GSJZQ": "",
        "CF_CFJG": department.name,
        "CF_CFJGDM": department.uscc,
        "CF_ZT": "1",
        "CF_LYDW": department.name,
        "CF_LYDWDM": department.uscc,
        "BZ": "",
    }
    row.update(overrides)
    return row


def license_row(
    rng: random.Random, department, *, n: int = 1, decided: date | None = None, **overrides
) -> dict:
    decided = decided or _recent_decision(rng)
    row = {
        "XK_XDR_MC": gen.company_name(rng)[0],
        "XK_XDR_LB": "法人及非法人组织",
        "XK_XDR_SHXYM": gen.uscc(rng),
        "XK_FRDB": gen.person_name(rng),
        "XK_XDR_ZJLX": "",
        "XK_XDR_ZJHM": "",
        "XK_XKWS": "食品经营许可决定书",
        "XK_WSH": f"济历{department.code}许〔{decided.year}〕{n}号",
        "XK_XKLB": "普通",
        "XK_XKZS": "食品经营许可证",
        "XK_XKBH": f"JY137010200{n:05d}",
        "XK_NR": "预包装食品（含冷藏冷冻食品）销售",
        "XK_JDRQ": decided.isoformat(),
        "XK_YXQZ": decided.isoformat(),
        "XK_YXQZI": (decided + timedelta(days=365 * 5)).isoformat(),
        "XK_XKJG": department.name,
        "XK_XKJGDM": department.uscc,
        "XK_ZT": "1",
        "XK_LYDW": department.name,
        "XK_LYDWDM": department.uscc,
        "BZ": "",
    }
    row.update(overrides)
    return row


def csv_bytes(rows: list[dict], header: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    header = header or list(rows[0])
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(h, "") for h in header])
    return buf.getvalue().encode(encoding)


def xlsx_bytes(rows: list[dict], header: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    header = header or list(rows[0])
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append([row.get(h, "") for h in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
