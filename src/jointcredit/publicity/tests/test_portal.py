"""诚信宣传 on the portal: visibility derived from dates and the linked entry, list/detail pages,
the home block, the Atom feed, search, the public API, and natural persons masked."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from xml.etree import ElementTree

import pytest
from django.test import Client

from jointcredit.common import clock
from jointcredit.common.masking import mask_person_name
from jointcredit.lists import services as lists
from jointcredit.publicity import selectors, services
from jointcredit.publicity.models import ArticleKind
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _travel(time_machine, day) -> None:
    time_machine.move_to(datetime.combine(day, time(10), tzinfo=clock.now().tzinfo), tick=False)


def _public_ids(kind=None) -> set[int]:
    return set(selectors.public_articles(kind).values_list("pk", flat=True))


def test_scheduled_publication_is_visible_from_publish_at(published, time_machine):
    _travel(time_machine, clock.today())
    at = clock.now() + timedelta(days=2)
    article = published(publish_at=at)
    assert article.pk not in _public_ids()
    assert selectors.display_status(article) == "定时发布（待发布）"
    assert Client().get(f"/publicity/articles/{article.pk}/").status_code == 404
    time_machine.move_to(at + timedelta(minutes=1), tick=False)
    assert article.pk in _public_ids()
    assert Client().get(f"/publicity/articles/{article.pk}/").status_code == 200


def test_withdrawn_articles_leave_the_portal_at_once(published, reviewer):
    article = published()
    assert article.pk in _public_ids()
    services.article_withdraw(actor=reviewer, article=article, reason="内容需更新。")
    assert article.pk not in _public_ids()


def test_a_story_leaves_the_portal_when_its_red_entry_ends(published, red_entry, swj_approver, time_machine):
    entry = red_entry()
    kept = red_entry(subject=CompanyFactory(name="济南历山诚信物流有限公司"))
    story = published("story", title="守信经营二十年", list_entry_id=entry.pk)
    other = published("story", title="依法纳税的模范企业", list_entry_id=kept.pk)
    assert {story.pk, other.pk} <= _public_ids("story")
    lists.list_entry_remove(entry=entry, actor=swj_approver, reason="revoked", note="存在失信行为。")
    assert story.pk not in _public_ids("story") and other.pk in _public_ids("story")
    assert selectors.display_status(story) == "已下线（关联名单已移出）"
    # expiry is derived from the entry's valid_until: the day after, the other story is gone too
    kept.refresh_from_db()
    _travel(time_machine, kept.valid_until)
    assert other.pk in _public_ids("story")
    _travel(time_machine, kept.valid_until + timedelta(days=1))
    assert other.pk not in _public_ids("story")
    assert Client().get(f"/publicity/articles/{other.pk}/").status_code == 404


def test_portal_pages_list_detail_and_pagination(published, client):
    for n in range(23):
        published("policy", title=f"政策文件第 {n:02d} 号")
    notice = published("notice", title="关于开展诚信宣传月活动的通知", summary="全区开展诚信宣传月活动。")
    index = client.get("/publicity/").content.decode()
    assert "诚信宣传" in index and notice.title in index and "政策文件第 22 号" in index
    first = client.get("/publicity/policy/").content.decode()
    assert "共 23 条" in first and "第 1 / 2 页" in first and "政策文件第 22 号" in first
    assert notice.title not in first
    second = client.get("/publicity/policy/?page=2").content.decode()
    assert "政策文件第 00 号" in second and "政策文件第 22 号" not in second
    detail = client.get(f"/publicity/articles/{notice.pk}/")
    assert detail.status_code == 200 and "<p>请各单位组织诚信宣传活动。</p>" in detail.content.decode()
    assert client.get("/publicity/unknown/").status_code == 404
    home = client.get("/").content.decode()
    assert 'href="/publicity/"' in home  # navigation
    assert f'href="/publicity/articles/{notice.pk}/"' in home  # latest items block


def test_atom_feed(published, client):
    story_free = published("notice", title="诚信宣传月通知")
    published("policy", title="实施意见")
    response = client.get("/publicity/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
    assert titles == ["【政策文件】实施意见", "【通知公告】诚信宣传月通知"]
    links = [e.find(f"{ATOM}link").get("href") for e in feed.iter(f"{ATOM}entry")]
    assert links[1].endswith(f"/publicity/articles/{story_free.pk}/")
    only = ElementTree.fromstring(client.get("/publicity/feed/?kind=notice").content)
    assert [e.findtext(f"{ATOM}title") for e in only.iter(f"{ATOM}entry")] == ["【通知公告】诚信宣传月通知"]
    assert client.get("/publicity/feed/?kind=nope").status_code == 404


def test_search_finds_published_articles_only(published, author, client):
    published("notice", title="关于评选诚信示范街区的通知")
    services.article_create(actor=author, kind="notice", title="诚信示范街区评选结果（草稿）")
    page = client.get("/search/", {"q": "诚信示范街区", "type": "publicity"}).content.decode()
    assert "关于评选诚信示范街区的通知" in page and "草稿" not in page


def test_search_finds_stories_by_the_company_s_name(published, red_entry, client):
    entry = red_entry()
    published("story", title="守信经营二十年", list_entry_id=entry.pk)
    page = client.get("/search/", {"q": "泉城守信商贸", "type": "publicity"}).content.decode()
    assert "守信经营二十年" in page


def test_cases_mask_the_natural_person_and_show_the_measures(published, xcb_clerk, punished_person, client):
    person = punished_person.subject
    case = published(
        "case",
        actor=xcb_clerk,
        title="联合惩戒案例：食品安全严重失信",
        body_html="<p>当事人因使用过期食品原料被列入黑名单。</p>",
        list_entry_id=punished_person.pk,
    )
    for url in (f"/publicity/articles/{case.pk}/", "/publicity/case/", "/publicity/", "/publicity/feed/"):
        body = client.get(url).content.decode()
        assert person.name not in body and person.identifier not in body, url
    detail = client.get(f"/publicity/articles/{case.pk}/").content.decode()
    assert mask_person_name(person.name) in detail
    assert "从严审核行政许可" in detail and "区行政审批服务局" in detail
    assert "不予许可" not in detail  # the feedback's free-text reason (it names the person) stays inside
    api = client.get(f"/api/public/v1/publicity/articles/{case.pk}").json()
    assert api["subject"]["name"] == mask_person_name(person.name)
    assert api["measures"] == [
        {
            "measure": "从严审核行政许可",
            "kind": "已实施惩戒",
            "department": "区行政审批服务局",
            "handled_on": clock.today().isoformat(),
        }
    ]
    # the case is found by the person's full name only (never by a fragment), and the name is not echoed
    page = client.get("/search/", {"q": person.name, "type": "publicity"}).content.decode()
    assert case.title in page and person.name not in page
    fragment = client.get("/search/", {"q": person.name[:2], "type": "publicity"}).content.decode()
    assert case.title not in fragment


def test_public_api_lists_published_articles(published, author, client):
    published("notice", title="公告一")
    services.article_create(actor=author, kind="notice", title="草稿")
    data = client.get("/api/public/v1/publicity/articles", {"kind": "notice"}).json()
    assert [a["title"] for a in data["items"]] == ["公告一"] and data["total"] == 1
    assert client.get("/api/public/v1/publicity/articles", {"kind": "nope"}).status_code == 422


def test_staff_api_workflow(author, reviewer, other_clerk, api_client_for):
    writer, boss = api_client_for(author), api_client_for(reviewer)
    created = writer.post(
        "/api/v1/publicity/articles",
        {"kind": "notice", "title": "通知", "body_html": "<p onclick='x'>正文</p>"},
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["body_html"] == "<p>正文</p>"
    assert api_client_for(other_clerk).get(f"/api/v1/publicity/articles/{pk}").status_code == 404
    assert writer.post(f"/api/v1/publicity/articles/{pk}/submit", {}).status_code == 200
    assert writer.post(f"/api/v1/publicity/articles/{pk}/publish", {}).status_code == 403
    at = (clock.now() + timedelta(days=1)).isoformat()
    done = boss.post(f"/api/v1/publicity/articles/{pk}/publish", {"publish_at": at})
    assert done.status_code == 200 and done.json()["status_label"] == "定时发布（待发布）"
    again = boss.post(f"/api/v1/publicity/articles/{pk}/publish", {})
    assert again.status_code == 409 and again.json()["error"]["details"][0]["current_state"] == "published"
    listed = boss.get("/api/v1/publicity/articles", {"state": "published"}).json()
    assert [a["id"] for a in listed["items"]] == [pk]


def test_staff_pages_draft_review_and_publish(author, reviewer, client):
    client.force_login(author)
    response = client.post(
        "/staff/publicity/new/", {"kind": "notice", "title": "诚信宣传月通知", "body_html": "<p>正文</p>"}
    )
    assert response.status_code == 302
    detail_url = response["Location"]
    client.post(detail_url, {"action": "submit"})
    client.post(detail_url, {"action": "publish"})  # not a reviewer: refused with a message
    assert "只有区委宣传部的审批人" in client.get(detail_url).content.decode()
    client.force_login(reviewer)
    client.post(detail_url, {"action": "publish"})
    assert "已发布" in client.get(detail_url).content.decode()
    assert len(_public_ids(ArticleKind.NOTICE)) == 1


def test_person_red_entry_story_is_masked(published, red_entry, client):
    person = PersonFactory(name="司马静远")
    entry = red_entry(subject=person)
    story = published("story", title="诚信纳税的个体经营者", list_entry_id=entry.pk)
    body = client.get(f"/publicity/articles/{story.pk}/").content.decode()
    assert person.name not in body and mask_person_name(person.name) in body
