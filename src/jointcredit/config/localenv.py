"""The development settings file, ``var/local.env``, that ``make run`` writes (see docs/configuration.md).

A fresh clone has no environment: ``make run`` writes this git-ignored file once with a generated
``SECRET_KEY`` and development mode, and the settings read it, so the README's commands
(``jointcredit department list``, ``audit verify``…) work in any shell afterwards without exporting
anything. The environment always wins over the file. Production has no such file (it is written only
by ``make run``) and still refuses to start without a real ``SECRET_KEY``.

``JOINTCREDIT_ENV_FILE`` names another file; an empty value disables the file. The parsing is
python-dotenv's (quotes, comments, ``export`` prefixes).

    python -m jointcredit.config.localenv --port 8100     # what scripts/run.sh calls
"""

from __future__ import annotations

import argparse
import os
import secrets
from pathlib import Path

from dotenv import dotenv_values, set_key

ENV_FILE_VARIABLE = "JOINTCREDIT_ENV_FILE"
PROJECT_DIR = Path(__file__).resolve().parents[3]
DEFAULT_PATH = PROJECT_DIR / "var" / "local.env"
HEADER = (
    "# 开发环境本地配置：由 make run 生成，不纳入版本库，切勿用于生产环境。\n"
    "# Development settings written by `make run` (git-ignored). Environment variables override these.\n"
)


def path_from_environment() -> Path | None:
    """The file to read: ``$JOINTCREDIT_ENV_FILE`` if set (empty: none), else ``var/local.env``."""
    value = os.environ.get(ENV_FILE_VARIABLE)
    if value is None:
        return DEFAULT_PATH
    return Path(value) if value.strip() else None


def read(path: Path) -> dict[str, str]:
    """The file's assignments (empty when the file does not exist)."""
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def apply(path: Path | None) -> dict[str, str]:
    """Put the file's values into ``os.environ`` where the environment has none; returns what was applied."""
    applied = {}
    for key, value in read(path).items() if path else ():
        if key not in os.environ:
            os.environ[key] = value
            applied[key] = value
    return applied


def write_development(path: Path, *, port: int) -> dict[str, str]:
    """Create or update the development file: keeps an existing ``SECRET_KEY`` (sessions survive a
    restart) and any lines a developer added; sets development mode and the serving port."""
    existing = read(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(HEADER, encoding="utf-8")
    path.chmod(0o600)
    values = {
        "JOINTCREDIT_DEBUG": "1",
        "SECRET_KEY": existing.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "JOINTCREDIT_PORT": str(port),
    }
    for key, value in values.items():
        if existing.get(key) != value:
            set_key(path, key, value, quote_mode="never")
    return values


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="写入开发环境本地配置（var/local.env）。")
    parser.add_argument("--port", type=int, default=8000, help="开发服务器端口（生成链接用）")
    parser.add_argument("--path", type=Path, default=None, help="配置文件路径（默认 var/local.env）")
    args = parser.parse_args(argv)
    path = args.path or path_from_environment() or DEFAULT_PATH
    write_development(path, port=args.port)
    print(f"开发环境配置：{path}")


if __name__ == "__main__":
    main()
