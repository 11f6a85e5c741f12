"""Identifier rules for credit subjects (DESIGN.md §2 Subjects).

* 统一社会信用代码 (GB 32100-2015): python-stdnum's ``cn.uscc`` computes the check character, but
  its format check demands digits in positions 1–8 and so rejects real codes whose registry
  authority or organisation type is a letter (Y 其他, A 中央军委改革和编制办公室, N 农业…). We keep
  its check-character arithmetic and apply the standard's own format rules.
* 居民身份证 (GB 11643-1999): ISO 7064 MOD 11-2 check and a real, not-future birth date. We do NOT
  check the region code against the date of birth (python-stdnum's ``cn.ric`` does and refuses
  real residents of regions created later, e.g. 历下区 370102 before 1983).

Each failure raises ``IdentifierInvalid`` whose ``rule`` is one of: required, length, charset,
registry, region, check_digit, birth_date, format.
"""

from __future__ import annotations

import re
from datetime import date

from stdnum.cn import uscc as stdnum_uscc

from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUES = {c: i for i, c in enumerate(USCC_ALPHABET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# 登记管理部门码 per GB 32100-2015 and its later assignments.
USCC_REGISTRY_AUTHORITIES = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商/市场监管",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}
INDIVIDUAL_BUSINESS_PLACEHOLDER = "00000000000000000X"

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_PASSPORT_RE = re.compile(r"^[A-Z0-9]{5,17}$")
_HK_MACAU_RE = re.compile(r"^[HM]\d{8}(\d{2})?$")
_TAIWAN_RE = re.compile(r"^\d{8}(\d{2})?$")
# 外国人永久居留身份证: 2017 version 15 chars (3 letters + 12 digits); 2023 version 18 chars starting 9.
_FOREIGN_PR_RE = re.compile(r"^([A-Z]{3}\d{12}|9\d{16}[\dX])$")


class IdType:
    USCC = "uscc"
    RESIDENT_ID = "resident_id"
    PASSPORT = "passport"
    HK_MACAU = "hk_macau_permit"
    TAIWAN = "taiwan_permit"
    FOREIGN_PR = "foreign_permanent_id"
    ORG_CODE = "org_code"
    BUSINESS_REG_NO = "business_reg_no"

    LABELS = {
        USCC: "统一社会信用代码",
        RESIDENT_ID: "居民身份证",
        PASSPORT: "护照号",
        HK_MACAU: "港澳居民来往内地通行证",
        TAIWAN: "台湾居民来往大陆通行证",
        FOREIGN_PR: "外国人永久居留身份证",
        ORG_CODE: "组织机构代码",
        BUSINESS_REG_NO: "工商注册号",
    }
    # Chinese labels used in standard files (XK_XDR_ZJLX / CF_XDR_ZJLX) map back to codes.
    BY_LABEL = {v: k for k, v in LABELS.items()} | {"身份证": RESIDENT_ID, "护照": PASSPORT}
    PERSONAL = (RESIDENT_ID, PASSPORT, HK_MACAU, TAIWAN, FOREIGN_PR)


class IdentifierInvalid(ValidationFailed):
    def __init__(self, message: str, *, rule: str, field: str = "identifier"):
        super().__init__(message, details=[{"field": field, "rule": rule, "message": message}])
        self.rule = rule
        self.field = field


def normalize(raw: str | None) -> str:
    return re.sub(r"[\s\-]", "", (raw or "")).upper()


def uscc_check_char(code17: str) -> str:
    # stdnum computes the same weighted MOD 31 sum; reuse it rather than re-deriving the weights.
    return stdnum_uscc.calc_check_digit(code17)


def validate_uscc(raw: str, *, field: str = "identifier") -> str:
    code = normalize(raw)
    if not code:
        raise IdentifierInvalid("统一社会信用代码不能为空。", rule="required", field=field)
    if len(code) != 18:
        raise IdentifierInvalid(
            f"统一社会信用代码应为 18 位，实际为 {len(code)} 位。", rule="length", field=field
        )
    bad = [c for c in code if c not in _USCC_VALUES]
    if bad:
        raise IdentifierInvalid(
            f"统一社会信用代码含有不允许的字符“{''.join(dict.fromkeys(bad))}”（不使用 I、O、Z、S、V）。",
            rule="charset",
            field=field,
        )
    if code[0] not in USCC_REGISTRY_AUTHORITIES:
        raise IdentifierInvalid(
            f"统一社会信用代码第 1 位登记管理部门码“{code[0]}”无效。", rule="registry", field=field
        )
    if not code[2:8].isdigit():
        raise IdentifierInvalid("统一社会信用代码第 3–8 位应为数字行政区划码。", rule="region", field=field)
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierInvalid(
            f"统一社会信用代码校验位错误：应为“{expected}”，实际为“{code[17]}”。",
            rule="check_digit",
            field=field,
        )
    return code


def resident_id_check_char(code17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(code17, _ID_WEIGHTS)) % 11]


def validate_resident_id(raw: str, *, today: date | None = None, field: str = "identifier") -> str:
    code = normalize(raw)
    if not code:
        raise IdentifierInvalid("身份证号码不能为空。", rule="required", field=field)
    if len(code) != 18:
        raise IdentifierInvalid(f"身份证号码应为 18 位，实际为 {len(code)} 位。", rule="length", field=field)
    if not code[:17].isdigit() or not (code[17].isdigit() or code[17] == "X"):
        raise IdentifierInvalid(
            "身份证号码前 17 位须为数字，最后一位为数字或 X。", rule="charset", field=field
        )
    try:
        birth = date(int(code[6:10]), int(code[10:12]), int(code[12:14]))
    except ValueError:
        raise IdentifierInvalid(
            f"身份证号码中的出生日期 {code[6:14]} 不存在。", rule="birth_date", field=field
        ) from None
    if birth > (today or clock.today()) or birth.year < 1880:
        raise IdentifierInvalid(
            f"身份证号码中的出生日期 {birth:%Y-%m-%d} 不合理（晚于今天或早于 1880 年）。",
            rule="birth_date",
            field=field,
        )
    expected = resident_id_check_char(code[:17])
    if code[17] != expected:
        raise IdentifierInvalid(
            f"身份证号码校验位错误：应为“{expected}”，实际为“{code[17]}”。", rule="check_digit", field=field
        )
    return code


def validate_document(raw: str, id_type: str, *, field: str = "identifier") -> str:
    code = normalize(raw)
    label = IdType.LABELS.get(id_type, "证件号码")
    if not code:
        raise IdentifierInvalid(f"{label}不能为空。", rule="required", field=field)
    patterns = {
        IdType.PASSPORT: (_PASSPORT_RE, "5–17 位字母或数字"),
        IdType.HK_MACAU: (_HK_MACAU_RE, "H 或 M 开头加 8 位或 10 位数字"),
        IdType.TAIWAN: (_TAIWAN_RE, "8 位或 10 位数字"),
        IdType.FOREIGN_PR: (_FOREIGN_PR_RE, "3 位字母加 12 位数字，或 9 开头的 18 位"),
        IdType.ORG_CODE: (re.compile(r"^[0-9A-Z]{8}[0-9X]$"), "9 位（8 位本体代码加校验码）"),
        IdType.BUSINESS_REG_NO: (re.compile(r"^\d{13}$|^\d{15}$"), "13 位或 15 位数字"),
    }
    if id_type not in patterns:
        raise IdentifierInvalid(f"不支持的证件类型“{id_type}”。", rule="id_type", field=field)
    pattern, rule_text = patterns[id_type]
    if not pattern.match(code):
        raise IdentifierInvalid(f"{label}格式错误：应为{rule_text}。", rule="format", field=field)
    return code


def detect_and_validate(raw: str, *, field: str = "identifier", today: date | None = None) -> tuple[str, str]:
    """Validate an identifier of unknown type (API lookups): returns (id_type, normalized).

    18 characters: a resident ID if it looks like one (17 digits + digit/X with a plausible birth
    year), else a USCC. Other lengths: the documents whose shape matches.
    """
    code = normalize(raw)
    if not code:
        raise IdentifierInvalid("证件号码/统一社会信用代码不能为空。", rule="required", field=field)
    if len(code) > 64:
        raise IdentifierInvalid("证件号码过长（最多 64 个字符）。", rule="length", field=field)
    if len(code) == 18:
        looks_personal = code[:17].isdigit() and code[6:8] in {"18", "19", "20"} and code[17] in "0123456789X"
        if looks_personal:
            # A USCC can share this shape (all digits, region ending 18/19/20): whichever check
            # passes wins; the error reported is the more likely reading's.
            try:
                return IdType.RESIDENT_ID, validate_resident_id(code, today=today, field=field)
            except IdentifierInvalid as personal_error:
                try:
                    return IdType.USCC, validate_uscc(code, field=field)
                except IdentifierInvalid:
                    if code[0] not in "159":
                        raise personal_error from None
        return IdType.USCC, validate_uscc(code, field=field)
    if 16 <= len(code) <= 20:
        raise IdentifierInvalid(
            f"统一社会信用代码和身份证号码均应为 18 位，实际为 {len(code)} 位。", rule="length", field=field
        )
    if code.isdigit() and len(code) in (13, 15):
        return IdType.BUSINESS_REG_NO, code
    candidates = [IdType.HK_MACAU, IdType.FOREIGN_PR, IdType.TAIWAN]
    # A passport number has a letter, or is a 9-digit foreign passport; other bare digit strings
    # are far more likely a truncated code than a passport.
    if not code.isdigit() or len(code) == 9:
        candidates.append(IdType.PASSPORT)
    for id_type in candidates:
        try:
            return id_type, validate_document(code, id_type, field=field)
        except IdentifierInvalid:
            continue
    raise IdentifierInvalid(
        f"无法识别的证件号码“{code}”：统一社会信用代码和身份证号码均为 18 位，其他证件格式也不符合。",
        rule="format",
        field=field,
    )
