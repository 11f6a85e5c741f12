from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    name = "jointcredit.devidp"
    label = "devidp"
    verbose_name = "本地统一身份认证（开发演示）"


class OidcProviderConfig(AppConfig):
    """django-oidc-provider's models keep the AutoField their migrations created (our project
    default is BigAutoField, which would otherwise ask for migrations inside the library)."""

    name = "oidc_provider"
    label = "oidc_provider"
    verbose_name = "OpenID Connect Provider"
    default_auto_field = "django.db.models.AutoField"
