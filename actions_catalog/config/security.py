"""Security helpers for production behind proxies.

The Content Security Policy itself is ``settings.CONTENT_SECURITY_POLICY`` (django-csp's middleware): our
templates, the Django admin and the catalogue's admin pages need no inline script or style. One third-party
template holds an inline style attribute that the policy blocks, at no cost: django-simple-history's history
page (``<p class="paginator" style="border-top: 0">``: the paginator keeps its top border).
tests/security/test_headers.py fails if any page gains inline code.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, for django-axes' login lockouts (``AXES_CLIENT_IP_CALLABLE``).

    Behind ``TRUSTED_PROXY_COUNT`` proxies (a load balancer, nginx), ``REMOTE_ADDR`` is the last proxy's address:
    every client would share it, and five wrong passwords typed by anyone would lock a username out for all.
    Each proxy appends the address it received the request from to ``X-Forwarded-For``, so the client is the
    ``TRUSTED_PROXY_COUNT``-th address from the right; addresses further left were written by the client itself.
    """
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = [address.strip() for address in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if count and len(forwarded) >= count:
        try:
            return str(ipaddress.ip_address(forwarded[-count]))
        except ValueError:
            pass  # not an address: a proxy is missing or misconfigured; fall back to the connection's
    return request.META.get("REMOTE_ADDR")
