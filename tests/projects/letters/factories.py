"""Situations for the letter tests: a signatory, laureates and rejected applications made by the real services."""

import re
from decimal import Decimal
from io import BytesIO

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleTrustManager
from pypdf import PdfReader

from departments.enums import OrganisationKind
from projects.awards.services import reject_application
from projects.letters.pki import demo_ca, issue_demo_certificate
from projects.models import Application, Signatory
from tests.departments.factories import organisation, regional_approver
from tests.projects.factories import ApplicationFactory, award_for

REJECTION_REASON = "Le projet ne crée pas de places nouvelles dans un territoire qui en manque."


def signatory(*, certificate: bool = True, **fields) -> Signatory:
    """The active signatory of the Occitanie regional prefecture (in Toulouse), with a demo certificate
    and the service that follows the letters."""
    values = {
        "first_name": "Camille",
        "last_name": "Fontanel",
        "capacity": "Le préfet de la région Occitanie",
        "service": "Secrétariat général pour les affaires régionales",
        "case_officer": "Louis Barthe",
        "phone": "05 34 45 34 45",
        "email": "fipe@occitanie.gouv.fr",
    }
    values.update(fields)
    prefecture = organisation(OrganisationKind.REGIONAL_PREFECTURE)
    if not prefecture.city:
        prefecture.city = "Toulouse"
        prefecture.save(update_fields=["city"])
    created = Signatory.objects.create(organisation=prefecture, **values)
    if certificate:
        issue_demo_certificate(created)
    return created


def departmental_signatory(department_code: str, **fields) -> Signatory:
    """The departmental prefect, who chairs the CDSF and signs its minutes, with a demo certificate."""
    prefecture = organisation(OrganisationKind.PREFECTURE, department_code)
    existing = Signatory.objects.filter(organisation=prefecture, is_active=True).first()
    if existing:
        return existing
    values = {"first_name": "Étienne", "last_name": "Aubrac", "capacity": f"Le préfet {prefecture.name[11:]}"}
    values.update(fields)
    created = Signatory.objects.create(organisation=prefecture, **values)
    issue_demo_certificate(created)
    return created


def demo_trust() -> ValidationContext:
    """pyHanko's validation context trusting the demo authority that issues the test signatories' certificates."""
    _, ca = demo_ca()
    root = asn1_x509.Certificate.load(ca.public_bytes(serialization.Encoding.DER))
    return ValidationContext(trust_manager=SimpleTrustManager.build(trust_roots=[root]))


def laureate(*, amounts_by_year: dict[int, Decimal] | None = None, by=None, **application_fields) -> Application:
    """A laureate approved through approve_laureate (10,000 € per programme year unless told), as requested."""
    application = ApplicationFactory(proposed=True, requested=amounts_by_year, **application_fields)
    award_for(application, by=by or regional_approver(), amounts_by_year=amounts_by_year)
    application.refresh_from_db()
    return application


def rejected(*, reason: str = REJECTION_REASON, by=None, **application_fields) -> Application:
    """An application the regional prefecture rejected, with its reason in the history."""
    application = ApplicationFactory(proposed=True, **application_fields)
    reject_application(application=application, by=by or regional_approver(), reason=reason)
    application.refresh_from_db()
    return application


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF on one line: whitespace collapsed, words split at a line-end hyphen rejoined."""
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " "))
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)


def letter_text(letter) -> str:
    with letter.file.open("rb") as file:
        return pdf_text(file.read())
