import datetime
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from projects.applicants.exchanges import (
    answer_information_request,
    post_applicant_message,
    post_staff_message,
    request_information,
    send_information_reminders,
)
from projects.applicants.models import InformationRequest, ThreadMessage
from projects.enums import Status
from projects.exceptions import PermissionRefused, TransitionNotAllowed
from reviews.instruction.services import declare_conflict
from tests.departments.factories import caf_instructor, ddets_instructor
from tests.mail import sent_mail
from tests.projects.applicants.factories import file_of, signed_in_applicant
from tests.projects.sample_files import pdf_bytes, upload

pytestmark = pytest.mark.django_db

EMAIL = "mairie@carcassonne.example"


def staff(user, application):
    client = signed_in_applicant("nobody@example.org")
    declare_conflict(application=application, user=user, has_conflict=False)
    client.force_login(user)
    return client


def exchanges(client, application) -> str:
    url = reverse("projects:application_detail", kwargs={"reference": application.reference})
    response = client.get(url, {"onglet": "echanges"})
    assert response.status_code == 200
    return response.content.decode()


def cleared(user, application):
    """The instructor declared having no conflict of interest with the file: they read it in full."""
    declare_conflict(application=application, user=user, has_conflict=False)
    return user


def asked(application, by, days=10):
    today = timezone.localdate()
    return request_information(
        application=application,
        by=by,
        message="Merci d’envoyer le plan de financement signé.",
        pieces="Plan de financement\nAccord du propriétaire",
        deadline=today + datetime.timedelta(days=days),
        today=today,
    )


def test_request_for_information_round_trip(django_capture_on_commit_callbacks):
    application = file_of(EMAIL, in_review=True)
    instructor = caf_instructor("11")
    client = staff(instructor, application)
    deadline = timezone.localdate() + datetime.timedelta(days=15)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("projects:information_request_create", kwargs={"reference": application.reference}),
            {"message": "Le RIB manque.", "pieces": "RIB", "deadline": deadline.isoformat()},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.AWAITING_INFORMATION
    asked_row = application.status_changes.get(to_status=Status.AWAITING_INFORMATION)
    assert asked_row.from_status == Status.IN_REVIEW and asked_row.by == instructor
    assert sent_mail()[-1].to == [EMAIL] and "compléments" in sent_mail()[-1].subject
    request = InformationRequest.objects.get(application=application)

    applicant = signed_in_applicant(EMAIL)
    page = applicant.get(reverse("projects:applicant_file", kwargs={"pk": application.pk})).content.decode()
    assert "Le RIB manque." in page and "Compléments demandés" in page
    answer_url = reverse("projects:applicant_answer", kwargs={"pk": application.pk, "request_pk": request.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = applicant.post(
            answer_url, {"answer": "Voici le RIB.", "files": [upload("rib.pdf", pdf_bytes(), "application/pdf")]}
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    back = application.status_changes.get(to_status=Status.IN_REVIEW, from_status=Status.AWAITING_INFORMATION)
    assert back.by is None and back.by_applicant == EMAIL
    assert sent_mail()[-1].to == [instructor.email]
    page = exchanges(client, application)
    assert "Voici le RIB." in page and "rib.pdf" in page
    # Answered, the request takes no second answer.
    applicant.post(answer_url, {"answer": "Encore."})
    request.refresh_from_db()
    assert request.answer == "Voici le RIB."


def queue_count(html: str, label: str) -> int:
    match = re.search(re.escape(label) + r"</a>\s*<p class=\"fr-badge[^\"]*\">(\d+)</p>", html)
    assert match, f"« {label} » is not on the page"
    return int(match.group(1))


def test_the_instructors_queue_shows_the_files_awaiting_information_then_the_answer():
    application = file_of(EMAIL, in_review=True, title="Jardin d’éveil")
    other = file_of("autre@example.org", in_review=True, title="Ludothèque", department__code="31")
    instructor = cleared(caf_instructor("11"), application)
    client = staff(instructor, application)
    request = asked(application, instructor)
    home = client.get(reverse("home")).content.decode()
    assert queue_count(home, "Dossiers attendant les compléments demandés au porteur") == 1
    assert queue_count(home, "Dossiers en instruction où le porteur a répondu à une demande de compléments") == 0
    answer_information_request(request=request, email=EMAIL, answer="Voici le RIB.")
    home = client.get(reverse("home")).content.decode()
    assert queue_count(home, "Dossiers en instruction où le porteur a répondu à une demande de compléments") == 1
    listed = client.get(reverse("projects:application_list"), {"work": "information_answered"}).content.decode()
    assert application.title in listed and other.title not in listed


def test_only_a_file_in_review_can_wait_for_information():
    application = file_of(EMAIL, submitted=True)
    with pytest.raises(TransitionNotAllowed):
        asked(application, caf_instructor("11"))
    assert not InformationRequest.objects.exists()


def test_another_department_cannot_ask():
    application = file_of(EMAIL, in_review=True)
    with pytest.raises(PermissionRefused):
        asked(application, caf_instructor("31"))
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW and not InformationRequest.objects.exists()


def instructor_without_the_full_file(application, declaration):
    """A Caf instructor of the file's department who declared a conflict of interest, or nothing yet."""
    instructor = caf_instructor("11")
    if declaration == "conflict":
        declare_conflict(application=application, user=instructor, has_conflict=True, note="Élu de la commune.")
    return instructor


@pytest.mark.parametrize("declaration", ["none", "conflict"])
def test_only_an_instructor_who_reads_the_full_file_may_ask(declaration):
    application = file_of(EMAIL, in_review=True)
    with pytest.raises(PermissionRefused):
        asked(application, instructor_without_the_full_file(application, declaration))
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW and not InformationRequest.objects.exists()


@pytest.mark.parametrize("declaration", ["none", "conflict"])
def test_a_forged_request_by_an_instructor_without_the_full_file_is_refused(declaration):
    application = file_of(EMAIL, in_review=True)
    client = signed_in_applicant("nobody@example.org")
    client.force_login(instructor_without_the_full_file(application, declaration))
    deadline = timezone.localdate() + datetime.timedelta(days=15)
    response = client.post(
        reverse("projects:information_request_create", kwargs={"reference": application.reference}),
        {"message": "Le RIB manque.", "pieces": "RIB", "deadline": deadline.isoformat()},
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW and not InformationRequest.objects.exists()
    assert not sent_mail()


def test_a_past_deadline_is_refused_on_its_field():
    application = file_of(EMAIL, in_review=True)
    client = staff(caf_instructor("11"), application)
    response = client.post(
        reverse("projects:information_request_create", kwargs={"reference": application.reference}),
        {"message": "Le RIB manque.", "pieces": "", "deadline": timezone.localdate().isoformat()},
    )
    assert response.status_code == 200 and "deadline" in response.context["form"].errors
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW


def test_the_instructor_may_resume_the_review_without_the_answer():
    application = file_of(EMAIL, in_review=True)
    instructor = cleared(ddets_instructor("11"), application)
    request = asked(application, instructor)
    client = staff(instructor, application)
    url = reverse(
        "projects:application_transition", kwargs={"reference": application.reference, "name": "information_provided"}
    )
    assert client.post(url, {"comment": ""}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    applicant = signed_in_applicant(EMAIL)
    applicant.post(
        reverse("projects:applicant_answer", kwargs={"pk": application.pk, "request_pk": request.pk}),
        {"answer": "Tard"},
    )
    request.refresh_from_db()
    assert request.answered_at is None
    # A new request closes the one left unanswered.
    asked(application, instructor)
    request.refresh_from_db()
    assert request.closed_at is not None


def test_the_reminder_goes_two_days_before_the_deadline_once(django_capture_on_commit_callbacks):
    application = file_of(EMAIL, in_review=True)
    request = asked(application, cleared(caf_instructor("11"), application), days=10)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_information_reminders(today=request.deadline - datetime.timedelta(days=3)) == 0
        assert send_information_reminders(today=request.deadline - datetime.timedelta(days=2)) == 1
        assert send_information_reminders(today=request.deadline - datetime.timedelta(days=1)) == 0
    assert sent_mail()[-1].to == [EMAIL] and "Rappel" in sent_mail()[-1].subject
    request.refresh_from_db()
    assert request.reminded_at is not None


def test_no_reminder_for_an_answered_request():
    application = file_of(EMAIL, in_review=True)
    request = asked(application, cleared(caf_instructor("11"), application), days=2)
    InformationRequest.objects.filter(pk=request.pk).update(answered_at=timezone.now(), answer="Fait")
    assert send_information_reminders(today=timezone.localdate()) == 0


def test_the_reminder_command_takes_the_date_and_refuses_a_bad_one():
    application = file_of(EMAIL, in_review=True)
    request = asked(application, cleared(caf_instructor("11"), application), days=10)
    out = io.StringIO()
    day = (request.deadline - datetime.timedelta(days=2)).isoformat()
    call_command("send_information_reminders", "--date", day, stdout=out)
    assert "1 rappel envoyé." in out.getvalue()
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("send_information_reminders", "--date", "demain")


def test_internal_notes_stay_with_the_instructors(django_capture_on_commit_callbacks):
    application = file_of(EMAIL, in_review=True)
    instructor = cleared(caf_instructor("11"), application)
    with django_capture_on_commit_callbacks(execute=True):
        post_staff_message(application=application, by=instructor, body="Bonjour, où en est le local ?", internal=False)
        post_staff_message(application=application, by=instructor, body="Porteur fragile, à suivre.", internal=True)
    assert len(sent_mail()) == 1
    applicant = signed_in_applicant(EMAIL)
    page = applicant.get(reverse("projects:applicant_file", kwargs={"pk": application.pk})).content.decode()
    assert "où en est le local" in page and "Porteur fragile" not in page
    applicant.post(reverse("projects:applicant_message", kwargs={"pk": application.pk}), {"body": "Signé hier."})
    page = exchanges(staff(ddets_instructor("11"), application), application)
    assert "Porteur fragile" in page and "Note interne" in page and "Signé hier." in page


def test_the_department_instructors_hear_of_the_applicants_message(django_capture_on_commit_callbacks):
    application = file_of(EMAIL, in_review=True)
    caf, ddets, elsewhere = caf_instructor("11"), ddets_instructor("11"), caf_instructor("31")
    with django_capture_on_commit_callbacks(execute=True):
        post_applicant_message(application=application, email=EMAIL, body="Le local est signé.")
    mails = sent_mail()
    assert sorted(address for mail in mails for address in mail.to) == sorted([caf.email, ddets.email])
    assert elsewhere.email not in {address for mail in mails for address in mail.to}
    # The subject names the file; the message itself is read on the file's « Échanges » tab.
    assert all(application.reference in mail.subject and "Le local" not in mail.body for mail in mails)


@pytest.mark.parametrize("declaration", ["none", "conflict"])
def test_only_an_instructor_who_reads_the_full_file_writes_in_the_thread(declaration):
    application = file_of(EMAIL, in_review=True)
    with pytest.raises(PermissionRefused):
        post_staff_message(
            application=application,
            by=instructor_without_the_full_file(application, declaration),
            body="Bonjour",
            internal=False,
        )
    assert not ThreadMessage.objects.exists()


def test_a_reviewer_of_another_department_does_not_write_in_the_thread():
    application = file_of(EMAIL, in_review=True)
    with pytest.raises(PermissionRefused):
        post_staff_message(application=application, by=caf_instructor("31"), body="Bonjour", internal=False)
    assert not ThreadMessage.objects.exists()
