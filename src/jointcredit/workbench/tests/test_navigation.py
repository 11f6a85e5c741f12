"""The workbench navigation is grouped by job; each role sees only its groups (issue #19 §4), and the
Django admin is for superusers only, never linked for anyone else (issue #19 §2)."""

import re

import pytest
from django.test import Client

from jointcredit.accounts.models import Role
from jointcredit.common.workbench_registry import NAV_GROUPS, nav_groups, register_nav

pytestmark = pytest.mark.django_db


def _groups(user) -> dict[str, list[str]]:
    client = Client()
    client.force_login(user)
    html = client.get("/staff/").content.decode()
    nav = html.split('aria-label="主导航"', 1)[1].split("</nav>", 1)[0]
    out = {}
    for label, body in re.findall(r"<summary>(.*?)</summary>(.*?)</details>", nav, re.S):
        out[label] = re.findall(r'<a href="[^"]+">(.*?)</a>', body)
    return out


def test_a_clerk_sees_the_daily_groups_and_no_configuration(user_factory, lixia):
    groups = _groups(user_factory(lixia["scjgj"], roles=[Role.CLERK]))
    assert list(groups) == [g for g in NAV_GROUPS if g in groups]  # the fixed order
    assert {"日常办理", "权益保护", "协同"} <= set(groups)
    assert "系统配置" not in groups
    assert {"双公示", "红黑名单", "奖惩核查", "待处理名单", "信用主体"} <= set(groups["日常办理"])
    assert {"异议处理", "信用修复"} <= set(groups["权益保护"])
    assert "反馈统计" not in sum(groups.values(), [])  # office only


def test_the_office_sees_configuration_but_not_the_django_admin(office_admin):
    groups = _groups(office_admin)
    assert "节假日日历" in groups["系统配置"]
    assert "反馈统计" in groups["统计分析"]
    assert "后台管理（超级管理员）" not in groups["系统配置"]
    client = Client()
    client.force_login(office_admin)
    office_admin.is_staff = True
    office_admin.save(update_fields=["is_staff"])
    assert client.get("/admin/").status_code == 302  # the admin's login page: not for the office


def test_a_superuser_gets_the_django_admin_link(office_admin):
    office_admin.is_staff = office_admin.is_superuser = True
    office_admin.save(update_fields=["is_staff", "is_superuser"])
    assert "后台管理（超级管理员）" in _groups(office_admin)["系统配置"]
    client = Client()
    client.force_login(office_admin)
    assert client.get("/admin/").status_code == 200


def test_every_link_belongs_to_a_known_group_and_unknown_groups_are_refused(office_admin):
    assert all(g in NAV_GROUPS for g, _ in nav_groups(office_admin))
    with pytest.raises(ValueError, match="unknown navigation group"):
        register_nav(label="x", url_name="workbench:home", group="杂项")


def test_a_department_admin_sees_only_the_users_page_of_configuration(user_factory, lixia):
    groups = _groups(user_factory(lixia["scjgj"], roles=[Role.DEPARTMENT_ADMIN]))
    assert groups["系统配置"] == ["用户与角色"]
