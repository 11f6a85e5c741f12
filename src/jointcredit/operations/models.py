"""Scheduled jobs that must run once per slot however many workers run (issue #21 §3, ADR 0050)."""

from django.db import models


class Schedule(models.Model):
    """One periodic job. Every worker looks for due rows; the one that claims a slot (row lock with
    SKIP LOCKED, then a conditional UPDATE of ``next_due_at``) enqueues the job for that slot, in
    the same transaction. The task queue then hands it to exactly one worker."""

    name = models.SlugField("任务代码", max_length=64, primary_key=True)
    label = models.CharField("名称", max_length=100)
    task_path = models.CharField("任务", max_length=200, help_text="django-tasks 任务的导入路径")
    every = models.PositiveIntegerField("间隔（秒）")
    next_due_at = models.DateTimeField("下次执行时间")
    last_slot_at = models.DateTimeField("上次执行时段", null=True, blank=True)
    last_enqueued_at = models.DateTimeField("上次排队时间", null=True, blank=True)
    last_task_id = models.CharField("上次任务标识", max_length=64, blank=True)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "定时任务"
        verbose_name_plural = "定时任务"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.label
