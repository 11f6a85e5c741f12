from django import template

from jointcredit.measures.scenarios import scenario_names
from jointcredit.measures.validation import ROLE_LABELS

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def reach_text(measure) -> str:
    """“主体本身；法定代表人、注册执业人员（仅负有直接责任者）”."""
    parts = ["主体本身"] if measure.reaches_subject else []
    direct = set(measure.directly_responsible_roles or [])
    roles = [
        ROLE_LABELS.get(r, r) + ("（仅负有直接责任者）" if r in direct else "")
        for r in measure.reach_roles or []
    ]
    if roles:
        parts.append("、".join(roles))
    return "；".join(parts)


@register.filter
def scenario_label(code: str) -> str:
    """The Chinese name of a scenario code (retired ones too), from the cached catalogue."""
    return scenario_names().get(code, code)
