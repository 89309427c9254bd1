"""Each staff user chooses per event: immediately, in the daily digest, or never; applicants always get decisions."""

import io
import mailbox
from email.message import EmailMessage

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from projects.notifications import events
from projects.notifications.delivery import deliver_due_messages
from projects.notifications.enums import STAFF_EVENTS, Event
from projects.notifications.models import Frequency, Message, MessageStatus, NotificationPreference
from projects.notifications.services import notify, send_digests, set_preferences
from tests.departments.factories import caf_instructor, ddets_instructor
from tests.projects.factories import ApplicationFactory

URL = reverse("projects:notification_preferences")


def test_never_sends_nothing_for_that_event(db):
    caf = caf_instructor("11")
    ddets = ddets_instructor("11")
    set_preferences(user=caf, frequencies={Event.APPLICATION_SUBMITTED: Frequency.NEVER})
    events.application_submitted(ApplicationFactory())
    assert list(Message.objects.values_list("recipient", flat=True)) == [ddets.email]


def test_the_daily_digest_sends_one_message_with_every_event_of_the_day(db, smtp_server):
    caf = caf_instructor("11", email="digest@caf11.example")
    set_preferences(
        user=caf,
        frequencies={Event.APPLICATION_SUBMITTED: Frequency.DAILY, Event.APPLICATION_REJECTED: Frequency.DAILY},
    )
    applications = [ApplicationFactory() for _ in range(3)]
    for application in applications:
        events.application_submitted(application)
    events.application_rejected(application=applications[0], reason="Hors du champ de l’appel.")
    assert set(Message.objects.values_list("status", flat=True)) == {MessageStatus.HELD}
    assert deliver_due_messages().sent == 0
    assert send_digests() == 1
    assert deliver_due_messages().sent == 1
    [email] = smtp_server.messages
    text = email.get_body(preferencelist=("plain",)).get_content()
    assert "résumé" in email["Subject"] and "4 notifications" in email["Subject"]
    for application in applications:
        assert f"Dossier déposé à instruire : {application.reference}" in text
    assert f"Dossier rejeté : {applications[0].reference}" in text
    digest = Message.objects.get(event=Event.DIGEST)
    assert digest.recipient_user == caf
    assert set(digest.bundled.values_list("status", flat=True)) == {MessageStatus.BUNDLED}
    # Nothing is bundled twice.
    assert send_digests() == 0


def test_send_digests_command_reports_and_sends(db, smtp_server, capsys):
    caf = caf_instructor("11")
    set_preferences(user=caf, frequencies={Event.APPLICATION_SUBMITTED: Frequency.DAILY})
    events.application_submitted(ApplicationFactory())
    call_command("send_digests", "--send-now")
    out = capsys.readouterr().out
    assert "1 résumé quotidien préparé." in out and "1 courriel envoyé, 0 en échec." in out
    assert len(smtp_server.received) == 1


def test_send_digests_asks_the_worker_for_a_message_whose_delivery_was_never_enqueued(db):
    caf_instructor("11")
    events.application_submitted(ApplicationFactory())
    assert not DBTaskResult.objects.exists()
    call_command("send_digests", stdout=io.StringIO())
    assert DBTaskResult.objects.get().task_path == "projects.notifications.tasks.deliver_messages"
    assert Message.objects.get().status == MessageStatus.QUEUED


def test_decisions_to_applicants_cannot_be_switched_off(db):
    caf = caf_instructor("11")
    for event in (Event.LETTER_SENT, Event.PAYMENT_RECORDED):
        with pytest.raises(ValidationError):
            set_preferences(user=caf, frequencies={event: Frequency.NEVER})
    assert not NotificationPreference.objects.exists()


def test_decisions_to_applicants_ignore_preferences(db):
    caf = caf_instructor("11")
    NotificationPreference.objects.create(user=caf, event=Event.LETTER_SENT, frequency=Frequency.NEVER)
    notify(
        event=Event.LETTER_SENT,
        recipients=[caf],
        subject="Décision",
        template="projects/notifications/email/digest",
        context={"messages": []},
        always=True,
    )
    assert Message.objects.get().status == MessageStatus.QUEUED


def test_the_preferences_page_records_a_choice_per_event(client, db, django_assert_num_queries):
    caf = caf_instructor("11")
    client.force_login(caf)
    with django_assert_num_queries(3):
        response = client.get(URL)
    assert response.status_code == 200
    assert "Résumé quotidien" in response.text and "Jamais" in response.text
    posted = {event.value: Frequency.IMMEDIATE for event in STAFF_EVENTS}
    posted[Event.APPLICATION_SUBMITTED] = Frequency.DAILY
    posted[Event.APPLICATION_REJECTED] = Frequency.NEVER
    response = client.post(URL, posted)
    assert response.status_code == 302
    saved = dict(NotificationPreference.objects.filter(user=caf).values_list("event", "frequency"))
    assert saved[Event.APPLICATION_SUBMITTED] == Frequency.DAILY
    assert saved[Event.APPLICATION_REJECTED] == Frequency.NEVER
    assert Event.LETTER_SENT not in saved


def test_the_preferences_page_refuses_an_unknown_choice_and_saves_nothing(client, db):
    caf = caf_instructor("11")
    client.force_login(caf)
    posted = {event.value: Frequency.IMMEDIATE for event in STAFF_EVENTS}
    posted[Event.APPLICATION_SUBMITTED] = "toujours"
    response = client.post(URL, posted)
    assert response.status_code == 200
    assert "Choix inconnu." in response.text
    assert not NotificationPreference.objects.exists()


def test_the_demo_mailbox_lists_what_the_sink_received(client, db, settings, tmp_path):
    settings.DEBUG = True
    settings.DEMO_MAIL_DIR = tmp_path / "mail"
    box = mailbox.Maildir(settings.DEMO_MAIL_DIR)
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = "fipe@example.org", "porteur@example.org", "Décision FIPE-ATT"
    email["Date"] = "Mon, 18 Dec 2023 10:00:00 +0100"
    email.set_content("Madame, Monsieur,")
    email.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="FIPE-ATT.pdf")
    key = box.add(email)
    client.force_login(caf_instructor("11"))
    response = client.get(reverse("projects:sent_mail"))
    assert response.status_code == 200
    assert "Décision FIPE-ATT" in response.text and "FIPE-ATT.pdf" in response.text
    detail = client.get(reverse("projects:sent_mail_detail", kwargs={"key": key}))
    assert detail.status_code == 200 and "Madame, Monsieur," in detail.text
    assert client.get(reverse("projects:sent_mail_detail", kwargs={"key": "..%2F..%2Fetc"})).status_code == 404
    assert client.get(reverse("projects:sent_mail_detail", kwargs={"key": "absent"})).status_code == 404
    settings.DEBUG = False
    assert client.get(reverse("projects:sent_mail")).status_code == 404
