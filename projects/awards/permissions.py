"""Who may approve laureates and manage awards, and which calls a user reaches."""

from django.shortcuts import get_object_or_404

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.models import Application, Call


def approval_department_ids(user, call: Call) -> frozenset[int]:
    """The departments of the call's region where the user may approve or reject (Action.APPROVE).

    In practice the regional prefecture's approvers: the whole region.
    """
    ids = get_scope(user).department_ids(Action.APPROVE)
    if not ids:
        return frozenset()
    return frozenset(Department.objects.filter(region_id=call.region_id, pk__in=ids).values_list("pk", flat=True))


def can_manage_award(user, application: Application) -> bool:
    """Commitment numbers and payments are recorded by those who approve in the application's department."""
    return get_scope(user).can(Action.APPROVE, application.department_id)


def visible_call(user, reference: str) -> Call:
    """A call of a region where the user sees at least one department; any other answers 404."""
    return get_object_or_404(Call.objects.visible_to(user).select_related("region"), reference=reference)
