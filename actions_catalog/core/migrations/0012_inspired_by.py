"""« Reprendre une action »: an action records the published action it was taken from (``Action.inspired_by``)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("actions_catalog", "0011_sheet_fidelity"),
    ]

    operations = [
        migrations.AddField(
            model_name="action",
            name="inspired_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="inspired_actions",
                to="actions_catalog.action",
                verbose_name="inspirée de",
            ),
        ),
        migrations.AddField(
            model_name="historicalaction",
            name="inspired_by",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="actions_catalog.action",
                verbose_name="inspirée de",
            ),
        ),
        migrations.AddConstraint(
            model_name="action",
            constraint=models.CheckConstraint(
                condition=models.Q(("inspired_by", models.F("id")), _negated=True), name="action_not_inspired_by_itself"
            ),
        ),
    ]
