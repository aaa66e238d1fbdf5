"""The admin's imports of actions, as background jobs: upload, dry run (report by line and column), confirm,
progress, summary.

The uploaded file is kept in the ``default`` storage (so that any app server and any worker reads it) until it
expires (``UPLOAD_LIFETIME``); nothing is kept in the session. The dry run and the import are jobs of
``importers.file_imports``; their pages refresh themselves while they run.
"""

import os
import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename

from actions_catalog.jobs import queue
from actions_catalog.jobs.models import Job, JobState
from importers import file_imports, uploads

#: How long an uploaded file waits for its confirmation.
UPLOAD_LIFETIME = timedelta(days=1)
#: Seconds between two reloads of the page of a running job.
REFRESH_SECONDS = 2


class ActionFileForm(forms.Form):
    import_file = forms.FileField(
        label="Fichier à importer",
        help_text="Un fichier de fiches (texte extrait du site, .txt) ou un export des actions (.csv, .xlsx, .json), "
        "avec les colonnes de l'export (en-têtes en français ou clés).",
    )
    only_valid = forms.BooleanField(
        label="Importer seulement les fiches valides",
        required=False,
        help_text="Sans cette case, une seule fiche invalide et rien n'est importé.",
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        extension = os.path.splitext(upload.name)[1].lower().lstrip(".")
        if extension not in file_imports.FORMATS:
            raise ValidationError("Format inconnu : envoyez un fichier .txt, .csv, .xlsx ou .json.")
        limit = settings.CATALOGUE_MAX_IMPORT_SIZE
        if (upload.size or 0) > limit:
            raise ValidationError(
                f"Le fichier est trop gros ({filesizeformat(upload.size)}) : la limite est de {filesizeformat(limit)}."
            )
        upload.seek(0)
        head = upload.read(4)
        upload.seek(0)
        if extension == "xlsx" or uploads.is_zip(head):
            if extension != "xlsx":
                raise ValidationError("Ce fichier est une archive (XLSX ?) : envoyez-le avec l'extension .xlsx.")
            uploads.check_xlsx(upload.read())
            upload.seek(0)
        upload.format = file_imports.FORMATS[extension]
        return upload


class ConfirmForm(forms.Form):
    only_valid = forms.BooleanField(label="Importer seulement les fiches valides", required=False)


def _context(model_admin, request, title: str) -> dict:
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, "title": title}


def upload_view(model_admin, request):
    """The form; a valid upload is stored and checked by a dry-run job, whose page the browser goes to."""
    if not model_admin.has_upload_permission(request):
        raise PermissionDenied
    form = ActionFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["import_file"]
        original = os.path.basename(upload.name)[:200]
        stored = default_storage.save(f"imports/{uuid.uuid4().hex}/{get_valid_filename(original) or 'fichier'}", upload)
        job = queue.submit(
            file_imports.HANDLER,
            label=f"Vérification de « {original} »",
            params={
                "name": original,
                "format": upload.format,
                "dry_run": True,
                "only_valid": form.cleaned_data["only_valid"],
            },
            created_by=request.user,
            file=stored,
            expires_at=timezone.now() + UPLOAD_LIFETIME,
            max_attempts=1,
        )
        return HttpResponseRedirect(reverse("admin:actions_catalog_action_import_job", args=[job.pk]))
    context = _context(model_admin, request, "Importer des actions")
    context.update(form=form, max_size=settings.CATALOGUE_MAX_IMPORT_SIZE)
    return TemplateResponse(
        request, "admin/actions_catalog/action/import_file.html", context, status=400 if form.errors else 200
    )


def _import_job(model_admin, request, pk) -> Job:
    if not model_admin.has_upload_permission(request):
        raise PermissionDenied
    return get_object_or_404(Job, pk=pk, handler=file_imports.HANDLER)


def job_view(model_admin, request, pk):
    """A dry run or an import: its progress while it runs, then its summary and problems (and, after a dry run,
    the confirmation)."""
    job = _import_job(model_admin, request, pk)
    can_confirm = (
        job.state == JobState.SUCCEEDED and job.params.get("dry_run") and bool(job.file) and _confirmed(job) is None
    )
    context = _context(model_admin, request, job.label)
    context.update(
        job=job,
        result=job.result,
        refresh=REFRESH_SECONDS if job.is_open else None,
        confirm_form=ConfirmForm(initial={"only_valid": job.params.get("only_valid")}) if can_confirm else None,
        confirmed=_confirmed(job),
    )
    return TemplateResponse(request, "admin/actions_catalog/action/import_job.html", context)


def _confirmed(dry_run: Job) -> Job | None:
    return Job.objects.filter(handler=file_imports.HANDLER, params__checked=dry_run.pk).first()


def confirm_view(model_admin, request, pk):
    """Start the import that the dry run ``pk`` checked (once)."""
    dry_run = _import_job(model_admin, request, pk)
    if request.method != "POST":
        return HttpResponseRedirect(reverse("admin:actions_catalog_action_import_job", args=[pk]))
    if (done := _confirmed(dry_run)) is not None:
        return HttpResponseRedirect(reverse("admin:actions_catalog_action_import_job", args=[done.pk]))
    if not (dry_run.params.get("dry_run") and dry_run.state == JobState.SUCCEEDED and dry_run.file):
        raise Http404("Ce fichier n'attend pas de confirmation (il a expiré ?) : envoyez-le de nouveau.")
    form = ConfirmForm(request.POST)
    form.is_valid()
    params = dry_run.params
    job = queue.submit(
        file_imports.HANDLER,
        label=f"Import de « {params['name']} »",
        params={
            "name": params["name"],
            "format": params["format"],
            "dry_run": False,
            "only_valid": bool(form.cleaned_data.get("only_valid")),
            "checked": dry_run.pk,
        },
        dedup_key=f"import:{dry_run.pk}",
        created_by=request.user,
        file=dry_run.file,
        max_attempts=1,
    )
    # The file now belongs to the import: it is deleted with it, not with the dry run.
    Job.objects.filter(pk=dry_run.pk).update(file="", expires_at=None)
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() + UPLOAD_LIFETIME)
    return HttpResponseRedirect(reverse("admin:actions_catalog_action_import_job", args=[job.pk]))
