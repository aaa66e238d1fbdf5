"""The project's URLs plus the benchmark's floor: a minimal view behind the same middleware."""

from django.http import HttpResponse
from django.urls import path

from actions_catalog.config.urls import urlpatterns as project_urlpatterns

FLOOR_PATH = "__bench__/floor/"


def floor(request):
    """The least a request can cost on this stack: no database, no template."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path(FLOOR_PATH, floor, name="bench_floor"), *project_urlpatterns]
