from __future__ import annotations

from django import forms

from jointcredit.casework.forms import ContactForm, MultiFileField
from jointcredit.casework.models import TargetType

from .models import Resolution


class ObjectionForm(ContactForm):
    statement = forms.CharField(
        label="异议内容及理由", widget=forms.Textarea(attrs={"rows": 6}), max_length=4000
    )
    files = MultiFileField(label="证明材料（PDF/JPG/PNG，可多选）")

    field_order = ["statement", "files", "contact_name", "contact_email", "contact_phone"]


class StaffObjectionForm(ObjectionForm):
    target_type = forms.ChoiceField(label="异议对象类别", choices=TargetType.choices)
    target_id = forms.IntegerField(label="对象编号（名单条目/记录编号）", min_value=1)

    field_order = [
        "target_type",
        "target_id",
        "statement",
        "files",
        "contact_name",
        "contact_email",
        "contact_phone",
    ]


class DecisionForm(forms.Form):
    decision = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class CorrectForm(DecisionForm):
    resolution = forms.ChoiceField(label="更正方式", choices=Resolution.choices)
    reason = forms.CharField(
        label="更正后的列入事由（更正名单条目时填写）",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    valid_until = forms.DateField(
        label="更正后的有效期至（可选）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
