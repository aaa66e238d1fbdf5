"""A deployment check: the follows' e-mails carry links built on ``SITE_URL``, and RFC 8058's one-click
unsubscribe needs an https address (mail providers ignore an http one)."""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_https(app_configs=None, **kwargs):
    if settings.SITE_URL.startswith("https://"):
        return []
    return [
        checks.Warning(
            f"SITE_URL ({settings.SITE_URL}) is not an https address: the one-click unsubscribe links of the "
            "follows' e-mails (List-Unsubscribe, RFC 8058) need one.",
            hint="Set SITE_URL to the site's public https address.",
            id="follows.W001",
        )
    ]
