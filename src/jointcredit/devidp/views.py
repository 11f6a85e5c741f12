from django.contrib.auth.views import LoginView


class DevIdpLogin(LoginView):
    """The local provider's own login page (the province's platform has its own)."""

    template_name = "devidp/login.html"
    redirect_authenticated_user = False
