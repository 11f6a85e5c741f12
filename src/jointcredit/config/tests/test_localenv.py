"""The development settings file written by `make run` (config/localenv.py) and what settings make of it."""

import json
import os
import stat
import subprocess
import sys

from jointcredit.config import localenv

_SETTINGS_KEYS = ("SECRET_KEY", "JOINTCREDIT_DEBUG", "JOINTCREDIT_PORT", "JOINTCREDIT_SITE_URL", "EMAIL_HOST")


def _clean_env(env_file, **extra) -> dict[str, str]:
    """An environment like a fresh shell's: none of the settings variables, not under pytest."""
    env = {k: v for k, v in os.environ.items() if k not in _SETTINGS_KEYS and k != "EMAIL_BACKEND"}
    env.update(JOINTCREDIT_TESTING="0", JOINTCREDIT_ENV_FILE=str(env_file), **extra)
    return env


def _settings_in_subprocess(env) -> subprocess.CompletedProcess:
    code = (
        "import json, django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'jointcredit.config.settings';"
        "django.setup(); from django.conf import settings as s;"
        "print(json.dumps({'DEBUG': s.DEBUG, 'SECRET_KEY': s.SECRET_KEY, 'SITE_URL': s.SITE_URL,"
        "'EMAIL_BACKEND': s.EMAIL_BACKEND, 'EMAIL_FILE_PATH': str(s.EMAIL_FILE_PATH),"
        "'VAR_DIR': str(s.VAR_DIR)}))"
    )
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_write_generates_a_key_once_and_keeps_the_developers_lines(tmp_path):
    path = tmp_path / "var" / "local.env"
    first = localenv.write_development(path, port=8000)
    assert len(first["SECRET_KEY"]) >= 50 and first["JOINTCREDIT_DEBUG"] == "1"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with path.open("a", encoding="utf-8") as fh:
        fh.write("LOG_LEVEL=DEBUG\n")
    second = localenv.write_development(path, port=8100)
    assert second["SECRET_KEY"] == first["SECRET_KEY"]
    assert localenv.read(path) == {
        "JOINTCREDIT_DEBUG": "1",
        "SECRET_KEY": first["SECRET_KEY"],
        "JOINTCREDIT_PORT": "8100",
        "LOG_LEVEL": "DEBUG",
    }
    assert localenv.write_development(tmp_path / "other.env", port=8000)["SECRET_KEY"] != first["SECRET_KEY"]


def test_environment_wins_over_the_file(tmp_path, monkeypatch):
    path = tmp_path / "local.env"
    path.write_text("JOINTCREDIT_PORT=8100\nJC_TEST_ONLY_FROM_FILE=yes\n", encoding="utf-8")
    monkeypatch.setenv("JOINTCREDIT_PORT", "9000")
    monkeypatch.delenv("JC_TEST_ONLY_FROM_FILE", raising=False)
    applied = localenv.apply(path)
    assert applied == {"JC_TEST_ONLY_FROM_FILE": "yes"}
    assert os.environ["JOINTCREDIT_PORT"] == "9000" and os.environ["JC_TEST_ONLY_FROM_FILE"] == "yes"
    monkeypatch.delenv("JC_TEST_ONLY_FROM_FILE")
    assert localenv.apply(tmp_path / "missing.env") == {} and localenv.apply(None) == {}


def test_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(localenv.ENV_FILE_VARIABLE, raising=False)
    assert localenv.path_from_environment() == localenv.DEFAULT_PATH
    monkeypatch.setenv(localenv.ENV_FILE_VARIABLE, str(tmp_path / "x.env"))
    assert localenv.path_from_environment() == tmp_path / "x.env"
    monkeypatch.setenv(localenv.ENV_FILE_VARIABLE, "")
    assert localenv.path_from_environment() is None


def test_settings_read_the_file_port_makes_the_links_mail_goes_to_files(tmp_path):
    path = tmp_path / "local.env"
    written = localenv.write_development(path, port=8100)
    proc = _settings_in_subprocess(_clean_env(path, JOINTCREDIT_VAR_DIR=str(tmp_path / "var")))
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout)
    assert got["DEBUG"] is True and got["SECRET_KEY"] == written["SECRET_KEY"]
    assert got["SITE_URL"] == "http://127.0.0.1:8100"
    assert got["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert got["EMAIL_FILE_PATH"] == str(tmp_path / "var" / "mail")


def test_explicit_site_url_wins_over_the_port(tmp_path):
    path = tmp_path / "local.env"
    localenv.write_development(path, port=8100)
    proc = _settings_in_subprocess(_clean_env(path, JOINTCREDIT_SITE_URL="https://credit.lixia.gov.cn/"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["SITE_URL"] == "https://credit.lixia.gov.cn"


def test_cli_works_with_the_file_alone_and_production_still_refuses_without_it(tmp_path):
    path = tmp_path / "local.env"
    cli = [sys.executable, "-m", "jointcredit.cli", "check"]
    refused = subprocess.run(
        cli, env=_clean_env(tmp_path / "none.env"), capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0 and "生产环境必须设置环境变量 SECRET_KEY" in refused.stderr
    localenv.write_development(path, port=8000)
    ok = subprocess.run(cli, env=_clean_env(path), capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
