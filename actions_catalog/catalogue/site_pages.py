"""The site's own pages: legal notice, accessibility statement, personal data, contact, and open data.

Their texts are edited by admins (``editorial.SitePage``) and default to French texts (``editorial.defaults``);
the open-data page adds what is generated: the licence, the complete files, the data dictionary, the API.
"""

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from actions_catalog.catalogue import index as catalogue_index
from actions_catalog.catalogue import open_data
from actions_catalog.editorial import defaults, markup
from actions_catalog.editorial.models import PageSlug


def _page(slug: str) -> dict:
    page = defaults.page(slug)
    return {"page": page, "body": markup.render(page.body, email=settings.FEDERATION_CONTACT_EMAIL)}


@require_safe
def page(request, slug):
    return render(request, "pages/site_page.html", _page(slug))


@require_safe
def open_data_page(request):
    index = catalogue_index.current()
    top = index.top_keywords(1)
    return render(
        request,
        "pages/open_data.html",
        {
            **_page(PageSlug.OPEN_DATA),
            "licence": open_data.LICENCE,
            "licence_url": open_data.LICENCE_URL,
            "total": index.size,
            "files": open_data.complete_files(),
            "columns": open_data.dictionary(),
            "examples": open_data.api_examples(
                request.build_absolute_uri(reverse("api_action_list")), top[0][0] if top else None
            ),
        },
    )
