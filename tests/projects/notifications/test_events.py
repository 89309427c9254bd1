"""Each event tells exactly the people concerned, and no one of another department, on the demo data.

The demo runs the real services (submissions, reviews, committees, approvals, letters, payments),
so its outbox holds every event; each message is checked against who should have had it.
"""

from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Max

from projects.enums import BatchStatus, Status
from projects.letters.tasks import run_letter_batch
from projects.models import Application, LetterBatch, Message
from projects.money import format_euros
from projects.notifications.enums import Event
from projects.services import create_application
from reviews.enums import Opinion
from reviews.instruction.services import declare_conflict, save_review
from reviews.models import CommitteeMeeting
from tests.projects.sample_files import pdf_bytes

pytestmark = pytest.mark.xdist_group("notifications_demo")


@pytest.fixture(scope="module")
def demo_world(demo_site):
    """The demo (tests/conftest.py), loaded once for this module."""
    return demo_site


@pytest.fixture
def world(demo_world, db, settings):
    settings.MEDIA_ROOT = demo_world


def staff(*prefixes: str, code: str) -> set[str]:
    return {f"{prefix}-{code}@fipe.example" for prefix in prefixes}


def recipients_by_about(event: str) -> dict:
    found: dict = {}
    for message in Message.objects.filter(event=event).prefetch_related("about"):
        found.setdefault(message.about, set()).add(message.recipient)
    return found


def test_the_demo_outbox_holds_every_event_sent_by_the_services(world):
    events = set(Message.objects.values_list("event", flat=True))
    # Every staff and decision event; the applicant's space adds its own (requests for information).
    assert set(Event.values) - {Event.BATCH_FINISHED, Event.DIGEST} <= events


def test_a_submitted_file_tells_its_departments_caf_and_ddets_instructors(world):
    told = recipients_by_about(Event.APPLICATION_SUBMITTED)
    assert told
    for application, recipients in told.items():
        assert recipients == staff("caf", "ddets", code=application.department.code), application.reference


def test_submitting_a_new_file_tells_the_aude_instructors_and_no_one_else(world):
    template = Application.objects.filter(department__code="11", call__reference="FIPE-OCC-2023").first()
    before = Message.objects.aggregate(last=Max("pk"))["last"]
    create_application(
        call=template.call,
        applicant=template.applicant,
        department=template.department,
        by=get_user_model().objects.get(username="prefecture-76"),
        amounts_by_year={2023: 1000},
        submit=True,
        title="Relais itinérant",
        summary="Un relais.",
        commune="Limoux",
        category=template.category,
        total_budget=5000,
    )
    recipients = set(Message.objects.filter(pk__gt=before).values_list("recipient", flat=True))
    assert recipients == {"caf-11@fipe.example", "ddets-11@fipe.example"}


def test_a_review_tells_the_instructor_still_awaited_then_both_tell_the_cdsf(world):
    awaited = recipients_by_about(Event.REVIEW_SUBMITTED)
    assert awaited
    for application, recipients in awaited.items():
        # The demo's first review is the Caf's: the DDETS is the one awaited.
        assert recipients == staff("ddets", code=application.department.code), application.reference
    complete = recipients_by_about(Event.REVIEWS_COMPLETE)
    assert complete
    for application, recipients in complete.items():
        assert recipients == staff("cdsf", code=application.department.code), application.reference
        assert application.status != Status.IN_REVIEW


def test_the_ddets_review_first_tells_the_caf_instructor_only(world):
    application = Application.objects.filter(status=Status.SUBMITTED, reviews__isnull=True).order_by("pk").first()
    code = application.department.code
    author = get_user_model().objects.get(username=f"ddets-{code}")
    declare_conflict(application=application, user=author, has_conflict=False)
    before = Message.objects.aggregate(last=Max("pk"))["last"]
    save_review(
        application=application,
        author=author,
        scores={criterion.code: criterion.max_score for criterion in application.call.criteria.all()},
        opinion=Opinion.FAVOURABLE,
        amounts_by_year=application.requested_by_year(),
        comment="",
        submit=True,
    )
    [message] = Message.objects.filter(pk__gt=before)
    assert (message.event, message.recipient) == (Event.REVIEW_SUBMITTED, f"caf-{code}@fipe.example")
    assert "Avis de la DDETS transmis" in message.subject


def test_a_closed_committee_tells_the_regional_prefecture_only(world):
    told = recipients_by_about(Event.COMMITTEE_CLOSED)
    assert len(told) == CommitteeMeeting.objects.filter(status="closed").count() == 10
    assert set(map(frozenset, told.values())) == {frozenset({"prefecture-76@fipe.example"})}


def test_a_closed_committee_lists_its_proposals_and_their_amounts(world):
    listed = 0
    for message in Message.objects.filter(event=Event.COMMITTEE_CLOSED).prefetch_related("about"):
        proposed = message.about.proposals.filter(decision="proposed").select_related("application")
        for proposal in proposed:
            listed += 1
            line = f"- {proposal.application.reference} « {proposal.application.title} » : "
            assert line + format_euros(proposal.proposed_total) in message.body_text
        total = format_euros(sum(proposal.proposed_total for proposal in proposed))
        assert f"pour {total} au total" in message.body_text
        assert f"/appels/{message.about.call.reference}/validation/" in message.body_text
    assert listed


@pytest.mark.parametrize("event", [Event.LAUREATE_APPROVED, Event.APPLICATION_REJECTED])
def test_a_decision_tells_the_departments_caf_ddets_and_cdsf(world, event):
    told = recipients_by_about(event)
    assert told
    for application, recipients in told.items():
        assert recipients == staff("caf", "ddets", "cdsf", code=application.department.code), application.reference


@pytest.mark.parametrize("event", [Event.LETTER_SENT, Event.PAYMENT_RECORDED])
def test_letters_and_payments_go_to_the_applicants_contact_only(world, event):
    messages = list(Message.objects.filter(event=event))
    assert messages
    for message in messages:
        application = message.about.application if event == Event.LETTER_SENT else message.about.line.award.application
        assert message.recipient == application.applicant.contact_email
    if event == Event.LETTER_SENT:
        assert all(message.attachments.count() == 1 for message in messages)


def test_a_finished_batch_tells_whoever_started_it(world, settings):
    batch = LetterBatch.objects.filter(status=BatchStatus.FAILED).first() or LetterBatch.objects.first()
    starter = get_user_model().objects.get(username="prefecture-76")
    fresh = LetterBatch.objects.create(call=batch.call, kind="all", requested_by=starter)
    before = Message.objects.aggregate(last=Max("pk"))["last"]
    with mock.patch("projects.letters.rendering.render_pdf", lambda html: pdf_bytes()):
        run_letter_batch.call(fresh.pk)
    messages = list(Message.objects.filter(pk__gt=before, event=Event.BATCH_FINISHED))
    assert [message.recipient for message in messages] == ["prefecture-76@fipe.example"]
    assert f"/courriers/lots/{fresh.pk}/" in messages[0].body_text
