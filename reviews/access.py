"""Lookups shared by the pages: another department's object answers 404, a missing right 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from departments.enums import Action
from departments.permissions import get_scope
from projects.models import Application
from reviews.enums import ReviewerKind
from reviews.models import CommitteeMeeting
from reviews.permissions import can_run_committee


def application_or_404(user, reference: str) -> Application:
    """The file if the user may see its department; 404 otherwise (its existence is not disclosed)."""
    return get_object_or_404(
        Application.objects.visible_to(user).select_related("call", "department", "applicant"), reference=reference
    )


def kind_or_404(kind: str) -> ReviewerKind:
    if kind not in ReviewerKind.values:
        raise Http404
    return ReviewerKind(kind)


def visible_meeting_or_404(user, pk: int) -> CommitteeMeeting:
    """The meeting if the user may see its department's files; 404 otherwise."""
    return get_object_or_404(
        CommitteeMeeting.objects.select_related("call", "department", "created_by", "closed_by").filter(
            department_id__in=get_scope(user).department_ids(Action.VIEW)
        ),
        pk=pk,
    )


def secretary_meeting_or_404(user, pk: int) -> CommitteeMeeting:
    """The meeting, for its department's CDSF secretariat only (403 for the others who see the department)."""
    meeting = visible_meeting_or_404(user, pk)
    if not can_run_committee(user, meeting.department_id):
        raise PermissionDenied
    return meeting
