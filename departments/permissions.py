"""Who may see and do what, derived from memberships only.

Every view asks this module; nothing reads a role from anywhere else.
The rules:
- a membership in a departmental body (Caf, DDETS, prefecture) covers its department;
  one in a regional prefecture covers the region's departments; one in the Cnaf covers
  every department;
- the administrator role, and superusers, cover every department;
- the role says which actions the membership grants (ROLE_ACTIONS).
"""

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser

from departments.enums import Action, OrganisationKind, Role
from departments.models import Department, Membership
from fipe import freshness

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.INSTRUCTOR: frozenset({Action.VIEW, Action.REVIEW}),
    Role.COMMITTEE_SECRETARY: frozenset({Action.VIEW, Action.RUN_COMMITTEE}),
    Role.APPROVER: frozenset({Action.VIEW, Action.APPROVE, Action.MANAGE, Action.ISSUE_LETTERS, Action.EXPORT}),
    Role.ADMIN: frozenset({Action.VIEW, Action.MANAGE, Action.EXPORT, Action.ISSUE_LETTERS}),
}


@dataclass(frozen=True)
class Scope:
    """What one user may do, computed once per request from their memberships."""

    # action -> department ids
    departments: dict[str, frozenset[int]] = field(default_factory=dict)
    # (action, department id) -> kinds of the organisations through which the user holds it
    kinds: dict[tuple[str, int], frozenset[str]] = field(default_factory=dict)
    memberships: tuple = ()

    def department_ids(self, action: Action = Action.VIEW) -> frozenset[int]:
        return self.departments.get(action, frozenset())

    def can(self, action: Action, department: Department | int) -> bool:
        department_id = department if isinstance(department, int) else department.pk
        return department_id in self.department_ids(action)

    def can_anywhere(self, action: Action) -> bool:
        return bool(self.department_ids(action))

    def organisation_kinds(self, action: Action, department: Department | int) -> frozenset[str]:
        department_id = department if isinstance(department, int) else department.pk
        return self.kinds.get((action, department_id), frozenset())


EMPTY_SCOPE = Scope()


def get_scope(user) -> Scope:
    """The user's scope, kept on the user object for the rest of the request."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated or not user.is_active:
        return EMPTY_SCOPE
    cached = getattr(user, "_fipe_scope", None)
    if cached is not None:
        return cached
    # Memberships change seldom: the scope is kept in the cache until any data changes.
    scope = freshness.cached("scope", (user.pk,), lambda: _compute_scope(user))
    user._fipe_scope = scope
    return scope


def _compute_scope(user) -> Scope:
    memberships = tuple(Membership.objects.filter(user=user).select_related("organisation"))
    all_ids: frozenset[int] | None = None

    def every_department() -> frozenset[int]:
        nonlocal all_ids
        if all_ids is None:
            all_ids = frozenset(Department.objects.values_list("pk", flat=True))
        return all_ids

    region_cache: dict[int, frozenset[int]] = {}
    departments: dict[str, set[int]] = {}
    kinds: dict[tuple[str, int], set[str]] = {}
    grants: list[tuple[frozenset[Action], frozenset[int], str]] = []
    if user.is_superuser:
        grants.append((frozenset(Action), every_department(), OrganisationKind.CNAF))
    for membership in memberships:
        organisation = membership.organisation
        if membership.role == Role.ADMIN or organisation.kind == OrganisationKind.CNAF:
            covered = every_department()
        elif organisation.department_id:
            covered = frozenset({organisation.department_id})
        else:
            if organisation.region_id not in region_cache:
                region_cache[organisation.region_id] = frozenset(
                    Department.objects.filter(region_id=organisation.region_id).values_list("pk", flat=True)
                )
            covered = region_cache[organisation.region_id]
        grants.append((ROLE_ACTIONS[membership.role], covered, organisation.kind))
    for actions, covered, kind in grants:
        for action in actions:
            departments.setdefault(action, set()).update(covered)
            for department_id in covered:
                kinds.setdefault((action, department_id), set()).add(kind)
    return Scope(
        departments={action: frozenset(ids) for action, ids in departments.items()},
        kinds={key: frozenset(value) for key, value in kinds.items()},
        memberships=memberships,
    )


def visible_departments(user):
    """The departments whose applications the user may see."""
    return Department.objects.filter(pk__in=get_scope(user).department_ids(Action.VIEW))


def user_can(user, action: Action, department: Department | int) -> bool:
    """Whether the user may do `action` on the applications of `department`."""
    return get_scope(user).can(action, department)
