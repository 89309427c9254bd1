from django.conf import settings
from django.db import migrations


class Migration(migrations.Migration):
    """An award letter and a refusal letter are both decision letters."""

    dependencies = [
        ("projects", "0002_letterbatch_updated_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RenameModel(old_name="AwardLetter", new_name="DecisionLetter"),
    ]
