"""Render a form widget with the ARIA attributes that tie it to its help text and its errors."""

from django import forms, template

register = template.Library()


@register.filter
def is_option_group(field) -> bool:
    """Radio buttons or checkboxes (subclasses included): a fieldset whose legend is the field's label."""
    return isinstance(field.field.widget, forms.RadioSelect)


def help_id(field) -> str:
    return f"{field.auto_id}_helptext"


def error_id(field) -> str:
    return f"{field.auto_id}_erreur"


@register.simple_tag
def accessible_widget(field):
    """The widget of ``field`` with ``aria-describedby`` (help, errors) and ``aria-invalid`` when in error."""
    described_by = []
    if field.help_text:
        described_by.append(help_id(field))
    if field.errors:
        described_by.append(error_id(field))
    attrs = {}
    if described_by:
        attrs["aria-describedby"] = " ".join(described_by)
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def field_help_id(field) -> str:
    return help_id(field)


@register.filter
def field_error_id(field) -> str:
    return error_id(field)
