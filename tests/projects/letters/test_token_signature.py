"""Letters signed with a key held on a PKCS#11 token (a smart card, an HSM): here a SoftHSM token.

The token is made once per test process, before the PKCS#11 library is first loaded (it reads
its tokens then); each test puts its signatory's key and certificate on it under a label of
its own, and removes the PKCS#12 file, so that only the token can sign.
"""

import os
import subprocess
import uuid
from io import BytesIO
from pathlib import Path

import pkcs11
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from pkcs11 import Attribute
from pkcs11.exceptions import UserAlreadyLoggedIn
from pkcs11.util.ec import decode_ec_private_key
from pkcs11.util.x509 import decode_x509_certificate
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from projects.enums import LetterKind
from projects.exceptions import DomainError
from projects.letters import rendering
from projects.letters.batches import generate_missing_letters
from projects.letters.pipeline import generate_letter
from projects.models import DecisionLetter, KeySource
from tests.departments.factories import regional_approver
from tests.projects.letters.factories import demo_trust, laureate, signatory

SOFTHSM = "/usr/lib/softhsm/libsofthsm2.so"
TOKEN = "SGAR-OCCITANIE"
# A token no test signs with: a process stays logged in to a token once a signer has opened it.
SPARE_TOKEN = "SGAR-RESERVE"
PIN = "2468-1357"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="session")
def token(tmp_path_factory):
    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    config = folder / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(config))
        for label in (TOKEN, SPARE_TOKEN):
            made = subprocess.run(
                ["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", "8642-9753"],
                capture_output=True,
                text=True,
            )
            assert made.returncode == 0, made.stderr
        yield TOKEN


def opened(token):
    try:
        return token.open(rw=True, user_pin=PIN)
    except UserAlreadyLoggedIn:  # by a signer an earlier test loaded in this process
        return token.open(rw=True)


def signatory_on_token(settings, *, token: str = TOKEN, pin: str = PIN):
    """The regional signatory, whose demo key and certificate are moved onto the token."""
    person = signatory()
    keys = Path(settings.SIGNING_KEYS_DIR)
    p12, password_file = keys / f"{person.key_name}.p12", keys / f"{person.key_name}.pass"
    key, certificate, _chain = pkcs12.load_key_and_certificates(p12.read_bytes(), password_file.read_bytes().strip())
    label = f"{person.key_name}-{uuid.uuid4().hex[:8]}"
    with opened(pkcs11.lib(SOFTHSM).get_token(token_label=token)) as session:
        on_token = {Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: label.encode()}
        secret = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        session.create_object(
            {**decode_ec_private_key(secret), **on_token, Attribute.PRIVATE: True, Attribute.SIGN: True}
        )
        session.create_object(
            {**decode_x509_certificate(certificate.public_bytes(serialization.Encoding.DER)), **on_token}
        )
    p12.unlink()
    password_file.write_text(pin)
    person.key_source, person.pkcs11_module, person.pkcs11_token, person.pkcs11_key = (
        KeySource.PKCS11,
        SOFTHSM,
        token,
        label,
    )
    person.save()
    return person


def signature_of(letter):
    with letter.file.open("rb") as file:
        signature = PdfFileReader(BytesIO(file.read())).embedded_signatures[0]
    return validate_pdf_signature(signature, demo_trust())


def test_a_letter_is_signed_by_the_key_on_the_token(token, settings):
    signatory_on_token(settings)

    letter = generate_letter(application=laureate(), kind=LetterKind.AWARD, by=regional_approver())

    status = signature_of(letter)
    assert status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["common_name"] == "Camille Fontanel"


def test_a_batch_signs_with_the_token_only_in_the_process_that_opened_it(token, settings, tmp_path, monkeypatch):
    signatory_on_token(settings)
    applications = [laureate() for _ in range(3)]
    signed_by = tmp_path / "signed-by"
    sign = rendering.sign_pdf

    def sign_noting_the_process(pdf, *, key):
        with signed_by.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return sign(pdf, key=key)

    monkeypatch.setattr(rendering, "sign_pdf", sign_noting_the_process)

    summary = generate_missing_letters(call=applications[0].call, by=regional_approver(), processes=2)

    assert (summary.generated, summary.failed) == (3, 0)
    assert signed_by.read_text().split() == [str(os.getpid())] * 3
    assert all(signature_of(letter).valid for letter in DecisionLetter.objects.all())


def test_a_wrong_pin_stops_generation_and_names_the_token(token, settings):
    signatory_on_token(settings, token=SPARE_TOKEN, pin="0000")

    with pytest.raises(DomainError) as refused:
        generate_letter(application=laureate(), kind=LetterKind.AWARD, by=regional_approver())

    assert f"le jeton PKCS#11 « {SPARE_TOKEN} » ne répond pas (PinIncorrect)" in str(refused.value.message)
    assert not DecisionLetter.objects.exists()


def test_a_key_missing_from_the_token_stops_generation_before_anything_is_rendered(token, settings):
    person = signatory_on_token(settings)
    person.pkcs11_key = "no-such-key"
    person.save()

    with pytest.raises(DomainError) as refused:
        generate_letter(application=laureate(), kind=LetterKind.AWARD, by=regional_approver())

    assert "Camille Fontanel" in str(refused.value.message) and "no-such-key" in str(refused.value.message)
    assert not DecisionLetter.objects.exists()
