"""What the read side stores for every process: the catalogue index, built by a worker (``index.py``)."""

from django.db import models


class IndexSnapshot(models.Model):
    """The catalogue index of one catalogue version, serialized (``index.serialize``): what every process loads."""

    #: The catalogue version it was built at, as ``index.version_key`` reads it.
    version = models.CharField("version du catalogue", max_length=100, blank=True)
    built_at = models.DateTimeField("construit le", auto_now_add=True)
    build_seconds = models.FloatField("durée de construction (s)", default=0)
    actions = models.PositiveIntegerField("actions publiées", default=0)
    size = models.PositiveIntegerField("taille (octets)", default=0)
    data = models.BinaryField("index")

    class Meta:
        ordering = ["-pk"]
        verbose_name = "index du catalogue"
        verbose_name_plural = "index du catalogue"

    def __str__(self):
        return f"Index de la version {self.version} ({self.actions} actions)"
