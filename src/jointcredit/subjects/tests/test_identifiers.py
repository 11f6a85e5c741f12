"""Identifier rules: USCC (GB 32100, every registry letter) and resident IDs (GB 11643)."""

import random
from datetime import date

import pytest

from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import (
    USCC_REGISTRY_AUTHORITIES,
    IdentifierInvalid,
    IdType,
    detect_and_validate,
    uscc_check_char,
    validate_document,
    validate_resident_id,
    validate_uscc,
)

# Real published codes (checked by hand against GB 32100's algorithm).
REAL_USCC = ["91110000600037341L", "91370000163044841F", "11100000000013127D"]


@pytest.mark.parametrize("code", REAL_USCC)
def test_real_uscc_accepted(code):
    assert validate_uscc(code) == code


@pytest.mark.parametrize("registry", sorted(USCC_REGISTRY_AUTHORITIES))
def test_every_registry_letter_accepted(registry):
    rng = random.Random(registry)
    for org_type in "123459":
        code = gen.uscc(rng, registry=registry, org_type=org_type)
        assert validate_uscc(code) == code


def test_stdnum_rejects_what_we_accept():
    from stdnum.cn import uscc as stdnum_uscc

    code17 = "Y1370102" + "MA3C4XK2" + "1"
    code = code17 + uscc_check_char(code17)
    assert not stdnum_uscc.is_valid(code)
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("", "required"),
        ("9137010216304484", "length"),
        ("91370102163O44841F", "charset"),
        ("Z1370102163044841F", "charset"),
        ("B1370102163044841F", "registry"),
        ("91AB0102163044841F", "region"),
    ],
)
def test_uscc_rules(raw, rule):
    with pytest.raises(IdentifierInvalid) as exc:
        validate_uscc(raw)
    assert exc.value.rule == rule
    assert exc.value.details[0]["field"] == "identifier"


def test_uscc_check_digit_message_names_expected_char():
    good = gen.uscc(random.Random(5))
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(IdentifierInvalid) as exc:
        validate_uscc(wrong)
    assert exc.value.rule == "check_digit"
    assert f"应为“{good[17]}”" in exc.value.message


def test_resident_id_before_district_existed_is_accepted():
    # 历下区 370102 was created in 1955-era reorganisations and recoded later; python-stdnum's
    # cn.ric refuses such births. We must not.
    code17 = "370102195001010" + "12"
    from jointcredit.subjects.identifiers import resident_id_check_char

    code = code17 + resident_id_check_char(code17)
    assert validate_resident_id(code) == code


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        ("37010219900230123X", "birth_date"),  # 30 February
        ("370102203001011234", "birth_date"),  # future
        ("3701021990010112", "length"),
        ("37010219900101123A", "charset"),
    ],
)
def test_resident_id_rules(raw, rule):
    with pytest.raises(IdentifierInvalid) as exc:
        validate_resident_id(raw, today=date(2026, 11, 26))
    assert exc.value.rule == rule


def test_resident_id_check_digit():
    code = gen.resident_id(random.Random(9))
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(IdentifierInvalid) as exc:
        validate_resident_id(wrong)
    assert exc.value.rule == "check_digit"


def test_lowercase_x_and_spaces_normalised():
    rng = random.Random(3)
    while True:
        code = gen.resident_id(rng)
        if code.endswith("X"):
            break
    assert validate_resident_id(" " + code[:6] + " " + code[6:].lower()) == code


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [
        (IdType.PASSPORT, "E12345678"),
        (IdType.HK_MACAU, "H12345678"),
        (IdType.TAIWAN, "12345678"),
        (IdType.FOREIGN_PR, "USA370102123456"),
    ],
)
def test_other_documents(id_type, raw):
    assert validate_document(raw, id_type) == raw


def test_detect_types():
    rng = random.Random(11)
    assert detect_and_validate(gen.uscc(rng))[0] == IdType.USCC
    assert detect_and_validate(gen.resident_id(rng))[0] == IdType.RESIDENT_ID
    assert detect_and_validate("H12345678")[0] == IdType.HK_MACAU
    with pytest.raises(IdentifierInvalid) as exc:
        detect_and_validate("91370102163044841")
    assert exc.value.rule == "length"
    with pytest.raises(IdentifierInvalid):
        detect_and_validate("12")
