"""Slugs: the one rule for the public address of every record (actions, centres, keywords, partners).

A slug is ``django.utils.text.slugify`` of the record's name, cut to fit its column, made unique among the
model's rows with ``-2``, ``-3``… on a clash. Some slugs are reserved because a route sits beside the records'
addresses (``/actions/feed/`` next to ``/actions/<slug>/``): they get a suffix like a clash.
"""

from django.db import models
from django.utils.text import slugify

#: Words a slug may not be, per model: paths that share the records' URL prefix.
RESERVED = {
    "action": frozenset({"export", "feed", "flux", "nouvelle", "recherche"}),
    "centre": frozenset({"feed", "flux", "recherche"}),
}
#: Room left in the slug column for a ``-N`` suffix.
_SUFFIX_ROOM = 8


def base_slug(model: type[models.Model], text: str) -> str:
    """The slug ``text`` would get if it were free (the model's name when ``text`` has no letter)."""
    max_length = model._meta.get_field("slug").max_length - _SUFFIX_ROOM
    return slugify(text)[:max_length].strip("-") or slugify(model._meta.verbose_name)


def unique_slugs(model: type[models.Model], texts: list[str], *, exclude_pk=None) -> list[str]:
    """Slugs for new rows named ``texts``: unique among the rows of ``model`` (but ``exclude_pk``'s) and among
    themselves, none of them reserved. Two queries at most, whatever the number of texts."""
    bases = [base_slug(model, text) for text in texts]
    rows = model._default_manager.exclude(pk=exclude_pk) if exclude_pk is not None else model._default_manager
    reserved = RESERVED.get(model._meta.model_name, frozenset())
    taken = set(rows.filter(slug__in=set(bases)).values_list("slug", flat=True)) | reserved
    clashing = {base for base in bases if base in taken}
    if clashing:
        query = models.Q()
        for base in clashing:
            query |= models.Q(slug__startswith=f"{base}-")
        taken |= set(rows.filter(query).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug, suffix = base, 1
        while slug in taken:
            suffix += 1
            slug = f"{base}-{suffix}"
        taken.add(slug)
        slugs.append(slug)
    return slugs


def unique_slug(model: type[models.Model], text: str, *, exclude_pk=None) -> str:
    """A slug for one row named ``text`` (see ``unique_slugs``)."""
    return unique_slugs(model, [text], exclude_pk=exclude_pk)[0]
