"""The moderation pages (``/espace/moderation/``), for users with the ``moderate_action`` permission.

The queue lists the sheets waiting for a decision (new sheets and changes to published ones) with their age and
automatic checks, filtered by région and by check, and publishes a selection at once; the proposed keywords and
the errors visitors reported follow. The review page shows the checks, the word-level diff, the messages with the
centre, and the decision. Every state change is a core service's (``moderation``, ``comments``, ``error_reports``).
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from actions_catalog.core import comments, error_reports, moderation, permissions, review
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import SHEET_PREFETCH, sheet_from_action
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import ErrorReport, KeywordSuggestion, SuggestionState
from actions_catalog.members.diff import sheet_diff
from actions_catalog.members.forms import DecisionForm
from actions_catalog.members.review_forms import CommentForm, QueueFilterForm

#: Submissions per page of the queue.
QUEUE_PAGE_SIZE = 25
#: Errors reported shown in the queue (the oldest first; the admin lists them all).
QUEUE_REPORTS = 50
#: Sheets one « Publier la sélection » publishes at most.
MAX_BULK_APPROVALS = 100
#: The review page's parameter that shows every section, unchanged ones included.
SHOW_ALL = ("rubriques", "toutes")


def moderator_required(view):
    """Anonymous users go to the login page; signed-in users without the permission get a 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not permissions.is_moderator(request.user):
            raise PermissionDenied("Réservé aux modérateurs de la fédération.")
        return view(request, *args, **kwargs)

    return wrapper


def _queue_url(filters: dict, anchor: str = "") -> str:
    query = urlencode(filters)
    return reverse("espace:moderation_queue") + (f"?{query}" if query else "") + anchor


@moderator_required
def queue(request):
    filter_form = QueueFilterForm(request.GET)
    filters = filter_form.filters()
    region = filter_form.cleaned_data.get("region") if filter_form.is_valid() else None
    waiting = review.waiting(region=region.pk if region else None)
    if filters.get("controle"):  # the checks of every waiting sheet, to keep those that raise it
        items = review.review_items(review.submissions_of(waiting))
        items = [item for item in items if filters["controle"] in item.check_codes]
        revision_count = sum(item.revision is not None for item in items)
        new_count = len(items) - revision_count
        page = Paginator(items, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    else:  # the sheets and checks of the page shown only
        revision_count = sum(entry.revision_id is not None for entry in waiting)
        new_count = len(waiting) - revision_count
        page = Paginator(waiting, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
        page.object_list = review.review_items(review.submissions_of(page.object_list))
    suggestions = (
        KeywordSuggestion.objects.filter(state=SuggestionState.PENDING)
        .select_related("action", "suggested_by")
        .order_by("created_at", "pk")
    )
    reports = ErrorReport.objects.open().select_related("action__centre").order_by("created_at", "pk")
    if region is not None:
        reports = reports.filter(action__centre__departement__region=region)
    reports = list(reports[: QUEUE_REPORTS + 1])
    return render(
        request,
        "espace/moderation/queue.html",
        {
            "filter_form": filter_form,
            "filters": filters,
            "page": page,
            "new_count": new_count,
            "revision_count": revision_count,
            "suggestions": suggestions,
            "reports": reports[:QUEUE_REPORTS],
            "more_reports": len(reports) > QUEUE_REPORTS,
            "max_bulk": MAX_BULK_APPROVALS,
        },
        status=400 if filter_form.errors else 200,
    )


@require_POST
@moderator_required
def bulk_approve(request):
    """« Publier la sélection »: each ticked sheet goes through ``moderation.approve``; the messages say which were
    published and why the others were not."""
    filters = QueueFilterForm(request.POST).filters()
    try:
        ids = list(dict.fromkeys(int(value) for value in request.POST.getlist("selection")))
    except ValueError:
        messages.error(request, "La sélection envoyée est illisible : rien n'a été publié.")
        return redirect(_queue_url(filters))
    if not ids:
        messages.error(request, "Cochez au moins une fiche à publier : rien n'a été publié.")
        return redirect(_queue_url(filters))
    if len(ids) > MAX_BULK_APPROVALS:
        messages.error(request, f"{MAX_BULK_APPROVALS} fiches au plus à la fois : rien n'a été publié.")
        return redirect(_queue_url(filters))
    found = Action.objects.in_bulk(ids)
    outcomes = moderation.approve_many([found[pk] for pk in ids if pk in found], request.user)
    published = [outcome for outcome in outcomes if outcome.published]
    if published:
        titles = ", ".join(f"« {outcome.action.title} »" for outcome in published)
        count = len(published)
        messages.success(
            request, f"{count} fiche{'s' if count > 1 else ''} publiée{'s' if count > 1 else ''} : {titles}."
        )
    for outcome in outcomes:
        if outcome.published and outcome.reason:
            messages.warning(request, f"« {outcome.action.title} » est publiée, mais {outcome.reason}.")
        elif not outcome.published:
            messages.error(request, f"« {outcome.action.title} » n'est pas publiée : {outcome.reason}.")
    missing = len([pk for pk in ids if pk not in found])
    if missing:
        messages.error(request, f"{missing} fiche{'s' if missing > 1 else ''} de la sélection n'existe plus.")
    return redirect(_queue_url(filters))


def _review_actions():
    return Action.objects.select_related("centre__departement__region", "submitted_by").prefetch_related(
        *SHEET_PREFETCH, "attachments"
    )


def _under_review(action):
    """The revision under review (or ``None``) and whether a decision is awaited. A sheet that waits for none
    but whose conversation is open (refused, withdrawn to a draft) is still shown, without the decision."""
    revision = moderation.pending_revision(action)
    if action.state == PublicationState.PENDING or revision is not None:
        return revision, True
    return comments.current_revision(action), False


@moderator_required
def review_page(request, slug):
    action = get_object_or_404(review.with_sent_at(_review_actions()), slug=slug)
    revision, awaits_decision = _under_review(action)
    conversation = comments.conversation(action)
    if not awaits_decision and (request.method == "POST" or not conversation.is_open):
        messages.info(request, f"« {action.title} » n'attend pas de décision.")
        return redirect("espace:moderation_queue")
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                moderation.approve(action, request.user, pending_only=True)
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
    return _render_review(
        request,
        action,
        revision,
        conversation=conversation,
        decision_form=form if awaits_decision else None,
        status=400 if form.is_bound and form.errors else 200,
    )


def _render_review(request, action, revision, *, conversation, decision_form, comment_form=None, status=200):
    item = review.review_items([(action, revision)])[0]
    # What the diff compares with: a change, the published sheet; a reprise, the sheet it was taken from (what the
    # centre adapted); any other new sheet, nothing.
    base, source = item.published, None
    if revision is None and action.inspired_by_id is not None:
        source = _review_actions().filter(pk=action.inspired_by_id).first()
        base = sheet_from_action(source) if source is not None else None
    rows = sheet_diff(base, item.proposed)
    show_all = request.GET.get(SHOW_ALL[0]) == SHOW_ALL[1]
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
            "item": item,
            "rows": rows,
            "changed_count": sum(row.changed for row in rows),
            "compared": base is not None,
            "source": source,
            "before_label": "Version publiée" if revision is not None else "Fiche d'origine",
            "show_all": show_all,
            "show_all_query": urlencode([SHOW_ALL]),
            "form": decision_form,
            "conversation": conversation,
            "comment_form": comment_form or CommentForm(label="Votre message au centre"),
            "new_files": new_files,
            "removed_files": removed_files,
        },
        status=status,
    )


@require_POST
@moderator_required
def review_comment(request, slug):
    """A moderator's message to the centre, from the review page."""
    action = get_object_or_404(review.with_sent_at(_review_actions()), slug=slug)
    form = CommentForm(request.POST, label="Votre message au centre")
    if form.is_valid():
        try:
            comments.add_comment(action, request.user, form.cleaned_data["text"], from_moderation=True)
        except comments.CommentError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, "Votre message est envoyé au centre.")
            return redirect(reverse("espace:moderation_review", kwargs={"slug": action.slug}) + "#echanges")
    revision, awaits_decision = _under_review(action)
    return _render_review(
        request,
        action,
        revision,
        conversation=comments.conversation(action),
        decision_form=DecisionForm() if awaits_decision else None,
        comment_form=form,
        status=400,
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


@require_POST
@moderator_required
def report_handled(request, pk):
    """« Marquer comme traité » on an error a visitor reported."""
    report = get_object_or_404(ErrorReport.objects.select_related("action"), pk=pk)
    error_reports.mark_handled(report, request.user)
    messages.success(request, f"Le signalement sur « {report.action.title} » est marqué comme traité.")
    return redirect(_queue_url(QueueFilterForm(request.POST).filters(), "#signalements"))
