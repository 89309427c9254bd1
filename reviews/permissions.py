"""Who may instruct a file and who may run a committee; built on departments.permissions only."""

from departments.enums import Action
from departments.permissions import get_scope
from projects.enums import Status
from reviews.enums import ReviewerKind
from reviews.models import ConflictDeclaration


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
    """Rule: whoever may see the department's files may read the minutes of its committee,
    unless they must see only the summary of one of the files it decided: the minutes carry
    both bodies' scores and the proposed amounts of every one.

    That is sees_summary_only for all the meeting's files at once (none is a draft).
    """
    if not get_scope(user).can(Action.VIEW, meeting.department_id):
        return False
    if not review_kinds(user, meeting.department_id):
        return True
    cleared = ConflictDeclaration.objects.filter(user=user, has_conflict=False).values("application_id")
    return not meeting.proposals.exclude(application_id__in=cleared).exists()


def sees_summary_only(user, application, declaration) -> bool:
    """Whether the file must be reduced to its summary for this user.

    Rule: a Caf or DDETS instructor sees the full file (and the other reviews) only once
    they have declared having no conflict of interest with it; a draft is not instructed
    yet. `declaration` is the user's ConflictDeclaration for the file, or None.
    """
    if application.status == Status.DRAFT or not is_reviewer(user, application):
        return False
    return declaration is None or declaration.has_conflict


def full_file_hidden(user, application) -> bool:
    """Whether the detail page and attachments must be reduced to the summary for this user.

    Same rule as sees_summary_only; the declaration is read only for the department's reviewers.
    """
    if application.status == Status.DRAFT or not is_reviewer(user, application):
        return False
    return sees_summary_only(user, application, declaration_of(user, application))


def declarations_of(application) -> list:
    """Every declaration made on the file, read once per application object.

    The tabs of the detail page all need them (the user's own, and the list the committee
    sees); reading them once keeps the page's query count fixed.
    """
    cached = getattr(application, "_fipe_declarations", None)
    if cached is None:
        cached = list(
            ConflictDeclaration.objects.filter(application=application).select_related("user").order_by("declared_at")
        )
        application._fipe_declarations = cached
    return cached


def declaration_of(user, application):
    """The user's declaration on the file, or None."""
    return next((d for d in declarations_of(application) if d.user_id == user.pk), None)
