"""French numbers in templates: ``{{ n|nombre }}`` → « 2 022 »; ``{% compte n "action" "actions" %}``."""

from django import template

from actions_catalog.catalogue import french

register = template.Library()


@register.filter
def nombre(value):
    return "" if value is None else french.number(value)


@register.simple_tag
def compte(value, singular, plural, none=None):
    """« 2 022 actions », « 1 action »; ``none`` for 0 when given (« aucune action »)."""
    return french.count(value, singular, plural, none=none)
