from django import template

from jointcredit.audit.labels import action_label

register = template.Library()


@register.filter(name="audit_action")
def audit_action(action: str) -> str:
    """``{{ h.action|audit_action }}`` → “名单条目 · 发布”."""
    return action_label(action)
