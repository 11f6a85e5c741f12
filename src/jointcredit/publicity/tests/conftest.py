"""A district with a reviewing department (区委宣传部), authors in two departments, a red-list entry
of a company and of a natural person, and a black-list entry of a person whose measures were fed back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jointcredit.accounts.models import Role
from jointcredit.common import clock
from jointcredit.exchange import services as exchange
from jointcredit.exchange.tests.factories import entry_publish, food_safety_setup
from jointcredit.lists import services as lists
from jointcredit.publicity import services
from jointcredit.subjects.tests.factories import CompanyFactory, PersonFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def xcb(department_factory, lixia):
    return department_factory("xcb", "区委宣传部")


@pytest.fixture
def author(user_factory, lixia):
    return user_factory(lixia["swj"], roles=[Role.CLERK], username="swj_clerk")


@pytest.fixture
def swj_approver(user_factory, lixia):
    return user_factory(lixia["swj"], roles=[Role.APPROVER, Role.CLERK], username="swj_approver")


@pytest.fixture
def other_clerk(user_factory, lixia):
    return user_factory(lixia["scjgj"], roles=[Role.CLERK], username="scjgj_clerk")


@pytest.fixture
def reviewer(user_factory, xcb):
    return user_factory(xcb, roles=[Role.APPROVER, Role.CLERK], username="xcb_approver")


@pytest.fixture
def xcb_clerk(user_factory, xcb):
    return user_factory(xcb, roles=[Role.CLERK], username="xcb_clerk")


@pytest.fixture
def red_entry(lixia, author, swj_approver):
    """A company on the 纳税信用 A 级 red list, published by 区税务局."""

    def make(subject=None, **kwargs):
        lists.list_types_seed()
        subject = subject or CompanyFactory(name="济南泉城守信商贸有限公司")
        data = {
            "list_type": "red_good_rating",
            "identifier": subject.identifier,
            "name": subject.name,
            "reason": "2025年度纳税信用评价为A级。",
            "decided_on": clock.today() - timedelta(days=10),
        } | kwargs
        entry = lists.list_entry_create(actor=author, **data)
        return lists.list_entry_publish(entry=entry, actor=swj_approver)

    return make


@pytest.fixture
def punished_person(lixia, user_factory):
    """A natural person on 区市场监管局's food-safety black list; 区行政审批服务局 fed back that it
    applied 从严审核行政许可."""
    list_type = food_safety_setup(lixia)
    person = PersonFactory(name="欧阳文秀")
    entry = entry_publish(list_type, lixia["scjgj"], subject=person)
    xzsp = user_factory(lixia["xzsp"], roles=[Role.CLERK])
    exchange.feedback_create(
        actor=xzsp,
        entry_id=entry.pk,
        measure="strict-licensing",
        result="punished",
        matter_name="食品经营许可证新办申请",
        handled_on=clock.today(),
        reason="申请人欧阳文秀被列入黑名单，不予许可。",
    )
    return entry


@pytest.fixture
def published(author, reviewer):
    """An article of ``kind`` drafted by 区税务局, submitted and published by 区委宣传部."""

    def make(kind="notice", *, publish_at=None, actor=None, **data):
        data = {
            "title": "关于开展诚信宣传月活动的通知",
            "body_html": "<p>请各单位组织诚信宣传活动。</p>",
        } | data
        article = services.article_create(actor=actor or author, kind=kind, **data)
        services.article_submit(actor=actor or author, article=article)
        return services.article_publish(actor=reviewer, article=article, publish_at=publish_at)

    return make
