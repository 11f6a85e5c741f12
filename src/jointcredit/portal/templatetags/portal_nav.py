"""The portal's navigation links registered by the apps (``common.portal_registry.register_portal_nav``)."""

from __future__ import annotations

from django import template
from django.urls import NoReverseMatch, reverse

from jointcredit.common.portal_registry import portal_nav_items

register = template.Library()


@register.simple_tag
def portal_nav_links() -> list[dict[str, str]]:
    links = []
    for item in portal_nav_items():
        try:
            links.append({"label": item.label, "url": reverse(item.url_name)})
        except NoReverseMatch:
            continue
    return links
