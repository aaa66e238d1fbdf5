"""Reserved slugs (``core/slugs.RESERVED``): no route of the site sits where a record's address could be.

Walking the URL configuration, every fixed path segment beside ``actions/<slug>/`` or ``centres/<slug>/`` must be
a reserved slug of that model, so that a route added later (``/actions/feed/``) fails here until it is reserved.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from actions_catalog.core import slugs
from actions_catalog.core.models import Action
from centres.models import Centre

#: The routes of records, by their prefix: the model whose slugs follow it.
RECORD_PREFIXES = {"actions/": "action", "centres/": "centre"}


def routes(patterns=None, prefix: str = "") -> list[str]:
    """Every route of the site, as its full pattern text."""
    found = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        text = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern.url_patterns, text)
        elif isinstance(pattern, URLPattern):
            found.append(text)
    return found


def fixed_neighbours(prefix: str) -> set[str]:
    """The fixed first segments of the routes under ``prefix`` (``export`` of ``actions/export.<str:fmt>``)."""
    words = set()
    for route in routes():
        if route.startswith(prefix) and route != prefix:
            segment = re.split(r"[/.]", route[len(prefix) :], maxsplit=1)[0]
            if segment and "<" not in segment:
                words.add(segment)
    return words


@pytest.mark.parametrize("prefix, model", RECORD_PREFIXES.items())
def test_every_fixed_route_beside_the_records_is_a_reserved_slug(prefix, model):
    assert fixed_neighbours(prefix) <= slugs.RESERVED[model]


def test_the_walk_sees_the_routes_beside_the_actions():
    assert "export" in fixed_neighbours("actions/")  # actions/export.<str:fmt>


def test_the_routes_of_this_issue_need_no_reservation():
    """The contact form is below a sheet's address and the search engines' files at the root: no slug of an
    action or a centre can take their place."""
    assert resolve("/actions/contact/").url_name == "action_detail"  # an action may be called « Contact »
    assert resolve("/actions/contact/contact/").url_name == "action_contact"
    assert resolve("/sitemap.xml").url_name == "sitemap_index"


@pytest.mark.django_db
@pytest.mark.parametrize("model, word", [(Action, "export"), (Action, "feed"), (Centre, "flux")])
def test_a_record_named_like_a_route_gets_another_slug(model, word):
    assert slugs.unique_slug(model, word) == f"{word}-2"
