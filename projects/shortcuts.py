"""Finding an application within the user's scope, for every page that shows one."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from projects.models import Application
from projects.tabs import summary_only


def visible_application(user, reference: str, queryset=None, *, full_file: bool = True) -> Application:
    """The application for a page or a file that shows its content.

    404 when the user's scope does not cover its department, as if it did not exist; 403 when
    the user must see only its summary (an instructor without a « no conflict » declaration):
    its award, letters, attachments are the full file too. The detail page, which shows the
    summary to those, applies the same rule tab by tab (projects.tabs.tabs_for).
    `queryset` chooses what is read along with it (by default its call, applicant and department).
    `full_file=False` is for a page that shows nothing of the file (a status change, whose
    rules say themselves who may make it).
    """
    if queryset is None:
        queryset = Application.objects.select_related("call", "applicant", "department")
    application = get_object_or_404(queryset.visible_to(user), reference=reference)
    if full_file and summary_only(user, application):
        raise PermissionDenied(
            _(
                "Vous ne voyez que le résumé du dossier %(reference)s : déclarez d’abord n’avoir aucun conflit "
                "d’intérêts avec lui."
            )
            % {"reference": application.reference}
        )
    return application
