"""A demonstration certification authority and the certificates it gives the demo's signatories.

Made with `cryptography`, stored in SIGNING_KEYS_DIR like real keys (a PKCS#12 file and its
password file), so the demo and the tests sign through exactly the path production takes. The
documents they sign say « Signature de démonstration »: their authority is recognised by name.
"""

import datetime
import os
import secrets
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.text import slugify

DEMO_CA_NAME = "FIPE - Autorité de certification de démonstration"
CA_KEY_FILE = "demo-ca.key.pem"
CA_CERT_FILE = "demo-ca.pem"


def keys_dir() -> Path:
    folder = Path(settings.SIGNING_KEYS_DIR)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write_private(path: Path, data: bytes) -> None:
    """Written readable by its owner only: keys and passwords."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def demo_ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The demo authority of this installation, created on first use."""
    folder = keys_dir()
    key_path, cert_path = folder / CA_KEY_FILE, folder / CA_CERT_FILE
    if key_path.exists() and cert_path.exists():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        return key, x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "FIPE (démonstration)"),
            x509.NameAttribute(NameOID.COMMON_NAME, DEMO_CA_NAME),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    _write_private(
        key_path,
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()),
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key, certificate


def issue_demo_certificate(signatory, *, valid_days: int = 730, not_before: datetime.datetime | None = None) -> str:
    """Give the signatory a demo key and certificate (PKCS#12 and password file); returns the key name.

    The signatory's `key_name` is set (and saved) when empty.
    """
    ca_key, ca_cert = demo_ca()
    if not signatory.key_name:
        signatory.key_name = slugify(f"{signatory.first_name}-{signatory.last_name}-{signatory.pk}")[:60]
        signatory.save(update_fields=["key_name"])
    key = ec.generate_private_key(ec.SECP256R1())
    start = not_before or datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, signatory.organisation.name[:64]),
                    x509.NameAttribute(NameOID.TITLE, signatory.capacity[:64]),
                    x509.NameAttribute(NameOID.COMMON_NAME, signatory.full_name[:64]),
                ]
            )
        )
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + datetime.timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(24)
    folder = keys_dir()
    _write_private(
        folder / f"{signatory.key_name}.p12",
        pkcs12.serialize_key_and_certificates(
            signatory.full_name.encode("utf-8"),
            key,
            certificate,
            [ca_cert],
            serialization.BestAvailableEncryption(password.encode("utf-8")),
        ),
    )
    _write_private(folder / f"{signatory.key_name}.pass", password.encode("utf-8"))
    return signatory.key_name
