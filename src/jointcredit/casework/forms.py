"""Form pieces shared by the objection and repair pages (staff and portal)."""

from __future__ import annotations

from django import forms


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


class IdentifyForm(forms.Form):
    identifier = forms.CharField(label="统一社会信用代码/身份证号码", max_length=64)
    email = forms.EmailField(label="接收验证码的邮箱")


class VerifyForm(forms.Form):
    code = forms.CharField(label="邮箱验证码", max_length=6, min_length=6)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", max_length=500, required=False)


class EvidenceForm(forms.Form):
    files = MultiFileField(label="补充材料（PDF/JPG/PNG）")
