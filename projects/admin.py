from django.contrib import admin

# — Calls, applicants, applications (issue 3) —


# — Awards, funding lines, payments (issue 5) —


# — Letters and signatories (issue 6) —


# — Import/export resources and actions (issue 7) —
def _add_import_export_to_admins() -> None:
    """Add the import/export mixins of projects.resources to the calls', applications' and awards' admins.

    Those ModelAdmins are registered in the sections above; this wraps whichever is registered
    (a plain one when a section has none) so that no model is registered twice.
    """
    from projects.models import Application, Award, Call
    from projects.resources import ApplicationImportAdminMixin, AwardExportAdminMixin, CallResultsAdminMixin

    for model, mixin in (
        (Application, ApplicationImportAdminMixin),
        (Award, AwardExportAdminMixin),
        (Call, CallResultsAdminMixin),
    ):
        base = admin.ModelAdmin
        if admin.site.is_registered(model):
            base = type(admin.site.get_model_admin(model))
            admin.site.unregister(model)
        admin.site.register(model, type(base.__name__, (mixin, base), {"__module__": __name__}))


_add_import_export_to_admins()
