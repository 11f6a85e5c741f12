from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "jointcredit.grading"
    verbose_name = "信用分级"

    def ready(self):
        from jointcredit.common.workbench_registry import CONFIGURATION, DAILY, register_nav, register_todo
        from jointcredit.subjects.extensions import (
            register_merge_keep,
            register_merge_step,
            register_subject_section,
        )

        from . import hooks, providers, selectors, services, todos
        from .inputs import register_grade_input

        register_grade_input("lists.entries", providers.list_entries_input)
        register_grade_input("records.penalties", providers.penalties_input)
        register_grade_input("records.licences", providers.licences_input)
        register_grade_input("grading.honours", providers.honours_input)
        hooks.connect()
        register_subject_section("grade", selectors.subject_grade_section, as_of=True)
        register_subject_section("honours", selectors.subject_honours_section, as_of=True)
        from jointcredit.common.portal_registry import register_subject_public_section

        register_subject_public_section(
            "honours",
            "荣誉称号",
            selectors.portal_honours_section,
            order=60,
            empty_text="无有效的荣誉称号。",
        )
        register_merge_step("honours", services.honours_subject_merge, models=("grading.Honour",))
        for label in ("grading.SubjectGrade", "grading.GradeHistory"):
            register_merge_keep(label, "合并前为该主体计算的等级；保留主体合并后重新评级")
        register_merge_keep("grading.InspectionSample", "抽查计划当时抽中的主体，属抽取记录")
        register_nav(label="信用分级", url_name="grading:home", group=DAILY, order=60)
        register_nav(label="双随机抽查", url_name="grading:plan_list", group=DAILY, order=62)
        register_nav(label="评先评优", url_name="grading:honours", group=DAILY, order=64)
        register_nav(
            label="评分规则", url_name="grading:rules", group=CONFIGURATION, order=60, office_only=True
        )
        register_todo(key="honours_to_revoke", provider=todos.honours_to_revoke_todo)
