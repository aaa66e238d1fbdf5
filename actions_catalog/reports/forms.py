"""The error report form: what is wrong, an optional address, and a honeypot field that people leave empty."""

from django import forms

from actions_catalog.core.error_reports import MAX_REPORT_LENGTH


class ErrorReportForm(forms.Form):
    message = forms.CharField(
        label="Qu'est-ce qui est inexact ?",
        help_text="Par exemple : le centre a changé d'adresse, l'action est terminée, un montant est faux.",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=MAX_REPORT_LENGTH,
        error_messages={
            "required": "Décrivez ce qui est inexact sur la fiche.",
            "max_length": f"Le message est trop long ({MAX_REPORT_LENGTH} caractères au plus).",
        },
    )
    email = forms.EmailField(
        label="Votre adresse e-mail (facultatif)",
        help_text="Seulement pour que la fédération puisse vous répondre ; elle n'est pas publiée.",
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"invalid": "Cette adresse e-mail n'est pas valide (par exemple : nom@exemple.fr)."},
    )
    #: The honeypot: hidden from people (off screen, out of the tab order, named so that autofill skips it); robots
    #: that fill every field give themselves away. A filled one is answered as a success and records nothing.
    site_web = forms.CharField(
        label="Ne pas remplir ce champ",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    @property
    def is_spam(self) -> bool:
        return bool(self.cleaned_data.get("site_web"))
