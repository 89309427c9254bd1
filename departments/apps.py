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
        from django.contrib.auth.signals import user_logged_in
        from django.utils.translation import gettext_lazy as _

        from departments.demo import load_accounts
        from departments.sessions import on_login
        from fipe.demo import add_demo_step
        from fipe.navigation import add_nav_item

        post_migrate.connect(restore_reference_data, sender=self)
        user_logged_in.connect(on_login, dispatch_uid="departments.session_clock")
        add_nav_item("home", _("Accueil"), order=0, exact=True)
        add_demo_step(load_accounts, order=10)
