from django.apps import AppConfig


class SubjectsConfig(AppConfig):
    name = "jointcredit.subjects"
    verbose_name = "信用主体"

    def ready(self) -> None:
        from jointcredit.common.fastlane import register_route

        # GET /api/v1/subjects/{identifier}: the hottest read (DESIGN.md §5, ADR 0012).
        register_route(
            "/api/v1/subjects/", "jointcredit.subjects.api:subject_detail_fast", params=("include",)
        )
