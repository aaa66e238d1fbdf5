"""Helpers for the public catalogue's tests: the API as JSON, and actions written through the loader."""

from decimal import Decimal

import pytest
from django.urls import reverse

from actions_catalog.core.choices import PublicationState, Status
from actions_catalog.core.sheet import FundingLineData, SheetData
from actions_catalog.core.writer import SheetLoader


@pytest.fixture
def api(client):
    """``api("keyword=culture")`` → (status code, decoded JSON)."""

    def get(query: str = ""):
        response = client.get(reverse("api_action_list") + (f"?{query}" if query else ""))
        return response.status_code, response.json()

    return get


@pytest.fixture
def make_action(db):
    """Write one sheet through the loader (the only writer of actions) and return the action."""

    def make(title="Une action de test", *, state=PublicationState.PUBLISHED, **fields):
        fields.setdefault("centre_name", "Centre social des Tests")
        fields.setdefault("departement_code", "2A")
        fields.setdefault("status", Status.IN_PROGRESS)
        sheet = SheetData(title=title, **fields)
        return SheetLoader().save_sheet(sheet, action=None, state=state)

    return make


SKI_FUNDING = [FundingLineData("CAF", Decimal("1000.00"))]
