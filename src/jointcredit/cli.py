"""`jointcredit` command: wraps manage.py with the project's own verbs.

    jointcredit serve [--production [--api]] [--port N]   development server or gunicorn (default port
                                                     $JOINTCREDIT_PORT, 8000); --api: the API-only
                                                     process (ADR 0014)
    jointcredit worker [--interval 0.2]              task worker (webhook deliveries, imports) and the
                                                     schedules (sweep, partition upkeep; ADR 0050)
    jointcredit partitions [list|upkeep|archive T P]  partitioned tables (ADR 0049)
    jointcredit migrate | demo --size small|large | sweep | grade | screen | import ...
    jointcredit user create --username U --department CODE --role ROLE [--password P]
    jointcredit token create --user U
    jointcredit department list
    jointcredit audit verify [--checkpoint] [--against FILE|JSON]
    jointcredit audit rotate-key                     seal the audit chain under the newest key (ADR 0035)
    jointcredit extract [--date D] [--force]          public extract of date D (default yesterday, ADR 0031)
    jointcredit platform-simulator [--once] [--down|--slow S|--duplicate] [--http P]  upstream platform
Any other word is passed to Django's manage.py (e.g. `jointcredit createsuperuser`).
"""

from __future__ import annotations

import os
import sys

# Two-word verbs map to one management command: "user create" → "user_create".
_COMPOUND = {
    ("user", "create"): "user_create",
    ("token", "create"): "token_create",
    ("department", "list"): "department_list",
    ("audit", "verify"): "audit_verify",
    ("audit", "rotate-key"): "audit_rotate_key",
    ("import", "penalties"): ("import_records", "penalties"),
    ("import", "licenses"): ("import_records", "licenses"),
}


def _translate(argv: list[str]) -> list[str]:
    if len(argv) >= 2 and (argv[0], argv[1]) in _COMPOUND:
        target = _COMPOUND[(argv[0], argv[1])]
        if isinstance(target, tuple):
            return [target[0], target[1], *argv[2:]]
        return [target, *argv[2:]]
    if argv and argv[0] == "platform-simulator":
        return ["platform_simulator", *argv[1:]]
    if argv and argv[0] == "worker":
        # Idle polling every 0.2 s (django-tasks' default is 1 s): the first webhook after a quiet
        # spell waits at most 0.2 s (DESIGN.md §5: delivery lag < 1 s); an idle poll is one indexed
        # query. ``--interval N`` on the command line overrides it.
        interval = (
            []
            if any(a == "--interval" or a.startswith("--interval=") for a in argv[1:])
            else ["--interval", "0.2"]
        )
        return ["worker", "--queue-name", "*", *interval, *argv[1:]]
    return argv


def _serve(argv: list[str]) -> None:
    production = "--production" in argv
    api_only = "--api" in argv
    argv = [a for a in argv if a not in ("--production", "--api")]
    port = argv[argv.index("--port") + 1] if "--port" in argv else None
    if api_only:
        if not production:
            sys.exit("--api 只用于生产进程：jointcredit serve --production --api")
        # The same application with the API-only settings: only /api/v1 and /api/public/v1, without
        # the middleware that have nothing to do for a bearer call (config/settings_api.py). Its own
        # address (GUNICORN_API_BIND, default 127.0.0.1:8001) next to the web process's GUNICORN_BIND.
        os.environ["DJANGO_SETTINGS_MODULE"] = "jointcredit.config.settings_api"
        os.environ["GUNICORN_BIND"] = (
            f"127.0.0.1:{port}" if port else os.environ.get("GUNICORN_API_BIND", "127.0.0.1:8001")
        )
    if port is None:
        from django.conf import settings

        port = str(settings.JOINTCREDIT_PORT)  # the one in var/local.env after `make run PORT=…`
    if not production:
        from django.core.management import execute_from_command_line

        execute_from_command_line(["jointcredit", "runserver", f"127.0.0.1:{port}", "--noreload"])
        return
    os.environ.setdefault("GUNICORN_BIND", f"127.0.0.1:{port}")
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:jointcredit.config.gunicorn",
            "jointcredit.config.wsgi:application",
        ],
    )


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return
    if argv[0] == "serve":
        _serve(argv[1:])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["jointcredit", *_translate(argv)])


if __name__ == "__main__":
    main()
