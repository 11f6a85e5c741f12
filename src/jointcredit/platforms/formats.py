"""The national formats of what goes up and comes down (docs/platforms.md “字段格式”).

* 双公示 records: the XK_/CF_ standard of ``records.fields`` (``records.exports.standard_fields``).
* List entries (MD_*), repair outcomes (XF_*) and feedback on measures applied (FK_*): the field
  codes documented in docs/platforms.md.
Every row carries ``DFBM`` (地方编码) and ``SJC`` (时间戳) at the row level of the exchange table.

The validation here is the platform's: the simulator rejects what it rejects, and the district
checks the same rules on what it receives.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date

from jointcredit.common.errors import ValidationFailed
from jointcredit.records.fields import SUBJECT_KIND_BY_LABEL, SUBJECT_KIND_LABEL
from jointcredit.subjects.identifiers import IdType, detect_and_validate

LIST_ENTRY, REPAIR, FEEDBACK = "list_entry", "repair", "feedback"
ITEM_TYPES = {
    LIST_ENTRY: "名单条目",
    "license": "行政许可",
    "penalty": "行政处罚",
    REPAIR: "信用修复",
    FEEDBACK: "执行反馈",
}
ACTIONS = {
    "new": "新增",
    "changed": "变更",
    "objection_opened": "异议中",
    "objection_closed": "异议办结",
    "removed": "移出",
    "withdrawn": "撤销",
    "approved": "修复通过",
}

# Outbox event kind → (item type, action) reported up. ``record.expired`` is not a change of the
# record (its publication window ended); a repaired penalty is reported by ``record.changed``.
EVENT_ITEMS = {
    "list_entry.published": (LIST_ENTRY, "new"),
    "list_entry.changed": (LIST_ENTRY, "changed"),
    "list_entry.objection_opened": (LIST_ENTRY, "objection_opened"),
    "list_entry.objection_closed": (LIST_ENTRY, "objection_closed"),
    "list_entry.removed": (LIST_ENTRY, "removed"),
    "record.published": (None, "new"),
    "record.changed": (None, "changed"),
    "record.withdrawn": (None, "withdrawn"),
    "repair.approved": (REPAIR, "approved"),
    "feedback.recorded": (FEEDBACK, "new"),
}

LIST_ENTRY_FIELDS = {
    "MD_BH": "名单条目编号",
    "MD_LX": "名单类型代码",
    "MD_LXMC": "名单类型名称",
    "MD_YS": "名单类别（1 红名单 2 黑名单）",
    "MD_XDR_MC": "主体名称",
    "MD_XDR_LB": "主体类别",
    "MD_XDR_SHXYM": "统一社会信用代码",
    "MD_XDR_ZJLX": "证件类型",
    "MD_XDR_ZJHM": "证件号码",
    "MD_LRSY": "列入事由",
    "MD_RDYJ": "认定依据",
    "MD_RDWSH": "认定文书号",
    "MD_RDRQ": "认定日期",
    "MD_YXQZ": "有效期自",
    "MD_YXQZI": "有效期至",
    "MD_RDDW": "认定单位",
    "MD_RDDWDM": "认定单位代码",
    "MD_ZT": "当前状态（1 有效 2 已移出）",
    "MD_YCYY": "移出原因",
    "MD_YCRQ": "移出日期",
    "MD_YYZ": "异议中（0 否 1 是）",
}
LIST_ENTRY_REQUIRED = ("MD_BH", "MD_LX", "MD_YS", "MD_XDR_MC", "MD_XDR_LB", "MD_RDWSH", "MD_RDRQ", "MD_YXQZI")
# What reconciliation compares (the facts of the listing, not its wording or timestamps).
DIGEST_FIELDS = (
    "MD_BH",
    "MD_LX",
    "MD_XDR_SHXYM",
    "MD_XDR_ZJHM",
    "MD_RDWSH",
    "MD_RDRQ",
    "MD_YXQZ",
    "MD_YXQZI",
)

REPAIR_FIELDS = {
    "XF_BH": "修复案号",
    "XF_DXLX": "修复对象类型（名单条目 / 行政处罚）",
    "XF_DXBH": "修复对象编号（MD_BH 或 CF_WSH）",
    "XF_XDR_MC": "主体名称",
    "XF_XDR_DM": "主体标识（统一社会信用代码或证件号码）",
    "XF_JDRQ": "修复决定日期",
    "XF_JDJG": "修复决定机关",
}
# 执行反馈: what a cooperating department did with a pushed entry (exchange ``feedback.recorded``).
FEEDBACK_FIELDS = {
    "FK_BH": "反馈编号",
    "FK_MD_BH": "名单条目编号（MD_BH）",
    "FK_BM": "反馈部门",
    "FK_BMDM": "反馈部门代码",
    "FK_CS": "措施代码",
    "FK_CSMC": "措施名称",
    "FK_SXMC": "事项名称",
    "FK_WH": "文号",
    "FK_JG": "反馈结果（1 已实施惩戒 2 已实施激励 3 未涉及 4 不适用）",
    "FK_SM": "说明/理由",
    "FK_RQ": "实施日期",
}
FEEDBACK_REQUIRED = ("FK_BH", "FK_MD_BH", "FK_BM", "FK_CS", "FK_JG", "FK_RQ")
FEEDBACK_RESULTS = {"punished": "1", "rewarded": "2", "not_involved": "3", "not_applicable": "4"}

# Incoming end items (removal / repair / correction): a list entry by MD_BH, or a 双公示 record by its
# type and 决定文书号 (the organ's USCC tells two departments' equal numbers apart).
END_FIELDS = {
    "MD_BH": "名单条目编号（结束名单条目时）",
    "XF_DXLX": "对象类型（行政处罚 / 行政许可，结束双公示信息时）",
    "XF_DXBH": "对象编号（决定文书号 CF_WSH / XK_WSH）",
    "XF_JGDM": "决定机关统一社会信用代码（CF_CFJGDM / XK_XKJGDM，可选）",
    "MD_YCSM": "说明",
}
RECORD_TARGETS = {"行政处罚": "penalty", "行政许可": "license", "penalty": "penalty", "license": "license"}
# What reconciliation compares for a 双公示 record (its facts and its publication window).
RECORD_DIGEST_FIELDS = ("WSH", "XDR_SHXYM", "XDR_ZJHM", "JDRQ", "ZT", "GSJZQ", "YXQZI")

# National list codes → the district's list type (a platform's ``settings["list_types"]`` overrides).
NATIONAL_LIST_TYPES = {
    "YZSXZT": "black_other",  # 严重失信主体名单
    "SXBZXR": "black_refuse_judgment",  # 失信被执行人
    "ZDSSWF": "black_market_order",  # 重大税收违法失信主体
    "CXDX": "red_moral_model",  # 诚信典型
}
COLOR_CODES = {"red": "1", "black": "2"}
REGION_CODE = re.compile(r"^\d{6}$")
SJC_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def entry_key(dfbm: str, entry_id: int) -> str:
    """MD_BH of a district entry: the region code and the entry's number."""
    return f"{dfbm}-{entry_id}"


def entry_id_of(key: str, dfbm: str) -> int | None:
    prefix, _, number = key.partition("-")
    return int(number) if prefix == dfbm and number.isdigit() else None


def _d(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)[:10]


def _subject_fields(identifier: str, id_type: str, kind: str) -> dict:
    uscc = identifier if id_type == IdType.USCC else ""
    return {
        "MD_XDR_LB": {str(k): v for k, v in SUBJECT_KIND_LABEL.items()}.get(kind, kind),
        "MD_XDR_SHXYM": uscc,
        "MD_XDR_ZJLX": "" if uscc else IdType.LABELS.get(id_type, id_type),
        "MD_XDR_ZJHM": "" if uscc else identifier,
    }


def list_entry_row(data: dict, *, dfbm: str) -> dict:
    """MD_* row of a list entry from its event payload (``lists.services.entry_event_data``)."""
    return {
        "MD_BH": entry_key(dfbm, data["entry_id"]),
        "MD_LX": data["list_type_code"],
        "MD_LXMC": data["list_type_name"],
        "MD_YS": COLOR_CODES.get(data["color"], ""),
        "MD_XDR_MC": data["subject_name"],
        **_subject_fields(
            data["subject_identifier"], data.get("subject_id_type") or "", data["subject_kind"]
        ),
        "MD_LRSY": data.get("reason") or "",
        "MD_RDYJ": data.get("legal_basis") or "",
        "MD_RDWSH": data.get("document_no") or "",
        "MD_RDRQ": _d(data.get("decided_on")),
        "MD_YXQZ": _d(data.get("valid_from")),
        "MD_YXQZI": _d(data.get("valid_until")),
        "MD_RDDW": data.get("source_authority_name") or data["department_name"],
        "MD_RDDWDM": data.get("source_authority_code") or data["department_code"],
        "MD_ZT": "2" if data.get("state") == "removed" else "1",
        "MD_YCYY": data.get("removal_reason") or "",
        "MD_YCRQ": _d(data.get("removed_at")),
        "MD_YYZ": "1" if data.get("under_objection") else "0",
    }


def repair_row(data: dict, *, dfbm: str) -> dict:
    """XF_* row of an approved repair from its ``repair.approved`` payload."""
    is_entry = data.get("entry_id") is not None
    return {
        "XF_BH": data.get("case_no") or str(data["repair_id"]),
        "XF_DXLX": "名单条目" if is_entry else "行政处罚",
        "XF_DXBH": entry_key(dfbm, data["entry_id"]) if is_entry else (data.get("document_no") or ""),
        "XF_XDR_MC": data.get("subject_name") or "",
        "XF_XDR_DM": data.get("subject_identifier") or "",
        "XF_JDRQ": _d(data.get("approved_at")),
        "XF_JDJG": data.get("department_name") or "",
    }


def feedback_row(data: dict, *, dfbm: str, entry_key_of: str) -> dict:
    """FK_* row of a feedback from its ``feedback.recorded`` payload; ``entry_key_of`` is the MD_BH
    of the entry (the platform's own key for an entry it issued)."""
    return {
        "FK_BH": f"{dfbm}-FK-{data['feedback_id']}",
        "FK_MD_BH": entry_key_of,
        "FK_BM": data.get("department_name") or "",
        "FK_BMDM": data.get("department_code") or "",
        "FK_CS": data.get("measure_code") or "",
        "FK_CSMC": data.get("measure_name") or "",
        "FK_SXMC": data.get("matter_name") or "",
        "FK_WH": data.get("matter_document_no") or "",
        "FK_JG": FEEDBACK_RESULTS.get(data.get("result") or "", ""),
        "FK_SM": data.get("reason") or "",
        "FK_RQ": _d(data.get("handled_on")),
    }


def digest(row: dict) -> str:
    """Per-item digest of a list entry row for reconciliation (both sides compute it alike)."""
    content = {k: str(row.get(k) or "") for k in DIGEST_FIELDS}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def record_digest(row: dict, record_type: str) -> str:
    """Per-item digest of a 双公示 row (XK_/CF_) for reconciliation (both sides compute it alike)."""
    p = "XK" if record_type == "license" else "CF"
    content = {k: str(row.get(f"{p}_{k}") or "") for k in RECORD_DIGEST_FIELDS}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


# --- validation ---------------------------------------------------------------------------------------
def _date_ok(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def subject_identifier(row: dict, prefix: str = "MD") -> str:
    return (row.get(f"{prefix}_XDR_SHXYM") or row.get(f"{prefix}_XDR_ZJHM") or "").strip()


def list_entry_problems(row: dict) -> list[str]:
    """What makes a list entry row unacceptable (Chinese, naming the field and the rule)."""
    problems = [
        f"{code}（{LIST_ENTRY_FIELDS[code]}）不能为空" for code in LIST_ENTRY_REQUIRED if not row.get(code)
    ]
    if row.get("MD_YS") and row["MD_YS"] not in COLOR_CODES.values():
        problems.append("MD_YS（名单类别）必须是 1 或 2")
    if row.get("MD_XDR_LB") and row["MD_XDR_LB"] not in SUBJECT_KIND_BY_LABEL:
        problems.append(f"MD_XDR_LB（主体类别）“{row['MD_XDR_LB']}”不是标准取值")
    identifier = subject_identifier(row)
    if not identifier:
        problems.append("MD_XDR_SHXYM 或 MD_XDR_ZJHM（主体标识）必须填写其一")
    else:
        try:
            detect_and_validate(
                identifier, field="MD_XDR_SHXYM" if row.get("MD_XDR_SHXYM") else "MD_XDR_ZJHM"
            )
        except ValidationFailed as exc:
            problems.append(f"主体标识“{identifier}”不合法：{exc.message}")
    for code in ("MD_RDRQ", "MD_YXQZ", "MD_YXQZI", "MD_YCRQ"):
        if row.get(code) and not _date_ok(row[code]):
            problems.append(f"{code}（{LIST_ENTRY_FIELDS[code]}）不是 YYYY-MM-DD 格式的日期")
    return problems


def record_problems(row: dict, record_type: str) -> list[str]:
    """The platform's checks of a 双公示 row: the subject's identifier, 文书号 and decision date."""
    p = "XK" if record_type == "license" else "CF"
    problems = []
    if not row.get(f"{p}_WSH"):
        problems.append(f"{p}_WSH（文书号）不能为空")
    if not _date_ok(row.get(f"{p}_JDRQ") or ""):
        problems.append(f"{p}_JDRQ（决定日期）不是 YYYY-MM-DD 格式的日期")
    identifier = subject_identifier(row, p)
    if not identifier:
        problems.append(f"{p}_XDR_SHXYM 或 {p}_XDR_ZJHM（主体标识）必须填写其一")
    return problems


def row_problems(item_type: str, row: dict, *, dfbm: str, sjc: str) -> list[str]:
    problems = []
    if not REGION_CODE.match(dfbm or ""):
        problems.append(f"DFBM（地方编码）“{dfbm}”必须是 6 位数字")
    if not SJC_FORMAT.match(sjc or ""):
        problems.append(f"SJC（时间戳）“{sjc}”必须是 YYYY-MM-DD HH:MM:SS")
    if item_type == LIST_ENTRY:
        problems += list_entry_problems(row)
    elif item_type in ("license", "penalty"):
        problems += record_problems(row, item_type)
    elif item_type == FEEDBACK:
        problems += [f"{c}（{FEEDBACK_FIELDS[c]}）不能为空" for c in FEEDBACK_REQUIRED if not row.get(c)]
        if row.get("FK_JG") and row["FK_JG"] not in FEEDBACK_RESULTS.values():
            problems.append("FK_JG（反馈结果）必须是 1、2、3 或 4")
        if row.get("FK_RQ") and not _date_ok(row["FK_RQ"]):
            problems.append("FK_RQ（实施日期）不是 YYYY-MM-DD 格式的日期")
    elif item_type == REPAIR:
        problems += [
            f"{c}（{REPAIR_FIELDS[c]}）不能为空" for c in ("XF_BH", "XF_DXBH", "XF_JDRQ") if not row.get(c)
        ]
    else:
        problems.append(f"信息类别“{item_type}”不受支持")
    return problems
