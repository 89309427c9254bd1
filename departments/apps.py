from django.apps import AppConfig
from django.db.models.signals import post_migrate


def restore_reference_data(sender, using, **kwargs):
    """Reference data is part of the schema: a `flush` (as transactional tests do) must not lose it."""
    from django.apps import apps

    from departments.models import Department
    from departments.reference import DEPARTMENTS, load_reference_data

    if Department.objects.using(using).count() != len(DEPARTMENTS):
        load_reference_data(apps)


class DepartmentsConfig(AppConfig):
    name = "departments"
    verbose_name = "Territoires et organisations"

    def ready(self):
        post_migrate.connect(restore_reference_data, sender=self)
