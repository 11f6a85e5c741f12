"""Staff pages: check with explanations, screening upload/download, browsing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jointcredit.subjects.models import RelatedRole
from jointcredit.subjects.tests.factories import CompanyFactory, RelatedPersonFactory

from .factories import black_list_type, entry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def browser(user_factory, catalog):
    client = Client()
    client.force_login(user_factory(catalog["czj"], roles=["viewer"]))
    return client


@pytest.fixture
def screener(user_factory, catalog):
    """Batch screening is a clerk's job (accounts.permissions.ensure_can_screen)."""
    client = Client()
    client.force_login(user_factory(catalog["czj"], roles=["clerk"]))
    return client


def test_check_page_explains_the_hit(browser, catalog):
    company = CompanyFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    person = RelatedPersonFactory(subject=company, role=RelatedRole.LEGAL_REPRESENTATIVE).person
    html = browser.get(
        "/staff/measures/check/", {"identifier": person.identifier, "scenario": "market_entry"}
    ).content.decode()
    assert "市场和行业禁入" in html
    assert f"该主体是{company.name}（{company.identifier}）的法定代表人" in html
    assert "区市场监管局" in html


def test_check_page_shows_errors_and_unknown(browser):
    html = browser.get(
        "/staff/measures/check/", {"identifier": "123", "scenario": "funding"}
    ).content.decode()
    assert 'role="alert"' in html
    html = browser.get(
        "/staff/measures/check/", {"identifier": "91370102MA3C12345X", "scenario": "nope"}
    ).content.decode()
    assert "业务场景" in html and "无效" in html


def test_screening_upload_detail_and_download(screener, catalog):
    browser = screener
    company = CompanyFactory()
    entry(subject=company, list_type=black_list_type(), department=catalog["scjgj"])
    upload = SimpleUploadedFile("ids.txt", f"{company.identifier}\nNOT-AN-ID\n".encode())
    r = browser.post("/staff/measures/screenings/", {"file": upload, "scenario": "funding"})
    assert r.status_code == 302
    detail = browser.get(r["Location"]).content.decode()
    assert "限制申请财政性资金项目" in detail and "无效" in detail
    csv_text = browser.get(r["Location"] + "download/?format=csv").content.decode("utf-8-sig")
    assert csv_text.count("\n") == 3
    listing = browser.get("/staff/measures/screenings/").content.decode()
    assert "ids.txt" in listing


def test_screening_upload_without_file_says_so(browser):
    r = browser.post("/staff/measures/screenings/", {"scenario": "funding"}, follow=True)
    assert "请选择要比对的文件" in r.content.decode()


def test_viewer_is_told_screening_needs_a_clerk(browser):
    upload = SimpleUploadedFile("ids.txt", b"91370102MA3C12345X\n")
    r = browser.post("/staff/measures/screenings/", {"file": upload, "scenario": "funding"}, follow=True)
    assert "没有批量比对权限" in r.content.decode()


def test_other_department_cannot_open_a_screening(screener, user_factory, catalog):
    browser = screener
    upload = SimpleUploadedFile("ids.txt", b"91370102MA3C12345X\n")
    location = browser.post("/staff/measures/screenings/", {"file": upload, "scenario": "funding"})[
        "Location"
    ]
    other = Client()
    other.force_login(user_factory(catalog["swj"], roles=["viewer"]))
    assert other.get(location).status_code == 404


def test_memoranda_and_measures_pages(browser):
    html = browser.get("/staff/measures/memoranda/").content.decode()
    assert "历下区关于对严重失信主体实施联合惩戒的合作备忘录" in html and "历信用办发〔2026〕3号" in html
    html = browser.get("/staff/measures/list/", {"scenario": "honours"}).content.decode()
    assert "撤销荣誉称号/取消评先评优" in html
    assert "董事（仅负有直接责任者）" in html
    assert "限制申请财政性资金项目" not in html
