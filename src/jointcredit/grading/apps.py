from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "jointcredit.grading"
    verbose_name = "信用分级"

    def ready(self):
        from jointcredit.common.workbench_registry import register_nav, register_todo
        from jointcredit.subjects.extensions import register_subject_section

        from . import hooks, providers, selectors, todos
        from .inputs import register_grade_input

        register_grade_input("lists.entries", providers.list_entries_input)
        register_grade_input("records.penalties", providers.penalties_input)
        register_grade_input("records.licences", providers.licences_input)
        register_grade_input("grading.honours", providers.honours_input)
        hooks.connect()
        register_subject_section("grade", selectors.subject_grade_section)
        register_nav(label="信用分级", url_name="grading:home", order=60)
        register_nav(label="双随机抽查", url_name="grading:plan_list", order=62)
        register_nav(label="评先评优", url_name="grading:honours", order=64)
        register_todo(key="honours_to_revoke", provider=todos.honours_to_revoke_todo)
