"""The forms of the follows: a request (address and frequency), and a member's change of frequency."""

from django import forms

from actions_catalog.follows.models import Frequency


class FollowForm(forms.Form):
    email = forms.EmailField(
        label="Votre adresse électronique",
        max_length=254,
        help_text="Elle ne sert qu'à vous envoyer ces e-mails. Format attendu : nom@exemple.fr",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={
            "required": "Indiquez votre adresse électronique.",
            "invalid": "Adresse non valable : elle doit ressembler à nom@exemple.fr.",
        },
    )
    frequency = forms.ChoiceField(
        label="Recevoir les nouvelles actions",
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez la fréquence des e-mails."},
    )


class FrequencyForm(forms.Form):
    frequency = forms.ChoiceField(
        label="Fréquence des e-mails",
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez la fréquence des e-mails."},
    )
