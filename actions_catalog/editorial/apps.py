from django.apps import AppConfig


class EditorialConfig(AppConfig):
    """The site's own pages (legal notice, accessibility, personal data, contact, open data): texts admins edit."""

    name = "actions_catalog.editorial"
    label = "editorial"
    verbose_name = "Pages du site"
