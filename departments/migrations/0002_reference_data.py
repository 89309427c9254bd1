from django.db import migrations

from departments.reference import DEPARTMENTAL_BODIES, DEPARTMENTS, OCCITANIE_DEPARTMENTS, REGIONS


def load(apps, schema_editor):
    Region = apps.get_model("departments", "Region")
    Department = apps.get_model("departments", "Department")
    Organisation = apps.get_model("departments", "Organisation")
    regions = {code: Region.objects.update_or_create(code=code, defaults={"name": name})[0] for code, name in REGIONS}
    departments = {
        code: Department.objects.update_or_create(code=code, defaults={"name": name, "region": regions[region]})[0]
        for code, name, region in DEPARTMENTS
    }
    for code, of in OCCITANIE_DEPARTMENTS.items():
        for kind, pattern in DEPARTMENTAL_BODIES:
            Organisation.objects.get_or_create(
                kind=kind, department=departments[code], defaults={"name": pattern.format(of=of)}
            )
    Organisation.objects.get_or_create(
        kind="regional_prefecture", region=regions["76"], defaults={"name": "Préfecture de la région Occitanie"}
    )
    Organisation.objects.get_or_create(
        kind="cnaf", region=None, department=None, defaults={"name": "Caisse nationale des allocations familiales"}
    )


class Migration(migrations.Migration):
    dependencies = [("departments", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
