"""Every decision letter is signed (PAdES) by the signatory's certificate; anyone can check it, offline
with pyHanko, on /verifier/ or with `manage.py verify_letter`; a bad key stops generation cleanly."""

import base64
import datetime
import re
from io import BytesIO

import pytest
import segno
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.core.management import call_command
from django.test import Client
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from departments.enums import OrganisationKind
from fipe.pdf import render_pdf
from projects.enums import LetterKind, Status
from projects.exceptions import DomainError
from projects.letters import pki, signing
from projects.letters.pipeline import LetterSources, generate_letter, render_letter_html
from projects.letters.pki import demo_ca, issue_demo_certificate
from projects.models import DecisionLetter, IssuedDocument, KeySource, Signatory
from projects.money import format_euros
from tests.departments.factories import regional_approver
from tests.projects.letters.factories import (
    demo_trust,
    laureate,
    letter_text,
    pdf_text,
    rejected,
    signatory,
    time_stamping_authority,
)

VERIFY = "/verifier/"


def stored(letter) -> bytes:
    with letter.file.open("rb") as file:
        return file.read()


def signed_letter(kind=LetterKind.AWARD):
    signatory()
    application = laureate() if kind == LetterKind.AWARD else rejected()
    return generate_letter(application=application, kind=kind, by=regional_approver())


@pytest.mark.parametrize("kind", [LetterKind.AWARD, LetterKind.REFUSAL])
def test_pyhanko_finds_an_intact_signature_by_the_demo_signatory(db, kind):
    letter = signed_letter(kind)
    signature = PdfFileReader(BytesIO(stored(letter))).embedded_signatures[0]
    status = validate_pdf_signature(signature, demo_trust())
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Camille Fontanel"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


def test_the_visible_block_names_the_signatory_their_capacity_the_time_and_the_demonstration(db):
    letter = signed_letter()
    key = signing.signing_key(letter.signatory)
    block = signing.stamp_text(key, datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.UTC)).splitlines()
    assert block == [
        "Signé électroniquement par Camille Fontanel",
        "Le préfet de la région Occitanie",
        "le 01/12/2026 à 10:30:00",
        "Signature de démonstration",
    ]
    signature = PdfFileReader(BytesIO(stored(letter))).embedded_signatures[0]
    assert signature.sig_object["/Name"] == "Camille Fontanel"
    assert "(signature de démonstration)" in letter_text(letter)


def test_a_certificate_of_another_authority_is_not_called_a_demonstration(db, monkeypatch):
    monkeypatch.setattr(pki, "DEMO_CA_NAME", "Autorité de certification de la préfecture")
    letter = signed_letter()
    assert not signing.signing_key(letter.signatory).demonstration
    assert "démonstration" not in letter_text(letter)


def test_the_letter_carries_its_code_and_the_qr_code_of_its_verification_address(db, settings):
    settings.SITE_URL = "https://fipe.example.gouv.fr"
    letter = signed_letter()
    document = letter.document
    text = letter_text(letter)
    assert "https://fipe.example.gouv.fr/verifier/" in text
    assert f"Référence {document.reference} — code {document.verification_code}" in text
    html = render_letter_html(
        letter.application, LetterKind.AWARD, LetterSources.for_call(letter.application.call), code="ABCD-EFGH"
    )
    svg = base64.b64decode(re.search(r'class="qr-code" src="data:image/svg\+xml;base64,([^"]+)"', html).group(1))
    address = f"https://fipe.example.gouv.fr/verifier/?reference={document.reference}&code=ABCD-EFGH"
    assert svg.decode() == segno.make(address, error="m").svg_inline(scale=1, border=0, dark="#161616")


def test_with_a_time_stamping_authority_the_signature_is_time_stamped(db, monkeypatch):
    stamper = time_stamping_authority()
    monkeypatch.setattr(signing, "timestamper", lambda: stamper)
    signature = PdfFileReader(BytesIO(stored(signed_letter()))).embedded_signatures[0]
    status = validate_pdf_signature(signature, demo_trust())
    assert status.intact and status.valid
    assert status.timestamp_validity is not None and status.timestamp_validity.intact  # PAdES B-T


def test_each_version_keeps_its_own_signed_file_and_hash(db):
    first = signed_letter()
    second = generate_letter(application=first.application, kind=LetterKind.AWARD, by=regional_approver())
    documents = IssuedDocument.objects.filter(reference=f"{first.application.reference}-ATT").order_by("version")
    assert [(document.version, document.sha256) for document in documents] == [
        (1, first.document.sha256),
        (2, second.document.sha256),
    ]
    assert first.document.sha256 != second.document.sha256
    first.refresh_from_db()
    assert stored(first) and first.file.name != second.file.name


def test_the_public_page_describes_an_award_letter_it_recognises(db, client, django_assert_max_num_queries):
    letter = signed_letter()
    upload = BytesIO(stored(letter))
    upload.name = "lettre.pdf"
    with django_assert_max_num_queries(3):
        response = client.post(VERIFY, {"document": upload})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Document authentique" in page
    assert letter.application.reference in page
    assert "Préfecture de la région Occitanie" in page and "Camille Fontanel" in page
    assert letter.document.sha256 in page
    assert "intacte" in page


def test_the_code_printed_on_the_letter_is_recognised_too(db, client):
    letter = signed_letter()
    response = client.get(
        VERIFY, {"reference": letter.document.reference, "code": letter.document.verification_code.lower()}
    )
    assert response.status_code == 200
    assert "Document authentique" in response.content.decode()
    response = client.get(VERIFY, {"reference": letter.document.reference, "code": "AAAA-AAAA"})
    assert "Document non reconnu" in response.content.decode()


def test_a_typed_code_whose_stored_file_was_altered_is_not_recognised(db, client):
    letter = signed_letter()
    data = bytearray(stored(letter))
    data[len(data) // 2] ^= 0x01
    with open(letter.document.file.path, "wb") as file:
        file.write(bytes(data))
    response = client.get(VERIFY, {"reference": letter.document.reference, "code": letter.document.verification_code})
    assert response.status_code == 200
    assert "Document non reconnu" in response.content.decode()


def test_a_refusal_letter_is_only_said_authentic(db, client):
    letter = signed_letter(LetterKind.REFUSAL)
    upload = BytesIO(stored(letter))
    upload.name = "refus.pdf"
    page = client.post(VERIFY, {"document": upload}).content.decode()
    assert "Document authentique" in page
    assert letter.application.reference not in page and "Camille Fontanel" not in page


def test_one_flipped_byte_is_not_recognised_by_the_command_nor_the_page(db, client, tmp_path):
    letter = signed_letter()
    data = bytearray(stored(letter))
    data[len(data) // 2] ^= 0x01
    altered = tmp_path / "lettre.pdf"
    altered.write_bytes(bytes(data))
    with pytest.raises(SystemExit) as exit_status:
        call_command("verify_letter", str(altered))
    assert exit_status.value.code == 1
    upload = BytesIO(bytes(data))
    upload.name = "lettre.pdf"
    assert "Document non reconnu" in client.post(VERIFY, {"document": upload}).content.decode()


def test_the_command_describes_the_letter_it_recognises(db, tmp_path, capsys):
    letter = signed_letter()
    original = tmp_path / "lettre.pdf"
    original.write_bytes(stored(letter))
    call_command("verify_letter", str(original))
    out = capsys.readouterr().out
    assert "authentique" in out and letter.document.sha256 in out and "Signature électronique : intacte" in out
    assert f"Montant : {format_euros(letter.application.award.total)}" in out


def test_an_upload_past_the_cap_is_refused_before_it_is_stored(db, client, settings, monkeypatch):
    settings.VERIFY_UPLOAD_MAX_BYTES = 64 * 1024
    stored_bytes = []  # what Django writes to disk: a file this big is not kept in memory

    def counting(self, raw_data, start, receive=TemporaryFileUploadHandler.receive_data_chunk):
        stored_bytes.append(len(raw_data))
        return receive(self, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting)
    upload = BytesIO(b"%PDF-" + b"A" * (4 * 1024 * 1024))
    upload.name = "lettre.pdf"
    response = client.post(VERIFY, {"document": upload})
    assert response.status_code == 200
    assert "Document non reconnu" in response.content.decode()
    assert sum(stored_bytes) <= 64 * 1024


def test_the_verification_form_keeps_its_csrf_check(db):
    upload = BytesIO(b"%PDF-1.7")
    upload.name = "lettre.pdf"
    assert Client(enforce_csrf_checks=True).post(VERIFY, {"document": upload}).status_code == 403


def test_no_password_nor_pin_of_a_key_has_a_place_in_the_database():
    columns = [field.name for field in Signatory._meta.get_fields()]
    assert not [name for name in columns if "pass" in name or "pin" in name or "secret" in name]


def set_token(person, *, module: str, token: str) -> None:
    person.key_source, person.pkcs11_module, person.pkcs11_token = KeySource.PKCS11, module, token
    person.save()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda person, keys: setattr(person, "key_name", "") or person.save(), "aucune clé de signature"),
        (lambda person, keys: (keys / f"{person.key_name}.pass").write_text("faux"), "mot de passe erroné"),
        (
            lambda person, keys: issue_demo_certificate(
                person, not_before=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), valid_days=365
            ),
            "a expiré le 31/12/2020",
        ),
        (lambda person, keys: set_token(person, module="", token=""), "le module et le jeton PKCS#11"),
        (lambda person, keys: set_token(person, module="/usr/lib/absent-pkcs11.so", token="SGAR"), "PKCS#11"),
    ],
    ids=["no key", "wrong password", "expired", "token not configured", "token unreachable"],
)
def test_a_signatory_whose_key_cannot_sign_stops_generation_and_changes_nothing(db, settings, spoil, message):
    person = signatory()
    spoil(person, settings.SIGNING_KEYS_DIR)
    application = laureate()
    with pytest.raises(DomainError) as refused:
        generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver())
    assert message in str(refused.value.message) and "Camille Fontanel" in str(refused.value.message)
    assert not DecisionLetter.objects.exists() and not IssuedDocument.objects.exists()
    application.refresh_from_db()
    assert application.status == Status.LAUREATE
    assert not any(settings.MEDIA_ROOT.rglob("*.pdf"))


def test_the_demo_gives_every_signatory_a_demonstration_certificate(demo):
    signatories = Signatory.objects.filter(is_active=True).select_related("organisation")
    kinds = [person.organisation.kind for person in signatories]
    assert OrganisationKind.REGIONAL_PREFECTURE in kinds and kinds.count(OrganisationKind.PREFECTURE) == 13
    assert all(signing.signing_key(person).demonstration for person in signatories)
    assert demo_ca()[1].issuer.rfc4514_string().startswith(f"CN={pki.DEMO_CA_NAME},")


@pytest.mark.parametrize("code", ["FQJ7-DYPV", "WAVY-TQJF"])
def test_a_code_is_copied_from_the_pdf_as_printed(code):
    # Kerned, Marianne sets « QJ » so far apart that the text read from the PDF holds a space there.
    html = (
        '<html><head><link rel="stylesheet" href="/static/fipe/documents.css"></head><body><div class="verification">'
        f'<p>code <span class="verification__code">{code}</span></p></div></body></html>'
    )
    assert f"code {code}" in pdf_text(render_pdf(html))
