"""The columns of a registration data file of related persons (关联人登记信息), their Chinese labels
and the words the registration systems write for a role (docs/subjects.md, "Importing related
persons"). A header cell may be the code or the Chinese label."""

from __future__ import annotations

from dataclasses import dataclass

from jointcredit.common.errors import ValidationFailed
from jointcredit.subjects.identifiers import IdType
from jointcredit.subjects.models import RelatedRole


@dataclass(frozen=True)
class Column:
    code: str
    label: str
    required: bool = False
    vocabulary: bool = False  # few distinct values on many rows: held as polars Categorical


COLUMNS = (
    Column("QY_MC", "企业名称", required=True),
    Column("QY_TYSHXYDM", "统一社会信用代码", required=True),
    Column("GLR_MC", "关联人姓名或名称", required=True),
    Column("GLR_LB", "关联人类别", vocabulary=True),
    Column("GLR_ZJLX", "关联人证件类型", vocabulary=True),
    Column("GLR_ZJHM", "关联人证件号码", required=True),
    Column("GLR_SF", "身份", required=True, vocabulary=True),
    Column("CGBL", "持股比例（%）", vocabulary=True),
    Column("RZQ", "任职起", vocabulary=True),
    Column("RZZ", "任职止", vocabulary=True),
)
BY_CODE = {c.code: c for c in COLUMNS}
LABELS = {c.code: c.label for c in COLUMNS}
HEADER = [c.code for c in COLUMNS]

# The words registration systems write in the 身份 column → role. 董事长/执行董事 are 董事, 经理 and
# 财务负责人 高级管理人员 (公司法 §265); 负责人 is the 主要负责人 of a branch or unincorporated body.
ROLE_WORDS = {
    **{label: value for value, label in RelatedRole.choices},
    **{value: value for value in RelatedRole.values},
    "负责人": RelatedRole.PRINCIPAL,
    "董事长": RelatedRole.DIRECTOR,
    "副董事长": RelatedRole.DIRECTOR,
    "执行董事": RelatedRole.DIRECTOR,
    "监事会主席": RelatedRole.SUPERVISOR,
    "经理": RelatedRole.SENIOR_MANAGER,
    "总经理": RelatedRole.SENIOR_MANAGER,
    "副总经理": RelatedRole.SENIOR_MANAGER,
    "财务负责人": RelatedRole.SENIOR_MANAGER,
    "董事会秘书": RelatedRole.SENIOR_MANAGER,
    "董监高": None,  # ambiguous: named in the error
}
# What an import may record: 注册执业人员 are not registration data (licensing bodies hold them).
IMPORTED_ROLES = tuple(v for v in RelatedRole.values if v != RelatedRole.LICENSED_PROFESSIONAL)
KIND_WORDS = {
    "": "natural",
    "自然人": "natural",
    "natural": "natural",
    "企业": "legal",
    "法人": "legal",
    "法人及非法人组织": "legal",
    "legal": "legal",
}
ID_TYPE_WORDS = {"": IdType.RESIDENT_ID, **IdType.BY_LABEL, **{v: v for v in IdType.LABELS}}


def column_plan(header: list[str]) -> dict[int, bool]:
    """Positions of the known columns (by code or Chinese label) → vocabulary; a file missing a
    required column is refused naming it."""
    by_name = {c.code: c for c in COLUMNS} | {c.label: c for c in COLUMNS}
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        column = by_name.get(cell.strip().upper()) or by_name.get(cell.strip())
        if column is not None and column.code not in found:
            found[column.code] = i
    missing = [c for c in COLUMNS if c.required and c.code not in found]
    if missing:
        names = "、".join(f"{c.code}（{c.label}）" for c in missing)
        raise ValidationFailed.single("file", "header", f"文件缺少必填列：{names}。请使用导入模板的表头。")
    return {i: BY_CODE[code].vocabulary for code, i in found.items()}


def codes_of(header: list[str], plan: dict[int, bool]) -> dict[int, str]:
    """Position → column code, for the positions of ``plan``."""
    by_name = {c.code: c.code for c in COLUMNS} | {c.label: c.code for c in COLUMNS}
    return {i: by_name.get(header[i].strip().upper()) or by_name[header[i].strip()] for i in plan}


EXAMPLE = {
    "QY_MC": "济南示例商贸有限公司",
    "QY_TYSHXYDM": "91370102K8PBRNYT4U",
    "GLR_MC": "张伟",
    "GLR_LB": "自然人",
    "GLR_ZJLX": "居民身份证",
    "GLR_ZJHM": "370102199707210291",
    "GLR_SF": "法定代表人",
    "CGBL": "",
    "RZQ": "2020-03-01",
    "RZZ": "",
}
