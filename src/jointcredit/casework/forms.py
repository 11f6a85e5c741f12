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
    """Only the identifier: the code goes to the contact on file, never to an address typed here."""

    identifier = forms.CharField(label="统一社会信用代码/身份证号码", max_length=64)


class IdentityApplicationForm(forms.Form):
    identifier = forms.CharField(label="统一社会信用代码/身份证号码", max_length=64)
    department = forms.ModelChoiceField(
        label="核验部门",
        queryset=None,
        required=False,
        empty_label="自动（作出该信用信息的部门）",
    )
    applicant_name = forms.CharField(label="经办人姓名", max_length=100)
    contact_email = forms.EmailField(label="联系邮箱（接收核验结果）")
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)
    licence_files = MultiFileField(label="营业执照或居民身份证（PDF/JPG/PNG）")
    authorisation_files = MultiFileField(label="授权委托书（加盖公章；自然人本人办理可不上传）")

    def __init__(self, *args, **kwargs):
        from jointcredit.accounts.models import Department

        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.order_by("name")


class VerifyForm(forms.Form):
    code = forms.CharField(label="验证码", max_length=6, min_length=6)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)


class NoteForm(forms.Form):
    note = forms.CharField(label="说明", max_length=500, required=False)


class EvidenceForm(forms.Form):
    files = MultiFileField(label="补充材料（PDF/JPG/PNG）")


class IdentityDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="核验结果", choices=[("verify", "已核验"), ("reject", "核验未通过")])
    reason = forms.CharField(
        label="核验意见（未通过时必填，将告知申请人）",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
