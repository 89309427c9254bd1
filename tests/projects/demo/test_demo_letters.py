from io import StringIO

from django.contrib.auth import get_user_model
from django.utils import timezone

from departments.demo import load_accounts
from projects.applicants.services import public_label
from projects.awards.services import approve_laureate, reject_application
from projects.demo.applications import demo_application, load_call_and_applications
from projects.demo.data import DEMO_APPLICATIONS
from projects.demo.letters import REFUSAL_SENT_TITLE, load_letters
from projects.enums import BatchStatus, LetterKind, Status
from projects.models import DecisionLetter, LetterBatch, Signatory


def bring_to_laureate(entry, admin):
    """What the reviews and awards demo steps do for a laureate."""
    application = demo_application(entry)
    application.start_review(by=admin)
    application.mark_reviewed(by=admin)
    application.propose(by=admin)
    approve_laureate(application=application, by=admin, amounts_by_year=entry["awarded"])
    return application


def test_the_letters_step_notifies_the_laureates_meant_to_be_notified_once(db, quick_pdfs):
    out = StringIO()
    load_accounts(out)
    load_call_and_applications(out)
    admin = get_user_model().objects.get(username="admin")
    notified_entry = next(entry for entry in DEMO_APPLICATIONS if entry["target"] == Status.NOTIFIED)
    laureate_entry = next(entry for entry in DEMO_APPLICATIONS if entry["target"] == Status.LAUREATE)
    to_notify = bring_to_laureate(notified_entry, admin)
    stays_laureate = bring_to_laureate(laureate_entry, admin)

    load_letters(out)
    load_letters(out)

    to_notify.refresh_from_db()
    stays_laureate.refresh_from_db()
    assert to_notify.status == Status.NOTIFIED
    assert stays_laureate.status == Status.LAUREATE
    letter = DecisionLetter.objects.get(application=to_notify)
    assert (letter.kind, letter.version) == (LetterKind.AWARD, 1)
    assert letter.sent_at is not None
    assert letter.generated_by.username == "prefecture-76"
    assert Signatory.objects.filter(is_active=True).count() == 1


def test_the_letters_step_sends_one_refusal_letter_once(db, quick_pdfs):
    out = StringIO()
    load_accounts(out)
    load_call_and_applications(out)
    admin = get_user_model().objects.get(username="admin")
    entry = next(entry for entry in DEMO_APPLICATIONS if entry["title"] == REFUSAL_SENT_TITLE)
    application = demo_application(entry)
    application.start_review(by=admin)
    application.mark_reviewed(by=admin)
    application.not_propose(by=admin)
    reject_application(application=application, by=admin, reason="Hors du champ de l’appel.")

    load_letters(out)
    load_letters(out)

    application.refresh_from_db()
    assert application.status == Status.REJECTED
    letter = DecisionLetter.objects.get(application=application)
    assert (letter.kind, letter.version) == (LetterKind.REFUSAL, 1)
    assert letter.sent_at is not None
    assert public_label(application) == "Non retenu"


def test_the_letters_step_skips_what_is_not_yet_laureate(db, quick_pdfs):
    out = StringIO()
    load_accounts(out)
    load_call_and_applications(out)
    load_letters(out)
    assert not DecisionLetter.objects.exists()
    assert "pas encore lauréats" in out.getvalue()


def test_the_letters_step_leaves_one_interrupted_batch_to_relaunch_consistent_with_its_letters(db, quick_pdfs):
    out = StringIO()
    load_accounts(out)
    load_call_and_applications(out)
    admin = get_user_model().objects.get(username="admin")
    laureates = [
        bring_to_laureate(entry, admin)
        for entry in DEMO_APPLICATIONS
        if entry["target"] == Status.LAUREATE and entry["department"] == "31"
    ]
    assert len(laureates) >= 2
    load_letters(out)
    load_letters(out)
    batch = LetterBatch.objects.get()
    assert (batch.department.code, batch.status, batch.done, batch.total) == (
        "31",
        BatchStatus.RUNNING,
        1,
        len(laureates),
    )
    # The one letter the batch says it produced exists, and it is the only one in its scope.
    produced = DecisionLetter.objects.get(application__in=laureates)
    assert [row["reference"] for row in batch.report] == [produced.application.reference]
    assert batch.is_stale(timezone.now())
    batch.interrupt_if_stale(now=timezone.now())
    assert batch.status == BatchStatus.FAILED
    assert [row["outcome"] for row in batch.report] == ["generated", "failed"]
