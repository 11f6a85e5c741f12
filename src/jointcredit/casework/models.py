"""``CaseModel``: the behaviour Objection and RepairApplication share. Abstract (no table, no
migration): fields, the django-fsm state machine, indexes and constraints stay in each app."""

from __future__ import annotations

from django.db import models
from django_fsm import ConcurrentTransitionMixin


class CaseModel(ConcurrentTransitionMixin, models.Model):
    CASE_NO_PREFIX = ""  # 历信异 / 历信修: 案件编号 历信异〔2026〕12号
    TITLE = ""  # shown before the id in lists and the admin
    OPEN_STATES: tuple = ()

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.TITLE} {self.pk} · {self.subject_name} · {self.target_label}"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def case_no(self) -> str:
        return f"{self.CASE_NO_PREFIX}〔{self.created_at:%Y}〕{self.pk}号" if self.created_at else ""
