from django import forms

from jointcredit.common import clock
from jointcredit.subjects.selectors import related_persons_in_force

from .models import RemovalReason, StatementOutcome


class EntryForm(forms.Form):
    list_type = forms.ChoiceField(label="名单类型")
    identifier = forms.CharField(label="统一社会信用代码/身份证号码", max_length=64)
    name = forms.CharField(label="主体名称/姓名", max_length=200)
    kind = forms.ChoiceField(
        label="主体类别（系统中尚无该主体时使用）",
        required=False,
        choices=[
            ("", "按标识自动判断"),
            ("legal", "法人及非法人组织"),
            ("individual_business", "个体工商户"),
            ("natural", "自然人"),
        ],
    )
    reason = forms.CharField(label="列入事由", widget=forms.Textarea(attrs={"rows": 4}))
    legal_basis = forms.CharField(
        label="认定依据（为空时采用名单类型的依据）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    document_no = forms.CharField(label="认定文书号", required=False, max_length=100)
    decided_on = forms.DateField(
        label="认定日期（红名单必填）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label="有效期至（为空时按最长有效期）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, list_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["list_type"].choices = [
            (lt.code, f"【{lt.get_color_display()[:3]}】{lt.name}") for lt in list_types
        ]


class NotifyForm(forms.Form):
    notified_on = forms.DateField(
        label="告知书送达日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    statement_working_days = forms.IntegerField(
        label="陈述申辩期限（工作日）", required=False, min_value=1, max_value=60
    )
    notice_no = forms.CharField(label="告知书文号（为空自动编号）", required=False, max_length=100)


class StatementForm(forms.Form):
    outcome = forms.ChoiceField(label="处理结果", choices=StatementOutcome.choices)
    content = forms.CharField(label="陈述申辩内容", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    handling = forms.CharField(label="处理意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    decided_on = forms.DateField(
        label="认定日期（默认今天）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label="有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    document_no = forms.CharField(label="决定书文号（为空自动编号）", required=False, max_length=100)
    choose_responsible = forms.BooleanField(
        label="确定对失信行为负有直接责任的人员（不勾选则按各关联人的“负有直接责任”标记）", required=False
    )
    responsible_persons = forms.TypedMultipleChoiceField(
        label="负有直接责任的人员（在任关联人）",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, entry=None, **kwargs):
        super().__init__(*args, **kwargs)
        links = related_persons_in_force(subject=entry.subject, on=clock.today()) if entry is not None else []
        field = self.fields["responsible_persons"]
        field.choices = [
            (link.pk, f"{link.get_role_display()} {link.person.name}（{link.person.identifier}）")
            for link in links
        ]
        if not links:
            self.fields.pop("choose_responsible")
            self.fields.pop("responsible_persons")

    def clean(self):
        data = super().clean() or {}
        # ADR 0046: a choice (possibly nobody) only when asked for; otherwise none was made.
        if not data.pop("choose_responsible", False):
            data.pop("responsible_persons", None)
        return data


class RemoveForm(forms.Form):
    reason = forms.ChoiceField(
        label="移出原因", choices=[c for c in RemovalReason.choices if c[0] != "superseded"]
    )
    note = forms.CharField(label="移出说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, repair_blocked: str | None = None, **kwargs):
        """``repair_blocked``: why 信用修复 is not open for this entry (``services.repair_blocker``);
        the option is then left out and the reason shown under the field. A POST is checked by the
        service, which names the rule, so the bound form keeps every option."""
        super().__init__(*args, **kwargs)
        if repair_blocked:
            field = self.fields["reason"]
            field.choices = [c for c in field.choices if c[0] != RemovalReason.REPAIRED]  # type: ignore[attr-defined]
            field.help_text = f"不可选“信用修复”：{repair_blocked}"


class CorrectForm(forms.Form):
    reason = forms.CharField(
        label="列入事由（更正后）", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    valid_until = forms.DateField(
        label="有效期至（更正后）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="更正说明", widget=forms.Textarea(attrs={"rows": 2}))
