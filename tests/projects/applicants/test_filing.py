import hashlib
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from departments.models import Department
from projects.applicants import acknowledgement
from projects.applicants.models import Acknowledgement
from projects.applicants.services import submit_online
from projects.enums import Status
from projects.models import Application, DocumentKind, IssuedDocument, StatusChange
from tests.departments.factories import caf_instructor
from tests.mail import sent_mail
from tests.projects.applicants.factories import closed_call, open_call, signed_in_applicant
from tests.projects.factories import ApplicantFactory, valid_siret
from tests.projects.letters.factories import demo_trust, pdf_text, signatory
from tests.projects.sample_files import pdf_bytes, signable_pdf_bytes, upload

pytestmark = pytest.mark.django_db

EMAIL = "mairie@esperaza.example"


def project_data(**changes) -> dict:
    data = {
        "applicant-siret": valid_siret(4242),
        "applicant-legal_name": "Commune d’Espéraza",
        "applicant-legal_form": "commune",
        "applicant-rna": "",
        "applicant-address": "Place de la mairie",
        "applicant-postal_code": "11260",
        "applicant-commune": "Espéraza",
        "applicant-contact_name": "Inès Barthe",
        "applicant-contact_phone": "0468000000",
        "department": str(Department.objects.get(code="11").pk),
        "title": "Micro-crèche de la haute vallée",
        "commune": "Espéraza",
        "category": "new_places",
        "qpv": "",
        "target_public": "",
        "summary": "Dix places pour la haute vallée.",
        "total_budget": "180 000",
        "amount_2027": "40 000",
        "amount_2028": "30 000",
    }
    data.update(changes)
    return data


def start_draft(client, call) -> Application:
    response = client.post(reverse("projects:applicant_file_new", kwargs={"reference": call.reference}), project_data())
    assert response.status_code == 302, response.content.decode()
    return Application.objects.get(title="Micro-crèche de la haute vallée")


def send_document(client, application, label, content=None, name="piece.pdf"):
    requirement = application.call.required_documents.get(label=label)
    return client.post(
        reverse("projects:applicant_documents", kwargs={"pk": application.pk}),
        {"requirement": requirement.pk, "file": upload(name, content or pdf_bytes(), "application/pdf")},
    )


def test_a_draft_is_saved_without_reference_and_invisible_to_instructors():
    call = open_call()
    client = signed_in_applicant(EMAIL)
    draft = start_draft(client, call)
    assert draft.reference is None and draft.status == Status.DRAFT
    assert draft.applicant.contact_email == EMAIL
    assert draft.requested_total == 70000
    instructor = caf_instructor("11")
    assert not Application.objects.visible_to(instructor).filter(pk=draft.pk).exists()
    staff = signed_in_applicant("x@example.org")
    staff.force_login(instructor)
    assert draft.title not in staff.get(reverse("projects:application_list")).content.decode()


def test_the_draft_can_be_corrected_before_filing():
    call = open_call()
    client = signed_in_applicant(EMAIL)
    draft = start_draft(client, call)
    url = reverse("projects:applicant_draft_edit", kwargs={"pk": draft.pk})
    assert client.get(url).status_code == 200
    response = client.post(url, project_data(title="Micro-crèche de la haute vallée", summary="Douze places."))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.summary == "Douze places."
    assert Application.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("applicant-siret", "12345678901234"),
        ("department", lambda: str(Department.objects.get(code="75").pk)),
        ("amount_2027", "douze"),
        ("total_budget", "1 000"),
    ],
)
def test_a_wrong_project_names_its_field_and_saves_nothing(field, value):
    call = open_call()
    client = signed_in_applicant(EMAIL)
    value = value() if callable(value) else value
    response = client.post(
        reverse("projects:applicant_file_new", kwargs={"reference": call.reference}), project_data(**{field: value})
    )
    assert response.status_code == 200
    forms = [response.context["applicant_form"], response.context["application_form"]]
    assert any(field.removeprefix("applicant-") in form.errors for form in forms)
    assert not Application.objects.exists()


def test_an_association_must_give_its_rna():
    call = open_call()
    client = signed_in_applicant(EMAIL)
    response = client.post(
        reverse("projects:applicant_file_new", kwargs={"reference": call.reference}),
        project_data(**{"applicant-legal_form": "association"}),
    )
    assert "rna" in response.context["applicant_form"].errors


def test_an_organisation_followed_by_another_address_is_not_taken_over():
    call = open_call()
    ApplicantFactory(siret=valid_siret(4242), contact_email="autre@example.org", legal_name="Ancien nom")
    client = signed_in_applicant(EMAIL)
    response = client.post(reverse("projects:applicant_file_new", kwargs={"reference": call.reference}), project_data())
    assert "siret" in response.context["applicant_form"].errors
    assert not Application.objects.exists()


def test_filing_after_the_closing_date_is_refused_with_the_date():
    call = closed_call()
    client = signed_in_applicant(EMAIL)
    url = reverse("projects:applicant_file_new", kwargs={"reference": call.reference})
    for response in (client.get(url, follow=True), client.post(url, project_data(), follow=True)):
        assert f"clos depuis le {call.closes_on:%d/%m/%Y}" in response.content.decode()
    assert not Application.objects.exists()


def test_an_oversized_or_mistyped_attachment_is_refused_before_it_is_stored(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    call = open_call()
    client = signed_in_applicant(EMAIL)
    draft = start_draft(client, call)
    response = send_document(client, draft, "RIB", content=b"#!/bin/sh\necho hi\n", name="rib.pdf")
    assert response.status_code == 200 and "file" in response.context["form"].errors
    response = send_document(client, draft, "RIB", content=b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024 + 1))
    assert response.status_code == 200 and "file" in response.context["form"].errors
    assert not draft.attachments.exists()
    assert (
        not any((settings.MEDIA_ROOT / "attachments").glob("**/*"))
        if (settings.MEDIA_ROOT / "attachments").exists()
        else True
    )


def test_a_missing_attachment_blocks_filing():
    call = open_call()
    client = signed_in_applicant(EMAIL)
    draft = start_draft(client, call)
    send_document(client, draft, "Budget prévisionnel")
    response = client.post(reverse("projects:applicant_submit", kwargs={"pk": draft.pk}))
    assert response.status_code == 200
    assert "Pièces manquantes : RIB" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.reference is None


def test_a_new_file_replaces_the_previous_one_for_the_same_piece():
    call = open_call()
    client = signed_in_applicant(EMAIL)
    draft = start_draft(client, call)
    send_document(client, draft, "RIB", name="rib-ancien.pdf")
    send_document(client, draft, "RIB", name="rib.pdf")
    assert list(draft.attachments.values_list("original_name", flat=True)) == ["rib.pdf"]


@pytest.fixture
def quick_acknowledgement(monkeypatch):
    """A signatory in office, and an acknowledgement neither laid out nor signed: these tests are about filing."""
    signatory()
    monkeypatch.setattr(acknowledgement, "render_pdf", lambda html: signable_pdf_bytes())
    monkeypatch.setattr(acknowledgement, "sign_pdf", lambda pdf, key: pdf)


def complete_draft(client) -> Application:
    draft = start_draft(client, open_call())
    send_document(client, draft, "Budget prévisionnel")
    send_document(client, draft, "RIB")
    return draft


def test_filing_allocates_the_reference_acknowledges_receipt_and_reaches_the_instructors(
    quick_acknowledgement, django_capture_on_commit_callbacks
):
    client = signed_in_applicant(EMAIL)
    draft = complete_draft(client)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("projects:applicant_submit", kwargs={"pk": draft.pk}))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.reference == "FIPE-OCC-2027-011-001"
    assert draft.status == Status.SUBMITTED and draft.submitted_at is not None
    change = StatusChange.objects.get(application=draft, to_status=Status.SUBMITTED)
    assert change.by is None and change.by_applicant == EMAIL
    stored = Acknowledgement.objects.get(application=draft)
    (message,) = sent_mail()
    assert message.to == [EMAIL] and draft.reference in message.subject
    assert message.attachments[0][0] == f"accuse-de-reception-{draft.reference}.pdf"
    assert hashlib.sha256(message.attachments[0][1]).hexdigest() == stored.sha256 == stored.document.sha256
    instructor = caf_instructor("11")
    assert Application.objects.visible_to(instructor).filter(pk=draft.pk).exists()
    # Filed, the draft's pages are closed.
    assert client.post(reverse("projects:applicant_submit", kwargs={"pk": draft.pk})).status_code == 302
    assert Application.objects.get(pk=draft.pk).status_changes.filter(to_status=Status.SUBMITTED).count() == 1


def test_the_acknowledgement_is_signed_carries_the_legal_mentions_and_is_verifiable(client):
    signatory()
    applicant = signed_in_applicant(EMAIL)
    draft = complete_draft(applicant)
    submit_online(application=draft, email=EMAIL, today=timezone.localdate())
    stored = Acknowledgement.objects.select_related("document").get(application=draft)
    with stored.file.open("rb") as file:
        content = file.read()
    assert hashlib.sha256(content).hexdigest() == stored.sha256 == stored.document.sha256
    assert stored.document.kind == DocumentKind.ACKNOWLEDGEMENT and not stored.document.is_public
    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    status = validate_pdf_signature(signature, demo_trust())
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Camille Fontanel"
    text = pdf_text(content)
    for expected in (
        "accusé de réception de votre demande",
        draft.reference,
        "reçue le",
        "L. 231-4",
        "Caf",
        "DDETS",
        "réputée rejetée",
        stored.document.verification_code,
    ):
        assert expected in text, expected
    upload = io.BytesIO(content)
    upload.name = "accuse.pdf"
    page = client.post("/verifier/", {"document": upload}).content.decode()
    assert "Document authentique" in page
    # Not a public decision: authentic, and nothing about the file.
    assert draft.reference not in page and "Camille Fontanel" not in page


def test_a_file_whose_acknowledgement_cannot_be_signed_stays_a_draft(settings):
    client = signed_in_applicant(EMAIL)
    draft = complete_draft(client)
    response = client.post(reverse("projects:applicant_submit", kwargs={"pk": draft.pk}), follow=True)
    assert "l’accusé de réception ne peut pas être signé" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.reference is None
    assert not Acknowledgement.objects.exists() and not IssuedDocument.objects.exists()
    assert not (settings.MEDIA_ROOT / "documents").exists()
    assert not sent_mail()


def test_the_signed_acknowledgement_is_downloaded_from_the_space(quick_acknowledgement):
    client = signed_in_applicant(EMAIL)
    draft = complete_draft(client)
    client.post(reverse("projects:applicant_submit", kwargs={"pk": draft.pk}))
    response = client.get(reverse("projects:applicant_acknowledgement", kwargs={"pk": draft.pk}))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == Acknowledgement.objects.get(application=draft).document.sha256


def test_filing_online_journals_the_submission_by_the_applicant_and_the_acknowledgement(quick_acknowledgement):
    from projects.journal.models import JournalEntry

    client = signed_in_applicant(EMAIL)
    draft = complete_draft(client)
    last = JournalEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    client.post(reverse("projects:applicant_submit", kwargs={"pk": draft.pk}))
    entries = JournalEntry.objects.filter(sequence__gt=last)
    assert sorted(entries.values_list("act", "actor", "application_id")) == [
        ("letter_generated", "", draft.pk),
        ("transition", EMAIL, draft.pk),
    ]
