"""Who may instruct a file and who may run a committee; built on departments.permissions only."""

from departments.enums import Action
from departments.permissions import get_scope
from projects.enums import Status
from reviews.enums import ReviewerKind


def review_kinds(user, department) -> list[ReviewerKind]:
    """The reviews the user may write in this department.

    Rule: an instructor holds Action.REVIEW on the department through their organisation;
    a Caf membership writes the Caf review, a DDETS membership the DDETS review. Other
    bodies (Cnaf, prefectures, superusers) never write either review.
    """
    kinds = get_scope(user).organisation_kinds(Action.REVIEW, department)
    return [kind for kind in ReviewerKind if kind.value in kinds]


def is_reviewer(user, application) -> bool:
    """Whether the user instructs files of the application's department (Caf or DDETS)."""
    return bool(review_kinds(user, application.department_id))


def can_run_committee(user, department) -> bool:
    """Rule: the CDSF secretariat of the department (Action.RUN_COMMITTEE) records its meetings."""
    return get_scope(user).can(Action.RUN_COMMITTEE, department)


def can_read_minutes(user, meeting) -> bool:
    """Rule: whoever may see the department's files may read the minutes of its committee."""
    return get_scope(user).can(Action.VIEW, meeting.department_id)


def sees_summary_only(user, application, declaration) -> bool:
    """Whether the file must be reduced to its summary for this user.

    Rule: a Caf or DDETS instructor sees the full file (and the other reviews) only once
    they have declared having no conflict of interest with it; a draft is not instructed
    yet. `declaration` is the user's ConflictDeclaration for the file, or None.
    """
    if application.status == Status.DRAFT or not is_reviewer(user, application):
        return False
    return declaration is None or declaration.has_conflict
