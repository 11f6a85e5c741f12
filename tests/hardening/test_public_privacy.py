"""One privacy policy on every public surface (issue #16 §2; the rule: ``subjects.privacy``,
docs/portal.md “隐私规则”).

The crawler starts at the portal home page (and a public credit report of a person), follows every
public link, fills every GET form with the seeded persons' full names, name fragments and full ID
numbers (and their companies' names and USCCs), and calls every GET operation of the public OpenAPI
(/api/public/v1/openapi.json) with the same terms. Any seeded natural person's full ID or a
distinctive person's full name in any response — results, titles, search boxes, links (also
percent-encoded), JSON — fails the test; the visitor's own query is no exception.
"""

from __future__ import annotations

import html
import json
import random
import re
from datetime import timedelta
from urllib.parse import unquote, urlencode, urljoin, urlsplit

import pytest
from django.test import Client

from jointcredit.accounts.models import User
from jointcredit.common import clock
from jointcredit.common.masking import mask_person_name
from jointcredit.lists.models import ListEntry
from jointcredit.publicity import services as publicity
from jointcredit.records.samples import license_row, penalty_row
from jointcredit.records.services import record_save
from jointcredit.subjects.models import RelatedPerson, Subject, SubjectKind
from jointcredit.subjects.public import subject_public_url

from .test_security_web import parse
from .world import OWN, World

ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
PRIVATE_PREFIXES = ("/staff/", "/admin/", "/accounts/", "/api/v1/", "/static/", "/media/")
MAX_PAGES = 1500


class Visitor:
    """An anonymous browser that changes address when the rate limit answers (crawling is not the
    abuse the limit is for)."""

    def __init__(self, prefix: str):
        self.prefix, self.n = prefix, 0
        self.client = Client(REMOTE_ADDR=f"{prefix}.1")

    def get(self, url: str, params: dict | None = None):
        response = self.client.get(url, params or {})
        if response.status_code == 429:
            self.n += 1
            self.client = Client(REMOTE_ADDR=f"{self.prefix}.{self.n % 250 + 2}")
            response = self.client.get(url, params or {})
        assert response.status_code < 500, (url, params, response.status_code)
        return response

    def text(self, url: str, params: dict | None = None) -> str:
        """The body as a person reads it (JSON with its \\uXXXX escapes decoded)."""
        response = self.get(url, params)
        if "json" in response.get("Content-Type", ""):
            return json.dumps(response.json(), ensure_ascii=False)
        return response.content.decode()


@pytest.fixture
def public_world(seeded: World):
    """The seeded world plus 双公示 naming its natural persons: penalties and a licence whose 相对人 is
    a distinctive person, and a company penalty whose 法定代表人 is one; a public credit report of
    a person (reports are stored snapshots, reached by their number)."""
    clerk = seeded.users["clerk@own"]
    department = seeded.departments[OWN]
    decided = clock.today() - timedelta(days=7)
    rng = random.Random(16)
    person_fields = {"CF_XDR_LB": "自然人", "CF_XDR_SHXYM": "", "CF_FRDB": "", "CF_XDR_ZJLX": "身份证"}
    docs = {}
    for i, person in enumerate(seeded.distinctive[:3]):
        row = penalty_row(
            rng,
            department,
            n=9100 + i,
            decided=decided,
            **person_fields,
            CF_XDR_MC=person.name,
            CF_XDR_ZJHM=person.identifier,
        )
        docs[person.identifier] = record_save(actor=clerk, record_type="penalty", data=row)[0].doc_no
    person = seeded.distinctive[0]
    licence = license_row(
        rng,
        department,
        n=9200,
        decided=decided,
        XK_XDR_MC=person.name,
        XK_XDR_LB="自然人",
        XK_XDR_SHXYM="",
        XK_FRDB="",
        XK_XDR_ZJLX="身份证",
        XK_XDR_ZJHM=person.identifier,
    )
    record_save(actor=clerk, record_type="license", data=licence)
    link = RelatedPerson.objects.select_related("subject", "person").get(person=seeded.distinctive[3])
    company_row = penalty_row(
        rng,
        department,
        n=9300,
        decided=decided,
        CF_XDR_MC=link.subject.name,
        CF_XDR_SHXYM=link.subject.identifier,
        CF_FRDB=link.person.name,
    )
    record_save(actor=clerk, record_type="penalty", data=company_row)
    # 诚信宣传: a joint-punishment case about a distinctive person's black-list entry (shown masked).
    xcb_clerk, xcb_approver = (User.objects.get(username=f"xcb_{r}") for r in ("clerk", "approver"))
    case = publicity.article_create(
        actor=xcb_clerk,
        kind="case",
        title="联合惩戒案例：严重失信当事人在多个领域受限",
        body_html="<p>当事人因严重失信行为被依法列入黑名单，相关部门实施了联合惩戒。</p>",
        list_entry_id=ListEntry.objects.get(subject=seeded.distinctive[2]).pk,
    )
    publicity.article_publish(
        actor=xcb_approver, article=publicity.article_submit(actor=xcb_clerk, article=case)
    )
    report = Visitor("198.18.0").client.post(subject_public_url(seeded.distinctive[1]) + "report/")
    assert report.status_code == 302, report.status_code
    return {"world": seeded, "docs": docs, "company": link.subject, "report_url": report["Location"]}


def _terms(world: World, company: Subject) -> list[str]:
    terms = []
    for p in world.distinctive[:4]:
        terms += [p.name, p.identifier, p.name[:2], p.name[1:3], p.name[-2:], p.name[:3]]
    terms.append(world.distinctive[0].identifier.lower())
    return terms + [company.name, company.identifier]


def _person_ids() -> set[str]:
    """Every natural person's document number on file (subjects and 双公示 相对人)."""
    from jointcredit.records.models import MODELS

    ids = set(Subject.objects.filter(kind=SubjectKind.NATURAL).values_list("identifier", flat=True))
    for model in MODELS.values():
        ids |= set(model.objects.exclude(id_number="").values_list("id_number", flat=True))
    return {i.upper() for i in ids}


def _leaks(text: str, ids: set[str], names: list[str]) -> list[str]:
    """Full IDs or names in the body, read as it is, HTML-unescaped and percent-decoded (links)."""
    readings = {text, html.unescape(text), unquote(html.unescape(text).replace("+", " "))}
    try:  # JSON may carry names as \uXXXX escapes
        readings.add(json.dumps(json.loads(text), ensure_ascii=False))
    except ValueError:
        pass
    found = set()
    for reading in readings:
        found |= {m.upper() for m in ID_RE.findall(reading) if m.upper() in ids}
        found |= {n for n in names if n in reading}
    return sorted(found)


def _crawl(start: list[str], terms: list[str], ids: set[str], names: list[str]):
    visitor = Visitor("198.51.100")
    queue, seen, leaks = list(start), set(), []
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = visitor.get(url)
        content_type = response.get("Content-Type", "")
        if "html" not in content_type and "json" not in content_type and "csv" not in content_type:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode(errors="replace")
        leaks += [f"{url}: {leak}" for leak in _leaks(text, ids, names)]
        if "html" not in content_type:
            continue
        for href in re.findall(r'href="([^"#]+)"', text):
            target = urlsplit(urljoin(url, html.unescape(href)))
            if target.netloc or not target.path.startswith("/") or target.path.startswith(PRIVATE_PREFIXES):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
        for form in parse(text).forms:
            action = urlsplit(urljoin(url, form["action"] or url)).path
            if form["method"] != "get" or action.startswith(PRIVATE_PREFIXES):
                continue
            text_field = next((k for k in form["fields"] if k not in ("page", "page_size", "type")), "q")
            for term in terms:
                queue.append(action + "?" + urlencode({**form["fields"], text_field: term}))
    assert not queue, f"crawl stopped after {MAX_PAGES} pages with {len(queue)} left: raise MAX_PAGES"
    return seen, leaks


def _public_api_calls(terms: list[str], world: World) -> list[tuple[str, dict]]:
    """Every GET operation of the public OpenAPI, path parameters from their enums (or a few real
    ids), the first text query parameter filled with each term."""
    from jointcredit.lists.models import ListEntry

    spec = Client().get("/api/public/v1/openapi.json").json()
    entry_ids = [
        str(pk) for pk in ListEntry.objects.filter(subject__in=world.distinctive).values_list("pk", flat=True)
    ]
    calls = []
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            if method != "get":
                continue
            params = op.get("parameters", [])
            paths = [path]
            for p in (p for p in params if p["in"] == "path"):
                schema = p.get("schema", {})
                values = schema.get("enum") or (entry_ids if schema.get("type") == "integer" else ["x"])
                paths = [q.replace("{" + p["name"] + "}", str(v)) for q in paths for v in values]
            text = next(
                (
                    p["name"]
                    for p in params
                    if p["in"] == "query" and p["name"] not in ("type", "page", "page_size")
                ),
                None,
            )
            for concrete in paths:
                calls += [(concrete, {})] + ([(concrete, {text: t}) for t in terms] if text else [])
    return calls


def test_no_public_surface_shows_a_person(public_world, settings, tmp_path):
    from jointcredit.common import clock
    from jointcredit.common.extracts import extract_build

    world, company = public_world["world"], public_world["company"]
    ids = _person_ids()
    names = [p.name for p in world.distinctive]
    terms = _terms(world, company)
    settings.JOINTCREDIT_EXTRACT_DIR = tmp_path / "extracts"
    extract_build(as_of=clock.today())  # the public extract's files are crawled like the pages
    seen, leaks = _crawl(["/", public_world["report_url"]], terms, ids, names)
    paths = {urlsplit(u).path for u in seen}
    assert any(p.startswith("/downloads/") and p.endswith(".jsonl") for p in paths), "extract files crawled"
    assert {"/gs/", "/inspections/", "/lists/black/", "/search/", "/downloads/", "/publicity/"} <= paths, (
        "the portal navigation links every public page"
    )
    assert any(p.startswith("/publicity/articles/") for p in paths), "诚信宣传 articles crawled"
    visitor = Visitor("192.0.2")
    calls = _public_api_calls(terms, world)
    assert any(path == "/api/public/v1/search" for path, _ in calls)
    for path, params in calls:
        text = visitor.get(path, params).content.decode()
        leaks += [f"{path}?{urlencode(params)}: {leak}" for leak in _leaks(text, ids, names)]
    assert not leaks, "natural persons' full data on public surfaces (apply subjects.privacy):\n" + "\n".join(
        sorted(set(leaks))[:40]
    )


SURFACES = [
    ("/search/", {}),
    ("/gs/", {"type": "penalty"}),
    ("/api/public/v1/search", {}),
    ("/api/public/v1/records/penalties", {}),
]


@pytest.mark.parametrize(("path", "extra"), SURFACES, ids=[p for p, _ in SURFACES])
def test_persons_found_by_full_name_or_id_only(public_world, path, extra):
    """The crawl must not pass by finding nothing: every search surface finds the person's penalty
    by full name and by full ID (masked), and never by a fragment of the name."""
    person = public_world["world"].distinctive[0]
    doc_no = public_world["docs"][person.identifier]
    visitor = Visitor("203.0.113")
    for q in (person.name, person.identifier, person.identifier[:6] + " " + person.identifier[6:]):
        text = visitor.text(path, {**extra, "q": q})
        assert doc_no in text and mask_person_name(person.name) in text, (path, q)
    for fragment in (person.name[:2], person.name[1:3], person.name[:3], person.name[-2:]):
        assert doc_no not in visitor.text(path, {**extra, "q": fragment}), (path, fragment)


@pytest.mark.parametrize("path", ["/lists/black/", "/api/public/v1/lists/black"])
def test_black_list_finds_persons_by_full_name_or_id_only(public_world, path):
    person = public_world["world"].distinctive[0]
    visitor = Visitor("203.0.113")
    masked = mask_person_name(person.name)
    for q in (person.name, person.identifier):
        assert masked in visitor.text(path, {"q": q}), (path, q)
    for fragment in (person.name[:2], person.name[1:3]):
        assert masked not in visitor.text(path, {"q": fragment}), (path, fragment)
