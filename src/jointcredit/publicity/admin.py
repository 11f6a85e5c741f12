from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import Article, ArticleImage


@admin.register(Article)
class ArticleAdmin(AuditedModelAdmin):
    list_display = ("title", "kind", "department", "state", "publish_at")
    list_filter = ("kind", "state")
    search_fields = ("title",)
    readonly_fields = ("state", "body_html", "report_html", "created_by", "reviewed_by")


@admin.register(ArticleImage)
class ArticleImageAdmin(AuditedModelAdmin):
    list_display = ("original_name", "department", "content_type", "width", "height", "size", "uploaded_at")
    readonly_fields = ("file", "sha256", "uploaded_by")
