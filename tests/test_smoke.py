import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_home_page_answers_in_french(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert '<html lang="fr">' in response.content.decode()
