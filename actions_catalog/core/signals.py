"""Keep the search data of actions in step with their keywords' labels, whoever changes them through the ORM.

An action's search vector holds its keywords' labels (``Action.keyword_labels``, see ``search``). The writer
fills them; a keyword renamed or deleted in the admin, or the keywords of an action changed through its
many-to-many manager, carry their actions along through ``search.refresh``. Merges move rows in bulk and call it
themselves, and so does the admin's change form, whose inline edits the rows (``ActionKeyword``) one by one (no
signal on those rows: the writer deletes them in bulk, which a receiver would slow down row by row).
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from actions_catalog.core import search
from actions_catalog.core.models import Action, Keyword


def _action_ids(keyword: Keyword) -> list[int]:
    return list(Action.keywords.through.objects.filter(keyword_id=keyword.pk).values_list("action_id", flat=True))


@receiver(post_save, sender=Keyword, dispatch_uid="keyword_saved_refreshes_search")
def keyword_saved(sender, instance, created, raw=False, **kwargs):
    if not created and not raw:  # a new label has no action yet; fixtures load raw rows
        search.refresh(_action_ids(instance))


@receiver(pre_delete, sender=Keyword, dispatch_uid="keyword_deleted_notes_actions")
def keyword_deleting(sender, instance, **kwargs):
    instance._search_action_ids = _action_ids(instance)


@receiver(post_delete, sender=Keyword, dispatch_uid="keyword_deleted_refreshes_search")
def keyword_deleted(sender, instance, **kwargs):
    search.refresh(getattr(instance, "_search_action_ids", []))


@receiver(m2m_changed, sender=Action.keywords.through, dispatch_uid="action_keywords_refresh_search")
def action_keywords_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        search.refresh([instance.pk])
    elif pk_set:
        search.refresh(pk_set)
