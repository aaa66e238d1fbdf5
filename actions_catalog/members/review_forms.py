"""The forms of the review tools: the queue's filters and a message about a sent sheet."""

from django import forms

from actions_catalog.core.comments import MAX_COMMENT_LENGTH
from actions_catalog.core.review import CheckCode
from centres.models import Region


class QueueFilterForm(forms.Form):
    """The queue's filters (GET): a région, an automatic check."""

    region = forms.ModelChoiceField(
        label="Région",
        queryset=Region.objects.order_by("name"),
        required=False,
        empty_label="Toutes les régions",
        error_messages={"invalid_choice": "Région inconnue : choisissez dans la liste."},
    )
    controle = forms.ChoiceField(
        label="Contrôle automatique",
        choices=[("", "Tous les contrôles"), *CheckCode.choices],
        required=False,
        error_messages={"invalid_choice": "Contrôle inconnu « %(value)s » : choisissez dans la liste."},
    )

    def filters(self) -> dict[str, str]:
        """The valid filters as query parameters (for the pagination links and the redirects)."""
        if not self.is_valid():
            return {}
        region, check = self.cleaned_data["region"], self.cleaned_data["controle"]
        return {key: value for key, value in (("region", region.pk if region else ""), ("controle", check)) if value}


class CommentForm(forms.Form):
    text = forms.CharField(
        label="Votre message",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=MAX_COMMENT_LENGTH,
        error_messages={
            "required": "Le message est vide : écrivez quelque chose avant de l'envoyer.",
            "max_length": f"Le message est trop long ({MAX_COMMENT_LENGTH} caractères au plus).",
        },
    )

    def __init__(self, *args, label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = label
