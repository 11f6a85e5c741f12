from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from jointcredit.audit.modeladmin import AuditedModelAdmin

from .models import ApiToken, Delegation, Department, Role, User


@admin.register(Department)
class DepartmentAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "name",
        "uscc",
        "is_initiating",
        "is_cooperating",
        "is_credit_office",
        "is_active",
    )
    list_filter = ("is_initiating", "is_cooperating", "is_active")
    search_fields = ("code", "name", "uscc")


@admin.register(Delegation)
class DelegationAdmin(AuditedModelAdmin):
    list_display = ("department", "on_behalf_of", "scope", "created_at")
    list_filter = ("scope", "department")


class UserRolesForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label="角色", choices=Role.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = User
        fields = "__all__"  # noqa: DJ007 - UserAdmin chooses fields through fieldsets


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserRolesForm
    list_display = ("username", "display_name", "department", "roles", "is_active", "last_login")
    list_filter = ("department", "is_active")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("部门与角色", {"fields": ("display_name", "department", "roles")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
    list_filter = ("revoked_at",)

    def has_add_permission(self, request):
        return False  # tokens are issued by `jointcredit token create` or the workbench (shown once)
