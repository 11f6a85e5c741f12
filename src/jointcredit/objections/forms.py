from __future__ import annotations

from django import forms

from .models import Resolution, TargetType


class MultiFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [f for f in data if f]
        return [data] if data else []


class ContactForm(forms.Form):
    contact_name = forms.CharField(label="联系人", max_length=100)
    contact_email = forms.EmailField(label="联系邮箱")
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)


class ObjectionForm(ContactForm):
    statement = forms.CharField(label="异议内容及理由", widget=forms.Textarea(attrs={"rows": 6}), max_length=4000)
    files = MultiFileField(label="证明材料（PDF/JPG/PNG，可多选）")

    field_order = ["statement", "files", "contact_name", "contact_email", "contact_phone"]


class StaffObjectionForm(ObjectionForm):
    target_type = forms.ChoiceField(label="异议对象类别", choices=TargetType.choices)
    target_id = forms.IntegerField(label="对象编号（名单条目/记录编号）", min_value=1)

    field_order = ["target_type", "target_id", "statement", "files", "contact_name", "contact_email", "contact_phone"]


class IdentifyForm(forms.Form):
    identifier = forms.CharField(label="统一社会信用代码/身份证号码", max_length=64)
    email = forms.EmailField(label="接收验证码的邮箱")


class VerifyForm(forms.Form):
    code = forms.CharField(label="邮箱验证码", max_length=6, min_length=6)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class DecisionForm(forms.Form):
    decision = forms.CharField(label="处理意见", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class CorrectForm(DecisionForm):
    resolution = forms.ChoiceField(label="更正方式", choices=Resolution.choices)
    reason = forms.CharField(label="更正后的列入事由（更正名单条目时填写）", widget=forms.Textarea(attrs={"rows": 2}),
                             required=False)
    valid_until = forms.DateField(label="更正后的有效期至（可选）", required=False,
                                  widget=forms.DateInput(attrs={"type": "date"}))


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", max_length=500, required=False)


class EvidenceForm(forms.Form):
    files = MultiFileField(label="补充材料（PDF/JPG/PNG）")
