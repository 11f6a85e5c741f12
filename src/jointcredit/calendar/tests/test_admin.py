"""The office's calendar screens (Django admin) write through the calendar services: audited, and the
apps holding 待配置节假日 deadlines hear about it (calendar_changed) and recompute."""

from datetime import date, timedelta

import pytest
from django.test import Client

from jointcredit.audit.models import AuditEvent
from jointcredit.calendar import selectors as cal
from jointcredit.calendar.models import CalendarYear, HolidayOverride
from jointcredit.calendar.signals import calendar_changed
from jointcredit.common import clock
from jointcredit.common.errors import CalendarNotConfigured
from jointcredit.testing import next_unconfigured_year

pytestmark = pytest.mark.django_db


@pytest.fixture
def heard():
    """The ``years`` of every calendar_changed signal sent (on commit)."""
    sent: list[set[int]] = []

    def receiver(sender, years=None, **kwargs):
        sent.append(years)

    calendar_changed.connect(receiver, weak=False, dispatch_uid="test_admin")
    yield sent
    calendar_changed.disconnect(dispatch_uid="test_admin")


@pytest.fixture
def office_client(office_admin):
    # The admin site is the office's system configuration (bootstrap_admin's account is a superuser).
    office_admin.is_staff = office_admin.is_superuser = True
    office_admin.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(office_admin)
    return client


def test_office_enters_next_year_in_admin_and_pending_deadlines_are_told(
    office_client, heard, django_capture_on_commit_callbacks
):
    year = next_unconfigured_year()
    with pytest.raises(CalendarNotConfigured, match=f"{year} 年节假日安排未配置"):
        cal.is_working_day(date(year, 3, 1))
    with django_capture_on_commit_callbacks(execute=True):
        r = office_client.post(
            "/admin/workcalendar/calendaryear/add/", {"year": year, "source": "国办发明电〔测试〕1号"}
        )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert CalendarYear.objects.get(year=year).source == "国办发明电〔测试〕1号"
    assert {year} in heard
    assert AuditEvent.objects.filter(
        action="calendar.year_configure", object_id=str(CalendarYear.objects.get(year=year).pk)
    ).exists()
    cal.is_working_day(date(year, 3, 1))  # no longer raises


def test_override_added_changed_and_deleted_in_admin_goes_through_the_service(
    office_client, heard, django_capture_on_commit_callbacks
):
    day = cal.add_working_days(clock.today() + timedelta(days=10), 0)
    with django_capture_on_commit_callbacks(execute=True):
        r = office_client.post(
            "/admin/workcalendar/holidayoverride/add/",
            {"date": day.isoformat(), "kind": "holiday", "name": "临时停工"},
        )
    assert r.status_code == 302, r.content.decode()[:2000]
    assert not cal.is_working_day(day) and {day.year} in heard
    row = HolidayOverride.objects.get(date=day)
    assert AuditEvent.objects.filter(action="calendar.override_set", object_id=str(row.pk)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        r = office_client.post(f"/admin/workcalendar/holidayoverride/{row.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302
    assert not HolidayOverride.objects.filter(date=day).exists() and cal.is_working_day(day)
    assert AuditEvent.objects.filter(action="calendar.override_delete").count() == 1
    assert heard.count({day.year}) == 2
