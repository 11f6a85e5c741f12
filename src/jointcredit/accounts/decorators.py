"""Guards for staff pages (ADR 0034): one decorator for the office's configuration screens and one
for pages that only turn the domain's refusals into the project's 403 and 404 pages.

Services still check the rights themselves (``accounts.permissions``); these guards only decide
how a refused page looks and keep the refusal out of each view."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from jointcredit.common.errors import NotFound, PermissionDenied

from .permissions import ensure_office_admin


def forbidden_page(request: HttpRequest, message: str) -> HttpResponse:
    """The project 403 page with the domain's Chinese reason."""
    return render(request, "403.html", {"message": message}, status=403)


def domain_errors_page(view: Callable) -> Callable:
    """Signed in; ``PermissionDenied`` from the view is the 403 page, ``NotFound`` a 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PermissionDenied as exc:
            return forbidden_page(request, exc.message)
        except NotFound as exc:
            raise Http404(exc.message) from None

    return login_required(wrapper)


def office_admin_required(view: Callable) -> Callable:
    """系统配置 pages: only the credit office's administrators (and superusers) get past; everyone
    else sees the 403 page saying so. Refusals and missing rows inside the view are handled as in
    ``domain_errors_page``."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        ensure_office_admin(request.user)
        return view(request, *args, **kwargs)

    return domain_errors_page(guarded)
