"""What every page's template may need from the site's settings: the federation's contact address."""

from django.conf import settings


def site(request):
    return {"contact_email": settings.FEDERATION_CONTACT_EMAIL}
