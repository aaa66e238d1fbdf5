"""``{% facet_block display %}``: one facet of the list (a ``facets.FacetDisplay``), rendered in Python.

A facet may have hundreds of options (keywords, partners, départements) and the list shows ten facets: through
the template engine, their few thousand variables cost more than everything else the page does, and the page
must stay small (every option is in the HTML, so that "Voir les N" works without JavaScript). Each checkbox sits
inside its label (no ids to repeat); every value goes through ``format_html``, which escapes it.
"""

from django import template
from django.utils.html import format_html, format_html_join

from actions_catalog.catalogue import french

register = template.Library()

OPTION = '<li><label><input type="checkbox" name="{}" value="{}"{}> {}{} <span class="n">{}</span></label></li>'
CHECKED = format_html("{}", " checked")


@register.simple_tag
def facet_block(display):
    facet = display.facet
    parts = []
    if display.shown:
        parts.append(format_html('<ul class="facet__list">{}</ul>', _options(facet.name, display.shown)))
    if display.more:
        parts.append(
            format_html(
                '<details class="facet__more"><summary>Voir les {} autres options</summary>'
                '<ul class="facet__list">{}</ul></details>',
                french.number(len(display.more)),
                _options(facet.name, display.more),
            )
        )
    if display.empty:
        parts.append(
            format_html('<ul class="facet__list facet__list--empty">{}</ul>', _options(facet.name, display.empty))
        )
    return format_html(
        '<fieldset class="facet{}" id="facette-{}"><legend>{}</legend>{}</fieldset>',
        " facet--empty" if display.hidden_when_empty else "",
        facet.name,
        facet.label,
        format_html_join("", "{}", ((part,) for part in parts)),
    )


def _options(name: str, options) -> str:
    code = name == "departement"
    return format_html_join(
        "",
        OPTION,
        (
            (
                name,
                option.value,
                CHECKED if option.selected else "",
                option.label,
                f" ({option.value})" if code else "",
                french.number(option.count),
            )
            for option in options
        ),
    )
