import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jointcredit.config.settings")

from jointcredit.common.fastlane import FastLane  # noqa: E402 - needs the settings module set

# The hot API reads (ADR 0012) are answered by the fast lane; everything else by Django.
application = FastLane(get_wsgi_application())
