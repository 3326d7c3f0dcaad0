"""Repair a municipality code history loaded by the earlier loader, which misread absorptions and splits.

A database that holds the spreadsheet's history (most of its numbers and start years) is loaded again
with the corrected loader (indicators.importers.klass): Stavanger 1103 gets its years before 2020,
Trondheim 5001 its years 2018–2019, and a municipality that held part of another's history (Trondheim
5001 from 2020, Ålesund 1507) is merged into it with its values, memberships, roles and plans. The loader
says what it did; it refuses, and the migration stops with nothing changed, where two values collide.
An empty database, or one with a few hand-made municipalities, is left alone.

This migration imports the loader on purpose: the repair is the loader's, and keeping one copy of it
is safer than a frozen second one. The loader takes the migration's historical models.
"""

import sys

from django.core.management.base import CommandError
from django.db import migrations


def repair(apps, schema_editor):
    from indicators.importers.klass import CodeHistoryRefused, load_code_history, read_rows

    MunicipalityCode = apps.get_model("indicators", "MunicipalityCode")
    if not MunicipalityCode.objects.exists():
        return
    source = {(row.code, row.start) for row in read_rows()}
    stored = {(code, start.year) for code, start in MunicipalityCode.objects.values_list("code", "valid_from")}
    if len(source & stored) < len(source) / 2:
        return
    try:
        result = load_code_history(apps=apps)
    except CodeHistoryRefused as refused:
        raise CommandError("\n".join(refused.messages)) from None
    for message in result.messages:
        sys.stdout.write(f"\n  {message}")
    sys.stdout.write(
        f"\n  Code history: {result.municipalities_created} municipalities created, "
        f"{result.municipalities_merged} merged; {result.codes_created} numbers created, "
        f"{result.codes_updated} updated, {result.codes_deleted} deleted.\n"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0007_official_statistics_and_background_imports"),
    ]

    operations = [
        migrations.RunPython(repair, migrations.RunPython.noop),
    ]
