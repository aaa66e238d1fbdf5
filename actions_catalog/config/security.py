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


# -- Response headers and refusals that hold for whole parts of the site -----------------------------------

#: Pages that show a member's own data or the moderation queue: never kept by a shared cache nor the browser's.
PRIVATE_PREFIXES = ("/espace/", "/comptes/")
API_PREFIX = "/api/"
#: Query strings longer than this are refused with a 400 (JSON on the API): below gunicorn's limit on the
#: request line (4,094 bytes), which would answer a bare HTML 414 by itself.
MAX_QUERY_STRING = 2048


def _api_error(message: str, status: int, parameter: str | None = None):
    from django.http import JsonResponse

    response = JsonResponse(
        {"error": message, "parameter": parameter}, status=status, json_dumps_params={"ensure_ascii": False}
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


class SiteRulesMiddleware:
    """``Cache-Control: private, no-store`` on the member and moderation pages; ``Access-Control-Allow-Origin``
    on every API answer, errors included; a 400 for an overlong query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        api = request.path.startswith(API_PREFIX)
        if len(request.META.get("QUERY_STRING", "")) > MAX_QUERY_STRING:
            message = f"L'adresse est trop longue : ses paramètres dépassent {MAX_QUERY_STRING} caractères."
            if api:
                return _api_error(message, 400)
            from django.shortcuts import render

            return render(
                request, "catalog/bad_request.html", {"error": {"message": message, "parameter": "adresse"}}, status=400
            )
        response = self.get_response(request)
        if api:
            response["Access-Control-Allow-Origin"] = "*"
        elif request.path.startswith(PRIVATE_PREFIXES):
            response["Cache-Control"] = "private, no-store"
        return response


def page_not_found(request, exception=None):
    """404: JSON on the API, the site's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _api_error("Adresse inconnue de l'API.", 404)
    from django.views.defaults import page_not_found as default

    return default(request, exception)


def server_error(request):
    """500: JSON on the API, the site's page elsewhere."""
    if request.path.startswith(API_PREFIX):
        return _api_error("Erreur du serveur : réessayez plus tard.", 500)
    from django.views.defaults import server_error as default

    return default(request)
