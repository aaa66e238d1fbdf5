"""The files a detail page may list: ``{% public_attachments action as files %}``."""

from django import template

from actions_catalog.core.submission_models import Attachment

register = template.Library()


@register.simple_tag
def public_attachments(action) -> list[Attachment]:
    """The approved files of ``action`` when it is published (one query), else nothing."""
    return list(Attachment.objects.public().filter(action=action).order_by("created_at", "pk"))
