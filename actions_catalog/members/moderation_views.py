"""The moderation queue (``/espace/moderation/``), for users with the ``moderate_action`` permission.

Pending new actions and pending changes to published ones, with a side-by-side view of what changes;
approve or reject with a reason. The transitions themselves are in ``services``.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from actions_catalog.core import moderation, permissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import SHEET_PREFETCH, sheet_from_action
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import ActionRevision, KeywordSuggestion, SuggestionState
from actions_catalog.members.diff import sheet_diff
from actions_catalog.members.forms import DecisionForm


def moderator_required(view):
    """Anonymous users go to the login page; signed-in users without the permission get a 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not permissions.is_moderator(request.user):
            raise PermissionDenied("Réservé aux modérateurs de la fédération.")
        return view(request, *args, **kwargs)

    return wrapper


@moderator_required
def queue(request):
    submissions = Action.objects.pending().select_related("centre", "submitted_by").order_by("updated_at", "pk")
    revisions = (
        ActionRevision.objects.pending().select_related("action__centre", "author").order_by("submitted_at", "pk")
    )
    suggestions = (
        KeywordSuggestion.objects.filter(state=SuggestionState.PENDING)
        .select_related("action", "suggested_by")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "espace/moderation/queue.html",
        {"submissions": submissions, "revisions": revisions, "suggestions": suggestions},
    )


@moderator_required
def review(request, slug):
    actions = Action.objects.select_related("centre", "submitted_by").prefetch_related(*SHEET_PREFETCH, "attachments")
    action = get_object_or_404(actions, slug=slug)
    revision = moderation.pending_revision(action)
    if action.state != PublicationState.PENDING and revision is None:
        messages.info(request, f"« {action.title} » n'attend pas de décision.")
        return redirect("espace:moderation_queue")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                moderation.approve(action, request.user)
                messages.success(request, f"« {action.title} » est publiée.")
            else:
                moderation.reject(action, request.user, form.cleaned_data["reason"])
                messages.success(request, f"« {action.title} » est renvoyée au centre avec le motif du refus.")
        except moderation.NothingToModerate:
            messages.info(request, f"« {action.title} » a déjà été traitée.")
            return redirect("espace:moderation_queue")
        except moderation.ModerationError as error:
            form.add_error(None, str(error))
        else:
            return redirect("espace:moderation_queue")
    if revision is not None:
        rows = sheet_diff(sheet_from_action(action), revision.sheet)
    else:
        rows = sheet_diff(None, sheet_from_action(action))
    if revision is not None:  # the files the revision adds and removes, applied if it is approved
        new_files = [a for a in action.attachments.all() if a.revision_id == revision.pk]
        removed_files = [a for a in action.attachments.all() if a.removal_revision_id == revision.pk]
    else:
        new_files, removed_files = [a for a in action.attachments.all() if a.approved_at is None], []
    return render(
        request,
        "espace/moderation/review.html",
        {
            "action": action,
            "revision": revision,
            "rows": rows,
            "changed_count": sum(row.changed for row in rows),
            "form": form,
            "new_files": new_files,
            "removed_files": removed_files,
        },
        status=400 if form.is_bound and form.errors else 200,
    )


@require_POST
@moderator_required
def keyword_decision(request, pk):
    suggestion = get_object_or_404(
        KeywordSuggestion.objects.select_related("action"), pk=pk, state=SuggestionState.PENDING
    )
    if request.POST.get("decision") == "approve":
        keyword = moderation.approve_keyword(suggestion, request.user)
        messages.success(request, f"Le mot clé « {keyword.label} » est ajouté à la liste et à la fiche.")
    elif request.POST.get("decision") == "reject":
        moderation.reject_keyword(suggestion, request.user)
        messages.success(request, f"Le mot clé proposé « {suggestion.label} » est refusé.")
    else:
        messages.error(request, "Décision inconnue : rien n'a changé.")
    return redirect("espace:moderation_queue")
