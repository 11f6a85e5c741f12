from django.contrib import admin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import RelatedPerson, Subject, SubjectAlias, SubjectContact, SubjectNameChange


class AliasInline(admin.TabularInline):
    model = SubjectAlias
    extra = 0


class RelatedInline(admin.TabularInline):
    model = RelatedPerson
    fk_name = "subject"
    extra = 0
    raw_id_fields = ("person",)


class NameInline(admin.TabularInline):
    model = SubjectNameChange
    extra = 0
    readonly_fields = ("old_name", "new_name", "changed_at", "source")
    can_delete = False


@admin.register(Subject)
class SubjectAdmin(AuditedModelAdmin):
    list_display = ("name", "identifier", "kind", "region_code", "industry", "created_at")
    list_filter = ("kind",)
    search_fields = ("identifier", "name")
    raw_id_fields = ("merged_into",)
    inlines = [AliasInline, RelatedInline, NameInline]
    show_full_result_count = False


@admin.register(SubjectContact)
class SubjectContactAdmin(AuditedModelAdmin):
    list_display = ("subject", "email", "phone", "source", "department", "created_at", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    search_fields = ("subject__identifier", "subject__name", "email", "phone")
    raw_id_fields = ("subject", "recorded_by", "ended_by")
