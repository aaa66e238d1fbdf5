"""A URL whose view fails, to see the 500 page (tests/catalog/test_site_pages.py)."""

from django.urls import path

from actions_catalog.config.urls import urlpatterns as site_urlpatterns


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("panne/", broken), *site_urlpatterns]
