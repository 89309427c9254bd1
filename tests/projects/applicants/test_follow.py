import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from projects.applicants.models import CoContact, ThreadMessage
from projects.applicants.services import invite_co_contact, public_timeline_labels
from projects.enums import LetterKind, Status
from projects.exceptions import PermissionRefused
from projects.models import Attachment, DecisionLetter, Signatory, StatusChange
from reviews.instruction.services import declare_conflict
from tests.departments.factories import administrator, caf_instructor, organisation
from tests.projects.applicants.factories import file_of, signed_in_applicant
from tests.projects.sample_files import pdf_bytes

pytestmark = pytest.mark.django_db

MINE = "mairie@lezignan.example"
THEIRS = "ccas@tournefeuille.example"


def with_history(application, *statuses):
    by = administrator()
    previous = ""
    for status in statuses:
        StatusChange.objects.create(application=application, from_status=previous, to_status=status, by=by)
        previous = status
    application.status = previous
    application.save(update_fields=["status"])
    return application


def sent_letter(application, kind=LetterKind.AWARD, sent=True):
    signatory = Signatory.objects.create(
        organisation=organisation("regional_prefecture"), first_name="Pierre", last_name="André", capacity="Le préfet"
    )
    letter = DecisionLetter(
        application=application,
        kind=kind,
        version=1,
        sha256="0" * 64,
        signatory=signatory,
        generated_by=administrator(),
        sent_at=timezone.now() if sent else None,
    )
    letter.file.save("letter.pdf", ContentFile(pdf_bytes()), save=False)
    letter.save()
    return letter


def test_the_applicant_lists_their_files_and_those_they_were_invited_to(django_assert_num_queries):
    mine = file_of(MINE, submitted=True)
    invited = file_of(THEIRS, submitted=True)
    CoContact.objects.create(application=invited, email=MINE, invited_by=THEIRS)
    other = file_of("autre@example.org", submitted=True)
    client = signed_in_applicant(MINE.upper())
    with django_assert_num_queries(2):
        response = client.get(reverse("projects:applicant_home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert mine.title in page and invited.title in page and other.title not in page


def test_the_timeline_shows_public_labels_only():
    application = with_history(
        file_of(MINE), Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.REVIEWED, Status.NOT_PROPOSED
    )
    client = signed_in_applicant(MINE)
    page = client.get(reverse("projects:applicant_file", kwargs={"pk": application.pk})).content.decode()
    assert "En cours d’examen" in page
    assert "Non proposé" not in page and "CDSF" not in page
    assert public_timeline_labels(application) == ["En cours de dépôt", "Dossier reçu", "En cours d’examen"]


def test_a_rejection_shows_once_its_letter_is_sent():
    application = with_history(file_of(MINE), Status.SUBMITTED, Status.IN_REVIEW, Status.NOT_PROPOSED, Status.REJECTED)
    assert public_timeline_labels(application) == ["Dossier reçu", "En cours d’examen"]
    sent_letter(application, kind=LetterKind.REFUSAL)
    assert public_timeline_labels(application)[-1] == "Non retenu"


def test_an_approval_shows_once_the_laureate_is_notified():
    application = with_history(file_of(MINE), Status.SUBMITTED, Status.IN_REVIEW, Status.LAUREATE)
    client = signed_in_applicant(MINE)
    page = client.get(reverse("projects:applicant_file", kwargs={"pk": application.pk})).content.decode()
    assert "Retenu" not in page
    assert public_timeline_labels(application) == ["Dossier reçu", "En cours d’examen"]
    with_history(application, Status.NOTIFIED)
    assert public_timeline_labels(application)[-1] == "Retenu"


def test_a_sent_letter_is_downloaded_an_unsent_one_is_not():
    application = with_history(file_of(MINE), Status.SUBMITTED, Status.LAUREATE, Status.NOTIFIED)
    letter = sent_letter(application)
    draft_letter = sent_letter(application, kind=LetterKind.REFUSAL, sent=False)
    client = signed_in_applicant(MINE)
    page = client.get(reverse("projects:applicant_file", kwargs={"pk": application.pk})).content.decode()
    assert reverse("projects:applicant_letter", kwargs={"pk": application.pk, "letter": letter.pk}) in page
    ok = client.get(reverse("projects:applicant_letter", kwargs={"pk": application.pk, "letter": letter.pk}))
    assert ok.status_code == 200
    hidden = client.get(reverse("projects:applicant_letter", kwargs={"pk": application.pk, "letter": draft_letter.pk}))
    assert hidden.status_code == 404


def test_an_applicant_never_reaches_another_applicants_file_attachment_message_or_letter():
    theirs = with_history(file_of(THEIRS), Status.SUBMITTED, Status.LAUREATE, Status.NOTIFIED)
    letter = sent_letter(theirs)
    attachment = Attachment.objects.create(
        application=theirs,
        file=ContentFile(pdf_bytes(), name="rib.pdf"),
        original_name="rib.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by_applicant=THEIRS,
    )
    ThreadMessage.objects.create(application=theirs, author_email=THEIRS, body="Secret du voisin")
    mine = file_of(MINE, submitted=True)
    client = signed_in_applicant(MINE)
    urls = [
        reverse("projects:applicant_file", kwargs={"pk": theirs.pk}),
        reverse("projects:applicant_attachment", kwargs={"pk": theirs.pk, "attachment": attachment.pk}),
        # Their attachment and letter through my own file's address: still nothing.
        reverse("projects:applicant_attachment", kwargs={"pk": mine.pk, "attachment": attachment.pk}),
        reverse("projects:applicant_letter", kwargs={"pk": theirs.pk, "letter": letter.pk}),
        reverse("projects:applicant_letter", kwargs={"pk": mine.pk, "letter": letter.pk}),
        reverse("projects:applicant_acknowledgement", kwargs={"pk": theirs.pk}),
        reverse("projects:applicant_withdraw", kwargs={"pk": theirs.pk}),
        reverse("projects:applicant_invite", kwargs={"pk": theirs.pk}),
        reverse("projects:applicant_draft_edit", kwargs={"pk": theirs.pk}),
        reverse("projects:applicant_documents", kwargs={"pk": theirs.pk}),
        reverse("projects:applicant_submit", kwargs={"pk": theirs.pk}),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("projects:applicant_message", kwargs={"pk": theirs.pk}), {"body": "x"}).status_code == 404
    )
    assert not ThreadMessage.objects.filter(body="x").exists()
    assert (
        "Secret du voisin"
        not in client.get(reverse("projects:applicant_file", kwargs={"pk": mine.pk})).content.decode()
    )


def test_the_applicant_withdraws_while_no_decision_is_made():
    application = file_of(MINE, in_review=True)
    client = signed_in_applicant(MINE)
    url = reverse("projects:applicant_withdraw", kwargs={"pk": application.pk})
    assert "comment" in client.post(url, {"comment": ""}).context["form"].errors
    assert client.post(url, {"comment": "Projet abandonné."}).status_code == 302
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    change = application.status_changes.get(to_status=Status.WITHDRAWN)
    assert change.by_applicant == MINE and change.comment == "Projet abandonné."


def test_a_decided_file_cannot_be_withdrawn():
    application = file_of(MINE, laureate=True)
    client = signed_in_applicant(MINE)
    client.post(reverse("projects:applicant_withdraw", kwargs={"pk": application.pk}), {"comment": "Trop tard."})
    application.refresh_from_db()
    assert application.status == Status.LAUREATE


def test_the_contact_invites_one_co_contact_who_then_sees_the_file(django_capture_on_commit_callbacks):
    application = file_of(MINE, submitted=True)
    client = signed_in_applicant(MINE)
    url = reverse("projects:applicant_invite", kwargs={"pk": application.pk})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"email": "adjoint@lezignan.example"})
        client.post(url, {"email": "dgs@lezignan.example"})
    assert CoContact.objects.get(application=application).email == "dgs@lezignan.example"
    assert (
        signed_in_applicant("dgs@lezignan.example")
        .get(reverse("projects:applicant_file", kwargs={"pk": application.pk}))
        .status_code
        == 200
    )
    assert (
        signed_in_applicant("adjoint@lezignan.example")
        .get(reverse("projects:applicant_file", kwargs={"pk": application.pk}))
        .status_code
        == 404
    )
    # The co-contact does not invite in turn.
    assert signed_in_applicant("dgs@lezignan.example").get(url).status_code == 403
    with pytest.raises(PermissionRefused):
        invite_co_contact(application=application, email="x@example.org", by_email="dgs@lezignan.example")


def test_staff_see_the_exchanges_of_their_departments_only():
    aude = file_of(MINE, submitted=True)
    ThreadMessage.objects.create(application=aude, author_email=MINE, body="Question sur le budget")
    client = signed_in_applicant("x@example.org")
    client.force_login(caf_instructor("31"))
    url = reverse("projects:application_detail", kwargs={"reference": aude.reference}) + "?onglet=echanges"
    assert client.get(url).status_code == 404
    instructor = caf_instructor("11")
    declare_conflict(application=aude, user=instructor, has_conflict=False)
    client.force_login(instructor)
    assert "Question sur le budget" in client.get(url).content.decode()


def test_the_services_own_documents_stay_with_them():
    application = file_of(MINE, submitted=True)
    internal = Attachment.objects.create(
        application=application,
        file=ContentFile(pdf_bytes(), name="note.pdf"),
        original_name="note-interne.pdf",
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
        uploaded_by=administrator(),
    )
    client = signed_in_applicant(MINE)
    assert (
        "note-interne.pdf"
        not in client.get(reverse("projects:applicant_file", kwargs={"pk": application.pk})).content.decode()
    )
    url = reverse("projects:applicant_attachment", kwargs={"pk": application.pk, "attachment": internal.pk})
    assert client.get(url).status_code == 404


def test_the_applicants_header_leads_to_their_files_not_to_the_staff_sign_in():
    file_of(MINE)
    page = signed_in_applicant(MINE).get(reverse("projects:applicant_home")).content.decode()
    header = page.split('<div class="fr-header__tools-links">')[1].split("</ul>")[0]
    assert reverse("projects:applicant_home") in header and "Mes dossiers" in header
    assert "Se connecter" not in header
