from __future__ import annotations

from django.conf import settings
from django.db import models

from jointcredit.common.errors import DomainError


class AppendOnlyError(DomainError):
    code = "audit_append_only"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除。")


class AuditEvent(models.Model):
    """Append-only audit trail, sealed as a keyed chain (audit.chain, ADR 0015). ``seq`` is the
    primary key and gap-free: a missing number is a deletion. Every column is under the seal, so
    there is no surrogate id that could be edited unnoticed."""

    seq = models.BigIntegerField("序号", primary_key=True)
    created_at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人名称", max_length=150, blank=True)
    department = models.ForeignKey(
        "accounts.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="部门",
    )
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象标识", max_length=64)
    object_repr = models.CharField("对象描述", max_length=255, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    request_id = models.CharField("请求标识", max_length=64, blank=True)
    prev_hash = models.CharField("前一条封印", max_length=64)
    hash = models.CharField("封印（HMAC-SHA256）", max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计日志只能追加，不能修改。")
        kwargs["force_insert"] = True  # seq is set before saving: never an UPDATE attempt first
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除。")
