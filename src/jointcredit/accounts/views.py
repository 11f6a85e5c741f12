from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors, services


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
