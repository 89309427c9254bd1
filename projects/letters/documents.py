"""Issued documents: every PDF we sign is stored through `issue_document`, and checked back by `verify_*`.

Each document carries a short verification code and a QR code leading to /verifier/. There,
anyone may upload the PDF they hold, or type its reference and code, and learn whether it is the
one we issued (its SHA-256 against the one stored) and whether its signature is intact. Public
decisions (award letters) are described — issued by whom, when, for which file, the amount;
anything else gets « authentique » or « non reconnu » and nothing more.
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from projects.models import IssuedDocument

logger = logging.getLogger(__name__)

# No 0/O, 1/I/L, U: a code read aloud over the phone or typed from paper is not misread.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
CODE_LENGTH = 8


def new_verification_code() -> str:
    """« K7QM-4XTB »: 8 characters of 30, about 39 bits, checked together with the reference."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def normalise_code(code: str) -> str:
    letters = "".join(char for char in code.upper() if char.isalnum())[:CODE_LENGTH]
    return f"{letters[:4]}-{letters[4:]}"


def verification_url(*, reference: str, code: str) -> str:
    return (
        f"{settings.SITE_URL}{reverse('projects:verify_document')}?{urlencode({'reference': reference, 'code': code})}"
    )


def verification_context(*, reference: str, code: str) -> dict:
    """What a document's template prints in its verification box."""
    return {
        "reference": reference,
        "code": code,
        "url": verification_url(reference=reference, code=code),
        "page": f"{settings.SITE_URL}{reverse('projects:verify_document')}",
    }


def issue_document(
    *,
    kind: str,
    reference: str,
    code: str,
    pdf: bytes,
    subject: str,
    issuer: str,
    signed_by: str,
    amount: Decimal | None = None,
    is_public: bool = False,
    version: int = 1,
) -> IssuedDocument:
    """Store the signed PDF and its record. Call it inside the transaction that records what it
    documents; the caller deletes `document.file` if that transaction fails (storage is not transactional)."""
    document = IssuedDocument(
        kind=kind,
        reference=reference,
        version=version,
        verification_code=code,
        sha256=hashlib.sha256(pdf).hexdigest(),
        subject=subject,
        issuer=issuer,
        signed_by=signed_by,
        amount=amount,
        is_public=is_public,
    )
    document.file.save(f"{reference}.pdf", ContentFile(pdf), save=False)
    try:
        document.save()
    except BaseException:
        document.file.storage.delete(document.file.name)
        raise
    return document


# Verification ------------------------------------------------------------------------------------

SIGNATURE_INTACT = "intact"
SIGNATURE_BROKEN = "broken"
SIGNATURE_MISSING = "missing"


@dataclass
class Verdict:
    recognised: bool
    document: IssuedDocument | None = None
    signature: str = SIGNATURE_MISSING
    # True when the file given is the stored one byte for byte (an upload); None for a typed code.
    identical: bool | None = None

    @property
    def describable(self) -> bool:
        return self.recognised and self.document is not None and self.document.is_public

    @property
    def label(self) -> str:
        return _("authentique") if self.recognised else _("non reconnu")


def signature_status(pdf: bytes) -> str:
    """Whether the PDF's signatures are intact and cover the whole file (nothing added after them)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleTrustManager

    # Integrity only: whether the certificate chains to a trusted authority is not what this page tells,
    # and nothing is fetched from the network.
    context = ValidationContext(trust_manager=SimpleTrustManager.build(trust_roots=[]))
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
        if not embedded:
            return SIGNATURE_MISSING
        for signature in embedded:
            status = validate_pdf_signature(signature, context, skip_diff=True)
            if not (status.intact and status.valid) or status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
                return SIGNATURE_BROKEN
        return SIGNATURE_INTACT
    except Exception:
        logger.info("signature check failed on an uploaded file", exc_info=True)
        return SIGNATURE_BROKEN


def verify_file(data: bytes) -> Verdict:
    """An uploaded PDF: recognised only if it is, byte for byte, a document we issued."""
    if not data.startswith(b"%PDF-"):
        return Verdict(recognised=False)
    document = IssuedDocument.objects.filter(sha256=hashlib.sha256(data).hexdigest()).first()
    if document is None:
        return Verdict(recognised=False)
    return Verdict(recognised=True, document=document, signature=signature_status(data), identical=True)


def verify_code(*, reference: str, code: str) -> Verdict:
    """A reference and code typed from the paper: recognised when they go together; the stored file is checked."""
    document = IssuedDocument.objects.filter(
        reference=reference.strip().upper(), verification_code=normalise_code(code)
    ).first()
    if document is None:
        return Verdict(recognised=False)
    try:
        with document.file.open("rb") as stored:
            data = stored.read()
    except OSError:
        logger.error("issued document %s: stored file unreadable", document.pk)
        return Verdict(recognised=False)
    if hashlib.sha256(data).hexdigest() != document.sha256:
        logger.error("issued document %s: stored file no longer matches its SHA-256", document.pk)
        return Verdict(recognised=False)
    return Verdict(recognised=True, document=document, signature=signature_status(data))
