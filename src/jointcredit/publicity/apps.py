from django.apps import AppConfig


class PublicityConfig(AppConfig):
    name = "jointcredit.publicity"
    verbose_name = "诚信宣传"

    def ready(self):
        from jointcredit.common.workbench_registry import register_nav, register_todo

        from . import portal_items, todos

        portal_items.register()
        register_nav(label="诚信宣传", url_name="publicity:list", order=60)
        register_todo(key="publicity_awaiting_review", provider=todos.articles_awaiting_review_todo)
