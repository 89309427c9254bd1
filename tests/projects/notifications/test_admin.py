"""The outbox in the admin: filtered by status and event, « Renvoyer » for the failed messages."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.notifications import events
from projects.notifications.models import Message, MessageStatus
from tests.departments.factories import administrator, caf_instructor
from tests.projects.factories import ApplicantFactory, ApplicationFactory

CHANGELIST = reverse("admin:projects_message_changelist")


def outbox() -> tuple[Message, Message]:
    caf_instructor("11", email="instructrice@caf11.example")
    events.application_submitted(ApplicationFactory())
    events.application_submitted(ApplicationFactory())
    failed, queued = Message.objects.order_by("pk")
    Message.objects.filter(pk=failed.pk).update(status=MessageStatus.FAILED, attempts=5, last_error="timed out")
    return failed, queued


def test_the_outbox_filters_by_status_and_event(client, db, django_assert_max_num_queries):
    failed, queued = outbox()
    client.force_login(administrator(is_superuser=True))
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST, {"status__exact": "failed", "event": "application_submitted"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [failed]
    assert client.get(CHANGELIST, {"event": "letter_sent"}).context["cl"].result_count == 0


def test_renvoyer_queues_the_failed_messages_again_and_leaves_the_others(client, db):
    failed, queued = outbox()
    client.force_login(administrator(is_superuser=True))
    response = client.post(CHANGELIST, {"action": "resend", "_selected_action": [failed.pk, queued.pk]}, follow=True)
    assert response.status_code == 200
    assert "1 courriel remis en file d’envoi." in response.text
    assert "seul un courriel en échec se renvoie" in response.text
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (MessageStatus.QUEUED, 0)
    assert Message.objects.get(pk=queued.pk).status == MessageStatus.QUEUED


def test_the_admin_refuses_an_invalid_user_email_and_keeps_the_old_one(client, db):
    user = caf_instructor("11", email="instructrice@caf11.example")
    client.force_login(administrator(is_superuser=True))
    response = client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": user.username,
            "email": "a@b.fr\nBcc: c@d.fr",
            "is_active": "on",
            "date_joined_0": "01/01/2023",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["email"]
    user.refresh_from_db()
    assert user.email == "instructrice@caf11.example"


def test_an_invalid_applicant_contact_is_refused_by_the_model(db):
    applicant = ApplicantFactory.build(contact_email="pas une adresse")
    with pytest.raises(ValidationError) as refused:
        applicant.full_clean()
    assert "contact_email" in refused.value.message_dict
