"""The moderation pages' template helpers: a word diff with its marks, and an age in French (« il y a 3 jours »)."""

from datetime import timedelta

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from actions_catalog.core.word_diff import DELETE, INSERT

register = template.Library()

#: Each mark is announced by screen readers (``<ins>`` and ``<del>`` are silent in most of them) and shown by more
#: than colour (underlined, struck through: static/css/site.css).
_MARKS = {
    INSERT: '<ins><span class="visually-hidden">[ajout] </span>{}'
    '<span class="visually-hidden"> [fin de l’ajout]</span></ins>',
    DELETE: '<del><span class="visually-hidden">[suppression] </span>{}'
    '<span class="visually-hidden"> [fin de la suppression]</span></del>',
}


@register.filter
def marked(segments):
    """Segments of a diff (``core.word_diff.Segment``) as escaped HTML, line breaks kept, changes marked."""
    parts = []
    for segment in segments:
        text = linebreaksbr(segment.text, autoescape=True)
        if segment.op in _MARKS and segment.text.strip():
            parts.append(format_html(_MARKS[segment.op], text))
        else:
            parts.append(text)
    return format_html_join("", "{}", ((part,) for part in parts))


@register.filter
def il_y_a(moment):
    """« il y a 3 jours », « il y a 2 heures », « à l'instant » (the largest unit only)."""
    if not moment:
        return ""
    if timezone.now() - moment < timedelta(minutes=1):
        return "à l'instant"
    return f"il y a {timesince(moment, depth=1)}"
