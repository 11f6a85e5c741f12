import os

from django.core.wsgi import get_wsgi_application

# `jointcredit serve --production --api` sets jointcredit.config.settings_api (ADR 0014).
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")
application = get_wsgi_application()
