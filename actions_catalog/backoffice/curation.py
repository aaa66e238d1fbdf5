"""What every curated model's admin shares: history, import/export, probable duplicates, merging, renames.

Used by ``actions_catalog/admin.py`` and ``centres/admin.py``. The logic lives in services
(``curation``, ``duplicates``, ``merging``, ``importers.uploads``); the views here only check permissions,
validate a form, call a service and answer.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm, ImportForm
from simple_history.admin import SimpleHistoryAdmin

from actions_catalog.core import curation, merging, permissions, slugs
from actions_catalog.core import similarity as duplicates
from importers import uploads

ADMIN_MEDIA_CSS = {"all": ["css/admin-curation.css"]}


class UsageFilter(admin.SimpleListFilter):
    """Records used by at least one action, or by none (candidates for a merge or a deletion)."""

    title = "utilisation"
    parameter_name = "utilise"

    def lookups(self, request, model_admin):
        return [("oui", "Utilisé par des actions"), ("non", "Utilisé par aucune action")]

    def queryset(self, request, queryset):
        if self.value() == "oui":
            return queryset.filter(actions__isnull=False).distinct()
        if self.value() == "non":
            return queryset.filter(actions__isnull=True)
        return queryset


class SafeXLSX(base_formats.XLSX):
    """XLSX whose archive is checked (entries, declared size) before openpyxl opens it, on every path."""

    def create_dataset(self, in_stream):
        uploads.check_xlsx(in_stream)
        return super().create_dataset(in_stream)


#: The formats of the admin's imports and exports.
FORMATS = [base_formats.CSV, SafeXLSX, base_formats.JSON]


class CuratedImportForm(ImportForm):
    """The import form, with the upload limits checked before the file is stored or parsed."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.formats = formats
        self.fields["import_file"].label = "Fichier à importer"
        self.fields["import_file"].help_text = "CSV, XLSX ou JSON, 10 Mo au plus, avec les colonnes de l'export."

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is None:
            return cleaned
        try:
            data = uploads.read_upload(upload)
            chosen = cleaned.get("format")
            xlsx = chosen not in (None, "") and issubclass(self.formats[int(chosen)], base_formats.XLSX)
            if xlsx or uploads.is_zip(data):
                uploads.check_xlsx(data)
        except ValidationError as error:
            self.add_error("import_file", error)
        return cleaned


class MergeForm(forms.Form):
    survivor = forms.ChoiceField(
        label="Élément à garder",
        widget=forms.RadioSelect,
        help_text="Les autres y sont fusionnés : leurs relations passent à celui-ci et leurs noms deviennent ses "
        "autres noms.",
    )

    def __init__(self, *args, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].choices = [(str(record.pk), str(record)) for record in records]


class CuratedAdmin(ImportExportMixin, SimpleHistoryAdmin):
    """Admin of a curated model: facets, history (view and revert), import/export, duplicates and merges."""

    show_facets = admin.ShowFacets.ALWAYS
    import_formats = FORMATS
    export_formats = FORMATS
    import_form_class = CuratedImportForm
    #: The plain export form: the export schema is a contract, and the library's field picker has inline JS.
    export_form_class = ExportForm
    import_export_change_list_template = "admin/curation/change_list.html"
    import_error_display = ("message", "row")
    #: The keyword that switches a resource between its spreadsheet-safe form (CSV, XLSX) and JSON.
    spreadsheet_kwarg = "spreadsheet"
    #: Whether the model has a "doublons probables" page and a merge.
    curates_duplicates = True
    actions = ["merge_selected"]

    # -- Import / export ---------------------------------------------------------------------------------

    def get_export_resource_kwargs(self, request, **kwargs):
        spreadsheet = True
        form = kwargs.get("export_form")
        if form is not None and form.is_valid() and form.cleaned_data.get("format") not in (None, ""):
            chosen = self.get_export_formats()[int(form.cleaned_data["format"])]
            spreadsheet = not issubclass(chosen, base_formats.JSON)
        return {self.spreadsheet_kwarg: spreadsheet}

    def get_import_resource_kwargs(self, request, **kwargs):
        return {}

    # -- Saving: renames keep aliases, search data stays fresh ------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "slug" in form.base_fields:
            form.base_fields["slug"].required = False
            form.base_fields["slug"].help_text = "Laissé vide, il est fait à partir du nom."
        return form

    def save_model(self, request, obj, form, change):
        previous = curation.stored_version(obj) if change else None
        if not obj.slug:
            obj.slug = slugs.unique_slug(type(obj), str(obj), exclude_pk=obj.pk)
        super().save_model(request, obj, form, change)
        curation.keep_previous_name(obj, previous)

    # -- Changelist links --------------------------------------------------------------------------------

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        extra_context["curation_links"] = self.curation_links(request)
        return super().changelist_view(request, extra_context)

    def curation_links(self, request) -> list[tuple[str, str]]:
        links = []
        if self.curates_duplicates and self.has_change_permission(request):
            links.append((reverse(self.url_name("duplicates")), "Doublons probables"))
        return links

    def url_name(self, view: str) -> str:
        return f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}"

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        urls = [
            path("doublons/", self.admin_site.admin_view(self.duplicates_view), name=f"{info}_duplicates"),
            path("fusionner/", self.admin_site.admin_view(self.merge_view), name=f"{info}_merge"),
        ]
        return urls + super().get_urls()

    # -- Duplicates and merges ---------------------------------------------------------------------------

    def has_merge_permission(self, request) -> bool:
        return permissions.can_merge(request.user, self.opts)

    def duplicates_view(self, request):
        if not self.curates_duplicates or not self.has_change_permission(request):
            raise PermissionDenied
        found = duplicates.find_duplicates(self.model)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Doublons probables : {self.opts.verbose_name_plural}",
            "duplicates": found,
            "can_merge": self.has_merge_permission(request),
            "merge_url": reverse(self.url_name("merge")),
            "scope_label": {"centre": "Département", "action": "Centre"}.get(self.opts.model_name),
        }
        return TemplateResponse(request, "admin/curation/duplicates.html", context)

    @admin.action(description="Fusionner les éléments sélectionnés…")
    def merge_selected(self, request, queryset):
        ids = ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
        return HttpResponseRedirect(reverse(self.url_name("merge")) + "?" + urlencode({"ids": ids}))

    def get_actions(self, request):
        found = super().get_actions(request)
        if not self.curates_duplicates or not self.has_merge_permission(request):
            found.pop("merge_selected", None)
        return found

    def merge_view(self, request):
        if not self.curates_duplicates or not self.has_merge_permission(request):
            raise PermissionDenied
        raw_ids = request.POST.get("ids") or request.GET.get("ids") or ""
        try:
            ids = sorted({int(pk) for pk in raw_ids.split(",") if pk.strip()})
        except ValueError:
            ids = []
        records = list(self.get_queryset(request).filter(pk__in=ids).order_by("pk"))
        changelist = reverse(self.url_name("changelist"))
        if len(records) < 2:
            self.message_user(request, "Choisissez au moins deux éléments à fusionner.", messages.WARNING)
            return HttpResponseRedirect(changelist)
        form = MergeForm(request.POST or None, records=records)
        error = None
        if request.method == "POST" and form.is_valid():
            by_pk = {str(record.pk): record for record in records}
            survivor = by_pk[form.cleaned_data["survivor"]]
            others = [record for record in records if record.pk != survivor.pk]
            try:
                result = merging.merge(survivor, others, user=request.user)
            except merging.MergeError as problem:
                error = str(problem)
            except DatabaseError as problem:
                error = f"La fusion a échoué et rien n'a été modifié : {problem}"
            else:
                self.message_user(request, self.merge_message(result), messages.SUCCESS)
                return HttpResponseRedirect(reverse(self.url_name("change"), args=[survivor.pk]))
        if error is None and request.method == "GET":
            error = self.merge_refusal(records)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Fusionner des {self.opts.verbose_name_plural}",
            "form": form,
            "records": [(record, self.merge_details(record)) for record in records],
            "ids": ",".join(str(record.pk) for record in records),
            "error": error,
        }
        return TemplateResponse(request, "admin/curation/merge.html", context, status=400 if error else 200)

    def merge_refusal(self, records) -> str | None:
        """Why these records cannot be merged, said before the admin chooses (``None`` when they can)."""
        return None

    def merge_details(self, record) -> list[tuple[str, object]]:
        """What the merge page shows of each record, to help choose the one to keep."""
        return []

    def merge_message(self, result: merging.MergeResult) -> str:
        names = ", ".join(f"« {name} »" for name in result.merged)
        message = f"{names} fusionné(s) dans « {result.survivor} » ; leurs noms sont gardés comme autres noms."
        if result.merged_actions:
            message += " Actions fusionnées au passage : " + ", ".join(result.merged_actions) + "."
        return message
