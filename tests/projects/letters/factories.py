"""Situations for the letter tests: a signatory, laureates and rejected applications made by the real services."""

import datetime
import re
from decimal import Decimal
from io import BytesIO

from asn1crypto import keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.sign import timestamps
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


def time_stamping_authority() -> timestamps.DummyTimeStamper:
    """A time-stamping authority (RFC 3161) certified by the demo CA, answering in-process."""
    ca_key, ca = demo_ca()
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # pyHanko's test stamper is RSA-only
    now = datetime.datetime.now(datetime.UTC)
    tsa_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Horodatage de test")]))
        .issuer_name(ca.subject)
        .public_key(tsa_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    return timestamps.DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(tsa_cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=keys.PrivateKeyInfo.load(
            tsa_key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        ),
    )


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
