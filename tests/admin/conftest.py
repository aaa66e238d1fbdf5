"""Shared set-up of the admin tests: a keyword, a partner, and the data of a change form as shown (factories and
users: tests/conftest.py)."""

import pytest
from django import forms

from actions_catalog.core.models import Keyword, Partner


@pytest.fixture
def keyword(make_label) -> Keyword:
    return make_label(Keyword, "Vieillissement")


@pytest.fixture
def partner(make_label) -> Partner:
    return make_label(Partner, "CAF")


def post_data(form) -> dict:
    """The POST data that submits ``form`` unchanged (bound fields, split date widgets, checkboxes)."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field.widget, forms.MultiWidget):
            parts = field.widget.decompress(value) if value and not isinstance(value, list) else (value or [])
            for index, part in enumerate(parts):
                data[f"{name}_{index}"] = "" if part is None else str(part)
        elif isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        else:
            data[name] = value
    return data


def change_form_data(client, url) -> dict:
    """The data of an admin change form as shown, with each inline formset's management form."""
    context = client.get(url).context
    data = post_data(context["adminform"].form)
    for inline in context.get("inline_admin_formsets", []):  # the history's revert form has no inlines
        formset = inline.formset
        data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
        for form in formset.initial_forms:
            data.update({f"{form.prefix}-{key}": value for key, value in post_data(form).items()})
    return data
