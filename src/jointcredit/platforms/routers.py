"""Database router: the exchange database (前置库) holds only the exchange's own tables, whose DDL is
``platforms.exchange_db`` — Django never migrates anything there and never routes a model to it."""

from __future__ import annotations

from django.conf import settings


class ExchangeDatabaseRouter:
    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == settings.PLATFORM_EXCHANGE_DATABASE:
            return False
        return None
