"""The claim document checklist (kyosai/data/claim_documents.json, each line
citing its source or marked as having none). Staff edit it in the admin."""

import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "claim_documents.json"


def forwards(apps, schema_editor):
    Requirement = apps.get_model("kyosai", "ClaimDocumentRequirement")
    for row in json.loads(DATA.read_text(encoding="utf-8"))["requirements"]:
        Requirement.objects.get_or_create(
            kind=row["kind"],
            name=row["name"],
            defaults={
                "family_only": row["family_only"],
                "hint": row["hint"],
                "required": row["required"],
                "source": row["source"],
                "order": row["order"],
            },
        )


class Migration(migrations.Migration):
    dependencies = [("kyosai", "0003_claims")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
