from __future__ import annotations

from django import forms

from jointcredit.casework import forms as shared
from jointcredit.casework.forms import ContactForm, MultiFileField
from jointcredit.casework.models import TargetType


class RepairForm(ContactForm):
    correction = forms.CharField(
        label="履行义务、纠正失信行为情况", widget=forms.Textarea(attrs={"rows": 5}), max_length=4000
    )
    proofs = MultiFileField(label="履行/整改证明材料（PDF/JPG/PNG，可多选）")
    commitment_signatory = forms.CharField(label="承诺人姓名（电子签署）", max_length=100)
    commitment_role = forms.CharField(label="签署人身份", max_length=50, initial="法定代表人")
    commitment_files = MultiFileField(label="签署盖章的信用承诺书扫描件（可选）")
    commitment_accepted = forms.BooleanField(label="本人已阅读信用承诺书并同意签署")

    field_order = [
        "correction",
        "proofs",
        "commitment_signatory",
        "commitment_role",
        "commitment_files",
        "commitment_accepted",
        "contact_name",
        "contact_email",
        "contact_phone",
    ]


class StaffRepairForm(RepairForm):
    target_type = forms.ChoiceField(label="修复对象类别", choices=TargetType.choices)
    target_id = forms.IntegerField(label="对象编号（名单条目/记录编号）", min_value=1)

    field_order = ["target_type", "target_id", *RepairForm.field_order]


class EvidenceForm(shared.EvidenceForm):
    kind = forms.ChoiceField(
        label="材料类别", choices=[("proof", "履行/整改证明"), ("commitment", "签署的信用承诺书")]
    )
