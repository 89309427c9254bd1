"""PAdES signature of every document we issue (award and refusal letters, minutes), with pyHanko.

A signatory's key is a PKCS#12 file or a PKCS#11 token (card, HSM), named in the admin; its
password or PIN is read from the environment (FIPE_SIGNING_PASSWORD_<KEY NAME>) or from the file
<key name>.pass in SIGNING_KEYS_DIR, never from the database. `signing_key(signatory)` checks the
key before anything is rendered (present, password right, certificate in force) and stops with a
French message naming the signatory otherwise. `sign_pdf(pdf, key=key)` finds where the
document's template placed the signature box (the named destination WeasyPrint writes for the
element with id `signature-field`) and signs there: PAdES B-B, or B-T when a time-stamping
authority is configured. The visible block names the signatory, their capacity and
the signing time.

A `SigningKey` holds no secret, so it can be handed to the rendering processes of a batch: each
one loads the key once (cached) and signs what it renders.
"""

import asyncio
import datetime
import os
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import timezone
from django.utils.translation import gettext as _
from fontTools.subset import Options, Subsetter
from fontTools.ttLib import TTFont
from pkcs11.exceptions import UserAlreadyLoggedIn
from pyhanko.config.pkcs11 import TokenCriteria
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.generic import ArrayObject
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, pkcs11, signers, timestamps
from pyhanko.stamp import TextStampStyle

from projects.exceptions import DomainError
from projects.letters.pki import DEMO_CA_NAME
from projects.models import KeySource, Signatory

# The id of the box each document's template leaves for the visible signature, and its size in
# points (`.signature-field` in fipe/documents.css: 75 × 20 mm).
SIGNATURE_ANCHOR = "signature-field"
SIGNATURE_BOX_PT = (213, 57)
FIELD_NAME = "Signature"
STAMP_FONT = "dsfr/dist/fonts/Marianne-Regular.woff2"


class SignatureUnavailable(DomainError):
    """The signatory's key cannot sign: missing, wrong password, certificate expired."""


@dataclass(frozen=True)
class SigningKey:
    """Where a signatory's key is and what the visible block says; no secret."""

    signatory: str
    capacity: str
    source: str
    key_name: str
    pkcs11_module: str = ""
    pkcs11_token: str = ""
    pkcs11_key: str = ""
    # Changes when the key file is replaced, so that a process never signs with a key it cached before.
    version: tuple = ()
    # Learnt from the certificate once the key is loaded; not part of what names the key (`load_signer`'s cache).
    demonstration: bool = field(default=False, compare=False)


def _refuse(signatory: Signatory, reason: str):
    return SignatureUnavailable(
        _("Signature impossible pour %(name)s (%(organisation)s) : %(reason)s Rien n’a été produit.")
        % {"name": signatory.full_name, "organisation": signatory.organisation.name, "reason": reason}
    )


def key_file(key_name: str) -> Path:
    return Path(settings.SIGNING_KEYS_DIR) / f"{key_name}.p12"


def read_password(key_name: str) -> bytes | None:
    """The password (or PIN) of a key, from the environment first, then from its .pass file."""
    variable = "FIPE_SIGNING_PASSWORD_" + key_name.upper().replace("-", "_")
    if variable in os.environ:
        return os.environ[variable].encode("utf-8")
    path = Path(settings.SIGNING_KEYS_DIR) / f"{key_name}.pass"
    if path.exists():
        return path.read_bytes().strip()
    return None


def _describe(signatory: Signatory) -> SigningKey:
    version = ()
    if signatory.key_source == KeySource.PKCS12:
        stat = key_file(signatory.key_name).stat()
        version = (stat.st_mtime_ns, stat.st_size)
    return SigningKey(
        signatory=signatory.full_name,
        capacity=signatory.capacity,
        source=signatory.key_source,
        key_name=signatory.key_name,
        pkcs11_module=signatory.pkcs11_module,
        pkcs11_token=signatory.pkcs11_token,
        pkcs11_key=signatory.pkcs11_key,
        version=version,
    )


def signing_key(signatory: Signatory) -> SigningKey:
    """The signatory's key, checked: it exists, opens with its password and its certificate is in force."""
    if not signatory.key_name and signatory.key_source == KeySource.PKCS12:
        raise _refuse(signatory, _("aucune clé de signature n’est configurée (Signataires, dans l’administration)."))
    if signatory.key_source == KeySource.PKCS12 and not key_file(signatory.key_name).is_file():
        raise _refuse(
            signatory,
            _("le fichier de clé « %(file)s » est introuvable.") % {"file": key_file(signatory.key_name).name},
        )
    if signatory.key_source == KeySource.PKCS11 and not (signatory.pkcs11_module and signatory.pkcs11_token):
        raise _refuse(signatory, _("le module et le jeton PKCS#11 doivent être renseignés."))
    key = _describe(signatory)
    try:
        signer = load_signer(key)
    except SignatureUnavailable as error:
        raise _refuse(signatory, str(error.message)) from error
    certificate = signer.signing_cert
    now = timezone.now()
    if certificate.not_valid_after < now:
        raise _refuse(
            signatory,
            _("son certificat a expiré le %(date)s.")
            % {"date": timezone.localtime(certificate.not_valid_after).strftime("%d/%m/%Y")},
        )
    if certificate.not_valid_before > now:
        raise _refuse(
            signatory,
            _("son certificat n’est valable qu’à partir du %(date)s.")
            % {"date": timezone.localtime(certificate.not_valid_before).strftime("%d/%m/%Y")},
        )
    demonstration = certificate.issuer.native.get("common_name") == DEMO_CA_NAME
    return SigningKey(**{**key.__dict__, "demonstration": demonstration})


@cache
def load_signer(key: SigningKey) -> signers.Signer:
    """The pyHanko signer of a key, loaded once per process."""
    password = read_password(key.key_name)
    if key.source == KeySource.PKCS11:
        return _pkcs11_signer(key, password)
    try:
        return signers.SimpleSigner.load_pkcs12_data(key_file(key.key_name).read_bytes(), (), passphrase=password)
    except ValueError as error:
        raise SignatureUnavailable(
            _("le fichier de clé ne s’ouvre pas avec le mot de passe fourni (mot de passe erroné ou fichier abîmé).")
        ) from error
    except OSError as error:
        raise SignatureUnavailable(_("le fichier de clé est illisible.")) from error


def _pkcs11_signer(key: SigningKey, pin: bytes | None) -> signers.Signer:
    try:
        session = _token_session(key, pin.decode("utf-8") if pin else None)
        # The key and its certificate share a label on the token (`pkcs11_key`; the key name when empty).
        # The token signs a digest computed here: smart cards and many HSMs offer only the raw ECDSA and
        # RSA mechanisms, not those that hash on the token.
        label = key.pkcs11_key or key.key_name
        signer = pkcs11.PKCS11Signer(session, cert_label=label, key_label=label, use_raw_mechanism=True)
        # Read now, so that a key or certificate missing from the token is said before anything is rendered.
        signer.signing_cert  # noqa: B018
        return signer
    except Exception as error:
        raise SignatureUnavailable(
            _("le jeton PKCS#11 « %(token)s » ne répond pas (%(error)s).")
            % {"token": key.pkcs11_token, "error": str(error) or type(error).__name__}
        ) from error


def _token_session(key: SigningKey, pin: str | None):
    criteria = TokenCriteria(label=key.pkcs11_token)
    try:
        return pkcs11.open_pkcs11_session(key.pkcs11_module, token_criteria=criteria, user_pin=pin)
    except UserAlreadyLoggedIn:
        # A process logs in to a token once, for all its sessions: another signatory's key on the same
        # token is then read in a session of its own without the PIN.
        return pkcs11.open_pkcs11_session(key.pkcs11_module, token_criteria=criteria)


# What a stamp may print: the Latin scripts (French and the other names a signatory may bear), the
# typographic quotes, dashes, ellipsis, narrow no-break space and euro sign.
STAMP_UNICODES = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x1E00, 0x1F00),
    *range(0x2010, 0x2030),
    0x202F,
    0x20AC,
]


@cache
def stamp_font_bytes() -> bytes:
    """Marianne as the OpenType file pyHanko embeds (the DSFR ships it as WOFF2), reduced once to the
    characters a stamp may print and without its layout tables: pyHanko reads and subsets the font again
    for every signature, which took seconds a document with the whole font and now takes milliseconds.
    The stamp's seven-point lines lose only their kerning."""
    font = TTFont(finders.find(STAMP_FONT))
    options = Options(layout_features=[], name_IDs=["*"], name_languages=["*"], notdef_outline=True)
    options.drop_tables += ["GSUB", "GPOS", "GDEF"]
    subsetter = Subsetter(options)
    subsetter.populate(unicodes=STAMP_UNICODES)
    subsetter.subset(font)
    font.flavor = None
    output = BytesIO()
    font.save(output)
    return output.getvalue()


class MarianneFactory(GlyphAccumulatorFactory):
    """pyHanko's embedded-font engine, fed Marianne from memory: the visible block is in the State's typeface
    and its font is embedded, as PDF/A requires."""

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return GlyphAccumulator(
            writer=writer, font_handle=BytesIO(stamp_font_bytes()), font_size=self.font_size, obj_stream=obj_stream
        )


def stamp_text(key: SigningKey, when: datetime.datetime) -> str:
    lines = [_("Signé électroniquement par %(name)s") % {"name": key.signatory}]
    lines += textwrap.wrap(key.capacity, 58)
    lines.append(_("le %(date)s") % {"date": timezone.localtime(when).strftime("%d/%m/%Y à %H:%M:%S")})
    if key.demonstration:
        lines.append(_("Signature de démonstration"))
    return "\n".join(lines)


def signature_placement(writer: IncrementalPdfFileWriter) -> tuple[int, tuple[int, int, int, int]]:
    """(page index, box) of the document's signature box, from the named destination WeasyPrint wrote for it."""
    names = writer.root["/Names"]["/Dests"]["/Names"]
    for index in range(0, len(names), 2):
        if names[index] == SIGNATURE_ANCHOR:
            destination = names[index + 1]
            destination = destination if isinstance(destination, ArrayObject) else destination["/D"]
            page_ref, left, top = destination.raw_get(0), destination[2], destination[3]
            for page in range(int(writer.root["/Pages"]["/Count"])):
                if writer.find_page_for_modification(page)[0].idnum == page_ref.idnum:
                    width, height = SIGNATURE_BOX_PT
                    left, top = round(float(left)), round(float(top))
                    return page, (left, top - height, left + width, top)
    raise ValueError(f"the document has no #{SIGNATURE_ANCHOR} box for its signature")


def timestamper() -> timestamps.TimeStamper | None:
    """The time-stamping authority of SIGNING_TSA_URL (PAdES B-T), or none (B-B)."""
    return timestamps.HTTPTimeStamper(settings.SIGNING_TSA_URL) if settings.SIGNING_TSA_URL else None


def sign_pdf(pdf: bytes, *, key: SigningKey) -> bytes:
    """The PDF signed as PAdES B-B (B-T with a time-stamping authority), its visible block in its signature box."""
    signer = load_signer(key)
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    page, box = signature_placement(writer)
    text = stamp_text(key, timezone.now()).replace("%", "%%")
    style = TextStampStyle(
        stamp_text=text,
        text_box_style=TextBoxStyle(font=MarianneFactory(STAMP_FONT, font_size=7), font_size=7, leading=9),
        border_width=1,
    )
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            name=key.signatory,
            reason=_("Décision signée électroniquement"),
            location=key.capacity[:200],
        ),
        signer=signer,
        timestamper=timestamper(),
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page, box=box),
    )
    return _outside_event_loop(lambda: pdf_signer.sign_pdf(writer, in_place=False).getvalue())


def _outside_event_loop(sign):
    """pyHanko signs through asyncio.run(), which refuses to run inside a running event loop (an ASGI
    server, a browser test driving the page from the same thread): there, sign in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return sign()
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(sign).result()
