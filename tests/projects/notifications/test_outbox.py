"""The outbox against a real SMTP server (aiosmtpd on 127.0.0.1): what leaves, when, and never twice."""

import datetime
import threading
import time
from decimal import Decimal
from email.utils import parseaddr

import pytest
from django.conf import settings
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fipe import freshness
from projects.awards.services import approve_laureate
from projects.enums import LetterKind
from projects.letters.pipeline import generate_letter, mark_letter_sent
from projects.money import format_euros
from projects.notifications import events
from projects.notifications.delivery import deliver_due_messages
from projects.notifications.enums import Event
from projects.notifications.models import MAX_ATTEMPTS, Message, MessageStatus
from projects.notifications.services import notify, resend_message
from projects.notifications.tasks import deliver_messages
from tests.departments.factories import administrator, caf_instructor, ddets_instructor, regional_approver
from tests.projects.awards.factories import in_threads, proposed_application, years_of
from tests.projects.factories import ApplicantFactory, ApplicationFactory
from tests.projects.letters.factories import laureate, signatory

YEARS = {2023: Decimal("95800.00"), 2024: Decimal("71850.00"), 2025: Decimal("71850.00")}  # 239,500 € in all
CONTACT = "claire.laureate@mairie-exemple.fr"


def sent_letter():
    signatory()
    approver = regional_approver()
    application = laureate(amounts_by_year=YEARS, applicant=ApplicantFactory(contact_email=CONTACT))
    letter = generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    return mark_letter_sent(letter=letter, by=approver)


def submitted_notice(**application_fields) -> list[Message]:
    """The message a Caf instructor of the Aude gets when a file of the Aude is submitted."""
    application = ApplicationFactory(**application_fields)
    caf_instructor("11", email="instructrice@caf11.example")
    events.application_submitted(application)
    return list(Message.objects.filter(event=Event.APPLICATION_SUBMITTED))


def test_the_laureates_contact_receives_one_message_with_the_signed_letter(db, smtp_server):
    letter = sent_letter()
    assert deliver_messages.call() == {"sent": 1, "failed": 0}
    [received] = [item for item in smtp_server.received if CONTACT in item["to"]]
    email = received["message"]
    assert received["to"] == [CONTACT]
    assert parseaddr(str(email["From"])) == parseaddr(settings.DEFAULT_FROM_EMAIL)
    assert str(email["From"]).startswith("FIPE — Préfecture de la région Occitanie")
    assert email["To"] == CONTACT
    reference = f"{letter.application.reference}-ATT"
    assert reference in email["Subject"]
    assert email.get_content_type() == "multipart/mixed"
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert email.get_body(preferencelist=("html",)).get_content_type() == "text/html"
    assert "Madame, Monsieur," in text
    assert f"une subvention de {format_euros(Decimal('239500'))} vous est attribuée" in text
    [pdf] = list(email.iter_attachments())
    assert (pdf.get_content_type(), pdf.get_filename()) == ("application/pdf", f"{reference}.pdf")
    with letter.file.open("rb") as stored:
        assert pdf.get_content() == stored.read()
    message = Message.objects.get(recipient=CONTACT)
    assert (message.status, message.attempts, message.about) == (MessageStatus.SENT, 1, letter)
    assert message.sent_at is not None


def test_a_letter_above_the_size_cap_is_sent_as_a_signed_link(db, smtp_server, settings, client):
    settings.NOTIFICATION_ATTACHMENT_MAX_BYTES = 10
    letter = sent_letter()
    deliver_due_messages()
    [email] = smtp_server.messages
    assert list(email.iter_attachments()) == []
    text = email.get_body(preferencelist=("plain",)).get_content()
    link = next(line for line in text.splitlines() if "/courriels/lettres/" in line).strip()
    assert link.startswith(settings.SITE_URL)
    response = client.get(link.removeprefix(settings.SITE_URL))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert client.get("/courriels/lettres/forged-token/").status_code == 404
    assert letter.sent_at is not None


def test_a_rolled_back_approval_leaves_no_message(db, django_capture_on_commit_callbacks):
    caf_instructor("11")
    application = proposed_application()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        approve_laureate(
            application=application, by=regional_approver(), amounts_by_year=years_of(application.call, "1000")
        )
        assert Message.objects.exists()
        raise RuntimeError("the approval is cancelled")
    assert not Message.objects.exists()
    # Nor is the worker asked to deliver anything.
    assert callbacks == []
    assert not DBTaskResult.objects.exists()


def test_delivery_is_asked_of_the_worker_once_the_change_commits(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submitted_notice()
        events.application_submitted(ApplicationFactory())
        assert Message.objects.count() == 2
        assert not DBTaskResult.objects.exists()
    # One delivery for all the messages of the transaction (besides the renewal of cached fragments).
    assert len([callback for callback in callbacks if callback is not freshness.renew_version]) == 1
    assert DBTaskResult.objects.get().task_path == "projects.notifications.tasks.deliver_messages"


def test_an_smtp_refusal_fails_the_message_with_its_error_and_a_retry_succeeds_later(db, smtp_server):
    [message] = submitted_notice()
    smtp_server.refuse = True
    report = deliver_due_messages()
    message.refresh_from_db()
    assert (report.sent, report.failed) == (0, 1)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "451" in message.last_error and "indisponible" in message.last_error
    assert message.next_attempt_at > timezone.now()
    # Not due yet: the worker does not hammer the server.
    smtp_server.refuse = False
    assert deliver_due_messages().sent == 0
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - datetime.timedelta(seconds=1))
    assert deliver_due_messages().sent == 1
    message.refresh_from_db()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 2, "")
    assert len(smtp_server.received) == 1


def test_an_unreachable_server_never_blocks_the_service_and_the_message_waits(db, no_smtp_server):
    started = time.monotonic()
    messages = submitted_notice()
    assert time.monotonic() - started < 2
    assert [message.status for message in messages] == [MessageStatus.QUEUED]
    deliver_due_messages()
    message = Message.objects.get()
    assert message.status == MessageStatus.FAILED
    assert "Connection refused" in message.last_error or "ConnectionRefused" in message.last_error
    assert message.next_attempt_at is not None


def test_a_server_that_never_answers_never_blocks_the_page_and_the_message_waits_with_its_error(
    client, db, silent_smtp_server, django_capture_on_commit_callbacks
):
    signatory()
    approver = regional_approver()
    application = laureate(applicant=ApplicantFactory(contact_email=CONTACT))
    letter = generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    client.force_login(approver)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:letter_mark_sent", kwargs={"reference": application.reference, "pk": letter.pk})
        )
    assert response.status_code == 302
    assert time.monotonic() - started < settings.EMAIL_TIMEOUT
    message = Message.objects.get(recipient=CONTACT)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 0)
    assert DBTaskResult.objects.get().task_path == "projects.notifications.tasks.deliver_messages"
    assert deliver_due_messages().failed == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)
    assert "timed out" in message.last_error
    assert message.next_attempt_at > timezone.now()


def test_the_worker_comes_back_when_the_next_retry_is_due_and_waits_longer_each_time(db, smtp_server):
    [message] = submitted_notice()
    smtp_server.refuse = True
    for attempt, minutes in [(1, 1), (2, 4), (3, 16)]:
        started = timezone.now()
        assert deliver_messages.call() == {"sent": 0, "failed": 1}
        message.refresh_from_db()
        assert message.attempts == attempt
        assert started + datetime.timedelta(minutes=minutes) <= message.next_attempt_at
        assert message.next_attempt_at <= timezone.now() + datetime.timedelta(minutes=minutes)
        # The worker is asked to come back exactly then, by a deferred task.
        later = DBTaskResult.objects.order_by("-enqueued_at").first()
        assert later.run_after == message.next_attempt_at
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    smtp_server.refuse = False
    assert deliver_messages.call() == {"sent": 1, "failed": 0}
    assert DBTaskResult.objects.count() == 3


def test_after_the_last_attempt_only_renvoyer_puts_a_message_back(db, smtp_server):
    [message] = submitted_notice()
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED, attempts=MAX_ATTEMPTS, next_attempt_at=None, last_error="timed out"
    )
    assert deliver_due_messages().sent == 0
    resend_message(message=message, by=administrator())
    assert deliver_due_messages().sent == 1
    assert Message.objects.get().status == MessageStatus.SENT


def test_a_message_a_dead_worker_left_sending_is_never_sent_again_on_its_own(db, smtp_server):
    caf_instructor("11", email="instructrice@caf11.example")
    events.application_submitted(ApplicationFactory())
    events.application_submitted(ApplicationFactory())
    cut_off, under_way = Message.objects.order_by("pk")
    now = timezone.now()
    for message, claimed in [(cut_off, now - datetime.timedelta(minutes=16)), (under_way, now)]:
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, attempts=1, claimed_at=claimed)
    assert deliver_due_messages().sent == 0
    assert smtp_server.received == []
    cut_off.refresh_from_db()
    assert (cut_off.status, cut_off.next_attempt_at) == (MessageStatus.FAILED, None)
    assert "Envoi interrompu" in cut_off.last_error
    assert Message.objects.get(pk=under_way.pk).status == MessageStatus.SENDING


def test_renvoyer_refuses_a_message_that_did_not_fail(db):
    [message] = submitted_notice()
    from projects.exceptions import DomainError

    with pytest.raises(DomainError, match="Seul un courriel en échec"):
        resend_message(message=message, by=administrator())


def test_newlines_in_a_subject_cannot_inject_a_header(db, smtp_server):
    user = caf_instructor("11", email="instructrice@caf11.example")
    notify(
        event="test",
        recipients=[user],
        subject="Dossier déposé\r\nBcc: victime@ailleurs.example\r\n\r\nCorps forgé",
        template="projects/notifications/email/digest",
        context={"messages": []},
    )
    deliver_due_messages()
    [received] = smtp_server.received
    assert received["to"] == ["instructrice@caf11.example"]
    assert received["message"]["Bcc"] is None
    assert received["message"]["Subject"].strip() == "Dossier déposé Bcc: victime@ailleurs.example Corps forgé"


def test_an_invalid_address_never_leaves_and_says_why(db, smtp_server):
    application = ApplicationFactory(applicant=ApplicantFactory(contact_email="a@b.fr\nBcc: c@d.fr"))
    notify(
        event="test",
        recipients=[application.applicant.contact_email, "pas-une-adresse"],
        subject="Objet",
        template="projects/notifications/email/digest",
        context={"messages": []},
    )
    deliver_due_messages()
    assert smtp_server.received == []
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.FAILED}
    assert all("invalide" in error for error in Message.objects.values_list("last_error", flat=True))
    assert all("\n" not in recipient for recipient in Message.objects.values_list("recipient", flat=True))


def test_a_recipient_named_twice_or_inactive_gets_nothing_more(db):
    caf = caf_instructor("11", email="same@caf11.example")
    inactive = ddets_instructor("11", is_active=False)
    notify(
        event="test",
        recipients=[caf, "SAME@caf11.example", inactive],
        subject="Objet",
        template="projects/notifications/email/digest",
        context={"messages": []},
    )
    assert list(Message.objects.values_list("recipient", flat=True)) == ["same@caf11.example"]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_message_twice(smtp_server):
    caf_instructor("11", email="instructrice@caf11.example")
    for _ in range(30):
        events.application_submitted(ApplicationFactory())
    slow = threading.Lock()
    handle = smtp_server.handle_DATA

    async def slowly(server, session, envelope):
        with slow:
            time.sleep(0.01)
        return await handle(server, session, envelope)

    smtp_server.handle_DATA = slowly
    reports = in_threads(lambda: deliver_due_messages(limit=5), lambda: deliver_due_messages(limit=5))
    while Message.objects.due(timezone.now()).exists():
        in_threads(lambda: deliver_due_messages(limit=5), lambda: deliver_due_messages(limit=5))
    assert all(not isinstance(report, Exception) for report in reports), reports
    subjects = [str(email["Subject"]) for email in smtp_server.messages]
    assert len(subjects) == 30 == len(set(subjects))
    assert set(Message.objects.values_list("status", "attempts")) == {(MessageStatus.SENT, 1)}


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_worker_passes_over_the_message_another_is_claiming_without_waiting(smtp_server):
    caf_instructor("11", email="instructrice@caf11.example")
    for _ in range(3):
        events.application_submitted(ApplicationFactory())
    taken = Message.objects.order_by("pk").first()
    locked, release = threading.Event(), threading.Event()

    def other_worker():
        try:
            with transaction.atomic():
                Message.objects.select_for_update().get(pk=taken.pk)
                locked.set()
                release.wait(10)
                Message.objects.filter(pk=taken.pk).update(status=MessageStatus.SENDING, claimed_at=timezone.now())
        finally:
            connections.close_all()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(5)
        with connection.cursor() as cursor:
            # Waiting for the other worker's lock would fail here rather than hang.
            cursor.execute("SET lock_timeout = '2s'")
        report = deliver_due_messages()
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert (report.sent, report.failed) == (2, 0)
    assert deliver_due_messages().sent == 0
    assert taken.subject not in [str(email["Subject"]) for email in smtp_server.messages]
    assert len(smtp_server.messages) == 2
    assert Message.objects.get(pk=taken.pk).status == MessageStatus.SENDING


def test_a_message_whose_attachment_is_gone_fails_alone(db, smtp_server):
    sent_letter()
    caf_instructor("11", email="instructrice@caf11.example")
    events.application_submitted(ApplicationFactory())
    letter_mail = Message.objects.get(recipient=CONTACT)
    attachment = letter_mail.attachments.get()
    attachment.file.storage.delete(attachment.file.name)
    report = deliver_due_messages()
    assert (report.sent, report.failed) == (1, 1)
    letter_mail.refresh_from_db()
    assert letter_mail.status == MessageStatus.FAILED and "FileNotFoundError" in letter_mail.last_error
    assert [item["to"] for item in smtp_server.received] == [["instructrice@caf11.example"]]
