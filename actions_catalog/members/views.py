"""The member area (``/espace/``): a dashboard of the member's centres' actions, the sheet form, and files.

Views are thin: they find what the user may see (404 otherwise), validate with ``SheetEditor`` and call
``services``. A member only ever reaches the actions of their own centres.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from actions_catalog.core import identities, permissions, similarity, submissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import SHEET_PREFETCH, sheet_from_action
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import ActionRevision, Attachment, AttachmentType
from actions_catalog.core.text import normalize_key
from actions_catalog.members.forms import SheetEditor
from centres.models import Centre


@login_required
def dashboard(request):
    centres = list(permissions.member_centres(request.user))
    open_revisions = Prefetch("revisions", queryset=ActionRevision.objects.open(), to_attr="open_revisions")
    actions = (
        permissions.member_actions(request.user)
        .select_related("centre")
        .prefetch_related(open_revisions)
        .order_by("centre__name", "title")
    )
    return render(
        request,
        "espace/dashboard.html",
        {"centres": centres, "actions": actions, "is_moderator": permissions.is_moderator(request.user)},
    )


@login_required
def action_create(request):
    """A new sheet; ``?depuis=<slug>`` starts it from that published action (« Reprendre cette action »)."""
    centres = permissions.member_centres(request.user)
    if not centres.exists():
        raise PermissionDenied("Votre compte n'est rattaché à aucun centre.")
    source = _reprise_source(request)
    sheet = submissions.reprise_sheet(source) if source is not None else None
    return _edit(request, centres=centres, action=None, sheet=sheet, source=source)


def _reprise_source(request):
    """The published action named by ``?depuis=`` (404 for any other value), or ``None`` without it."""
    if submissions.REPRISE_PARAMETER not in request.GET:
        return None
    sources = Action.objects.published().select_related("centre").prefetch_related(*SHEET_PREFETCH)
    return get_object_or_404(sources, slug=request.GET[submissions.REPRISE_PARAMETER])


@login_required
def action_edit(request, slug):
    actions = permissions.member_actions(request.user).select_related("centre").prefetch_related(*SHEET_PREFETCH)
    action = get_object_or_404(actions, slug=slug)
    revision = None
    if action.state == PublicationState.PUBLISHED:
        revision = action.revisions.open().first()
    sheet = revision.sheet if revision is not None else sheet_from_action(action)
    centres = Centre.objects.filter(pk=action.centre_id)
    return _edit(request, centres=centres, action=action, sheet=sheet, revision=revision)


def _edit(request, *, centres, action, sheet, revision=None, source=None):
    context = {"action": action, "revision": revision, "is_new": action is None, "source": source}
    if request.method != "POST":
        editor = SheetEditor(centres=centres, action=action, sheet=sheet, revision=revision)
        return _render_form(request, editor, context)
    if "more_rows" in request.POST:
        editor = SheetEditor.with_more_rows(
            request.POST, centres=centres, action=action, sheet=sheet, revision=revision
        )
        return _render_form(request, editor, {**context, "rows_added": request.POST["more_rows"]})
    editor = SheetEditor(request.POST, request.FILES, centres=centres, action=action, sheet=sheet, revision=revision)
    send = request.POST.get("intent") == "send"
    if not editor.is_valid():
        return _render_form(request, editor, context, status=400)
    new_sheet = editor.to_sheet()
    clash = title_taken(editor.form.cleaned_data["centre"], new_sheet.title, exclude=action)
    if clash is not None:
        editor.form.add_error("title", f"Ce centre a déjà une action intitulée « {clash.title} » : changez le titre.")
        return _render_form(request, editor, context, status=400)
    if send and not editor.confirmed_duplicate and _title_changed(action, sheet, new_sheet):
        editor.duplicates = similarity.similar_actions(
            editor.form.cleaned_data["centre"], new_sheet.title, exclude=[action, source]
        )
        if editor.duplicates:
            return _render_form(request, editor, context)
    submission = submissions.Submission(
        user=request.user,
        sheet=new_sheet,
        send=send,
        new_keyword=editor.new_keyword,
        uploads=editor.uploads,
        remove=editor.removed,
        inspired_by=source,
    )
    try:
        result = submissions.save_submission(submission, action=action)
    except submissions.SubmissionError as error:
        editor.add_error(str(error))
        return _render_form(
            request, editor, context, status=429 if isinstance(error, submissions.SubmissionLimitReached) else 400
        )
    messages.success(request, _saved_message(result))
    return redirect("espace:dashboard")


def title_taken(centre, title: str, *, exclude=None):
    """The form's check before saving: another action of ``centre`` already has this title (or alias). The
    writer refuses it anyway (``TitleTaken``), when another request takes the title after this check."""
    return identities.find_action(centre.pk, title, exclude=exclude)


def _title_changed(action, old_sheet, new_sheet) -> bool:
    return action is None or normalize_key(old_sheet.title) != normalize_key(new_sheet.title)


def _saved_message(result: submissions.SubmissionResult) -> str:
    title = result.action.title
    if result.revision is not None:
        if result.sent:
            return (
                f"Votre modification de « {title} » est envoyée pour validation. "
                "La version publiée reste en ligne jusqu'à la décision de la fédération."
            )
        return f"Votre modification de « {title} » est enregistrée comme brouillon (la version publiée est inchangée)."
    if result.sent:
        return f"« {title} » est envoyée pour validation : la fédération vous répondra par e-mail."
    return f"Le brouillon « {title} » est enregistré."


def _render_form(request, editor: SheetEditor, context: dict, status: int = 200):
    context = {
        **context,
        "editor": editor,
        "form": editor.form,
        "formset": editor.formset,
        "error_summary": editor.error_summary() if editor.form.is_bound else [],
        "funding_total": editor.formset.total(),
        "attachments": list(editor.form.fields["remove_attachments"].queryset),
    }
    return render(request, "espace/action_form.html", context, status=status)


@require_GET
def attachment_download(request, pk):
    """A file of an action: anyone once the action and the file are published; else members and moderators."""
    attachment = get_object_or_404(Attachment.objects.select_related("action"), pk=pk)
    if not permissions.can_view_attachment(request.user, attachment):
        raise Http404("Fichier introuvable.")
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404("Fichier introuvable.") from error
    response = FileResponse(
        handle,
        content_type=attachment.content_type,
        as_attachment=attachment.content_type == AttachmentType.PDF,
        filename=attachment.original_name,
    )
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if not attachment.approved_at or attachment.action.state != PublicationState.PUBLISHED:
        response["Cache-Control"] = "private, no-store"
    return response
