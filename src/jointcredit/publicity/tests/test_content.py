"""What an article may contain: sanitised rich text, images checked by content, no person named."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from jointcredit.audit.models import AuditEvent
from jointcredit.common.errors import ValidationFailed
from jointcredit.publicity import services
from jointcredit.publicity.html import sanitize_html
from jointcredit.publicity.models import ArticleImage

pytestmark = pytest.mark.django_db


def png(width=64, height=48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_sanitiser_removes_scripts_styles_handlers_and_javascript_urls():
    dirty = (
        '<h2 style="color:red" class="x">诚信典型</h2>'
        "<script>alert(1)</script><style>p{}</style>"
        '<p onclick="steal()" onmouseover="x()">守信践诺</p>'
        '<a href="javascript:alert(1)">链接</a> <a href="https://www.creditchina.gov.cn/">信用中国</a>'
        '<img src="https://evil.example/t.png" onerror="x()"><img src="/media/publicity/ab.png" alt="图">'
        '<iframe src="/"></iframe><!-- 注释 -->'
    )
    clean = sanitize_html(dirty)
    assert clean == (
        "<h2>诚信典型</h2>"
        "<p>守信践诺</p>"
        '<a rel="noopener noreferrer">链接</a> '
        '<a href="https://www.creditchina.gov.cn/" rel="noopener noreferrer">信用中国</a>'
        '<img><img src="/media/publicity/ab.png" alt="图">'
    )


def test_article_body_is_stored_sanitised(author):
    article = services.article_create(
        actor=author,
        kind="policy",
        title="实施意见",
        body_html='<p style="font-size:40px">正文</p><script>document.cookie</script>',
    )
    assert article.body_html == "<p>正文</p>"


def test_image_upload_checks_content_and_stores_a_generated_name(author, settings):
    image = services.article_image_upload(
        actor=author, upload=SimpleUploadedFile("../../etc/诚信 照片.PNG", png(), content_type="text/html")
    )
    assert (image.content_type, image.width, image.height) == ("image/png", 64, 48)
    assert image.file.name == f"publicity/{image.sha256[:32]}.png"
    assert (settings.MEDIA_ROOT / image.file.name).read_bytes() == png()
    assert image.original_name == "诚信 照片.PNG"
    assert AuditEvent.objects.filter(action="publicity_image.upload", object_id=str(image.pk)).exists()
    # and the image may be used in an article: its URL passes the sanitiser
    body = f'<p><img src="{image.file.url}" alt="颁奖现场"></p>'
    assert sanitize_html(body) == body


def test_a_non_image_named_png_is_refused(author):
    upload = SimpleUploadedFile(
        "photo.png", b"<html><script>alert(1)</script></html>", content_type="image/png"
    )
    with pytest.raises(ValidationFailed, match="按文件内容识别") as exc:
        services.article_image_upload(actor=author, upload=upload)
    assert exc.value.details[0]["rule"] == "file_type"
    assert not ArticleImage.objects.exists()


def test_a_truncated_image_is_refused(author):
    with pytest.raises(ValidationFailed):
        services.article_image_upload(actor=author, upload=SimpleUploadedFile("x.png", png()[:60]))


def test_too_large_images_are_refused_by_bytes_and_by_pixels(author, settings):
    settings.JOINTCREDIT_PUBLICITY_IMAGE_MAX_BYTES = 1000
    big = png(800, 800)
    assert len(big) > 1000
    with pytest.raises(ValidationFailed) as exc:
        services.article_image_upload(actor=author, upload=SimpleUploadedFile("big.png", big))
    assert exc.value.details[0]["rule"] == "max_size"
    settings.JOINTCREDIT_PUBLICITY_IMAGE_MAX_BYTES = 5 * 1024 * 1024
    settings.JOINTCREDIT_PUBLICITY_IMAGE_MAX_PIXELS = 100 * 100
    with pytest.raises(ValidationFailed) as exc:
        services.article_image_upload(actor=author, upload=SimpleUploadedFile("wide.png", png(200, 100)))
    assert exc.value.details[0]["rule"] == "max_pixels"
    assert not ArticleImage.objects.exists()


def test_image_upload_through_the_api(author, api_client_for):
    client = api_client_for(author)
    ok = client.upload("/api/v1/publicity/images", {"file": SimpleUploadedFile("合影.jpg", _jpeg())})
    assert ok.status_code == 201, ok.content
    assert ok.json()["content_type"] == "image/jpeg" and ok.json()["url"].startswith("/media/publicity/")
    bad = client.upload(
        "/api/v1/publicity/images", {"file": SimpleUploadedFile("x.png", b"GIF89a not really")}
    )
    assert bad.status_code == 422


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (0, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def test_a_case_never_names_the_natural_person(xcb_clerk, punished_person):
    person = punished_person.subject
    base = {"title": "联合惩戒案例：食品安全严重失信", "list_entry_id": punished_person.pk}
    for field, text in (
        ("title", f"{person.name}被联合惩戒"),
        ("body_html", f"<p>当事人{person.name}（身份证号 {person.identifier}）……</p>"),
        ("summary", f"证件号 {person.identifier}"),
    ):
        with pytest.raises(ValidationFailed, match="不得出现") as exc:
            services.article_create(actor=xcb_clerk, kind="case", **(base | {field: text}))
        assert exc.value.details[0]["rule"] in ("person_masked", "no_id_number")
    services.article_create(actor=xcb_clerk, kind="case", **base, body_html="<p>当事人被依法列入名单。</p>")


def test_stories_need_a_red_entry_in_force(author, red_entry, punished_person):
    with pytest.raises(ValidationFailed, match="必须关联"):
        services.article_create(actor=author, kind="story", title="诚信典型")
    with pytest.raises(ValidationFailed, match="只能关联红名单"):
        services.article_create(
            actor=author, kind="story", title="诚信典型", list_entry_id=punished_person.pk
        )
    entry = red_entry()
    story = services.article_create(actor=author, kind="story", title="诚信典型", list_entry_id=entry.pk)
    assert story.list_entry == entry


def test_staff_pages_upload_an_image_and_edit_a_draft(author, client):
    client.force_login(author)
    page = client.post(
        "/staff/publicity/images/", {"file": SimpleUploadedFile("颁奖.png", png())}
    ).content.decode()
    image = ArticleImage.objects.get()
    assert f'<img src="{image.file.url}"' in page and "64×48" in page
    refused = client.post("/staff/publicity/images/", {"file": SimpleUploadedFile("x.png", b"not an image")})
    assert "按文件内容识别" in refused.content.decode() and ArticleImage.objects.count() == 1
    article = services.article_create(actor=author, kind="notice", title="通知", body_html="<p>正文</p>")
    form = client.get(f"/staff/publicity/{article.pk}/edit/").content.decode()
    assert 'value="通知"' in form
    body = f'<p>颁奖现场</p><img src="{image.file.url}" alt="颁奖" style="width:9999px">'
    client.post(f"/staff/publicity/{article.pk}/edit/", {"title": "通知（修改）", "body_html": body})
    article.refresh_from_db()
    assert article.title == "通知（修改）"
    assert article.body_html == f'<p>颁奖现场</p><img src="{image.file.url}" alt="颁奖">'
