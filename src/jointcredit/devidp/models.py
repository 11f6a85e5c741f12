"""Demo identities of the local OpenID provider: what the province's unified identity platform
would assert about a logged-in person (身份证号, the enterprise it acts for, the name)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DemoIdentity(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="demo_identity",
        verbose_name="登录账号",
    )
    name = models.CharField("姓名", max_length=100)
    id_number = models.CharField("身份证号码", max_length=64)
    uscc = models.CharField("所代理企业统一社会信用代码", max_length=18, blank=True)

    class Meta:
        verbose_name = "演示身份"
        verbose_name_plural = "演示身份"

    def __str__(self) -> str:
        return f"{self.user.username} · {self.name}"
