"""The member area (``/espace/``): a dashboard of the member's centres' actions, the sheet form (its preview and
autosaves), and files.

Views are thin: they find what the user may see (404 otherwise), validate with ``SheetEditor`` and call
``services``. A member only ever reaches the actions of their own centres.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from actions_catalog.catalogue import french, sheet_page
from actions_catalog.core import autosaves, identities, invitations, permissions, similarity, submissions
from actions_catalog.core.choices import PublicationState
from actions_catalog.core.mapper import SHEET_PREFETCH, sheet_from_action
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import ActionRevision, Attachment, AttachmentType
from actions_catalog.core.text import normalize_key
from actions_catalog.members.forms import InvitationForm, SheetEditor
from centres.models import Centre, MembershipInvitation


@login_required
def dashboard(request):
    centres = list(permissions.member_centres(request.user))
    open_revisions = Prefetch("revisions", queryset=ActionRevision.objects.open(), to_attr="open_revisions")
    actions = (
        permissions.member_actions(request.user)
        .select_related("centre")
        .prefetch_related(open_revisions)
        .annotate(comment_count=Count("comments", distinct=True))
        .order_by("centre__name", "title")
    )
    awaiting = MembershipInvitation.objects.pending().filter(user=request.user).select_related("centre")
    return render(
        request,
        "espace/dashboard.html",
        {
            "centres": centres,
            "actions": actions,
            "is_moderator": permissions.is_moderator(request.user),
            "awaiting_approval": list(awaiting),
        },
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
        autosave = autosaves.for_form(request.user, action)
        if autosave is not None:
            context.update(autosave=autosave, autosave_when=french.moment(autosave.updated_at))
            saved = (revision or action).updated_at if action is not None else None
            if saved is not None and saved > autosave.updated_at:  # someone saved the sheet since
                context["saved_since"] = french.moment(saved)
        if autosave is not None and request.GET.get("brouillon-auto") == "reprendre":
            editor = SheetEditor.restored(autosave.data, centres=centres, action=action, sheet=sheet, revision=revision)
            return _render_form(request, editor, {**context, "restored": True})
        editor = SheetEditor(centres=centres, action=action, sheet=sheet, revision=revision)
        return _render_form(request, editor, context)
    if "more_rows" in request.POST:
        editor = SheetEditor.with_more_rows(
            request.POST, centres=centres, action=action, sheet=sheet, revision=revision
        )
        return _render_form(request, editor, {**context, "rows_added": request.POST["more_rows"]})
    editor = SheetEditor(request.POST, request.FILES, centres=centres, action=action, sheet=sheet, revision=revision)
    intent = request.POST.get("intent")
    send = intent == "send"
    if intent == "preview":
        return _preview(request, editor, context)
    if not editor.is_valid():
        return _render_form(request, editor, context, status=400)
    new_sheet = editor.to_sheet()
    clash = title_taken(editor.form.cleaned_data["centre"], new_sheet.title, exclude=action)
    if clash is not None:
        editor.form.add_error("title", f"Ce centre a déjà une action intitulée « {clash.title} » : changez le titre.")
        return _render_form(request, editor, context, status=400)
    confirmed_duplicates = []
    if send and _title_changed(action, sheet, new_sheet):
        similar = similarity.similar_actions(
            editor.form.cleaned_data["centre"], new_sheet.title, exclude=[action, source]
        )
        if similar and not editor.confirmed_duplicate:
            editor.duplicates = similar
            return _render_form(request, editor, context)
        confirmed_duplicates = similar  # found again here: what the member confirmed is recorded for moderators
    submission = submissions.Submission(
        user=request.user,
        sheet=new_sheet,
        send=send,
        new_keyword=editor.new_keyword,
        uploads=editor.uploads,
        remove=editor.removed,
        confirmed_duplicates=confirmed_duplicates,
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


def _preview(request, editor: SheetEditor, context: dict):
    """« Prévisualiser »: the sheet as its public page will show it, saved nowhere. The form's script asks for
    the preview alone (``fragment``) and shows it in the page, the form and its chosen files untouched; without
    JavaScript the page comes back with the preview above the form, every field kept but the files (a browser
    cannot be made to send them again: the page says so)."""
    fragment = request.POST.get("fragment") == "1"
    if not editor.is_valid():
        if fragment:
            summary = {"error_summary": editor.error_summary(), "preview_failed": True}
            return render(request, "espace/includes/error_summary.html", summary, status=400)
        return _render_form(request, editor, {**context, "preview_failed": True}, status=400)
    centre = Centre.objects.select_related("departement__region").get(pk=editor.form.cleaned_data["centre"].pk)
    removed = {attachment.pk for attachment in editor.removed}
    files = [
        a for a in editor.form.fields["remove_attachments"].queryset.order_by("created_at", "pk") if a.pk not in removed
    ]
    action, page = sheet_page.preview(editor.to_sheet(), centre, action=editor.action, attachments=files)
    preview = {"preview_action": action, "preview_sheet": page, "files_not_kept": bool(request.FILES)}
    if fragment:
        return render(request, "espace/includes/preview.html", preview)
    return _render_form(request, editor, {**context, **preview})


def _render_form(request, editor: SheetEditor, context: dict, status: int = 200):
    action = context["action"]
    context = {
        **context,
        "form_url": _form_url(action),
        "autosave_url": _form_url(action, "autosave"),
        "autosave_discard_url": _form_url(action, "autosave_discard"),
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


# -- Autosaves of the form ---------------------------------------------------------------------------------


def _form_url(action, view: str = "action") -> str:
    """The address of the sheet form of ``action`` (a new sheet: ``None``), or of its autosave ``view``."""
    if action is None:
        return reverse(f"espace:{view}_create")
    return reverse(f"espace:{view}_edit", kwargs={"slug": action.slug})


def _autosaved_form(request, slug):
    """The action whose form is autosaved (``None``: a new sheet), if the member may edit it (404 otherwise)."""
    if slug is None:
        if not permissions.can_autosave(request.user, None):
            raise PermissionDenied("Votre compte n'est rattaché à aucun centre.")
        return None
    action = get_object_or_404(permissions.member_actions(request.user), slug=slug)
    if not permissions.can_autosave(request.user, action):
        raise Http404("Action introuvable.")
    return action


@require_POST
def autosave(request, slug=None):
    """The form's script posts the form's fields here every minute while the member types (CSRF-checked): kept as
    the member's autosave of that form (``autosaves.record``), never as a sheet. Answers JSON, in French."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {
                "error": "Votre session a expiré : reconnectez-vous (dans un autre onglet) pour reprendre "
                "l'enregistrement automatique, puis enregistrez le brouillon."
            },
            status=403,
        )
    try:
        size = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    if size > settings.AUTOSAVE_MAX_BYTES:  # refused before the body is read
        return JsonResponse({"error": autosaves.too_large_message()}, status=413)
    action = _autosaved_form(request, slug)
    try:
        saved = autosaves.record(request.user, action, SheetEditor.form_state(request.POST))
    except autosaves.AutosaveRefused as refusal:
        return JsonResponse({"error": str(refusal)}, status=refusal.status)
    return JsonResponse(
        {
            "saved_at": saved.updated_at.isoformat(),
            "message": f"Dernier enregistrement à {french.time_of_day(saved.updated_at)}",
        }
    )


@login_required
@require_POST
def autosave_discard(request, slug=None):
    """« L'écarter »: the member's autosave of this form is deleted; the form shows the saved sheet."""
    action = _autosaved_form(request, slug)
    autosaves.clear(request.user, action)
    messages.success(request, "L'enregistrement automatique est écarté : le formulaire montre la fiche enregistrée.")
    return redirect(_form_url(action))


# -- Invitations of colleagues -------------------------------------------------------------------------------


@login_required
def centre_invite(request, slug):
    """A member invites a colleague to one of their centres (403 for another centre); an admin approves."""
    centre = get_object_or_404(Centre, slug=slug)
    if not permissions.can_invite(request.user, centre):
        raise PermissionDenied("Vous n'êtes pas membre de ce centre.")
    form = InvitationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                invitation = invitations.invite(inviter=request.user, centre=centre, email=form.cleaned_data["email"])
            except invitations.InvitationError as error:
                form.add_error("email", str(error))
                status = error.status
            else:
                messages.success(
                    request,
                    f"L'invitation est envoyée à {invitation.email}. Son rattachement à « {centre} » prendra effet "
                    "quand la fédération l'aura validé.",
                )
                return redirect("espace:centre_invite", slug=centre.slug)
    pending = MembershipInvitation.objects.pending().filter(centre=centre).select_related("invited_by")
    context = {"centre": centre, "form": form, "pending": list(pending)}
    return render(request, "espace/centre_invite.html", context, status=status)
