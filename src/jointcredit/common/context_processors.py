from django.conf import settings


def site(request):
    return {
        "PORTAL_NAME": settings.JOINTCREDIT["PORTAL_NAME"],
        "DISTRICT_NAME": settings.JOINTCREDIT["DISTRICT_NAME"],
        "SITE_URL": settings.SITE_URL,
    }
