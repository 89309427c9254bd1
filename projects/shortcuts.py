"""Finding an application within the user's scope, for every page that shows one."""

from django.shortcuts import get_object_or_404

from projects.models import Application


def visible_application(user, reference: str, queryset=None) -> Application:
    """The application if the user's scope covers its department; 404 otherwise, as if it did not exist.

    `queryset` chooses what is read along with it (by default its call, applicant and department).
    """
    if queryset is None:
        queryset = Application.objects.select_related("call", "applicant", "department")
    return get_object_or_404(queryset.visible_to(user), reference=reference)
