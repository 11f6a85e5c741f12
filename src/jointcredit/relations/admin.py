from django.contrib import admin

from .models import RelatedImportBatch


@admin.register(RelatedImportBatch)
class RelatedImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "file_name",
        "department",
        "as_of",
        "full_snapshot",
        "status",
        "total_rows",
        "started_at",
    )
    list_filter = ("status", "full_snapshot")
    readonly_fields = [f.name for f in RelatedImportBatch._meta.fields]
