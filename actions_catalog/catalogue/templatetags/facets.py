"""``{% facet_options facet %}``: the options of a facet of the list, rendered in Python.

A facet may have hundreds of options (keywords, partners, départements) and the list shows ten facets: through
the template engine, their few thousand variables cost more than everything else the page does. The markup is
the one ``catalog/includes/facet.html`` used to loop over; every value goes through ``format_html``, which
escapes it.
"""

from django import template
from django.utils.html import format_html, format_html_join

register = template.Library()

OPTION = (
    '    <li class="facet__option{}">\n'
    '      <input type="checkbox" name="{}" value="{}" id="f-{}-{}"{}>\n'
    '      <label for="f-{}-{}">{}{} <span class="facet__count" data-count="{}">{}</span>{}</label>\n'
    "    </li>"
)
EMPTY_TEXT = format_html('<span class="visually-hidden">{}</span>', " : aucun résultat")
CHECKED = format_html("{}", " checked")
EMPTY_CLASS = " facet__option--empty"


@register.simple_tag
def facet_options(facet):
    show_code = facet.name == "departement"
    return format_html_join("\n", OPTION, (_option_args(facet.name, show_code, option) for option in facet.options))


def _option_args(name: str, show_code: bool, option) -> tuple:
    value, empty = option.value, option.count == 0
    return (
        EMPTY_CLASS if empty else "",
        name,
        value,
        name,
        value,
        CHECKED if option.selected else "",
        name,
        value,
        option.label,
        f" ({value})" if show_code else "",
        option.count,
        option.count,
        EMPTY_TEXT if empty else "",
    )
