"""Rich text of articles: sanitised with nh3 (the Ammonia sanitiser) to an allow-list, once, when it
is saved — the portal renders what is stored with ``|safe``.

No ``style``, ``class`` or event attributes survive, and no ``<script>``/``<style>``, so article pages
pass the site's CSP unchanged; links keep http(s)/mailto and relative URLs only (``javascript:`` goes);
images only from our own uploads (``MEDIA_URL`` + ``publicity/``): anything else would not load under
``img-src 'self'`` anyway, and a foreign image would tell a third party who reads the page.
"""

from __future__ import annotations

import nh3
from django.conf import settings

TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "ul",
    "ol",
    "li",
    "blockquote",
    "hr",
    "a",
    "img",
    "figure",
    "figcaption",
    "table",
    "caption",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_CHARS = 200_000


def image_prefix() -> str:
    return settings.MEDIA_URL.rstrip("/") + "/publicity/"


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if tag == "img" and attr == "src":
        return value if value.startswith(image_prefix()) and ".." not in value else None
    if attr in ("width", "height", "colspan", "rowspan", "start"):
        return value if value.isdigit() and len(value) <= 4 else None
    return value


def sanitize_html(html: str) -> str:
    """The allow-listed form of ``html`` (text is kept, markup outside the list is dropped; the
    content of ``<script>``/``<style>`` is dropped with it)."""
    if not html:
        return ""
    return nh3.clean(
        html,
        tags=TAGS,
        clean_content_tags={"script", "style"},
        attributes=ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes=URL_SCHEMES,
        strip_comments=True,
        link_rel="noopener noreferrer",
    ).strip()


def plain_text(html: str) -> str:
    """The text of sanitised HTML (search, feed summaries, the person-name check)."""
    return nh3.clean(html or "", tags=set(), clean_content_tags={"script", "style"}).strip()
