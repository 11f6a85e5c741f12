"""Chinese everywhere (issue #19 §3): no page a person reads shows an internal code — a choice value
(`not_involved`, `repaired`), a scenario or measure code (`licensing`, `punish-public-resource-trading`),
an event kind or audit action (`list_entry.create`). Codes may appear only where a person needs them,
clearly marked as codes: inside <code> (e.g. an API field list next to its Chinese name).

The crawl renders every staff page reachable from the workbench for the office (which sees every
navigation group) and a department clerk, and every public page from the portal home, on the seeded
world built from every app's demo data."""

from __future__ import annotations

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
from django.apps import apps
from django.test import Client

from .test_security_web import parse

pytestmark = pytest.mark.django_db

MAX_PAGES = 900
VARIANTS_PER_PATH = 2  # query-string variants of one path worth rendering (filters, pages)
SKIP = ("/accounts/logout", "/admin/", "/api/", "/static/", "/media/", "/oidc/", "/devidp/")
# Marked as code for the person who needs it, or not text at all.
HIDDEN = {"script", "style", "code", "kbd", "samp", "pre", "textarea", "template", "svg"}
# What a person would pick in a form's selects the crawl cannot read (a scenario of the check).
SELECTED = {"scenario": "public_resource_trading"}
# Where a code is the thing a person needs, with the reason. Keep this short.
ALLOWED = {
    # The data dictionary of the public extract names the values the files contain.
    "/downloads/": {"red", "black"},
}
CODE_SHAPE = re.compile(r"[a-z][a-z0-9]*(?:[_.\-][a-z0-9]+)+|[a-z]{4,}")


class VisibleText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0
        self.chunks: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        if tag in HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in HIDDEN and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.chunks.append(data)


def internal_codes() -> set[str]:
    """Every code a person must never read bare: choice values of every model field, scenario
    codes, event kinds, measure codes and the audit actions recorded while seeding."""
    from jointcredit.audit.models import AuditEvent
    from jointcredit.exchange.kinds import event_kinds
    from jointcredit.measures.models import Measure
    from jointcredit.measures.scenarios import scenario_names

    codes: set[str] = set(scenario_names()) | set(event_kinds())
    codes |= set(Measure.objects.values_list("code", flat=True))
    codes |= set(AuditEvent.objects.values_list("action", flat=True).distinct())
    for model in apps.get_models():
        if not model.__module__.startswith("jointcredit."):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or ():
                codes.add(str(value))
    return {c for c in codes if CODE_SHAPE.fullmatch(c)}


def _crawl(
    client: Client, start: list[str], codes: set[str], terms: list[str]
) -> tuple[set[str], dict[str, set[str]]]:
    """Follow links, and submit every GET form (search, check, filters) once per term."""
    queue, seen, forms_done = list(start), set(), set()
    variants: dict[str, int] = defaultdict(int)
    found: dict[str, set[str]] = defaultdict(set)
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = VisibleText()
        parser.feed(response.content.decode())
        text = " ".join(parser.chunks)
        for token in re.findall(r"[A-Za-z][A-Za-z0-9_.\-]*[A-Za-z0-9]", text):
            if token in codes and token not in ALLOWED.get(urlsplit(url).path, ()):
                found[token].add(url)
        for href in parser.links:
            target = urlsplit(urljoin(url, href))
            if target.netloc or not target.path.startswith("/") or target.path.startswith(SKIP):
                continue
            if target.path.endswith((".csv", ".xlsx", ".pdf", ".jsonl", ".json", ".xml", ".txt", ".zip")):
                continue
            if target.query:
                if variants[target.path] >= VARIANTS_PER_PATH:
                    continue
                variants[target.path] += 1
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
        for form in parse(response.content.decode()).forms:
            action = urlsplit(urljoin(url, form["action"] or url)).path
            if form["method"] != "get" or action.startswith(SKIP) or action in forms_done:
                continue
            forms_done.add(action)
            text_field = next((k for k in form["fields"] if k in ("q", "identifier", "identifiers")), None)
            for term in terms if text_field else [""]:
                fields = {k: v for k, v in form["fields"].items() if v} | (
                    {text_field: term} if text_field else {}
                )
                queue.append(action + "?" + urlencode(fields))
    return seen, found


def _report(found: dict[str, set[str]]) -> str:
    return "\n".join(f"{code!r} on {sorted(urls)[:3]}" for code, urls in sorted(found.items()))


def _terms(world) -> list[str]:
    """A black-listed company (its check shows hits and reaches), a red-listed one, a person."""
    from jointcredit.lists.models import ListEntry

    entries = ListEntry.objects.filter(state="published").select_related("subject", "list_type")
    black = entries.filter(list_type__color="black", subject__kind="legal").first()
    red = entries.filter(list_type__color="red").first()
    picked = [e.subject.identifier for e in (black, red) if e is not None]
    return picked + [world.distinctive[0].identifier]


def test_staff_pages_show_no_internal_code(seeded):
    codes = internal_codes() | {"self"}  # the check's ``via`` for the subject itself (API only)
    found: dict[str, set[str]] = defaultdict(set)
    for actor in ("office_admin", "clerk@own"):
        client = Client()
        client.force_login(seeded.users[actor])
        pages, seen = _crawl(client, ["/staff/"], codes, _terms(seeded))
        assert len(pages) > 30, f"{actor}: the crawl reached only {len(pages)} pages"
        if actor == "office_admin":  # the 系统配置 pages of #19 §2 are in the crawl
            config = {"/staff/catalog/config/", "/staff/catalog/config/new/", "/staff/calendar/"}
            assert config <= pages, config - pages
            assert any(p.startswith("/staff/catalog/config/") and p.count("/") == 5 for p in pages - config)
        for code, urls in seen.items():
            found[code] |= urls
    assert not found, "internal codes shown to staff:\n" + _report(found)


def test_public_pages_show_no_internal_code(seeded):
    codes = internal_codes()
    pages, found = _crawl(Client(REMOTE_ADDR="198.51.100.77"), ["/"], codes, _terms(seeded))
    assert len(pages) > 10
    assert not found, "internal codes shown to the public:\n" + _report(found)
