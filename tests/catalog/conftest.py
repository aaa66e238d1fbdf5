"""Helpers for the public catalogue's tests: the API as JSON (factories: tests/conftest.py)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actions_catalog.core.sheet import FundingLineData


@pytest.fixture
def api(client):
    """``api("keyword=culture")`` → (status code, decoded JSON)."""

    def get(query: str = ""):
        response = client.get(reverse("api_action_list") + (f"?{query}" if query else ""))
        return response.status_code, response.json()

    return get


SKI_FUNDING = [FundingLineData("CAF", Decimal("1000.00"))]
