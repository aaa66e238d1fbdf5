"""The texts of the site's own pages, editable in the admin; each page has a French default (``defaults.py``)."""

from django.db import models
from django.urls import reverse


class PageSlug(models.TextChoices):
    """The site's pages, by the path they are served at (``/mentions-legales/``…)."""

    LEGAL_NOTICE = "mentions-legales", "Mentions légales"
    ACCESSIBILITY = "accessibilite", "Accessibilité"
    PERSONAL_DATA = "donnees-personnelles", "Données personnelles"
    CONTACT = "contact", "Contact"
    OPEN_DATA = "donnees", "Données ouvertes"


class SitePage(models.Model):
    """The text of one page of the footer. A page without a row shows its default text."""

    Slug = PageSlug

    slug = models.CharField("page", max_length=40, choices=PageSlug, unique=True)
    title = models.CharField("titre", max_length=200)
    body = models.TextField(
        "texte",
        help_text=(
            "Un paragraphe par bloc, séparés par une ligne vide. « ## Titre » fait un intertitre, « - » en début "
            "de ligne une liste, [texte](https://adresse) un lien, {courriel} l'adresse de contact de la "
            "fédération (réglage FEDERATION_CONTACT_EMAIL). Un passage [À compléter : …] est signalé comme à "
            "compléter."
        ),
    )
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = "page du site"
        verbose_name_plural = "pages du site"
        constraints = [
            models.CheckConstraint(condition=models.Q(slug__in=PageSlug.values), name="site_page_slug_valid"),
            models.CheckConstraint(condition=~models.Q(title=""), name="site_page_title_not_blank"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(url_name(self.slug))


def url_name(slug: str) -> str:
    """The URL name of a page: ``page_mentions_legales``…"""
    return "page_" + slug.replace("-", "_")
