"""Static files in production: hashed and compressed by collectstatic, served by WhiteNoise for ever."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

PRODUCTION_STORAGE = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


@pytest.fixture
def collected(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STORAGE}
    call_command("collectstatic", "--noinput", verbosity=0)
    return settings.STATIC_ROOT


@pytest.mark.django_db
def test_pages_link_the_hashed_stylesheet_that_whitenoise_serves_for_ever(client, collected):
    page = client.get(reverse("home")).content.decode()
    stylesheet = re.search(r'href="(/static/css/site\.[0-9a-f]{12}\.css)"', page)
    assert stylesheet, page

    response = client.get(stylesheet[1], headers={"accept-encoding": "gzip"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=315360000, public, immutable"
    assert response["Content-Encoding"] == "gzip"
    assert (collected / stylesheet[1].removeprefix("/static/")).with_suffix(".css.gz").exists()


@pytest.mark.django_db
def test_admin_static_files_are_collected_and_served(client, collected):
    page = client.get(reverse("admin:login")).content.decode()
    script = re.search(r'src="(/static/admin/js/[a-z_]+\.[0-9a-f]{12}\.js)"', page)
    assert script, page

    assert client.get(script[1]).status_code == 200
