"""Who may do what in the follow-up: review and file the yearly reports, manage the conventions."""

from departments.enums import Action
from departments.permissions import get_scope
from projects.exceptions import PermissionRefused


def can_review_reports(user, department_id: int) -> bool:
    """Reports are reviewed, and recoveries recorded, by the Caf or DDETS instructors of the department."""
    return get_scope(user).can(Action.REVIEW, department_id)


def can_file_reports(user, department_id: int) -> bool:
    """Staff file reports on the laureate's behalf: the department's instructors or those who manage files."""
    scope = get_scope(user)
    return scope.can(Action.REVIEW, department_id) or scope.can(Action.MANAGE, department_id)


def can_manage_conventions(user, department_id: int) -> bool:
    return get_scope(user).can(Action.ISSUE_LETTERS, department_id)


def require_right(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionRefused(message)
