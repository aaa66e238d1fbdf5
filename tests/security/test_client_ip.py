"""Behind proxies, login lockouts (django-axes) count failures per client, not per proxy."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from actions_catalog.config.security import client_ip

PASSWORD = "mot-de-passe-solide"
PROXY = "10.0.0.5"


def request(forwarded_for: str | None = None):
    headers = {"REMOTE_ADDR": PROXY}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/", **headers)


@pytest.mark.parametrize(
    "proxies, forwarded_for, address",
    [
        (0, None, PROXY),  # no proxy: the connection's address
        (0, "203.0.113.7", PROXY),  # no proxy: a client's X-Forwarded-For is ignored
        (1, "203.0.113.7", "203.0.113.7"),  # one proxy: the address it appended
        (1, "198.51.100.1, 203.0.113.7", "203.0.113.7"),  # what the client wrote itself is not trusted
        (2, "198.51.100.1, 203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies: the second from the right
        (2, "203.0.113.7", PROXY),  # fewer addresses than proxies: a proxy is missing
        (1, "unknown", PROXY),  # not an address
        (1, "2001:db8::1", "2001:db8::1"),
        (1, None, PROXY),
    ],
)
def test_the_client_address_is_read_from_the_trusted_proxies_only(settings, proxies, forwarded_for, address):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(request(forwarded_for)) == address


@pytest.mark.django_db
def test_behind_a_proxy_a_lockout_concerns_one_client_not_every_client(client, django_user_model, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.AXES_FAILURE_LIMIT = 3
    django_user_model.objects.create_user("camille", password=PASSWORD)

    def login(password, address):
        data = {"username": "camille", "password": password}
        return client.post(reverse("login"), data, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=address)

    for _ in range(3):
        login("faux", "198.51.100.66")

    assert login(PASSWORD, "198.51.100.66").status_code == 429  # the guesser is locked out
    assert login(PASSWORD, "203.0.113.7").status_code == 302  # camille, elsewhere, is not
