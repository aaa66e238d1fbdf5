"""Issue 14, importer fidelity: keywords and partners keep the sheet's order (and partners their role), negative
funding lines (refunds, expenses), the « financement à vérifier » flag, labels in French order.

- The automatic through tables of ``Action.keywords`` and ``Action.partners`` become the models ``ActionKeyword``
  and ``ActionPartner`` on the same tables (``SeparateDatabaseAndState``: no table is rebuilt, so the catalogue
  version triggers of migration 0008, which name these tables, keep working). They gain ``position`` (and
  ``role`` for partners), filled from the order the rows were written in (the writer wrote them in the sheet's
  order: their ids keep it), and named unique constraints; a partner may then be listed once per role.
- ``funding_line_amount_not_negative`` goes: a refund or an expense is a negative line.
- ``Action.funding_to_check``, set by the writer.
- Keywords and partners are listed in French order (``normalized_label``).
- The imported actions lose their content hash, so that the next import of their sheets reads them again with
  the new reader (order, roles, funding) instead of skipping them as known: it may report them updated.
"""

import django.db.models.deletion
from django.db import migrations, models

POSITIONS = """
UPDATE {table} AS t SET position = o.position
FROM (SELECT id, row_number() OVER (PARTITION BY action_id ORDER BY id) AS position FROM {table}) AS o
WHERE t.id = o.id
"""


class Migration(migrations.Migration):
    dependencies = [
        ("actions_catalog", "0010_rate_limits"),
    ]

    operations = [
        # The automatic through models, now declared: the same tables, columns and unique pairs.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ActionKeyword",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "action",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="keyword_links",
                                to="actions_catalog.action",
                                verbose_name="action",
                            ),
                        ),
                        (
                            "keyword",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="action_links",
                                to="actions_catalog.keyword",
                                verbose_name="mot clé",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "mot clé d'une action",
                        "verbose_name_plural": "mots clés des actions",
                        "db_table": "actions_catalog_action_keywords",
                        "ordering": ["action", "id"],
                        "unique_together": {("action", "keyword")},
                    },
                ),
                migrations.CreateModel(
                    name="ActionPartner",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "action",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="partner_links",
                                to="actions_catalog.action",
                                verbose_name="action",
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="action_links",
                                to="actions_catalog.partner",
                                verbose_name="partenaire",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "partenaire d'une action",
                        "verbose_name_plural": "partenaires des actions",
                        "db_table": "actions_catalog_action_partners",
                        "ordering": ["action", "id"],
                        "unique_together": {("action", "partner")},
                    },
                ),
                migrations.AlterField(
                    model_name="action",
                    name="keywords",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="actions",
                        through="actions_catalog.ActionKeyword",
                        to="actions_catalog.keyword",
                        verbose_name="mots clés associés à l'action",
                    ),
                ),
                migrations.AlterField(
                    model_name="action",
                    name="partners",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="actions",
                        through="actions_catalog.ActionPartner",
                        to="actions_catalog.partner",
                        verbose_name="partenaires d'action",
                    ),
                ),
            ],
            database_operations=[],
        ),
        # Their place in the sheet (and the partners' role), from the order the rows were written in.
        migrations.AddField(
            model_name="actionkeyword",
            name="position",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="position"),
        ),
        migrations.AddField(
            model_name="actionpartner",
            name="position",
            field=models.PositiveSmallIntegerField(null=True, verbose_name="position"),
        ),
        migrations.AddField(
            model_name="actionpartner",
            name="role",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="rôle"),
        ),
        migrations.RunSQL(
            POSITIONS.format(table="actions_catalog_action_keywords")
            + ";"
            + POSITIONS.format(table="actions_catalog_action_partners")
            # The catalogue version's triggers (migration 0008) wait for the commit; the tables cannot be altered
            # while they wait: they run now.
            + "; SET CONSTRAINTS ALL IMMEDIATE",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="actionkeyword",
            name="position",
            field=models.PositiveSmallIntegerField(verbose_name="position"),
        ),
        migrations.AlterField(
            model_name="actionpartner",
            name="position",
            field=models.PositiveSmallIntegerField(verbose_name="position"),
        ),
        migrations.AlterModelOptions(
            name="actionkeyword",
            options={
                "ordering": ["action", "position"],
                "verbose_name": "mot clé d'une action",
                "verbose_name_plural": "mots clés des actions",
            },
        ),
        migrations.AlterModelOptions(
            name="actionpartner",
            options={
                "ordering": ["action", "position"],
                "verbose_name": "partenaire d'une action",
                "verbose_name_plural": "partenaires des actions",
            },
        ),
        # Named constraints instead of the automatic unique pairs; a partner once per role.
        migrations.AlterUniqueTogether(name="actionkeyword", unique_together=set()),
        migrations.AlterUniqueTogether(name="actionpartner", unique_together=set()),
        migrations.AddConstraint(
            model_name="actionkeyword",
            constraint=models.UniqueConstraint(fields=("action", "keyword"), name="action_keyword_unique"),
        ),
        migrations.AddConstraint(
            model_name="actionkeyword",
            constraint=models.UniqueConstraint(fields=("action", "position"), name="action_keyword_unique_position"),
        ),
        migrations.AddConstraint(
            model_name="actionpartner",
            constraint=models.UniqueConstraint(fields=("action", "partner", "role"), name="action_partner_unique_role"),
        ),
        migrations.AddConstraint(
            model_name="actionpartner",
            constraint=models.UniqueConstraint(fields=("action", "position"), name="action_partner_unique_position"),
        ),
        # Refunds and expenses are negative funding lines.
        migrations.RemoveConstraint(model_name="fundingline", name="funding_line_amount_not_negative"),
        migrations.AddField(
            model_name="action",
            name="funding_to_check",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Le texte des ressources financières cite des montants qu'aucune ligne de financement ne reprend.",
                verbose_name="financement à vérifier",
            ),
        ),
        # Labels in French order.
        migrations.AlterModelOptions(
            name="keyword",
            options={
                "ordering": ["normalized_label", "pk"],
                "permissions": [
                    ("import_keyword", "Peut importer des mots clés"),
                    ("export_keyword", "Peut exporter les mots clés"),
                ],
                "verbose_name": "mot clé",
                "verbose_name_plural": "mots clés",
            },
        ),
        migrations.AlterModelOptions(
            name="partner",
            options={
                "ordering": ["normalized_label", "pk"],
                "permissions": [
                    ("import_partner", "Peut importer des partenaires"),
                    ("export_partner", "Peut exporter les partenaires"),
                ],
                "verbose_name": "partenaire",
                "verbose_name_plural": "partenaires",
            },
        ),
        # The next import reads the imported sheets again (see the module docstring).
        migrations.RunSQL(
            "UPDATE actions_catalog_action SET content_hash = '' WHERE last_imported_at IS NOT NULL;"
            "SET CONSTRAINTS ALL IMMEDIATE",
            migrations.RunSQL.noop,
        ),
    ]
