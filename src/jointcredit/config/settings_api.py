"""Settings of the API process: `jointcredit serve --production --api` (ADR 0014, docs/deploy.md).

The same application, the same ninja operations and the same environment variables as
``jointcredit.config.settings``; the process only serves the JSON APIs (``config/urls_api.py``)
to machine clients, which the reverse proxy sends here by their ``Authorization: Bearer`` header.
It leaves out the middleware that have nothing to do for such a request:

- WhiteNoise: static files are never under /api/ (and nginx serves /static/ itself);
- CsrfViewMiddleware: ninja marks its views csrf_exempt and the session auth runs Django's CSRF
  check itself (ADR 0011), so on /api/ the middleware never rejects anything. Its other job, setting
  the CSRF cookie for a page that asked for a token, only concerns the API docs page, which is a
  browser's and stays on the web process;
- MessageMiddleware: no API operation uses django.contrib.messages;
- AxesMiddleware: it only turns a locked-out login into a 429 page; logins are pages of the web
  process.

Kept: security headers (SecurityMiddleware, XFrameOptions, CSP/Permissions-Policy), X-Request-ID,
CommonMiddleware (ALLOWED_HOSTS), and Session + Authentication so that a request the proxy sends
here without a valid token is answered exactly as on the web process (the session auth reads
``request.user``): 401, or the session's user.
"""

from __future__ import annotations

from .settings import *  # noqa: F403
from .settings import MIDDLEWARE as SITE_MIDDLEWARE

ROOT_URLCONF = "jointcredit.config.urls_api"

NOT_ON_API = (
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "axes.middleware.AxesMiddleware",
)
MIDDLEWARE = [m for m in SITE_MIDDLEWARE if m not in NOT_ON_API]
