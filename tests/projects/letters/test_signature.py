"""Every decision letter is signed (PAdES) by the signatory's certificate; anyone can check it, offline
with pyHanko, on /verifier/ or with `manage.py verify_letter`; a bad key stops generation cleanly."""

import datetime
from io import BytesIO

import pytest
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from projects.enums import LetterKind, Status
from projects.exceptions import DomainError
from projects.letters import signing
from projects.letters.pipeline import generate_letter
from projects.letters.pki import issue_demo_certificate
from projects.models import DecisionLetter, IssuedDocument
from tests.departments.factories import regional_approver
from tests.projects.letters.factories import demo_trust, laureate, rejected, signatory, time_stamping_authority

VERIFY = "/verifier/"


def stored(letter) -> bytes:
    with letter.file.open("rb") as file:
        return file.read()


def signed_letter(kind=LetterKind.AWARD):
    signatory()
    application = laureate() if kind == LetterKind.AWARD else rejected()
    return generate_letter(application=application, kind=kind, by=regional_approver())


def test_pyhanko_finds_an_intact_signature_by_the_demo_signatory(db):
    letter = signed_letter()
    signature = PdfFileReader(BytesIO(stored(letter))).embedded_signatures[0]
    status = validate_pdf_signature(signature, demo_trust())
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Camille Fontanel"
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES


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
    ],
    ids=["no key", "wrong password", "expired"],
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
