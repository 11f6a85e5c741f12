from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "jointcredit.measures"
    verbose_name = "联合奖惩措施"

    def ready(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from jointcredit.common.workbench_registry import ANALYSIS, CONFIGURATION, DAILY, register_nav
        from jointcredit.exchange.extensions import register_push_planner, register_recorded_check_rule
        from jointcredit.subjects.extensions import register_merge_keep

        from . import unchecked
        from .catalog import catalog_changed
        from .extensions import register_grant_source
        from .models import Measure, Memorandum, Scenario
        from .pushes import push_plans
        from .recorded import recorded_check_refusal

        register_push_planner(push_plans)
        register_recorded_check_rule(recorded_check_refusal)
        register_grant_source("licence", label="行政许可（双公示）", grants=unchecked.licence_grants)
        register_grant_source(
            "feedback", label="执行反馈（未实施措施的事项）", grants=unchecked.feedback_grants
        )
        register_merge_keep("measures.RecordedCheck", "核查留痕记录核查当时的主体，属业务案卷的证据")

        # Any write to the catalogue (services, admin, shell) reaches the check engine's cache.
        for model in (Memorandum, Measure, Scenario):
            post_save.connect(
                catalog_changed, sender=model, dispatch_uid=f"measures_catalog_save_{model.__name__}"
            )
            post_delete.connect(
                catalog_changed, sender=model, dispatch_uid=f"measures_catalog_del_{model.__name__}"
            )
        m2m_changed.connect(
            catalog_changed,
            sender=Measure.implementing_departments.through,
            dispatch_uid="measures_catalog_m2m",
        )

        register_nav(label="奖惩核查", url_name="measures:check", group=DAILY, order=30)
        register_nav(label="批量比对", url_name="measures:screenings", group=DAILY, order=31)
        # Everyone reads the measures (with a link to the memoranda); the office maintains both.
        register_nav(label="奖惩措施清单", url_name="measures:measures", group=DAILY, order=32)
        register_nav(
            label="备忘录与措施",
            url_name="measures:memoranda",
            group=CONFIGURATION,
            order=32,
            office_only=True,
        )
        register_nav(
            label="业务场景", url_name="measures:scenarios", group=CONFIGURATION, order=33, office_only=True
        )
        register_nav(label="核查留痕", url_name="measures:recorded_checks", group=DAILY, order=33)
        register_nav(
            label="应查未查", url_name="measures:unchecked_grants", group=ANALYSIS, order=34, office_only=True
        )
