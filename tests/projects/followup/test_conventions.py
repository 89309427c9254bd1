"""Conventions: generated as a signed PDF with the mandatory headings, parties and amounts in words, issued
like the letters (verification code, /verifier/); then tracked."""

import hashlib
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from departments.enums import OrganisationKind
from projects.exceptions import DomainError, PermissionRefused
from projects.followup.conventions import (
    countersign_convention,
    generate_convention,
    mark_convention_sent,
    receive_signed_copy,
)
from projects.followup.models import Convention, ConventionVersion
from projects.models import DocumentKind, IssuedDocument, Signatory
from tests.departments.factories import caf_instructor, organisation, regional_approver
from tests.projects.followup.factories import call_with_terms
from tests.projects.letters.factories import laureate, pdf_text, signatory
from tests.projects.letters.test_signature import demo_trust
from tests.projects.sample_files import pdf_bytes

AMOUNTS = {2023: Decimal("30000.00"), 2024: Decimal("23000.01"), 2025: Decimal("12000.50")}


@pytest.fixture
def approver(db):
    signatory()
    organisation(OrganisationKind.CAF, "11")
    return regional_approver()


@pytest.fixture
def award(approver):
    call_with_terms()
    return laureate(amounts_by_year=AMOUNTS, by=approver).award


def test_the_convention_holds_the_parties_headings_and_amounts_in_words(award, approver):
    version = generate_convention(award=award, by=approver)
    with version.file.open("rb") as stored:
        content = stored.read()
    assert version.sha256 == hashlib.sha256(content).hexdigest() and version.version == 1
    text = pdf_text(content)
    for heading in (
        "Article 1er — Objet",
        "Article 2 — Durée",
        "Article 3 — Montant de la subvention",
        "Article 4 — Modalités de versement",
        "Article 5 — Obligations du bénéficiaire",
        "Compte rendu financier",
        "Rapport d’activité",
        "Communication",
        "Article 6 — Contrôle",
        "Article 7 — Résiliation",
        "Article 8 — Recours",
    ):
        assert heading in text, heading
    assert "L’État, représenté par le préfet de la région Occitanie" in text
    assert "Caisse nationale des allocations familiales (Cnaf), représentée par" in text
    assert award.application.applicant.legal_name in text
    assert "trente mille euros" in text  # 2023
    assert "quinze mille euros" in text  # each funder's half of 2023
    assert "vingt-trois mille euros et un centime" in text  # 2024
    assert "douze mille euros et cinquante centimes" in text  # 2025
    assert "soixante-cinq mille euros et cinquante et un centimes" in text  # the total
    assert "une avance de 50 %" in text
    assert "Voies et délais de recours" not in text  # a decision letter's; the convention has its article 8
    document = version.document
    assert (document.kind, document.reference, document.sha256) == (
        DocumentKind.CONVENTION,
        f"{award.application.reference}-CONV",
        version.sha256,
    )
    assert version.file.name == document.file.name
    assert document.verification_code in text and not document.is_public
    signature = PdfFileReader(BytesIO(content)).embedded_signatures[0]
    status = validate_pdf_signature(signature, demo_trust())
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Camille Fontanel"


def test_each_version_is_issued_and_verifier_says_only_authentic(award, approver, client, quick_pdfs):
    first = generate_convention(award=award, by=approver)
    second = generate_convention(award=award, by=approver)
    assert [(d.version, d.sha256) for d in IssuedDocument.objects.order_by("version")] == [
        (1, first.sha256),
        (2, second.sha256),
    ]
    with first.file.open("rb") as stored:
        upload = BytesIO(stored.read())
    upload.name = "convention.pdf"
    page = client.post("/verifier/", {"document": upload}).content.decode()
    assert "Document authentique" in page and "intacte" not in page
    assert award.application.reference not in page and "Camille Fontanel" not in page
    typed = {"reference": second.document.reference, "code": second.document.verification_code}
    response = client.get("/verifier/", typed)
    assert response.status_code == 200 and "Document authentique" in response.content.decode()


def test_without_a_signing_key_no_convention_is_produced(approver):
    call_with_terms()
    award = laureate(amounts_by_year=AMOUNTS, by=approver).award
    Signatory.objects.update(key_name="")
    with pytest.raises(DomainError, match="aucune clé de signature"):
        generate_convention(award=award, by=approver)
    assert not Convention.objects.exists() and not IssuedDocument.objects.exists()


def test_no_convention_for_an_award_never_above_23000_euros_in_a_year(approver):
    award = laureate(amounts_by_year={2023: Decimal("23000"), 2024: Decimal("23000")}, by=approver).award
    with pytest.raises(DomainError, match="ne dépasse 23 000 €"):
        generate_convention(award=award, by=approver)
    assert not Convention.objects.exists()


def test_tracking_sent_signed_copy_countersigned(award, approver, quick_pdfs):
    generate_convention(award=award, by=approver)
    convention = Convention.objects.get()
    upload = SimpleUploadedFile("signee.pdf", pdf_bytes(), content_type="application/pdf")
    with pytest.raises(DomainError, match="pas encore été envoyée"):
        receive_signed_copy(convention=convention, by=approver, uploaded=upload)
    with pytest.raises(DomainError, match="pas été reçu"):
        countersign_convention(convention=convention, by=approver)
    mark_convention_sent(convention=convention, by=approver)
    upload.seek(0)
    convention = receive_signed_copy(convention=convention, by=approver, uploaded=upload)
    assert convention.signed_copy_sha256 == hashlib.sha256(pdf_bytes()).hexdigest()
    assert convention.stage == "returned" and not convention.is_signed
    convention = countersign_convention(convention=convention, by=approver)
    assert convention.is_signed
    with pytest.raises(DomainError, match="plus être régénérée"):
        generate_convention(award=award, by=approver)
    assert ConventionVersion.objects.count() == 1


def test_a_signed_copy_that_is_not_a_pdf_is_refused_and_nothing_saved(award, approver, quick_pdfs):
    generate_convention(award=award, by=approver)
    convention = Convention.objects.get()
    mark_convention_sent(convention=convention, by=approver)
    fake = SimpleUploadedFile("signee.pdf", b"#!/bin/sh\necho pas un pdf\n", content_type="application/pdf")
    with pytest.raises(ValidationError) as refusal:
        receive_signed_copy(convention=convention, by=approver, uploaded=fake)
    assert "signed_copy" in refusal.value.message_dict
    convention.refresh_from_db()
    assert not convention.signed_copy and convention.signed_received_at is None


def test_only_those_who_issue_letters_handle_conventions(award):
    with pytest.raises(PermissionRefused):
        generate_convention(award=award, by=caf_instructor("11"))


def test_generating_and_sending_a_convention_are_journal_acts(award, approver):
    from projects.journal.models import JournalEntry

    last = JournalEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    version = generate_convention(award=award, by=approver)
    mark_convention_sent(convention=version.convention, by=approver)
    entries = JournalEntry.objects.filter(sequence__gt=last).order_by("sequence")
    assert [(e.act, e.application_id, e.data["sha256"]) for e in entries] == [
        ("letter_generated", award.application_id, version.sha256),
        ("letter_sent", award.application_id, version.sha256),
    ]
