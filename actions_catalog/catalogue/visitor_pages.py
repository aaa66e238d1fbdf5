"""Public pages kept for visitors, per catalogue version: a page asked again by anyone without a session is
answered from the cache, not rendered again.

Why: the home page, the first pages of the list, the common searches and the API's first page are asked for
over and over, and each costs 20 to 70 ms of a server's CPU; rendered once per catalogue version, they cost
one query (the version) and a cache read. What they show is the catalogue of one version (the index and rows of
the tables whose writes change it, migration 0008), so the key is that version and the full address
(``cache_key``): a new version is a new key, and a page is never older than the index it was counted on.
``VISITOR_PAGES_SECONDS`` bounds what the version does not cover (a template after a deployment, with a
shared cache); 0 turns the cache off.

After a new index is stored, a page kept at the one it replaced is still served for
``VISITOR_PAGES_GRACE_SECONDS`` (``catalogue_index.recent_versions``): while approvals follow each other, each
address is then rendered again once every few seconds, not once per version (each version otherwise made every
kept page be rendered again at once). What such a page counts is exact for its version, at most that many
seconds older than the newest index; 0 serves only pages of the newest.

Kept only what is the same for every visitor: requests without a session or messages cookie, answers 200
that set no cookie, used no CSRF token, stored nothing in a session or a message, and are not ``private`` or
``no-store``. The page is rendered with the
index of the version read for its key (``catalogue_index.reading``), so its rows and counts are of one version.
The cache is Django's ``default``: a PostgreSQL table shared by every process and server (``CACHE_URL``). A cache
that fails (its table missing, Redis down) is logged and costs a rendering, never the page.
"""

import functools
import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

from actions_catalog.catalogue import index as catalogue_index

logger = logging.getLogger(__name__)

#: Cookies that make a page someone's own (signed in, or a message waiting): such requests are never cached.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def cached_for_visitors(view):
    """``view`` answered from the cache for visitors (see the module docstring)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.VISITOR_PAGES_SECONDS
        if seconds <= 0 or request.method not in ("GET", "HEAD") or _is_personal(request):
            return view(request, *args, **kwargs)
        versions = catalogue_index.recent_versions(timedelta(seconds=settings.VISITOR_PAGES_GRACE_SECONDS))
        if not versions:  # no index yet: nothing is cached
            return view(request, *args, **kwargs)
        address = request.build_absolute_uri()
        keys = [cache_key(recent, address) for recent in versions]  # the newest version's first
        kept = _read(keys)
        if kept is not None:
            status, content, headers, read_session = kept
            response = HttpResponse(content, status=status, headers=headers)
            if read_session:  # as rendered: the session middleware varies on the cookie of a session it read
                patch_vary_headers(response, ("Cookie",))
            return response
        with catalogue_index.reading(versions[0]):
            response = view(request, *args, **kwargs)
        if _is_shared(request, response):
            # The view's own headers (the middleware add theirs to every answer, kept or not).
            read_session = getattr(getattr(request, "session", None), "accessed", False)
            _keep(keys[0], (response.status_code, response.content, dict(response.headers), read_session), seconds)
        return response

    return wrapped


#: The shape of a kept page (status, content, headers, session read); a new shape needs a new number (a shared
#: cache outlives a deployment).
KEPT_FORMAT = 1


def cache_key(version, address: str) -> str:
    return f"visitor-page:{KEPT_FORMAT}:{version}:{hashlib.sha256(address.encode()).hexdigest()}"


def _read(keys: list[str]):
    """The page kept under the first of ``keys`` that has one (one cache read), or ``None``; a cache that fails
    (a table missing, Redis down) only costs a rendering."""
    try:
        found = cache.get_many(keys)
    except Exception:  # noqa: BLE001 - any backend's error: the page is rendered instead
        logger.warning("the cache of visitors' pages cannot be read", exc_info=True)
        return None
    return next((found[key] for key in keys if key in found), None)


def _keep(key: str, kept, seconds: int):
    try:
        cache.set(key, kept, seconds)
    except Exception:  # noqa: BLE001 - as in _read: the page was rendered, it is only not kept
        logger.warning("the cache of visitors' pages cannot be written", exc_info=True)


def _is_personal(request) -> bool:
    return any(name in request.COOKIES for name in PERSONAL_COOKIES)


def _is_shared(request, response) -> bool:
    cache_control = response.get("Cache-Control", "")
    session, messages = getattr(request, "session", None), getattr(request, "_messages", None)
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (session is not None and session.modified)
        and not (messages is not None and messages.added_new)
        and "private" not in cache_control
        and "no-store" not in cache_control
    )
