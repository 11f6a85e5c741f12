from django.contrib import admin

from .models import BrokenCommitment, Commitment


@admin.register(Commitment)
class CommitmentAdmin(admin.ModelAdmin):
    """Read-only: intake, fulfilment and breach go through the services (eligibility, audit, events)."""

    list_display = ("matter", "subject_name", "department", "signed_on", "deadline", "state")
    list_filter = ("state", "kind")
    raw_id_fields = ("subject",)

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(BrokenCommitment)
class BrokenCommitmentAdmin(admin.ModelAdmin):
    list_display = ("commitment", "subject", "reason", "occurred_on")

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
