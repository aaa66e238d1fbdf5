"""The form of « Contacter le centre »: name, address, message, and a honeypot field that people never see."""

from django import forms

MAX_MESSAGE_LENGTH = 5000
MIN_MESSAGE_LENGTH = 10
#: The honeypot: hidden from people (CSS, ``aria-hidden``, out of the tab order), filled by robots.
HONEYPOT = "site_web"


class ContactForm(forms.Form):
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
    site_web = forms.CharField(
        label="Ne remplissez pas ce champ",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean_name(self):
        return " ".join(self.cleaned_data["name"].split())

    def clean_message(self):
        return self.cleaned_data["message"].replace("\r\n", "\n").replace("\r", "\n").strip()

    @property
    def caught_a_robot(self) -> bool:
        """The honeypot was filled: no person sees it (checked whatever the other fields say)."""
        return bool((self.data.get(HONEYPOT) or "").strip())
