"""The choice sets of an action sheet.

Each value is the slug of its label as ``django.utils.text.slugify`` makes it, so that the value is also
the public query parameter (``?public=tous-publics``); each label is written as on the sheets.
"""

from django.db import models


class Status(models.TextChoices):
    IN_PROGRESS = "en-cours", "En cours"
    FINISHED = "terminee", "Terminée"


class Dimension(models.TextChoices):
    PROJECT_SUPPORT = "accompagnement-de-projets", "Accompagnement de projets"
    CITIZENSHIP = "citoyennete", "Citoyenneté"
    SERVICES = "services", "Services"


class Public(models.TextChoices):
    EVERYONE = "tous-publics", "Tous publics"
    CHILDHOOD = "enfance", "Enfance"
    YOUTH = "jeunesse", "Jeunesse"
    FAMILIES = "familles", "familles"
    ADULTS = "adultes", "Adultes"
    SENIORS = "seniors", "Seniors"


class Initiative(models.TextChoices):
    SOCIAL_CENTRE = "le-centre-social", "Le centre social"
    RESIDENT = "un-habitant", "Un habitant"
    RESIDENTS_GROUP = "un-groupe-dhabitants", "Un groupe d'habitants"
    PARTNERS = "un-ou-plusieurs-partenaires", "Un ou plusieurs partenaire(s)"


class Territory(models.TextChoices):
    NEIGHBOURHOOD = "un-quartier", "Un quartier"
    NEIGHBOURHOODS = "plusieurs-quartiers", "Plusieurs quartiers"
    TOWN = "une-commune", "Une commune"
    TOWNS = "plusieurs-communes", "Plusieurs communes"


class PublicationState(models.TextChoices):
    """Where a sheet stands in moderation; only published actions are public."""

    DRAFT = "draft", "Brouillon"
    PENDING = "pending", "En attente de validation"
    PUBLISHED = "published", "Publiée"
    REJECTED = "rejected", "Refusée"
