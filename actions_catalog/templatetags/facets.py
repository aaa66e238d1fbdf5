"""``{% facet_options facet %}``: the options of a facet of the list, rendered in Python.

A facet may have hundreds of options (keywords, partners, départements) and the list shows ten facets: through
the template engine, their few thousand variables cost more than everything else the page does. The markup is
the one ``catalog/includes/facet.html`` used to loop over; every value is escaped.
"""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()

EMPTY_TEXT = '<span class="visually-hidden"> : aucun résultat</span>'


@register.simple_tag
def facet_options(facet):
    name = escape(facet.name)
    return mark_safe("\n".join(_option(name, facet.name == "departement", option) for option in facet.options))


def _option(name: str, show_code: bool, option) -> str:
    value, count = escape(option.value), option.count
    field_id = f"f-{name}-{value}"
    code = f" ({value})" if show_code else ""
    empty = count == 0
    return (
        f'    <li class="facet__option{" facet__option--empty" if empty else ""}">\n'
        f'      <input type="checkbox" name="{name}" value="{value}" id="{field_id}"'
        f"{' checked' if option.selected else ''}>\n"
        f'      <label for="{field_id}">{escape(option.label)}{code} '
        f'<span class="facet__count" data-count="{count}">{count}</span>{EMPTY_TEXT if empty else ""}</label>\n'
        "    </li>"
    )
