"""诚信宣传 (issue #19 §1): what the portal's 诚信宣传 section shows and the editorial workflow behind it.

An article is drafted by a department, reviewed by 区委宣传部 or the credit office, published (now or
at ``publish_at``) and withdrawn. Whether a published article is on the portal is derived at read
time from stored dates and, for stories and cases, from the linked list entry (ADR 0039).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django_fsm import FSMField, transition


class ArticleKind(models.TextChoices):
    STORY = "story", "诚信典型"
    CASE = "case", "奖惩案例"
    ACTIVITY = "activity", "诚信教育"
    POLICY = "policy", "政策文件"
    NOTICE = "notice", "通知公告"


# Kinds that are about one list entry (and so one subject): a story about a red-list entry, a case
# about a red or black entry whose measures the cooperating departments fed back.
ENTRY_KINDS = (ArticleKind.STORY, ArticleKind.CASE)


class ArticleState(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "退回修改"
    PUBLISHED = "published", "已发布"
    WITHDRAWN = "withdrawn", "已撤回"


EDITABLE_STATES = (ArticleState.DRAFT, ArticleState.RETURNED)


class VenueKind(models.TextChoices):
    COMMUNITY = "community", "社区"
    SCHOOL = "school", "学校"
    CULTURAL = "cultural", "公益性文化单位"


class ActivityForm(models.TextChoices):
    CLASSICS_READING = "classics_reading", "经典诵读"
    MORAL_LECTURE = "moral_lecture", "道德讲堂"
    FORUM = "forum", "论坛讲座"
    EXHIBITION = "exhibition", "展览展示"


class Article(models.Model):
    """宣传稿件: 诚信典型, 奖惩案例, 诚信教育活动, 政策文件 or 通知公告."""

    kind = models.CharField("栏目", max_length=16, choices=ArticleKind.choices, db_index=True)
    title = models.CharField("标题", max_length=200)
    summary = models.CharField("摘要", max_length=500, blank=True)
    body_html = models.TextField("正文（已按白名单清理的 HTML）", blank=True)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="撰稿部门"
    )
    list_entry = models.ForeignKey(
        "lists.ListEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="关联名单条目",
    )
    # 诚信教育活动
    venue_kind = models.CharField("活动场所类型", max_length=16, choices=VenueKind.choices, blank=True)
    activity_form = models.CharField("活动形式", max_length=24, choices=ActivityForm.choices, blank=True)
    activity_date = models.DateField("活动日期", null=True, blank=True)
    organiser = models.CharField("主办单位", max_length=200, blank=True)
    place = models.CharField("活动地点", max_length=200, blank=True)
    report_html = models.TextField("活动报道（已清理的 HTML）", blank=True)

    state = FSMField("状态", default=ArticleState.DRAFT, choices=ArticleState.choices, protected=False)
    publish_at = models.DateTimeField("发布时间（定时发布）", null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField("提交审核时间", null=True, blank=True)
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审核人",
    )
    review_note = models.TextField("审核意见", blank=True)
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)
    withdrawal_reason = models.TextField("撤回原因", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="撰稿人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "宣传稿件"
        verbose_name_plural = "宣传稿件"
        ordering = ["-publish_at", "-id"]
        indexes = [models.Index(fields=["state", "kind", "publish_at"], name="publicity_public_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.title}"

    @transition(field=state, source=list(EDITABLE_STATES), target=ArticleState.SUBMITTED)
    def submit(self) -> None:
        """提交审核"""

    @transition(field=state, source=ArticleState.SUBMITTED, target=ArticleState.RETURNED)
    def return_for_changes(self) -> None:
        """退回修改"""

    @transition(field=state, source=ArticleState.SUBMITTED, target=ArticleState.PUBLISHED)
    def publish(self) -> None:
        """审核通过并发布（publish_at 在将来即为定时发布）"""

    @transition(field=state, source=ArticleState.PUBLISHED, target=ArticleState.WITHDRAWN)
    def withdraw(self) -> None:
        """撤回（从门户下线）"""

    @transition(field=state, source=ArticleState.WITHDRAWN, target=ArticleState.DRAFT)
    def reopen(self) -> None:
        """撤回后重新编辑"""


class ArticleImage(models.Model):
    """An image uploaded for articles: checked by content (Pillow), stored under a generated name."""

    file = models.FileField("文件", upload_to="publicity/", max_length=200)
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="+", verbose_name="上传部门"
    )
    original_name = models.CharField("原文件名", max_length=200, blank=True)
    content_type = models.CharField("类型", max_length=32)
    width = models.PositiveIntegerField("宽（像素）")
    height = models.PositiveIntegerField("高（像素）")
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "宣传图片"
        verbose_name_plural = "宣传图片"
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name or str(self.file.name)
