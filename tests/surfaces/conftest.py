# One state on every surface (issue #17 §4): the casework fixtures (lists, users, contact, evidence)
# plus a food-safety black list whose memorandum makes pushes to cooperating departments.
from datetime import timedelta

import pytest

from jointcredit.casework.testing import *  # noqa: F403
from jointcredit.exchange.dispatcher import dispatch_all
from jointcredit.exchange.sequencer import sequence_all
from jointcredit.exchange.tests.factories import food_safety_setup
from jointcredit.lists import services as lists
from jointcredit.lists.tests.conftest import red_draft  # noqa: F401
from jointcredit.subjects.tests.factories import CompanyFactory


def pump():
    """What the worker does after commit: sequence the events and fan them out (pushes)."""
    sequence_all()
    dispatch_all()


@pytest.fixture
def food_black(lixia):
    return food_safety_setup(lixia)


@pytest.fixture
def pushed_entry(food_black, scjgj_clerk, scjgj_approver, today):  # noqa: F811
    """A food-safety black entry through the real lifecycle, published ``decided_days_ago`` and
    pushed to the cooperating departments (行政审批, 财政, 发改 and everyone for 重点监管)."""

    def make(*, decided_days_ago: int = 10, valid_until=None):
        subject = CompanyFactory()
        entry = lists.list_entry_create(
            actor=scjgj_clerk,
            list_type=food_black,
            identifier=subject.identifier,
            name=subject.name,
            reason="2026年8月，该单位在餐饮服务中使用超过保质期的食品原料，造成12人食物中毒。",
        )
        decided_on = today - timedelta(days=decided_days_ago)
        entry = lists.list_entry_notify(
            entry=entry, actor=scjgj_clerk, notified_on=decided_on - timedelta(days=30)
        )
        entry = lists.list_entry_decide(
            entry=entry, actor=scjgj_approver, decided_on=decided_on, valid_until=valid_until
        )
        entry = lists.list_entry_publish(entry=entry, actor=scjgj_approver)
        pump()
        return entry

    return make
