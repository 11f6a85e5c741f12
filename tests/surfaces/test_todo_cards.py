"""Every workbench to-do card opens a list filtered to exactly what it counts: on a realistic
district (several departments, entries, records and cases in every state), each card's count equals
the number of rows its link shows, for every kind of user."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from jointcredit.accounts.models import Role
from jointcredit.casework.testing import pdf
from jointcredit.catalog import defaults as catalog_defaults
from jointcredit.catalog.services import tasks_generate
from jointcredit.commitments.models import Commitment
from jointcredit.commitments.services import commitment_create
from jointcredit.common.workbench_registry import todo_for, todo_keys
from jointcredit.grading.honours import honour_create
from jointcredit.lists import services as lists
from jointcredit.objections import services as objections
from jointcredit.platforms.services import platform_create, platform_exchange
from jointcredit.platforms.simulator import PlatformSimulator
from jointcredit.publicity import services as publicity
from jointcredit.records.samples import license_row, penalty_row
from jointcredit.records.services import record_save
from jointcredit.repairs import services as repairs
from jointcredit.subjects.tests.factories import CompanyFactory

from .conftest import pump

# The exchange database too: the city platform's held and rejected items are to-dos (platforms).
pytestmark = pytest.mark.django_db(databases=["default", "platform_exchange"])


class _Rows(HTMLParser):
    """Counts the data rows of the first table body (an empty-list row spans all columns)."""

    def __init__(self):
        super().__init__()
        self.tbody = 0  # 1 inside the first tbody, 2 after it
        self.rows = 0
        self._row_cells: list[dict] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tbody" and self.tbody == 0:
            self.tbody = 1
        elif self.tbody == 1 and tag == "tr":
            self._row_cells = []
        elif self.tbody == 1 and tag == "td" and self._row_cells is not None:
            self._row_cells.append(dict(attrs))

    def handle_endtag(self, tag):
        if self.tbody == 1 and tag == "tr" and self._row_cells is not None:
            if not (len(self._row_cells) == 1 and "colspan" in self._row_cells[0]):
                self.rows += 1
            self._row_cells = None
        elif tag == "tbody" and self.tbody == 1:
            self.tbody = 2


def rows_shown(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = _Rows()
    parser.feed(response.content.decode())
    return parser.rows


def _file_objection(entry, actor, contact):
    return objections.objection_file(
        actor=actor,
        target_type="list_entry",
        target_id=entry.pk,
        statement="该处罚已被复议撤销，列入依据不存在。",
        **contact,
    )


@pytest.fixture
def district(
    platform_exchange_schema,
    lixia,
    department_factory,
    user_factory,
    office_admin,
    pushed_entry,
    black_draft,
    black_published,
    old_black,
    red_draft,
    scjgj_clerk,
    scjgj_approver,
    swj_clerk,
    contact,
    today,
):
    """Work in several departments and states, so that an unfiltered list shows more than a card counts."""
    from jointcredit.demo.departments import DEPARTMENTS

    depts = {**lixia, **{c: department_factory(c, n) for c, n, *_ in DEPARTMENTS if c not in lixia}}
    catalog_defaults.install(actor=office_admin, departments=depts, collect_from=today - timedelta(days=120))
    tasks_generate(today=today)  # what the catalog sweep does: tasks up to the current period
    # Lists: black drafts (scjgj clerk's card), a notified one and a red draft elsewhere (swj).
    black_draft(CompanyFactory())
    black_draft(CompanyFactory())
    notified = black_draft(CompanyFactory())
    lists.list_entry_notify(entry=notified, actor=scjgj_clerk, notified_on=today - timedelta(days=2))
    red_draft(CompanyFactory())
    # Pushed entries: one revoked on objection (its pushes withdrawn, receipts to confirm), one in force.
    revoked = pushed_entry()
    pushed_entry()
    o = _file_objection(revoked, scjgj_clerk, contact)
    objections.objection_accept(actor=scjgj_clerk, objection=o)
    objections.objection_review(actor=scjgj_clerk, objection=o)
    objections.objection_correct(actor=scjgj_approver, objection=o, decision="异议成立，撤销列入。")
    pump()
    # Objections in several states: submitted, under review.
    _file_objection(black_published(CompanyFactory()), scjgj_clerk, contact)
    reviewed = _file_objection(black_published(CompanyFactory()), scjgj_clerk, contact)
    objections.objection_accept(actor=scjgj_clerk, objection=reviewed)
    objections.objection_review(actor=scjgj_clerk, objection=reviewed)
    # A repair application accepted, waiting for the decision (due in 3 working days).
    application = repairs.repair_file(
        verified_identifier=(entry := old_black(CompanyFactory())).subject.identifier,
        target_type="list_entry",
        target_id=entry.pk,
        correction="已完成整改，经复查合格。",
        commitment_signatory="张伟",
        commitment_accepted=True,
        proofs=[pdf()],
        **contact,
    )
    repairs.repair_accept(actor=scjgj_clerk, repair=application)
    # 双公示: overdue drafts of both types in scjgj, a published one, and an overdue draft in swj.
    rng = random.Random(17)
    for n, (row, kind) in enumerate(
        [
            (penalty_row, "penalty"),
            (penalty_row, "penalty"),
            (license_row, "license"),
            (license_row, "license"),
        ]
    ):
        record_save(
            actor=scjgj_clerk,
            record_type=kind,
            data=row(rng, lixia["scjgj"], n=100 + n, decided=today - timedelta(days=30)),
            hold_as_draft=n % 2 == 0,
        )
    record_save(
        actor=swj_clerk,
        record_type="penalty",
        data=penalty_row(rng, lixia["swj"], n=200, decided=today - timedelta(days=30)),
        hold_as_draft=True,
    )
    # 容缺受理: one commitment reminded (due soon), one not.
    for reminded in (True, False):
        c = commitment_create(
            actor=scjgj_clerk,
            identifier=CompanyFactory().identifier,
            matter="食品经营许可（新办）",
            missing_items=["场所平面图"],
            signatory_name="张伟",
            working_days=5,
        )
        if reminded:  # what the commitments sweep does a few days before the deadline
            Commitment.objects.filter(pk=c.pk).update(reminded_at=timezone.now())
    # An honour whose holder is now black-listed, and one whose holder is not.
    barred = CompanyFactory()
    honour_create(actor=scjgj_clerk, identifier=barred.identifier, title="诚信经营示范店", awarded_on=today)
    honour_create(
        actor=scjgj_clerk, identifier=CompanyFactory().identifier, title="诚信经营示范店", awarded_on=today
    )
    black_published(barred)
    # 诚信宣传: a draft, two articles submitted for review (the reviewers' card) and a published one.
    for n, step in enumerate(("draft", "submitted", "submitted", "published")):
        article = publicity.article_create(
            actor=swj_clerk, kind="notice", title=f"诚信宣传月通知 {n}", body_html="<p>请各单位组织活动。</p>"
        )
        if step != "draft":
            article = publicity.article_submit(actor=swj_clerk, article=article)
        if step == "published":
            publicity.article_publish(actor=office_admin, article=article)
    # 上下联动: the city platform over the exchange database — an upstream entry held for the office
    # (wrong check character), and the district's changes answered with receipts (red entries
    # without 认定文书号 are rejected: to-dos of swj and of the office).
    platform = platform_create(
        actor=office_admin, code="jinan", name="信用济南", receiving_department=lixia["fgj"]
    )
    simulator = PlatformSimulator(platform.code)
    wrong = CompanyFactory().identifier
    simulator.issue_entry(
        list_code="SXBZXR",
        identifier=wrong[:-1] + ("0" if wrong[-1] != "0" else "1"),
        name="济南某某商贸有限公司",
        subject_kind_label="法人及非法人组织",
        document_no="（2026）鲁0102执123号",
        decided_on=today - timedelta(days=3),
        valid_until=today + timedelta(days=365),
        reason="有履行能力而拒不履行生效法律文书确定的义务",
    )
    swj_approver = user_factory(lixia["swj"], roles=[Role.APPROVER, Role.CLERK], username="swj_approver")
    lists.list_entry_publish(entry=red_draft(CompanyFactory()), actor=swj_approver)
    platform_exchange(platform=platform)
    simulator.answer()
    platform_exchange(platform=platform)
    return depts


def test_every_card_counts_what_its_link_shows(
    district, lixia, user_factory, office_admin, scjgj_clerk, scjgj_approver, swj_clerk, client, time_machine
):
    users = [
        scjgj_clerk,
        scjgj_approver,
        office_admin,
        swj_clerk,
        user_factory(lixia["xzsp"], roles=[Role.CLERK], username="xzsp_clerk"),
    ]
    checked: dict[str, list[int]] = {}

    def check_all():
        for user in users:
            client.force_login(user)
            for key in todo_keys():
                card = todo_for(key, user)
                if card is None:
                    continue
                assert rows_shown(client, card["url"]) == card["count"], (key, user.username, card)
                checked.setdefault(key, []).append(card["count"])

    check_all()
    # Three weeks on: deadlines have passed, so the office's overdue cards appear too.
    time_machine.move_to(
        timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=21), time(10))), tick=False
    )
    check_all()
    assert set(checked) == set(todo_keys()), f"cards never shown: {set(todo_keys()) - set(checked)}"
