"""The visitors' forms: one honeypot rule for both, then « Contacter le centre » and « Signaler une erreur »."""

from django import forms

from actions_catalog.core.error_reports import MAX_REPORT_LENGTH

MAX_MESSAGE_LENGTH = 5000
MIN_MESSAGE_LENGTH = 10
#: Said when the honeypot is filled: a person whose browser filled it learns why, and loses nothing (the form comes
#: back filled in).
HONEYPOT_MESSAGE = (
    "Votre envoi n'est pas transmis : le champ « Ne remplissez pas ce champ », invisible à l'écran, a été rempli "
    "(ce que font les robots qui envoient des messages indésirables). Si vous n'êtes pas un robot, videz-le et "
    "envoyez de nouveau."
)


class HoneypotForm(forms.Form):
    """A form with a field that people never see (hidden by CSS and ``aria-hidden``, out of the tab order, named so
    that autofill skips it): robots that fill every field give themselves away. A filled one makes the form invalid
    with ``HONEYPOT_MESSAGE``, whatever the other fields say, before anything is counted or sent."""

    site_web = forms.CharField(
        label="Ne remplissez pas ce champ",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        cleaned = super().clean()
        if (self.data.get("site_web") or "").strip():
            raise forms.ValidationError(HONEYPOT_MESSAGE, code="honeypot")
        return cleaned


class ContactForm(HoneypotForm):
    name = forms.CharField(
        label="Votre nom",
        max_length=100,
        error_messages={"required": "Indiquez votre nom.", "max_length": "100 caractères au plus."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Votre adresse e-mail",
        help_text="Le centre vous répondra à cette adresse ; elle ne sera pas publiée.",
        max_length=254,
        error_messages={
            "required": "Indiquez votre adresse e-mail : le centre vous répondra à cette adresse.",
            "invalid": "Cette adresse e-mail n'est pas valide (par exemple : prenom.nom@exemple.fr).",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    message = forms.CharField(
        label="Votre message",
        help_text=f"{MAX_MESSAGE_LENGTH} caractères au plus.",
        min_length=MIN_MESSAGE_LENGTH,
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": "Écrivez votre message.",
            "min_length": f"Votre message est trop court ({MIN_MESSAGE_LENGTH} caractères au moins).",
            "max_length": f"Votre message est trop long ({MAX_MESSAGE_LENGTH} caractères au plus).",
        },
    )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_message(self):
        return self.cleaned_data["message"].replace("\r\n", "\n").replace("\r", "\n").strip()


class ErrorReportForm(HoneypotForm):
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
