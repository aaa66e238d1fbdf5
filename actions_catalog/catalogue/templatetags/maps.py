"""``{% map_shapes map %}`` and ``{% map_rows map %}``: the départements of the home map, rendered in Python.

Each of the hundred départements is a linked shape with its name and count (and a table row): through the
template engine, their variables would cost more than the rest of the home page. Every value goes through
``format_html``, which escapes it.
"""

from django import template
from django.utils.html import format_html_join

from actions_catalog.catalogue import french

register = template.Library()

SHAPE = '<a href="{}" aria-label="{}"><title>{}</title><path class="map-shade-{}" d="{}"></path></a>'
ROW = '<tr><th scope="row"><a href="{}">{}</a></th><td>{}</td><td class="number">{}</td></tr>'


@register.simple_tag
def map_shapes(departement_map):
    return format_html_join(
        "",
        SHAPE,
        ((d.url, d.accessible_name, d.accessible_name, d.shade, d.path) for d in departement_map.shapes),
    )


@register.simple_tag
def map_rows(departement_map):
    return format_html_join(
        "\n", ROW, ((d.url, d.name, d.code, french.number(d.count)) for d in departement_map.with_actions)
    )
