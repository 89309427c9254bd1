"""Who is told: the staff of a department or region, from their memberships only."""

from django.contrib.auth import get_user_model

from departments.enums import OrganisationKind, Role

INSTRUCTING_BODIES = (OrganisationKind.CAF, OrganisationKind.DDETS)


def _members(**filters):
    prefixed = {f"memberships__{name}": value for name, value in filters.items()}
    return get_user_model().objects.filter(is_active=True, **prefixed).distinct().order_by("username")


def instructors(department_id: int, kinds=INSTRUCTING_BODIES):
    """The instructors of the department's Caf and DDETS (or of the bodies named in `kinds`)."""
    return _members(role=Role.INSTRUCTOR, organisation__kind__in=list(kinds), organisation__department_id=department_id)


def committee_secretaries(department_id: int):
    """The department's CDSF secretariat (held by the departmental prefecture or the Caf)."""
    return _members(role=Role.COMMITTEE_SECRETARY, organisation__department_id=department_id)


def regional_approvers(region_id: int):
    """The approvers of the regional prefecture."""
    return _members(
        role=Role.APPROVER, organisation__kind=OrganisationKind.REGIONAL_PREFECTURE, organisation__region_id=region_id
    )


def department_staff(department_id: int) -> list:
    """The department's Caf and DDETS instructors and its CDSF secretariat, each once."""
    users = {user.pk: user for user in instructors(department_id)}
    users.update({user.pk: user for user in committee_secretaries(department_id)})
    return sorted(users.values(), key=lambda user: user.username)
