"""Load the régions and départements of the INSEE Code officiel géographique from centres/data/*.csv."""

import csv
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

DATA = Path(__file__).resolve().parent.parent / "data"


def read(name):
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def load(apps, schema_editor):
    Region = apps.get_model("centres", "Region")
    Departement = apps.get_model("centres", "Departement")
    for row in read("regions.csv"):
        Region.objects.update_or_create(code=row["code"], defaults={"name": row["name"], "slug": slugify(row["name"])})
    for row in read("departements.csv"):
        Departement.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "slug": slugify(row["name"]), "region_id": row["region_code"]},
        )


def unload(apps, schema_editor):
    apps.get_model("centres", "Departement").objects.all().delete()
    apps.get_model("centres", "Region").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("centres", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
