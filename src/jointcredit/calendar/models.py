from django.conf import settings
from django.db import models


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", "节假日（休息）"
    WORKDAY = "workday", "调休工作日（上班）"


class HolidayOverride(models.Model):
    """An office-entered exception to the calendar for one date (wins over chinese-calendar)."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=16, choices=DayKind.choices)
    name = models.CharField("名称", max_length=50, blank=True, help_text="例如：春节、国庆节调休")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="录入人",
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYear(models.Model):
    """A year whose holiday arrangement the office has entered (国务院办公厅放假安排).

    For years the chinese-calendar package does not cover, working days are Mon–Fri adjusted by
    the overrides only once the office has declared the year configured here.
    """

    year = models.PositiveSmallIntegerField("年度", unique=True)
    source = models.CharField("依据", max_length=200, blank=True, help_text="例如：国办发明电〔2026〕X号")
    configured_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="配置人",
    )
    configured_at = models.DateTimeField("配置时间", auto_now_add=True)

    class Meta:
        verbose_name = "已配置年度"
        verbose_name_plural = "已配置年度"
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year} 年"
