"""The sheet form (every section of an action sheet), its funding-line formset, the invitation of a colleague,
and the moderator's decision.

``SheetEditor`` binds the form and the formset together and produces a ``SheetData``: the same shape the
parser produces, written by the same loader. Centre, state and owner never come from the POST data.
"""

import re
from collections.abc import Iterable
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef
from django.forms.renderers import Jinja2
from django.forms.utils import ErrorDict, ErrorList
from django.http import QueryDict
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from actions_catalog.core import identities
from actions_catalog.core.amounts import parse_amount
from actions_catalog.core.attachments import ALLOWED_EXTENSIONS, check_upload
from actions_catalog.core.choices import Dimension, Initiative, Public, PublicationState, Status, Territory
from actions_catalog.core.limits import (
    MAX_FUNDING_LINES,
    MAX_KEYWORDS,
    MAX_LABEL_LENGTH,
    MAX_PARTNERS,
    MAX_REASON_LENGTH,
    MAX_TEXT_LENGTH,
    MAX_TITLE_LENGTH,
)
from actions_catalog.core.mapper import FORM_SOURCE
from actions_catalog.core.models import MIN_ACTION_YEAR, ActionPartner, Keyword, Partner
from actions_catalog.core.sheet import FundingLineData, SheetData, SourceRef, regroup
from actions_catalog.core.submission_models import Attachment
from actions_catalog.core.submissions import sheet_attachments
from actions_catalog.core.text import normalize_key
from actions_catalog.members.templatetags.form_fields import is_option_group

#: No funding line or budget of a centre's action comes near this: a larger figure is a typing mistake.
MAX_AMOUNT = Decimal("10000000")
MAX_YEAR_SPAN = 30
#: SheetData fields the form does not ask: a sheet being edited keeps its own (what its scraped sheet said of
#: its files; the form's files are attachments).
NOT_IN_FORM = frozenset({"declares_files", "files_text", "partner_groups"})
#: POST keys that name server-set state: their presence means the form was tampered with.
FORBIDDEN_KEYS = ("state", "published_at", "submitted_by", "rejection_reason", "owner", "centre_id", "inspired_by")

YEARS_HELP = "Par exemple : 2023, ou 2021-2023, ou 2021, 2023."
YEARS_OPTIONAL_HELP = "Facultatif pour cette fiche, qui n'en indiquait pas. " + YEARS_HELP

CHOICE_ERRORS = {"invalid_choice": "Valeur inconnue « %(value)s » : choisissez l'une des valeurs proposées."}


def _max_year() -> int:
    return timezone.localdate().year + 2


class FrenchTextField(forms.CharField):
    """Free text of a sheet: line endings made ``\\n``, length bounded."""

    def __init__(self, *, max_length=MAX_TEXT_LENGTH, textarea=True, **kwargs):
        kwargs.setdefault("required", False)
        if textarea:
            kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 5}))
        super().__init__(max_length=max_length, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class AmountField(forms.CharField):
    """An amount in euros written the French way (``13 500``, ``1 250,50 €``), read by the importer's parser.

    ``signed``: a negative amount (``-200``) is read, for the form to accept it or not (a funding line marked as a
    refund or an expense)."""

    _LOOKS_NUMERIC = re.compile(r"^-?[\d \u00a0\u202f.,]+\s*(?:€|euros?)?$", re.IGNORECASE)

    def __init__(self, *, signed: bool = False, **kwargs):
        self.signed = signed
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}))
        super().__init__(max_length=30, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        if text.lstrip().startswith("-") and not self.signed:
            raise ValidationError("Un montant ne peut pas être négatif.", code="negative")
        amount = parse_amount(text, signed=self.signed)
        if amount is None and self._LOOKS_NUMERIC.match(text):
            amount = MAX_AMOUNT + 1  # too many digits for the importer's parser: a figure all the same
        if amount is None:
            raise ValidationError(
                f"« {text} » n'est pas un montant lisible : écrivez par exemple 1 500 ou 1 500,50.", code="invalid"
            )
        if abs(amount) > MAX_AMOUNT:
            raise ValidationError(
                "Ce montant est improbable pour une action de centre social (10 000 000 € au plus) : "
                "vérifiez le nombre de chiffres.",
                code="absurd",
            )
        return amount


class YearsField(forms.CharField):
    """``2023``, ``2022, 2023`` or ``2021-2023`` → ``[2021, 2022, 2023]``."""

    _RANGE = re.compile(r"^(\d{4})\s*(?:-|–|à)\s*(\d{4})$")

    def __init__(self, **kwargs):
        super().__init__(max_length=100, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(year) for year in value)
        return value

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return []
        years: set[int] = set()
        for part in re.split(r"[,;/]|\bet\b", text):
            part = part.strip()
            if not part:
                continue
            if match := self._RANGE.match(part):
                first, last = int(match[1]), int(match[2])
                if last < first or last - first > MAX_YEAR_SPAN:
                    raise ValidationError(f"« {part} » n'est pas une période lisible (par exemple 2021-2023).")
                years.update(range(first, last + 1))
            elif part.isdigit() and len(part) == 4:
                years.add(int(part))
            else:
                raise ValidationError(f"« {part} » n'est pas une année : écrivez par exemple 2023, ou 2021-2023.")
        for year in years:
            if not MIN_ACTION_YEAR <= year <= _max_year():
                raise ValidationError(f"{year} : l'année doit être comprise entre {MIN_ACTION_YEAR} et {_max_year()}.")
        return sorted(years)


class LabelListWidget(forms.Widget):
    """Several text inputs of one name (the values, then a few empty ones), suggesting known labels.

    Without JavaScript, a ``<datalist>`` offers the existing labels as the member types.
    """

    def __init__(self, *, item_label: str, datalist_id: str, extra: int = 3, attrs=None):
        super().__init__(attrs)
        self.item_label = item_label
        self.datalist_id = datalist_id
        self.extra = extra
        self.suggestions: Iterable[str] = []  # a queryset of labels, read when the widget renders

    def value_from_datadict(self, data, files, name):
        return data.getlist(name) if hasattr(data, "getlist") else data.get(name, [])

    def value_omitted_from_data(self, data, files, name):
        return name not in data

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        base_id = attrs.pop("id", f"id_{name}")
        values = [v for v in (value or []) if v] + [""] * self.extra
        items = []
        for index, text in enumerate(values):
            input_id = base_id if index == 0 else f"{base_id}_{index}"
            label = ""
            if index:
                label = format_html(
                    '<label class="visually-hidden" for="{}">{} {}</label>', input_id, self.item_label, index + 1
                )
            extra_attrs = format_html_join(" ", '{}="{}"', sorted(attrs.items()))
            items.append(
                format_html(
                    '<li>{}<input type="text" name="{}" id="{}" value="{}" list="{}" maxlength="{}" {}></li>',
                    label,
                    name,
                    input_id,
                    text,
                    self.datalist_id,
                    MAX_LABEL_LENGTH,
                    extra_attrs,
                )
            )
        options = format_html_join("", '<option value="{}"></option>', ((s,) for s in self.suggestions))
        return format_html(
            '<ol class="label-list">{}</ol><datalist id="{}">{}</datalist>',
            format_html_join("", "{}", ((item,) for item in items)),
            self.datalist_id,
            options,
        )


class LabelListField(forms.Field):
    """A list of free labels (partners): blanks dropped, duplicates (by normalized key) merged."""

    def __init__(self, *, max_items: int, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.max_items = max_items

    def prepare_value(self, value):
        return list(value or [])

    def to_python(self, value):
        labels, keys = [], set()
        for raw in value or []:
            text = " ".join(str(raw).split())
            if not text:
                continue
            if len(text) > MAX_LABEL_LENGTH:
                raise ValidationError(
                    f"« {text[:40]}… » est trop long ({len(text)} caractères, {MAX_LABEL_LENGTH} au plus)."
                )
            key = normalize_key(text)
            if not key:
                raise ValidationError(f"« {text} » ne contient ni lettre ni chiffre.")
            if key not in keys:
                keys.add(key)
                labels.append(text)
        if len(labels) > self.max_items:
            raise ValidationError(f"{self.max_items} partenaires au plus.")
        return labels


class KeywordCheckboxes(forms.CheckboxSelectMultiple):
    """The curated keywords as checkboxes, each carrying its normalized label (``data-key``): the picker of
    ``static/js/keyword-picker.js`` filters them by it, accents and case ignored as in French order."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-key"] = instance.normalized_label
        return option


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several uploaded files; each is checked by its content (``attachments.check_upload``)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ALLOWED_EXTENSIONS}))
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        single = super().clean
        checked, errors = [], []
        for upload in uploads:
            if not upload:
                continue
            try:
                upload = single(upload, initial)
                checked.append((upload, check_upload(upload)))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return checked


#: The widgets of the sheet form (about a hundred checkboxes, radios and inputs) rendered from Django's own Jinja2
#: templates of its widgets: the same markup as its template language's, in a third of the time (the form is the
#: heaviest page a member opens, twice per sent sheet when a similar title is found).
WIDGET_RENDERER = Jinja2()


class ActionSheetForm(forms.Form):
    """Every section of an action sheet, in the order of the original form."""

    default_renderer = WIDGET_RENDERER

    centre = forms.ModelChoiceField(
        label="Structure organisatrice",
        queryset=None,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "invalid_choice": "Vous n'êtes pas membre de ce centre : choisissez l'un de vos centres.",
            "required": "Choisissez le centre qui mène l'action.",
        },
    )
    title = forms.CharField(
        label="Titre de l'action",
        max_length=MAX_TITLE_LENGTH,
        error_messages={"required": "Donnez un titre à l'action."},
    )
    years = YearsField(
        label="Année(s) de l'action",
        help_text=YEARS_HELP,
        error_messages={"required": "Indiquez l'année ou les années de l'action."},
    )
    status = forms.ChoiceField(
        label="Statut de l'action",
        choices=Status.choices,
        widget=forms.RadioSelect,
        error_messages={**CHOICE_ERRORS, "required": "Indiquez si l'action est en cours ou terminée."},
    )
    end_reason = FrenchTextField(label="Raisons pour lesquelles l'action est terminée", help_text="Si elle l'est.")
    dimension = forms.ChoiceField(
        label="Dimension",
        choices=[("", "Non précisée"), *Dimension.choices],
        widget=forms.RadioSelect,
        required=False,
        error_messages=CHOICE_ERRORS,
    )
    keywords = forms.ModelMultipleChoiceField(
        label="Mots clés associés à l'action",
        # French order: accents and case ignored (the normalized label; the database has no French collation).
        queryset=Keyword.objects.order_by("normalized_label", "pk"),
        to_field_name="slug",
        widget=KeywordCheckboxes,
        required=False,
        error_messages={"invalid_choice": "Mot clé inconnu « %(value)s » : choisissez dans la liste."},
    )
    new_keyword = forms.CharField(
        label="Proposer un nouveau mot clé",
        help_text="S'il manque à la liste : il sera ajouté à la fiche quand la fédération l'aura accepté.",
        max_length=MAX_LABEL_LENGTH,
        required=False,
    )
    summary = FrenchTextField(label="Résumé")
    initiatives = forms.MultipleChoiceField(
        label="Qui est à l'initiative de l'action ?",
        choices=Initiative.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages=CHOICE_ERRORS,
    )
    territory = forms.ChoiceField(
        label="Territoire concerné",
        choices=[("", "Non précisé"), *Territory.choices],
        widget=forms.RadioSelect,
        required=False,
        error_messages=CHOICE_ERRORS,
    )
    context = FrenchTextField(
        label="Description de l'expérience, ses objectifs, ses acteurs et ses différentes phases",
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    publics = forms.MultipleChoiceField(
        label="Public",
        choices=Public.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages=CHOICE_ERRORS,
    )
    partners = LabelListField(
        label="Avec qui cette action a-t-elle été menée ?",
        help_text="Un partenaire par ligne ; les partenaires déjà connus sont proposés pendant la saisie.",
        max_items=MAX_PARTNERS,
        widget=LabelListWidget(item_label="Partenaire", datalist_id="partenaires-connus"),
    )
    description = FrenchTextField(label="Description générale", widget=forms.Textarea(attrs={"rows": 8}))
    declared_total = AmountField(
        label="Budget total de l'action (€)",
        help_text="Facultatif : s'il diffère de la somme des lignes ci-dessus.",
    )
    funding_text = FrenchTextField(label="Ressources financières : précisions")
    people_text = FrenchTextField(label="Nombre de personnes mobilisées pour cette action")
    result_territory = FrenchTextField(label="Résultat sur le territoire")
    result_centre = FrenchTextField(label="Résultat pour le centre social")
    result_residents = FrenchTextField(label="Résultat pour les habitants")
    limits = FrenchTextField(label="Suite de l'action : limites")
    outlook = FrenchTextField(label="Suite de l'action : perspectives")
    attachments = MultipleFileField(
        label="Ajouter des fichiers",
        help_text="PDF, JPEG ou PNG, 10 Mo au plus chacun, 5 fichiers au plus par action.",
    )
    remove_attachments = forms.ModelMultipleChoiceField(
        label="Fichiers à retirer",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Ce fichier n'appartient pas à cette action."},
    )
    confirm_duplicate = forms.BooleanField(
        label="Je confirme qu'il s'agit d'une autre action que celle(s) signalée(s) ci-dessus",
        required=False,
    )

    #: The sections of the page, each a heading and its fields (the funding lines sit in "Ressources").
    SECTIONS = (
        ("action", "L'action", ("centre", "title", "years", "status", "end_reason")),
        ("classement", "Classement", ("dimension", "keywords", "new_keyword")),
        ("resume", "Résumé et contexte", ("summary", "initiatives", "territory", "context", "publics")),
        ("partenaires", "Partenaires", ("partners",)),
        ("description", "Description générale", ("description",)),
        ("ressources", "Ressources financières mobilisées", ("declared_total", "funding_text")),
        ("personnes", "Personnes mobilisées", ("people_text",)),
        ("resultats", "Résultats", ("result_territory", "result_centre", "result_residents")),
        ("suite", "Suite de l'action", ("limits", "outlook")),
        ("fichiers", "Fichier(s) associé(s)", ("remove_attachments", "attachments")),
    )

    def __init__(self, *args, centres, attachments, years_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres
        if not years_required:
            self.fields["years"].required = False
            self.fields["years"].help_text = YEARS_OPTIONAL_HELP
        self.fields["remove_attachments"].queryset = attachments
        self.fields["remove_attachments"].label_from_instance = lambda attachment: attachment.original_name
        self.has_attachments = attachments.exists()
        # Suggested: the partners of published actions and of the member's own centres, none of other drafts. Two
        # EXISTS, so that each partner stops at its first action (a join would read every action's partners).
        links = ActionPartner.objects.filter(partner=OuterRef("pk"))
        published = links.filter(action__state=PublicationState.PUBLISHED)
        known = Partner.objects.filter(Exists(published) | Exists(links.filter(action__centre__in=centres)))
        # Read when the form is shown only (a saved form redirects): the queryset runs as the widget renders it.
        self.fields["partners"].widget.suggestions = known.order_by("normalized_label").values_list(
            "label", flat=True
        )  # French order

    def section_fields(self):
        """``(anchor, heading, [bound fields])`` per section, for the template."""
        hidden = set() if self.has_attachments else {"remove_attachments"}
        return [
            (anchor, heading, [self[name] for name in names if name not in hidden])
            for anchor, heading, names in self.SECTIONS
        ]

    def clean(self):
        cleaned = super().clean()
        tampered = [key for key in FORBIDDEN_KEYS if key in self.data]
        if tampered:
            raise ValidationError(
                "Le formulaire envoyé contient des champs qu'il ne propose pas (état de publication, propriétaire…) : "
                "ils sont fixés par la fédération. Rien n'a été enregistré.",
                code="tampered",
            )
        new_keyword = (cleaned.get("new_keyword") or "").strip()
        if new_keyword:
            key = normalize_key(new_keyword)
            if not key:
                self.add_error("new_keyword", "Le mot clé doit contenir au moins une lettre ou un chiffre.")
            else:
                known = identities.find_label(Keyword, new_keyword)
                if known is not None:  # already curated: tick it rather than suggest it
                    cleaned["keywords"] = [*cleaned.get("keywords", []), known]
                    cleaned["new_keyword"] = ""
        if len(cleaned.get("keywords") or []) > MAX_KEYWORDS:
            self.add_error("keywords", f"{MAX_KEYWORDS} mots clés au plus.")
        attachments = cleaned.get("attachments") or []
        if attachments:
            kept = self.fields["remove_attachments"].queryset.count() - len(cleaned.get("remove_attachments") or [])
            if kept + len(attachments) > settings.ATTACHMENTS_PER_ACTION:
                self.add_error(
                    "attachments",
                    f"Une action a au plus {settings.ATTACHMENTS_PER_ACTION} fichiers associés : "
                    f"{kept} déjà joint(s), {len(attachments)} de plus, c'est trop. Retirez-en ou choisissez-en moins.",
                )
        return cleaned


class FundingLineForm(forms.Form):
    default_renderer = WIDGET_RENDERER
    label = forms.CharField(label="Financeur ou poste", max_length=MAX_TITLE_LENGTH, required=False)
    amount = AmountField(label="Montant (€)", signed=True)
    refund = forms.BooleanField(
        label="Remboursement ou dépense",
        help_text="Cochez pour saisir un montant négatif (−200).",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        label = " ".join((cleaned.get("label") or "").split())
        cleaned["label"] = label
        amount = cleaned.get("amount")
        if amount is not None and not label:
            self.add_error("label", "Indiquez le financeur ou le poste de ce montant.")
        if amount is not None and amount < 0 and not cleaned.get("refund"):
            self.add_error(
                "amount",
                ValidationError(
                    "Un montant ne peut pas être négatif. Pour un remboursement ou une dépense, cochez "
                    "« Remboursement ou dépense ».",
                    code="negative",
                ),
            )
        return cleaned


class BaseFundingLineFormSet(forms.BaseFormSet):
    default_renderer = WIDGET_RENDERER

    def lines(self) -> list[FundingLineData]:
        return [
            FundingLineData(form.cleaned_data["label"], form.cleaned_data.get("amount"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("label")
        ]

    def total(self) -> Decimal:
        """The sum of the amounts shown, whether the formset is bound or not (for the "Total" line)."""
        total = Decimal("0.00")
        for form in self.forms:
            if form["DELETE"].value():
                continue
            value = form["amount"].value()
            amount = value if isinstance(value, Decimal) else parse_amount(str(value or ""), signed=True)
            total += amount or 0
        return total


FundingLineFormSet = forms.formset_factory(
    FundingLineForm,
    formset=BaseFundingLineFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_FUNDING_LINES,
    validate_max=True,
    absolute_max=MAX_FUNDING_LINES + 10,
)
FUNDING_PREFIX = "financement"


class SheetEditor:
    """The sheet form and its funding lines, bound together; produces the SheetData."""

    def __init__(self, data=None, files=None, *, centres, action=None, sheet: SheetData | None = None, revision=None):
        self.action = action
        self.base_sheet = sheet
        if action is not None:
            attachments = sheet_attachments(action, revision)
        else:
            attachments = Attachment.objects.none()
        initial, lines = _initial(sheet, action, centres)
        if revision is not None:  # the files this revision proposes to remove
            initial["remove_attachments"] = list(attachments.filter(removal_revision=revision))
        self.form = ActionSheetForm(
            data,
            files,
            centres=centres,
            attachments=attachments,
            initial=initial,
            years_required=years_required(action, sheet),
        )
        self.formset = FundingLineFormSet(data, prefix=FUNDING_PREFIX, initial=lines)
        self.duplicates = []

    @classmethod
    def with_more_rows(cls, data, *, centres, action=None, sheet=None, revision=None):
        """The same input shown again without errors (nothing is saved), with empty rows to fill: one more
        funding line when asked (``more_rows=funding``); partners always get a few empty inputs."""
        data = data.copy()
        key = f"{FUNDING_PREFIX}-TOTAL_FORMS"
        if data.get("more_rows") == "funding":
            try:
                total = int(data.get(key, 0))
            except ValueError:
                total = 0
            data[key] = str(min(total + 1, MAX_FUNDING_LINES))
        return cls._shown_again(data, centres=centres, action=action, sheet=sheet, revision=revision)

    @staticmethod
    def form_state(data) -> dict[str, list[str]]:
        """The fields of the form in ``data`` (a POST), as an autosave keeps them: the sheet's fields and funding
        lines, not the files (no browser sends them again), the buttons or anything the form does not have."""
        return {key: [str(value) for value in data.getlist(key)] for key in data if _in_form_state(key)}

    @classmethod
    def restored(cls, state: dict, *, centres, action=None, sheet=None, revision=None):
        """The form filled with an autosaved ``state`` (``form_state``), shown without errors: it is checked
        when the member saves it."""
        data = QueryDict(mutable=True)
        for key, values in state.items():
            if _in_form_state(key) and isinstance(values, list):
                data.setlist(key, [str(value) for value in values])
        return cls._shown_again(data, centres=centres, action=action, sheet=sheet, revision=revision)

    @classmethod
    def _shown_again(cls, data, *, centres, action, sheet, revision):
        editor = cls(data, centres=centres, action=action, sheet=sheet, revision=revision)
        editor.form._errors = ErrorDict()
        editor.formset._errors = [ErrorDict() for _ in editor.formset.forms]
        editor.formset._non_form_errors = ErrorList()
        for form in editor.formset.forms:
            form._errors = ErrorDict()
        return editor

    def is_valid(self) -> bool:
        return all([self.form.is_valid(), self.formset.is_valid()])

    def add_error(self, message: str):
        self.form.add_error(None, message)

    def to_sheet(self) -> SheetData:
        data = self.form.cleaned_data
        centre = data["centre"]
        base = self.base_sheet
        keywords = self._keywords_in_order(data["keywords"])
        # The partners of an edited sheet keep their roles (the form edits their flat list).
        partners, partner_groups = regroup(data["partners"], base.partner_groups if base else [])
        return SheetData(
            title=" ".join(data["title"].split()),
            centre_name=centre.name,
            departement_code=centre.departement_id,
            status=data["status"],
            end_reason=data["end_reason"],
            dimension=data["dimension"] or None,
            keywords=keywords,
            summary=data["summary"],
            initiatives=list(data["initiatives"]),
            territory=data["territory"] or None,
            context=data["context"],
            publics=list(data["publics"]),
            partners=partners,
            partner_groups=partner_groups,
            description=data["description"],
            funding_text=data["funding_text"],
            funding_lines=self.formset.lines(),
            declared_total=data["declared_total"],
            people_text=data["people_text"],
            result_territory=data["result_territory"],
            result_centre=data["result_centre"],
            result_residents=data["result_residents"],
            limits=data["limits"],
            outlook=data["outlook"],
            declares_files=base.declares_files if base else False,
            files_text=base.files_text if base else "",
            years=data["years"],
            source=SourceRef(FORM_SOURCE),
        )

    def _keywords_in_order(self, keywords) -> list[str]:
        """Labels of the chosen keywords: those of the sheet being edited keep their order (and so the sheet its
        fingerprint), the others follow in the order they were posted."""
        posted = self.form.data.getlist("keywords") if hasattr(self.form.data, "getlist") else []
        base = [normalize_key(label) for label in (self.base_sheet.keywords if self.base_sheet else [])]

        def position(keyword):
            key = keyword.normalized_label
            if key in base:
                return (0, base.index(key))
            return (1, posted.index(keyword.slug) if keyword.slug in posted else len(posted))

        return list(dict.fromkeys(keyword.label for keyword in sorted(keywords, key=position)))

    @property
    def new_keyword(self) -> str:
        return self.form.cleaned_data.get("new_keyword", "")

    @property
    def uploads(self):
        return self.form.cleaned_data.get("attachments") or []

    @property
    def removed(self):
        return list(self.form.cleaned_data.get("remove_attachments") or [])

    @property
    def confirmed_duplicate(self) -> bool:
        return bool(self.form.cleaned_data.get("confirm_duplicate"))

    def error_summary(self) -> list[tuple[str, str, str]]:
        """``(anchor, label, message)`` for every error, in page order, for the summary at the top."""
        summary = [("", "", str(message)) for message in self.form.non_field_errors()]
        funding_errors = []
        for index, form in enumerate(self.formset.forms, start=1):
            for name, errors in form.errors.items():
                bound = form[name]
                for message in errors:
                    funding_errors.append((_anchor(bound), f"Ligne de financement {index} : {bound.label}", message))
        funding_errors += [("financement", "Lignes de financement", str(m)) for m in self.formset.non_form_errors()]
        for _, _, names in ActionSheetForm.SECTIONS:
            for name in names:
                if name == "declared_total":
                    summary += funding_errors
                for message in self.form.errors.get(name, []):
                    bound = self.form[name]
                    summary.append((_anchor(bound), bound.label, message))
        return summary

    @property
    def has_errors(self) -> bool:
        return bool(self.form.errors or any(self.formset.errors) or self.formset.non_form_errors())


#: The sheet form's fields an autosave keeps (the files are not: a browser never sends them again).
AUTOSAVED_FIELDS = frozenset(ActionSheetForm.base_fields) - {"attachments"}


def _in_form_state(key: str) -> bool:
    return key in AUTOSAVED_FIELDS or key.startswith(f"{FUNDING_PREFIX}-")


def years_required(action, sheet: SheetData | None) -> bool:
    """« Année(s) » is asked of every new sheet (its author knows when the action runs) and of a sheet that
    has years (they may change, not vanish); a saved sheet without any (the imported ones: the scraped form
    had no year field) may stay so. Whatever is typed is read by the same rules (``YearsField``)."""
    return action is None or sheet is None or bool(sheet.years)


def _anchor(bound) -> str:
    if is_option_group(bound):
        return f"{bound.auto_id}_0"
    return bound.auto_id


def _initial(sheet: SheetData | None, action, centres) -> tuple[dict, list[dict]]:
    only = list(centres[:2]) if action is None else []
    only_centre = only[0] if len(only) == 1 else None  # a new sheet of a member of one centre: that centre
    if sheet is None:
        return ({"centre": only_centre} if only_centre else {}), []
    keyword_keys = {normalize_key(label) for label in sheet.keywords}
    initial = {
        "centre": action.centre if action is not None else only_centre,
        "title": sheet.title,
        "years": sheet.years,
        "status": sheet.status,
        "end_reason": sheet.end_reason,
        "dimension": sheet.dimension or "",
        "keywords": [k for k in Keyword.objects.filter(normalized_label__in=keyword_keys)],
        "summary": sheet.summary,
        "initiatives": sheet.initiatives,
        "territory": sheet.territory or "",
        "context": sheet.context,
        "publics": sheet.publics,
        "partners": sheet.partners,
        "description": sheet.description,
        "declared_total": sheet.declared_total,
        "funding_text": sheet.funding_text,
        "people_text": sheet.people_text,
        "result_territory": sheet.result_territory,
        "result_centre": sheet.result_centre,
        "result_residents": sheet.result_residents,
        "limits": sheet.limits,
        "outlook": sheet.outlook,
    }
    lines = [
        {"label": line.label, "amount": line.amount, "refund": line.amount is not None and line.amount < 0}
        for line in sheet.funding_lines
    ]
    return initial, lines


class InvitationForm(forms.Form):
    """A member invites a colleague to their centre (the centre comes from the address, never from the POST)."""

    email = forms.EmailField(
        label="Adresse e-mail de votre collègue",
        help_text="Votre collègue recevra un lien pour choisir son mot de passe.",
        max_length=254,
        error_messages={
            "required": "Indiquez l'adresse e-mail de votre collègue.",
            "invalid": "Saisissez une adresse e-mail valide, par exemple prenom.nom@centre-social.fr.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class DecisionForm(forms.Form):
    """A moderator's decision: approve, or reject with a reason the member will read."""

    decision = forms.ChoiceField(
        choices=[("approve", "Valider et publier"), ("reject", "Refuser")],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Décision inconnue.", "required": "Choisissez de valider ou de refuser."},
    )
    reason = forms.CharField(
        label="Motif du refus",
        help_text="Obligatoire pour refuser : le centre le lira dans son espace et dans un e-mail.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_REASON_LENGTH,
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "reject" and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", "Expliquez au centre pourquoi la fiche est refusée.")
        return cleaned
