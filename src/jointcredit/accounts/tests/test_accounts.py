import logging
import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.test import Client

from jointcredit.accounts.models import ApiToken, Delegation, DelegationScope, Role
from jointcredit.accounts.permissions import (
    can_write_for,
    delegated_departments,
    ensure_can_decide,
    ensure_can_write,
)
from jointcredit.accounts.services import api_token_create, api_token_revoke, user_create
from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_token_is_hashed_shown_once_and_revocable(user_factory, api_client_for):
    user = user_factory()
    token, raw = api_token_create(actor=None, user=user)
    assert (
        raw.startswith("jc_") and raw not in token.digest and ApiToken.objects.filter(digest=raw).count() == 0
    )
    client = api_client_for(None)
    client.headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/me").json()["username"] == user.username
    api_token_revoke(actor=user, token_id=token.pk)
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    with pytest.raises(Conflict):
        api_token_revoke(actor=user, token_id=token.pk)


def test_missing_or_garbage_token_is_401(api_client_for):
    client = api_client_for(None)
    assert client.get("/api/v1/me").status_code == 401
    client.headers = {"HTTP_AUTHORIZATION": "Bearer jc_nonsense"}
    assert client.get("/api/v1/me").status_code == 401


@pytest.mark.parametrize(
    ("actor_dept", "actor_roles", "target", "scope", "allowed"),
    [
        ("scjgj", [Role.CLERK], "scjgj", None, True),
        ("scjgj", [Role.CLERK], "scjgj", "penalty", True),
        ("scjgj", [Role.CLERK], "swj", "license", False),
        ("scjgj", [Role.VIEWER], "scjgj", None, False),
        ("scjgj", [Role.APPROVER], "swj", None, False),
        ("fgj", [Role.OFFICE_ADMIN], "swj", None, False),  # the office configures, it does not write
        ("xzsp", [Role.CLERK], "scjgj", "license", True),  # delegated to report 市场监管's licences
        ("xzsp", [Role.VIEWER], "scjgj", "license", False),  # a delegation needs a writing role too
        ("xzsp", [Role.CLERK], "scjgj", "penalty", False),  # … and covers licences only
        ("xzsp", [Role.CLERK], "scjgj", None, False),  # nor list entries, cases … (no scope)
        ("xzsp", [Role.CLERK], "swj", "license", False),  # nor another department
    ],
)
def test_write_matrix(user_factory, lixia, actor_dept, actor_roles, target, scope, allowed):
    Delegation.objects.create(
        department=lixia["xzsp"], on_behalf_of=lixia["scjgj"], scope=DelegationScope.LICENSE
    )
    actor = user_factory(lixia[actor_dept], roles=actor_roles)
    assert can_write_for(actor, lixia[target], scope=scope) is allowed
    if allowed:
        ensure_can_write(actor, lixia[target], scope=scope)
    else:
        with pytest.raises(PermissionDenied):
            ensure_can_write(actor, lixia[target], scope=scope)


def test_denial_names_the_delegated_scope(user_factory, lixia):
    Delegation.objects.create(
        department=lixia["xzsp"], on_behalf_of=lixia["scjgj"], scope=DelegationScope.LICENSE
    )
    clerk = user_factory(lixia["xzsp"], roles=[Role.CLERK])
    with pytest.raises(PermissionDenied) as info:
        ensure_can_write(clerk, lixia["scjgj"], scope=DelegationScope.PENALTY)
    assert "代为报送授权仅限行政许可" in info.value.message
    assert list(delegated_departments(lixia["xzsp"], scope="license")) == [lixia["scjgj"]]
    assert not delegated_departments(lixia["xzsp"], scope="penalty").exists()


def test_decide_only_own_department_approver(user_factory, lixia):
    ensure_can_decide(user_factory(lixia["scjgj"], roles=[Role.APPROVER]), lixia["scjgj"])
    for actor in (
        user_factory(lixia["scjgj"], roles=[Role.CLERK]),
        user_factory(lixia["swj"], roles=[Role.APPROVER]),
    ):
        with pytest.raises(PermissionDenied):
            ensure_can_decide(actor, lixia["scjgj"])


def test_user_create_validates_and_audits(lixia):
    with pytest.raises(ValidationFailed, match="部门代码“nope”不存在"):
        user_create(actor=None, username="a", department_code="nope", roles=["clerk"])
    with pytest.raises(ValidationFailed, match="角色"):
        user_create(actor=None, username="a", department_code="fgj", roles=["boss"])
    user, generated = user_create(actor=None, username="zhangsan", department_code="scjgj", roles=["clerk"])
    assert generated and user.check_password(generated)
    assert AuditEvent.objects.filter(action="user.create", object_id=str(user.pk)).exists()
    with pytest.raises(Conflict):
        user_create(actor=None, username="zhangsan", department_code="scjgj", roles=["clerk"])


def test_cli_user_and_token_on_fresh_db(lixia, capsys):
    call_command(
        "user_create",
        "--username",
        "robot",
        "--department",
        "scjgj",
        "--role",
        "clerk",
        "--password",
        "Very-Secure-2026!",
    )
    call_command("token_create", "--user", "robot")
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("jc_")


def test_tokens_and_passwords_never_logged(caplog, user_factory, api_client_for):
    user = user_factory()
    _, raw = api_token_create(actor=None, user=user)
    logger = logging.getLogger("jointcredit.test")
    from jointcredit.common.logging import SecretFilter

    handler_filter = SecretFilter()
    record = logger.makeRecord(
        "x", logging.INFO, __file__, 1, "auth header Bearer %s password=%s", (raw, "p@ss"), None
    )
    handler_filter.filter(record)
    assert raw not in record.getMessage() and "p@ss" not in record.getMessage()


def test_login_page_is_chinese_and_throttled(user_factory, settings):
    settings.AXES_ENABLED = True
    user = user_factory(username="locked_user")
    client = Client()
    page = client.get("/accounts/login/")
    assert "工作人员登录" in page.content.decode()
    for _ in range(5):
        client.post(
            "/accounts/login/", {"username": user.username, "password": "wrong"}, REMOTE_ADDR="10.0.0.1"
        )
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": "x-Secure-Passw0rd"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_staff_home_shows_department(user_factory, lixia):
    client = Client()
    user = user_factory(lixia["scjgj"], roles=[Role.APPROVER])
    client.force_login(user)
    body = client.get("/staff/").content.decode()
    assert "区市场监管局" in body and "审批区市场监管局作出的名单认定" in body


def test_security_headers():
    response = Client().get("/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_wrong_database_url_gives_clear_error():
    env = {**os.environ, "DATABASE_URL": "mysql://root@localhost/x", "JOINTCREDIT_DEBUG": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "jointcredit.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0
    assert "DATABASE_URL 的协议“mysql”不受支持" in proc.stderr


def test_production_requires_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "JOINTCREDIT_DEBUG")}
    env["JOINTCREDIT_TESTING"] = "0"
    env["JOINTCREDIT_ENV_FILE"] = ""  # a developer's var/local.env (make run) would supply a key
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']="
            "'jointcredit.config.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode != 0 and "SECRET_KEY" in proc.stderr
