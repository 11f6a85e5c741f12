"""One office-only guard for the 系统配置 pages (ADR 0034): a clerk gets the project's 403 page with the
Chinese reason, a missing row is a 404, an anonymous visitor is sent to the login page."""

import pytest
from django.test import Client

from jointcredit.accounts.models import Role

pytestmark = pytest.mark.django_db

OFFICE_PAGES = [
    "/accounts/departments/",
    "/accounts/departments/fgj/",
    "/staff/calendar/",
    "/staff/lists/types/new/",
]


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("url", OFFICE_PAGES)
def test_a_clerk_gets_the_403_page_naming_the_rule(user_factory, lixia, url):
    clerk = user_factory(lixia["scjgj"], roles=[Role.CLERK, Role.APPROVER, Role.DEPARTMENT_ADMIN])
    r = _client(clerk).get(url)
    assert r.status_code == 403
    body = r.content.decode()
    assert "<h1>无权访问</h1>" in body and "仅信用办管理员可以执行此操作。" in body
    assert "返回工作台" in body


@pytest.mark.parametrize("url", OFFICE_PAGES)
def test_the_office_gets_in(office_admin, url):
    assert _client(office_admin).get(url).status_code == 200


@pytest.mark.parametrize("url", OFFICE_PAGES)
def test_an_anonymous_visitor_is_sent_to_sign_in(url, lixia):
    r = _client().get(url)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_a_missing_row_is_a_404(office_admin):
    r = _client(office_admin).get("/accounts/departments/nosuch/")
    assert r.status_code == 404
