"""Publication deadline, calendar pending case, timeliness, windows, legacy files, subjects, and the
vectorised identifier checks against the reference implementation in subjects.identifiers."""

import io
import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from jointcredit.calendar.selectors import add_working_days
from jointcredit.calendar.services import calendar_year_configure
from jointcredit.common import clock
from jointcredit.common.errors import ValidationFailed
from jointcredit.records import selectors
from jointcredit.records.models import License, Penalty, RecordState
from jointcredit.records.services import record_save, records_import
from jointcredit.records.validation import resident_id_rule, uscc_rule
from jointcredit.subjects import generators as gen
from jointcredit.subjects.identifiers import validate_resident_id, validate_uscc
from jointcredit.subjects.models import Subject, SubjectAlias, SubjectNameChange
from jointcredit.subjects.tests.factories import CompanyFactory
from jointcredit.testing import next_unconfigured_year

from .factories import csv_bytes, license_row, penalty_row

SHANGHAI = ZoneInfo("Asia/Shanghai")

pytestmark = pytest.mark.django_db


def _import(actor, dept, rows, record_type="penalty", **kw):
    data = csv_bytes(rows)
    return records_import(
        actor=actor,
        record_type=record_type,
        department=dept,
        fileobj=io.BytesIO(data),
        name="f.csv",
        size=len(data),
        **kw,
    )


def test_vectorised_identifier_checks_agree_with_reference(rrng):
    codes = []
    for _ in range(150):
        good = gen.uscc(rrng, registry=rrng.choice("159YAN"), org_type=rrng.choice("123"))
        codes.append(good)
        pos = rrng.randrange(18)
        codes.append(good[:pos] + rrng.choice("0123456789ABCDEFGHJKLMNPQRTUWXYIOZ") + good[pos + 1 :])
    ids = []
    for _ in range(150):
        good = gen.resident_id(rrng)
        ids.append(good)
        pos = rrng.randrange(18)
        ids.append(good[:pos] + rrng.choice("0123456789X") + good[pos + 1 :])
    ids += ["37010219900230123X", "370102209901011234", "1234"]
    rule, _ = uscc_rule(pl.col("c"))
    got = pl.DataFrame({"c": codes}).select(rule).to_series().to_list()
    for code, r in zip(codes, got):
        try:
            validate_uscc(code)
            expected = None
        except ValidationFailed as exc:
            expected = exc.details[0]["rule"]
        assert r == expected, code
    rule, _ = resident_id_rule(pl.col("c"), clock.today())
    got = pl.DataFrame({"c": ids}).select(rule).to_series().to_list()
    for code, r in zip(ids, got):
        try:
            validate_resident_id(code)
            expected = None
        except ValidationFailed as exc:
            expected = exc.details[0]["rule"]
        assert r == expected, code


def test_required_fields_by_subject_kind(scj_clerk, lixia, rrng):
    dept = lixia["scjgj"]
    rows = [
        penalty_row(rrng, dept, n=1, CF_FRDB=""),  # legal person without 法定代表人
        penalty_row(rrng, dept, n=2, person=True, CF_XDR_ZJHM=""),  # natural person without ID
        penalty_row(rrng, dept, n=3, person=True, CF_XDR_SHXYM=gen.uscc(rrng)),  # USCC on a person
        penalty_row(rrng, dept, n=4, CF_XDR_LB="外国企业"),
        penalty_row(rrng, dept, n=5, CF_CFLB="没收违法所得", CF_NR_FK="", CF_NR_WFFF=""),
        penalty_row(rrng, dept, n=6, CF_NR_FK="1,5x"),
        penalty_row(rrng, dept, n=7, CF_ZT="2", BZ=""),
    ]
    with pytest.raises(ValidationFailed) as exc:
        _import(scj_clerk, dept, rows)
    got = {(e["row"], e["field"], e["rule"]) for e in exc.value.details}
    assert got == {
        (2, "CF_FRDB", "required"),
        (3, "CF_XDR_ZJHM", "required"),
        (4, "CF_XDR_SHXYM", "forbidden"),
        (5, "CF_XDR_LB", "choice"),
        (6, "CF_NR_WFFF", "required"),
        (7, "CF_NR_FK", "number"),
        (8, "BZ", "withdraw_reason"),
    }
    assert all(e["message"].startswith(f"第 {e['row']} 行：") for e in exc.value.details)


def test_licence_dates_in_order_and_category_vocabulary(scj_clerk, lixia, rrng):
    dept = lixia["scjgj"]
    rows = [
        license_row(rrng, dept, n=1, XK_YXQZ="2026-05-01", XK_YXQZI="2026-04-30"),
        license_row(rrng, dept, n=2, XK_XKLB="备案"),
        license_row(rrng, dept, n=3, XK_JDRQ="2026/3/5", XK_YXQZ="20260305", XK_YXQZI=""),
    ]
    with pytest.raises(ValidationFailed) as exc:
        _import(scj_clerk, dept, rows, record_type="license")
    assert {(e["row"], e["field"], e["rule"]) for e in exc.value.details} == {
        (2, "XK_YXQZI", "order"),
        (3, "XK_XKLB", "choice"),
    }
    batch = _import(scj_clerk, dept, rows, record_type="license", mode="skip_bad_rows")
    assert batch.created_count == 1
    lic = License.objects.get()
    assert (lic.decision_date, lic.valid_from, lic.valid_to) == (date(2026, 3, 5), date(2026, 3, 5), None)
    assert lic.public_until == date(2029, 3, 5)  # no end of validity: 3 years


def test_deadline_pending_in_unconfigured_year_then_recomputed(
    scj_clerk, office_admin, lixia, rrng, time_machine, django_capture_on_commit_callbacks
):
    # Late December (2026-12-28): the 7 working days run into next year, which nobody has configured yet.
    year = next_unconfigured_year()
    time_machine.move_to(datetime(year - 1, 12, 28, 10, tzinfo=SHANGHAI), tick=False)
    dept = lixia["scjgj"]
    late, early = date(year - 1, 12, 24), date(year - 1, 12, 1)
    _import(
        scj_clerk,
        dept,
        [penalty_row(rrng, dept, n=1, decided=late), penalty_row(rrng, dept, n=2, decided=early)],
        hold_as_draft=True,
    )
    pending = Penalty.objects.get(decision_date=late)
    assert pending.publication_deadline is None and pending.deadline_pending
    # 2026: 12-02, 03, 04, 07, 08, 09, 10
    assert Penalty.objects.get(decision_date=early).publication_deadline == add_working_days(early, 7)
    assert add_working_days(early, 7) <= date(year - 1, 12, 11)
    rows = selectors.timeliness_report(date_from=early, date_to=date(year - 1, 12, 31))
    assert (rows[0]["pending_calendar"], rows[0]["overdue_unpublished"]) == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        calendar_year_configure(
            actor=office_admin, year=year, overrides=[(date(year, 1, 1), "holiday", "元旦")]
        )
    pending.refresh_from_db()
    # 2026: 12-25, 28, 29, 30, 31, (1-1 holiday), 1-4, 1-5
    assert pending.publication_deadline == add_working_days(late, 7)
    assert pending.publication_deadline.year == year and pending.publication_deadline != date(year, 1, 1)


def test_timeliness_on_time_late_overdue(scj_clerk, lixia, rrng, time_machine):
    dept = lixia["scjgj"]
    time_machine.move_to(datetime(2026, 11, 26, 10, tzinfo=SHANGHAI), tick=False)
    today = date(2026, 11, 26)
    on_time = today - timedelta(days=2)
    _import(
        scj_clerk,
        dept,
        [
            penalty_row(rrng, dept, n=1, decided=on_time),
            penalty_row(rrng, dept, n=2, decided=date(2026, 11, 2)),
        ],
    )
    _import(scj_clerk, dept, [penalty_row(rrng, dept, n=3, decided=date(2026, 11, 3))], hold_as_draft=True)
    row = selectors.timeliness_report(date_from=date(2026, 11, 1), date_to=date(2026, 11, 30), today=today)[0]
    # 11-02 + 7 working days = 11-11; published 11-26 → 11 working days late.
    assert (row["on_time"], row["late"], row["late_working_days_max"], row["overdue_unpublished"]) == (
        1,
        1,
        11,
        1,
    )
    assert selectors.overdue_count(department=dept, today=today) == 1


def test_expired_penalty_leaves_portal_but_stays_for_staff(scj_clerk, lixia, rrng):
    dept = lixia["scjgj"]
    old = clock.today() - timedelta(days=550)  # 警告 only → 轻微 → 3 months (2026: 2025-06-02)
    _import(
        scj_clerk,
        dept,
        [
            penalty_row(rrng, dept, n=1, decided=old, CF_CFLB="警告", CF_NR_FK=""),
            penalty_row(rrng, dept, n=2),
        ],
    )
    expired = Penalty.objects.get(decision_date=old)
    assert expired.display_status() == "expired" and expired.state == RecordState.PUBLISHED
    assert selectors.public_search(record_type="penalty", q="").total == 1
    assert selectors.record_list(record_type="penalty").total == 2


def test_legacy_2016_file_maps_fields_and_matches_by_org_code(scj_clerk, lixia, rrng):
    dept = lixia["scjgj"]
    company = Subject.objects.create(
        kind="legal", id_type="uscc", identifier=gen.uscc(rrng), name="济南老字号餐饮有限公司"
    )
    person_id = gen.resident_id(rrng)
    header = [
        "CF_WSH",
        "CF_CFMC",
        "CF_XDR",
        "CF_XDR_ZDM",
        "CF_XDR_SFZ",
        "CF_FR",
        "CF_WFXW",
        "CF_SY",
        "CF_YJ",
        "CF_CFLB1",
        "CF_CFLB2",
        "CF_JG",
        "CF_NR_FK",
        "CF_JDRQ",
        "CF_XZJG",
        "DFBM",
        "SJC",
    ]
    base = {
        "CF_WFXW": "违反食品安全法",
        "CF_SY": "现场检查发现过期食品",
        "CF_YJ": "《食品安全法》第一百二十四条",
        "CF_CFLB1": "警告",
        "CF_CFLB2": "罚款",
        "CF_JG": "警告并罚款一万元",
        "CF_NR_FK": "1",
        "CF_JDRQ": "2026-04-01",
        "CF_XZJG": dept.name,
        "DFBM": "370102",
        "SJC": "2026-04-01 10:00:00",
    }
    rows = [
        base
        | {
            "CF_WSH": "济历市监罚〔2026〕101号",
            "CF_CFMC": "过期食品案",
            "CF_XDR": company.name,
            "CF_XDR_ZDM": company.identifier[8:17],
            "CF_FR": "王强",
        },
        base
        | {
            "CF_WSH": "济历市监罚〔2026〕102号",
            "CF_CFMC": "无证摊贩案",
            "CF_XDR": "李明",
            "CF_XDR_SFZ": person_id,
        },
    ]
    batch = _import(scj_clerk, dept, [{h: r.get(h, "") for h in header} for r in rows])
    assert batch.created_count == 2, batch.errors
    p1 = Penalty.objects.get(doc_no="济历市监罚〔2026〕101号")
    assert p1.subject_id == company.pk and p1.uscc == company.identifier and p1.legal_rep == "王强"
    assert p1.categories == "警告;罚款" and p1.content == "警告并罚款一万元" and p1.organ_code == dept.uscc
    assert p1.legacy["CF_CFMC"] == "过期食品案" and p1.legacy["DFBM"] == "370102"
    assert SubjectAlias.objects.filter(subject=company, value=company.identifier[8:17]).exists()
    p2 = Penalty.objects.get(doc_no="济历市监罚〔2026〕102号")
    assert (p2.subject_kind, p2.id_type, p2.id_number) == ("natural", "resident_id", person_id)


def test_name_change_recorded_on_subject(scj_clerk, lixia, rrng):
    dept = lixia["scjgj"]
    row = penalty_row(rrng, dept, n=1)
    record_save(actor=scj_clerk, record_type="penalty", data=row)
    renamed = penalty_row(
        rrng, dept, n=2, CF_XDR_SHXYM=row["CF_XDR_SHXYM"], CF_XDR_MC="济南新名称商贸有限公司"
    )
    record_save(actor=scj_clerk, record_type="penalty", data=renamed)
    subject = Subject.objects.get(identifier=row["CF_XDR_SHXYM"])
    assert subject.name == "济南新名称商贸有限公司"
    assert SubjectNameChange.objects.filter(subject=subject, old_name=row["CF_XDR_MC"]).exists()


def test_many_new_subjects_use_bulk_path_with_same_result(scj_clerk, lixia, monkeypatch):
    from jointcredit.subjects import services as subject_services
    from jointcredit.subjects.identifiers import INDIVIDUAL_BUSINESS_PLACEHOLDER
    from jointcredit.subjects.services import _region_of

    monkeypatch.setattr(subject_services, "BULK_SUBJECT_THRESHOLD", 2)
    calls = []
    real = subject_services._subjects_bulk_create
    monkeypatch.setattr(
        subject_services, "_subjects_bulk_create", lambda *a, **kw: calls.append(1) or real(*a, **kw)
    )
    dept = lixia["scjgj"]
    rng = random.Random(5)
    known = CompanyFactory(name="济南旧名称商贸有限公司")
    rows = [penalty_row(rng, dept, n=i, person=i % 2 == 0) for i in range(1, 7)]
    operator_id = penalty_row(rng, dept, person=True)["CF_XDR_ZJHM"]
    rows.append(
        penalty_row(
            rng,
            dept,
            n=7,
            CF_XDR_LB="个体工商户",
            CF_XDR_MC="历下区老王小吃店",
            CF_XDR_SHXYM="",
            CF_FRDB="王某",
            CF_XDR_ZJLX="身份证",
            CF_XDR_ZJHM=operator_id,
        )
    )
    rows.append(
        penalty_row(rng, dept, n=8, CF_XDR_SHXYM=known.identifier, CF_XDR_MC="济南新名称商贸有限公司")
    )
    batch = _import(scj_clerk, dept, rows)
    assert calls == [1] and batch.created_count == 8
    for r in rows[:6]:
        ident = r["CF_XDR_SHXYM"] or r["CF_XDR_ZJHM"]
        s = Subject.objects.get(identifier=ident)
        assert s.name == r["CF_XDR_MC"] and Penalty.objects.get(doc_no=r["CF_WSH"]).subject_id == s.pk
        # The same columns subject_match_or_create would have written.
        assert s.id_type == ("uscc" if r["CF_XDR_SHXYM"] else "resident_id")
        assert s.region_code == _region_of(s.id_type, s.identifier) != ""
        assert s.operator_id_number == "" and s.kind == ("legal" if r["CF_XDR_SHXYM"] else "natural")
    shop = Subject.objects.get(identifier=f"{INDIVIDUAL_BUSINESS_PLACEHOLDER}:{operator_id}")
    assert (shop.kind, shop.id_type, shop.operator_id_number, shop.region_code) == (
        "individual_business",
        "uscc",
        operator_id,
        "",
    )
    assert SubjectAlias.objects.get(value=operator_id).subject_id == shop.pk
    known.refresh_from_db()
    assert known.name == "济南新名称商贸有限公司"
    assert SubjectNameChange.objects.filter(subject=known, old_name="济南旧名称商贸有限公司").count() == 1


@pytest.mark.parametrize(
    ("stated", "categories", "fine", "confiscation", "tier"),
    [
        ("", ["警告"], "", "", "minor"),
        ("", ["警告", "罚款"], "0.05", "", "minor"),
        ("", ["罚款"], "0.1", "", "general"),
        ("", ["警告", "没收违法所得"], "", "0.01", "general"),
        ("", ["罚款"], "6", "4", "serious"),
        ("", ["责令停产停业"], "", "", "serious"),
        ("一般", ["吊销许可证件"], "", "", "general"),  # what the department states wins
        ("serious", ["警告"], "", "", "serious"),
    ],
)
def test_penalty_tier_rule_and_its_publication_window(stated, categories, fine, confiscation, tier):
    """The tier rule has one source (``rules.penalty_tier_expr``); the windows it sets come from
    ``TIER_MONTHS`` and agree with ``rules.penalty_window`` (what repairs use), month ends included."""
    from jointcredit.records import rules

    decided = date(2024, 1, 31)
    frame = pl.DataFrame(
        {"tier": [stated], "cats": [categories], "fine": [fine], "conf": [confiscation], "d": [decided]}
    )
    out = frame.select(
        rules.penalty_tier_expr(pl.col("tier"), pl.col("cats"), pl.col("fine"), pl.col("conf")).alias("t")
    ).with_columns(d=pl.lit(decided))
    until, repair = rules.penalty_window_exprs(pl.col("d"), pl.col("t"))
    row = out.select(pl.col("t"), until.alias("until"), repair.alias("repair")).row(0)
    assert row == (tier, *rules.penalty_window(decided, tier))
