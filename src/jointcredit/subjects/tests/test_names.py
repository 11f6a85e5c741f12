"""Name normalisation and comparison (subjects.names): real-looking Chinese names."""

from __future__ import annotations

import pytest

from jointcredit.subjects.names import (
    STEP_BRANCH,
    STEP_FORM,
    STEP_PUNCTUATION,
    STEP_REGION,
    STEP_TRADITIONAL,
    STEP_WIDTH,
    name_normalize,
    names_compare,
)

REGISTERED = "济南华信餐饮管理有限公司"


def test_full_width_letters_digits_and_brackets_become_half_width():
    n = name_normalize("ＡＢＣ１２３数码科技（山东）有限公司")
    assert n.core == "ABC123数码科技"
    assert n.region == "37"
    assert STEP_WIDTH in n.steps


def test_traditional_characters_become_simplified():
    n = name_normalize("濟南華信餐飲管理有限公司")
    assert n.key == name_normalize(REGISTERED).key
    assert STEP_TRADITIONAL in n.steps


def test_limited_liability_company_spelled_both_ways_is_one_form():
    long_form = name_normalize("济南华信餐饮管理有限责任公司")
    assert long_form.form == "有限公司"
    assert STEP_FORM in long_form.steps
    assert long_form.key == name_normalize(REGISTERED).key
    assert name_normalize("济南华信餐饮管理股份有限公司").form == "股份有限公司"


@pytest.mark.parametrize(
    ("name", "region"),
    [
        ("济南市历下区华信餐饮管理有限公司", "370102"),
        ("山东省济南市华信餐饮管理有限公司", "3701"),
        ("华信餐饮管理（济南）有限公司", "3701"),
        ("历下区华信餐饮管理有限公司", "370102"),
    ],
)
def test_district_and_city_prefix_or_bracketed_region_is_taken_off(name, region):
    n = name_normalize(name)
    assert n.core == "华信餐饮管理"
    assert n.region == region
    assert STEP_REGION in n.steps


def test_a_place_word_that_is_not_an_administrative_region_stays_in_the_name():
    assert name_normalize("泉城众诚物流有限公司").core == "泉城众诚物流"
    assert name_normalize("大明湖宏远商贸有限公司").region == ""


def test_branch_is_taken_to_its_parent():
    for name in ("济南华信餐饮管理有限公司历下分公司", "济南华信餐饮管理有限公司（历下分公司）"):
        n = name_normalize(name)
        assert (n.core, n.form, n.branch) == ("华信餐饮管理", "有限公司", "历下")
        assert STEP_BRANCH in n.steps


def test_punctuation_and_spaces_are_removed():
    n = name_normalize("济南 华信·餐饮-管理 有限公司")
    assert n.core == "华信餐饮管理"
    assert STEP_PUNCTUATION in n.steps


def test_person_names_get_character_steps_only():
    n = name_normalize("買買提·艾力", person=True)
    assert n.core == "买买提艾力"
    assert n.region == "" and n.form == ""


def test_comparison_methods_and_similarities():
    registered = name_normalize(REGISTERED)
    assert names_compare(name_normalize(REGISTERED), registered).method == "exact"
    same = names_compare(name_normalize("濟南華信餐飲管理有限責任公司"), registered)
    assert (same.method, same.similarity) == ("normalised", 1.0)
    assert set(same.steps) == {STEP_TRADITIONAL, STEP_FORM}
    no_region = names_compare(name_normalize("华信餐饮管理有限公司"), registered)
    assert no_region.method == "normalised" and 0.9 < no_region.similarity < 1
    district = names_compare(name_normalize("济南市历下区华信餐饮管理有限公司"), registered)
    province = names_compare(
        name_normalize("济南市历下区华信餐饮管理有限公司"), name_normalize("山东华信餐饮管理有限公司")
    )
    assert district.similarity > province.similarity  # the nearer region wins a tie
    typo = names_compare(name_normalize("济南华信餐饮管里有限公司"), registered)
    assert typo.method == "fuzzy" and 0.8 < typo.similarity < 0.9
    other = names_compare(name_normalize("济南恒通物流有限公司"), registered)
    assert other.similarity < 0.3
