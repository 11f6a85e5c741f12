from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from jointcredit.common.errors import Conflict, DomainError, NotFound, ValidationFailed
from jointcredit.common.params import int_or

from . import selectors, services
from .decorators import domain_errors_page, office_admin_required
from .models import DelegationScope


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def tokens(request):
    new_token = None
    if request.method == "POST":
        _, new_token = services.api_token_create(
            actor=request.user, user=request.user, name=request.POST.get("name", "")[:100]
        )
    return render(
        request,
        "accounts/tokens.html",
        {"tokens": selectors.api_tokens_of(request.user), "new_token": new_token},
    )


# ---- 系统配置: 部门管理, 代为报送授权, 用户与角色 (issue #19 §2) --------------------------------


def _errors(exc: DomainError) -> list[dict]:
    return exc.details or [{"message": exc.message}]


def _flag(post, name: str) -> bool:
    return post.get(name) in ("on", "1", "true")


@office_admin_required
def departments(request):
    errors, form = [], {}
    if request.method == "POST":
        form = request.POST
        try:
            department = services.department_create(
                actor=request.user,
                code=form.get("code", ""),
                name=form.get("name", ""),
                uscc=form.get("uscc", ""),
                organ_name=form.get("organ_name", ""),
                doc_abbr=form.get("doc_abbr", ""),
                is_initiating=_flag(form, "is_initiating"),
                is_cooperating=_flag(form, "is_cooperating"),
            )
        except (ValidationFailed, Conflict) as exc:
            errors = _errors(exc)
        else:
            messages.success(request, f"部门“{department.name}”已创建。")
            return redirect("accounts:department_detail", code=department.code)
    rows = selectors.department_overview(actor=request.user)
    return render(request, "accounts/departments.html", {"departments": rows, "form": form, "errors": errors})


@office_admin_required
def department_detail(request, code: str):
    department = selectors.department_get(code=code)
    errors: list[dict] = []
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "grant":
                agent = selectors.department_get(code=post.get("agent", ""))
                services.delegation_grant(
                    actor=request.user, department=agent, on_behalf_of=department, scope=post.get("scope", "")
                )
                messages.success(request, f"已授权“{agent.name}”代为报送。")
            elif post.get("action") == "revoke":
                services.delegation_revoke(actor=request.user, delegation_id=int(post.get("delegation") or 0))
                messages.success(request, "代为报送授权已撤销。")
            else:
                services.department_update(
                    actor=request.user,
                    department=department,
                    name=post.get("name", ""),
                    uscc=post.get("uscc", ""),
                    organ_name=post.get("organ_name", ""),
                    doc_abbr=post.get("doc_abbr", ""),
                    is_initiating=_flag(post, "is_initiating"),
                    is_cooperating=_flag(post, "is_cooperating"),
                    is_active=_flag(post, "is_active"),
                )
                messages.success(request, "部门信息已保存。")
        except (ValidationFailed, Conflict, NotFound) as exc:
            errors = _errors(exc)
        except ValueError:
            errors = [{"message": "授权编号无效。"}]
        else:
            return redirect("accounts:department_detail", code=department.code)
    return render(
        request,
        "accounts/department_detail.html",
        {
            "department": department,
            "delegations": selectors.delegations_of(department),
            "others": selectors.department_list().exclude(pk=department.pk),
            "scopes": DelegationScope.choices,
            "errors": errors,
        },
    )


@domain_errors_page
def users(request):
    errors, form, created = [], {}, None
    if request.method == "POST":
        form = request.POST
        department_code = form.get("department", "")
        if not (request.user.is_office_admin or request.user.is_superuser):
            department_code = request.user.department.code if request.user.department else ""
        try:
            user, password = services.user_create(
                actor=request.user,
                username=form.get("username", ""),
                department_code=department_code,
                roles=form.getlist("roles"),
                display_name=form.get("display_name", "").strip()[:50],
                email=form.get("email", "").strip()[:254],
            )
        except (ValidationFailed, Conflict) as exc:
            errors = _errors(exc)
        else:
            created = {"user": user, "password": password}
            form = {}
    filters = {k: request.GET.get(k, "") for k in ("department", "q", "active")}
    page = selectors.user_list(actor=request.user, page=max(1, int_or(request.GET.get("page"), 1)), **filters)
    return render(
        request,
        "accounts/users.html",
        {
            "page": page,
            "filters": filters,
            "filter_qs": urlencode({k: v for k, v in filters.items() if v})
            + ("&" if any(filters.values()) else ""),
            "departments": selectors.department_list(),
            "roles": selectors.role_labels(),
            "form": form,
            "errors": errors,
            "created": created,
            "office": request.user.is_office_admin or request.user.is_superuser,
        },
    )


@domain_errors_page
def user_detail(request, user_id: int):
    user = selectors.user_get(actor=request.user, user_id=user_id)
    errors: list[dict] = []
    new_password = None
    if request.method == "POST":
        post = request.POST
        try:
            action = post.get("action")
            if action == "deactivate" or action == "activate":
                services.user_set_active(actor=request.user, user=user, active=action == "activate")
                messages.success(request, "账号已启用。" if action == "activate" else "账号已停用。")
            elif action == "reset_password":
                new_password = services.user_password_reset(actor=request.user, user=user)
            else:
                services.user_roles_set(
                    actor=request.user,
                    user=user,
                    roles=post.getlist("roles"),
                    display_name=post.get("display_name", ""),
                )
                messages.success(request, "角色已保存。")
        except (ValidationFailed, Conflict) as exc:
            errors = _errors(exc)
        else:
            if new_password is None:
                return redirect("accounts:user_detail", user_id=user.pk)
        user = selectors.user_get(actor=request.user, user_id=user_id)
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject_user": user,
            "roles": selectors.role_labels(),
            "errors": errors,
            "new_password": new_password,
        },
    )
