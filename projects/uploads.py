"""Which files may be attached to an application, judged from their content.

A file is accepted when its extension is one of ours AND its bytes are a file of that
kind: a script renamed `.pdf`, or a PDF renamed `.docx`, is refused. OpenDocument and
Office Open XML files are zip archives; filetype only sees "zip" (or guesses from the first
entry's name), so their kind is read from the archive's table of contents.
"""

import zipfile
from pathlib import PurePath

import filetype
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024

PDF = "application/pdf"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PNG = "image/png"
JPEG = "image/jpeg"

CONTENT_TYPE_BY_EXTENSION = {
    "pdf": PDF,
    "odt": ODT,
    "docx": DOCX,
    "ods": ODS,
    "xlsx": XLSX,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
}
KIND_LABELS = {PDF: "PDF", ODT: "ODT", DOCX: "DOCX", ODS: "ODS", XLSX: "XLSX", PNG: "PNG", JPEG: "JPEG"}
ACCEPT_ATTRIBUTE = ",".join(f".{extension}" for extension in CONTENT_TYPE_BY_EXTENSION)

# Enough bytes for every signature filetype checks for our kinds.
HEAD_SIZE = 8192


def _zip_content_type(file) -> str | None:
    try:
        archive = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    with archive:
        names = set(archive.namelist())
        if "mimetype" in names:
            # ODF stores its media type, uncompressed and first, in the `mimetype` entry.
            with archive.open("mimetype") as entry:
                declared = entry.read(100).decode("ascii", errors="replace").strip()
            return declared if declared in (ODT, ODS) else None
        if "[Content_Types].xml" in names:
            if "word/document.xml" in names:
                return DOCX
            if "xl/workbook.xml" in names:
                return XLSX
    return None


def detect_content_type(file) -> str | None:
    """The media type of the file's content among the accepted ones, or None."""
    file.seek(0)
    head = file.read(HEAD_SIZE)
    file.seek(0)
    try:
        if head.startswith(b"PK\x03\x04"):
            return _zip_content_type(file)
        kind = filetype.guess(head)
        return kind.mime if kind is not None and kind.mime in (PDF, PNG, JPEG) else None
    finally:
        file.seek(0)


def validate_attachment(file) -> str:
    """The content type of an acceptable upload; ValidationError in French otherwise."""
    name = PurePath(file.name or "").name
    if file.size == 0:
        raise ValidationError(_("Le fichier « %(name)s » est vide.") % {"name": name}, code="empty")
    if file.size > MAX_ATTACHMENT_SIZE:
        raise ValidationError(
            _("Le fichier « %(name)s » pèse %(size)s : la limite est de %(limit)s.")
            % {"name": name, "size": filesizeformat(file.size), "limit": filesizeformat(MAX_ATTACHMENT_SIZE)},
            code="too_large",
        )
    extension = PurePath(name).suffix.lower().lstrip(".")
    expected = CONTENT_TYPE_BY_EXTENSION.get(extension)
    if expected is None:
        raise ValidationError(
            _("Le fichier « %(name)s » n’est pas accepté : seuls les PDF, ODT, DOCX, ODS, XLSX, PNG et JPEG le sont.")
            % {"name": name},
            code="extension",
        )
    actual = detect_content_type(file)
    if actual != expected:
        raise ValidationError(
            _("Le contenu du fichier « %(name)s » n’est pas celui d’un fichier %(kind)s : il est refusé.")
            % {"name": name, "kind": KIND_LABELS[expected]},
            code="content",
        )
    return actual


def clean_file_name(name: str) -> str:
    """The name shown and offered on download: no folder, no control character, 255 characters at most."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(character for character in base if character.isprintable()).strip()
    if len(cleaned) > 255:
        suffix = PurePath(cleaned).suffix[:20]
        cleaned = cleaned[: 255 - len(suffix)] + suffix
    return cleaned or "piece-jointe"
