"""``{% facet_block display %}``: one facet of the list (a ``facets.FacetDisplay``), rendered in Python.

A facet may have hundreds of options (keywords, partners, départements) and the list shows ten facets: through
the template engine, their few thousand variables cost more than everything else the page does, and the page
must stay small (every option is in the HTML, so that "Voir les N" works without JavaScript). Each checkbox sits
inside its label (no ids to repeat); every value is escaped (``conditional_escape``, as ``format_html`` does:
the options are written with one f-string each, since ``format_html`` per option cost a third of the page).
"""

from django import template
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from actions_catalog.catalogue import french

register = template.Library()


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
    """The ``<li>`` of each option: its checkbox (``name``, its value, checked if selected) inside its label."""
    code = name == "departement"
    name = conditional_escape(name)
    items = []
    for option in options:
        value, label = conditional_escape(option.value), conditional_escape(option.label)
        checked = " checked" if option.selected else ""
        suffix = f" ({value})" if code else ""
        items.append(
            f'<li><label><input type="checkbox" name="{name}" value="{value}"{checked}> {label}{suffix} '
            f'<span class="n">{french.number(option.count)}</span></label></li>'
        )
    return mark_safe("".join(items))  # every value escaped above
