"""节假日日历 in the workbench (系统配置): the office enters a year and single days in Chinese pages;
writes go through the calendar services (audited, pending deadlines told); others are refused."""

from datetime import date

import pytest
from django.test import Client

from jointcredit.accounts.models import Role
from jointcredit.audit.models import AuditEvent
from jointcredit.calendar import selectors as cal
from jointcredit.calendar.forms import override_lines_parse
from jointcredit.calendar.models import CalendarYear, HolidayOverride
from jointcredit.common.errors import CalendarNotConfigured, ValidationFailed
from jointcredit.testing import next_unconfigured_year

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_office_enters_a_whole_year_in_chinese_and_it_drives_working_days(
    office_admin, django_capture_on_commit_callbacks
):
    year = next_unconfigured_year()
    client = _client(office_admin)
    page = client.get("/staff/calendar/")
    assert page.status_code == 200
    assert f"{year} 年" in page.content.decode() and "未配置" in page.content.decode()
    text = f"{year}-10-01 休 国庆节\n{year}-10-02 休 国庆节\n\n{year}-09-26 班 国庆节调休\n"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            "/staff/calendar/", {"year": year, "source": "国办发明电〔测试〕2号", "overrides": text}
        )
    assert r.status_code == 302 and r["Location"] == f"/staff/calendar/{year}/"
    assert CalendarYear.objects.get(year=year).source == "国办发明电〔测试〕2号"
    assert not cal.is_working_day(date(year, 10, 1))
    assert cal.is_working_day(date(year, 9, 26))
    assert AuditEvent.objects.filter(action="calendar.year_configure").exists()
    detail = client.get(f"/staff/calendar/{year}/").content.decode()
    assert "国庆节调休" in detail and "调休工作日（上班）" in detail and "信用办已配置" in detail


def test_bad_lines_are_reported_by_number_and_nothing_is_saved(office_admin):
    year = next_unconfigured_year()
    r = _client(office_admin).post(
        "/staff/calendar/",
        {
            "year": year,
            "overrides": f"{year}-10-01 休 国庆节\n{year}-13-01 休 x\n{year}-10-03 歇\n{year}-10-01 班",
        },
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "第 2 行：日期" in body and "第 3 行：类型“歇”无效" in body and "与第 1 行重复" in body
    assert not CalendarYear.objects.filter(year=year).exists()
    assert not HolidayOverride.objects.filter(date__year=year).exists()
    with pytest.raises(CalendarNotConfigured):
        cal.is_working_day(date(year, 3, 2))


def test_a_line_of_another_year_is_refused_by_the_service(office_admin):
    year = next_unconfigured_year()
    r = _client(office_admin).post(
        "/staff/calendar/", {"year": year, "overrides": f"{year + 1}-01-01 休 元旦"}
    )
    assert f"不属于 {year} 年" in r.content.decode()
    assert not CalendarYear.objects.filter(year=year).exists()


def test_one_day_added_and_deleted(office_admin, django_capture_on_commit_callbacks):
    year = next_unconfigured_year()
    client = _client(office_admin)
    r = client.post(
        f"/staff/calendar/{year}/", {"date": f"{year}-05-06", "kind": "holiday", "name": "临时停工"}
    )
    assert r.status_code == 302
    assert HolidayOverride.objects.get(date=date(year, 5, 6)).name == "临时停工"
    r = client.post(f"/staff/calendar/{year}/", {"date": "不是日期", "kind": "holiday"})
    assert "日期无效" in r.content.decode()
    r = client.post(f"/staff/calendar/{year}/", {"date": f"{year}-05-07", "kind": "weekend"})
    assert "类型必须是“节假日（休息）”或“调休工作日（上班）”" in r.content.decode()
    r = client.post(f"/staff/calendar/{year}/{year}-05-06/delete/")
    assert r.status_code == 302 and not HolidayOverride.objects.filter(date=date(year, 5, 6)).exists()
    assert AuditEvent.objects.filter(action="calendar.override_delete").count() == 1


def test_only_the_office_configures_the_calendar(user_factory, lixia):
    clerk = _client(user_factory(lixia["scjgj"], roles=[Role.CLERK, Role.DEPARTMENT_ADMIN]))
    year = next_unconfigured_year()
    assert clerk.get("/staff/calendar/").status_code == 403
    r = clerk.post("/staff/calendar/", {"year": year, "overrides": ""})
    assert r.status_code == 403 and "仅信用办管理员" in r.content.decode()
    assert not CalendarYear.objects.filter(year=year).exists()
    assert Client().get("/staff/calendar/").status_code == 302  # to the login page


def test_override_lines_parse_takes_the_words_of_the_notice():
    rows = override_lines_parse("2030-01-01 休 元旦\n2030-02-09，上班，春节调休\n2030-02-10 班")
    assert rows == [
        (date(2030, 1, 1), "holiday", "元旦"),
        (date(2030, 2, 9), "workday", "春节调休"),
        (date(2030, 2, 10), "workday", ""),
    ]
    with pytest.raises(ValidationFailed) as exc:
        override_lines_parse("2030-01-01")
    assert exc.value.details[0]["row"] == 1 and "格式应为" in exc.value.details[0]["message"]
