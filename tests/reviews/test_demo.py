import io

from django.contrib.auth import get_user_model
from django.core.management import call_command

from projects.demo.applications import demo_application
from projects.demo.data import DEMO_APPLICATIONS
from projects.enums import Status
from projects.models import Application, StatusChange
from reviews.demo import NOT_PROPOSED_TARGETS, PROPOSED_TARGETS, load_reviews_and_committees
from reviews.enums import MeetingStatus, ProposalDecision
from reviews.models import CommitteeMeeting, CommitteeMember, CommitteeProposal, ConflictDeclaration, Review


def load_demo():
    call_command("load_demo", stdout=io.StringIO())


def snapshot() -> dict:
    return {
        "users": get_user_model().objects.count(),
        "reviews": sorted(Review.objects.values_list("application__reference", "kind", "total", "opinion")),
        "declarations": ConflictDeclaration.objects.count(),
        "meetings": sorted(CommitteeMeeting.objects.values_list("department__code", "status", "minutes_sha256")),
        "members": CommitteeMember.objects.count(),
        "proposals": sorted(
            CommitteeProposal.objects.values_list("application__reference", "decision", "rank", "proposed_total")
        ),
        "statuses": dict(Application.objects.values_list("reference", "status")),
        "history": StatusChange.objects.count(),
    }


def test_the_reviews_demo_step_is_idempotent(db, settings, quick_pdfs):
    settings.DEBUG = True
    load_demo()
    first = snapshot()
    load_reviews_and_committees(io.StringIO())
    load_demo()
    assert snapshot() == first


def test_the_demo_files_reach_the_stage_their_target_asks_of_the_committee(db, settings, quick_pdfs):
    settings.DEBUG = True
    load_demo()
    for entry in DEMO_APPLICATIONS:
        application = demo_application(entry)
        target = entry["target"]
        kinds = set(application.reviews.submitted().values_list("kind", flat=True))
        if target == Status.IN_REVIEW:
            # The applicant's space's demo asks one of them for more information.
            assert application.status in {Status.IN_REVIEW, Status.AWAITING_INFORMATION}
            assert kinds == {"caf"}
        elif target == Status.REVIEWED:
            assert (application.status, kinds) == (Status.REVIEWED, {"caf", "ddets"})
        elif target in PROPOSED_TARGETS:
            # The awards step, which runs after this one, approves some of them.
            assert application.status in {Status.PROPOSED, Status.LAUREATE, Status.NOTIFIED}
            assert kinds == {"caf", "ddets"}
            assert application.status_changes.filter(to_status=Status.PROPOSED).exists()
            proposal = application.proposal
            assert proposal.decision == ProposalDecision.PROPOSED
            assert {row.year: row.amount for row in proposal.amounts.all()} == entry["awarded"]
        elif target in NOT_PROPOSED_TARGETS:
            assert application.status in {Status.NOT_PROPOSED, Status.REJECTED}
            assert kinds == {"caf", "ddets"}
            assert application.status_changes.filter(to_status=Status.NOT_PROPOSED).exists()
        else:
            assert not kinds
    decided = {entry["department"] for entry in DEMO_APPLICATIONS if entry["target"] in PROPOSED_TARGETS}
    meetings = CommitteeMeeting.objects.select_related("department")
    assert sorted(meeting.department.code for meeting in meetings) == sorted(decided)
    for meeting in meetings:
        assert meeting.status == MeetingStatus.CLOSED
        assert meeting.members.exists()
        assert meeting.minutes and len(meeting.minutes_sha256) == 64
