"""Small real files of every accepted kind, built in memory for the upload tests."""

import functools
import io
import zipfile

import docx
import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.text import P
from PIL import Image

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf_bytes() -> bytes:
    return MINIMAL_PDF


@functools.cache
@functools.cache
def signable_pdf_bytes() -> bytes:
    """A one-line PDF/A with the box a signature goes in: what the pipeline signs, minus seconds of layout."""
    from fipe.pdf import render_pdf

    return render_pdf('<p>Document</p><div id="signature-field" style="width: 75mm; height: 20mm"></div>')


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, kind)
    return buffer.getvalue()


def png_bytes() -> bytes:
    return _image("PNG")


def jpeg_bytes() -> bytes:
    return _image("JPEG")


def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("Note de présentation")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Année", "Montant"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _odf(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def odt_bytes() -> bytes:
    document = OpenDocumentText()
    document.text.addElement(P(text="Statuts de l’association"))
    return _odf(document)


def ods_bytes() -> bytes:
    return _odf(OpenDocumentSpreadsheet())


def plain_zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


ACCEPTED = {
    "budget.pdf": (pdf_bytes, "application/pdf"),
    "plan.png": (png_bytes, "image/png"),
    "photo.jpg": (jpeg_bytes, "image/jpeg"),
    "photo.jpeg": (jpeg_bytes, "image/jpeg"),
    "note.docx": (docx_bytes, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "budget.xlsx": (xlsx_bytes, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "statuts.odt": (odt_bytes, "application/vnd.oasis.opendocument.text"),
    "budget.ods": (ods_bytes, "application/vnd.oasis.opendocument.spreadsheet"),
}


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)
