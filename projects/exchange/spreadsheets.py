"""Reading and writing the tables people exchange with FIPE: CSV, XLSX and ODS.

CSV files follow what French spreadsheets produce and expect: `;` separated, decimal
comma, dates as dd/mm/yyyy, UTF-8 with a BOM (Excel needs it to guess the encoding).
Reading accepts `;` or `,`, with or without BOM, and Windows-1252 as older Excel writes it.
"""

import csv
import datetime
import io
import itertools
import re
import zipfile
from decimal import Decimal
from pathlib import PurePath
from xml.sax.saxutils import escape

import openpyxl
import xlsxwriter
from django.utils.translation import gettext as _
from odf import opendocument, teletype
from odf.table import Table, TableRow
from openpyxl.utils.exceptions import InvalidFileException

from projects.exceptions import DomainError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
# An import file beyond this size is refused before being read. The admin sends a checked file
# back with its confirmation, base64-encoded (4/3 larger), within DATA_UPLOAD_MAX_MEMORY_SIZE.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_UPLOAD_MEGABYTES = MAX_UPLOAD_BYTES // (1024 * 1024)
# A LibreOffice sheet may declare a non-empty row repeated a million times; nobody means that.
MAX_REPEATED_ROWS = 1000
AMOUNT_FORMAT = "#,##0.00"
DATE_FORMAT = "DD/MM/YYYY"


class UnreadableFile(DomainError):
    pass


def file_format(filename: str) -> str:
    """'csv', 'xlsx' or 'ods' from a file name; a clear error otherwise."""
    extension = PurePath(filename or "").suffix.lower().lstrip(".")
    if extension not in FORMATS:
        raise UnreadableFile(
            _("Format de fichier non pris en charge : « %(name)s ». Utilisez un fichier .csv, .xlsx ou .ods.")
            % {"name": filename}
        )
    return extension


# Reading -------------------------------------------------------------------------------------


def read_table(data: bytes, filename: str) -> list[list]:
    """The rows of the first sheet (header first), as lists of str, Decimal, bool or date values."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise UnreadableFile(_("Le fichier dépasse la taille autorisée (%(max)s Mo).") % {"max": MAX_UPLOAD_MEGABYTES})
    fmt = file_format(filename)
    if fmt == "csv":
        return _read_csv(data)
    if not data.startswith(b"PK"):
        raise UnreadableFile(
            _("Le fichier « %(name)s » n’est pas un classeur %(format)s : enregistrez-le à nouveau dans ce format.")
            % {"name": filename, "format": fmt.upper()}
        )
    return _read_xlsx(data, filename) if fmt == "xlsx" else _read_ods(data, filename)


def _read_csv(data: bytes) -> list[list]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UnreadableFile(
                _("Le fichier CSV n’est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 ».")
            ) from None
    if "\x00" in text:
        raise UnreadableFile(_("Ce fichier n’est pas un fichier CSV (texte)."))
    first_line = text.split("\n", 1)[0]
    # The header names contain neither separator, so counting them on the header line is reliable.
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [[unescape_formula(cell) for cell in row] for row in reader]
    except csv.Error:
        # A cell past the csv module's limit (128 Kio) or a stray quote: name the line, not a traceback.
        raise UnreadableFile(
            _("Le fichier CSV est illisible à la ligne %(line)s (cellule trop longue ou guillemet mal placé).")
            % {"line": reader.line_num}
        ) from None


def _read_xlsx(data: bytes, filename: str) -> list[list]:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise UnreadableFile(_("Le classeur « %(name)s » est illisible.") % {"name": filename}) from None
    try:
        sheet = workbook.worksheets[0]
        return [[_xlsx_value(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _xlsx_value(value):
    if isinstance(value, float):
        # Excel stores every number as a float: 12345.67 comes back as 12345.67, not 12345.670000001.
        return Decimal(repr(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, datetime.datetime):
        return value.date()
    return "" if value is None else value


def _read_ods(data: bytes, filename: str) -> list[list]:
    try:
        document = opendocument.load(io.BytesIO(data))
        sheet = document.spreadsheet.getElementsByType(Table)[0]
    except (zipfile.BadZipFile, KeyError, IndexError, ValueError, AttributeError):
        raise UnreadableFile(_("Le classeur « %(name)s » est illisible.") % {"name": filename}) from None
    rows = []
    for line, row in enumerate(sheet.getElementsByType(TableRow), start=1):
        try:
            values, repeat = _ods_row(row)
        except (ValueError, ArithmeticError):
            # A typed value not of its type (a float "douze"), a repeat count not a number: corrupt there.
            raise UnreadableFile(
                _("Le classeur « %(name)s » est illisible à la ligne %(line)s.") % {"name": filename, "line": line}
            ) from None
        if values:
            rows.extend([list(values) for _ in range(min(repeat, MAX_REPEATED_ROWS))])
    return rows


def _ods_row(row) -> tuple[list, int]:
    """The values of one row, without the empty cells at its end, and how many times the row repeats."""
    values = []
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
        value = _ods_value(cell)
        # Empty cells repeated up to the sheet's last column are trailing: trimmed below.
        values.extend([value] * min(repeat, 1024))
    while values and values[-1] == "":
        values.pop()
    return values, int(row.getAttribute("numberrowsrepeated") or 1)


def _ods_value(cell):
    """The cell's value, from its typed attributes rather than its displayed (maybe rounded) text."""
    value_type = cell.getAttribute("valuetype") if cell.qname[1] == "table-cell" else None
    if value_type in ("float", "currency", "percentage"):
        return Decimal(cell.getAttribute("value"))
    if value_type == "boolean":
        return cell.getAttribute("booleanvalue") == "true"
    if value_type == "date":
        raw = cell.getAttribute("datevalue")
        return datetime.date.fromisoformat(raw[:10])
    paragraphs = [teletype.extractText(node) for node in cell.childNodes if node.qname[1] == "p"]
    return "\n".join(paragraphs)


# Writing -------------------------------------------------------------------------------------

# A spreadsheet opening a CSV file runs a cell starting with one of these as a formula
# (« CSV injection »): such text cells get a leading apostrophe, which reading removes.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML cannot carry at all; they have no business in a title or an address.
XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def french_cell(value) -> str:
    """How a value is written in a French CSV file."""
    if type(value) is str:
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def unescape_formula(text: str) -> str:
    """The text as it was before french_cell protected it from spreadsheets."""
    if text.startswith("'") and text[1:].startswith(FORMULA_STARTS):
        return text[1:]
    return text


def write_csv(headers: list[str], rows) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([french_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def write_xlsx(headers: list[str], rows, *, title: str, text_columns: frozenset[int] = frozenset()) -> bytes:
    """A workbook with amounts and dates as real numbers and dates, French-formatted.

    XlsxWriter streams the rows (constant memory). The formats are set per column, from the
    first row's values, so that each row is written in one call; the columns in
    `text_columns` (SIRET, postal and department codes) are text, so their leading zeros stay.
    """
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    sheet = workbook.add_worksheet(title[:31])
    formats = {
        "amount": workbook.add_format({"num_format": AMOUNT_FORMAT}),
        "date": workbook.add_format({"num_format": "dd/mm/yyyy"}),
        "text": workbook.add_format({"num_format": "@"}),
    }
    sheet.write_row(0, 0, headers, workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    rows = iter(rows)
    first = next(rows, None)
    if first is not None:
        for column, value in enumerate(first):
            if column in text_columns:
                sheet.set_column(column, column, None, formats["text"])
            elif isinstance(value, Decimal):
                sheet.set_column(column, column, None, formats["amount"])
            elif isinstance(value, datetime.date):
                sheet.set_column(column, column, None, formats["date"])
        yes, no = _("oui"), _("non")
        for number, row in enumerate(itertools.chain([first], rows), start=1):
            sheet.write_row(number, 0, [(yes if value else no) if type(value) is bool else value for value in row])
    workbook.close()
    return buffer.getvalue()


ODS_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" office:version="1.2"'
)
ODS_STYLES = (
    '<office:automatic-styles><number:number-style style:name="N2"><number:number number:decimal-places="2" '
    'number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/></number:number-style>'
    '<number:date-style style:name="D1"><number:day number:style="long"/><number:text>/</number:text>'
    '<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>'
    '</number:date-style><style:style style:name="amount" style:family="table-cell" style:data-style-name="N2"/>'
    '<style:style style:name="date" style:family="table-cell" style:data-style-name="D1"/>'
    '<style:style style:name="header" style:family="table-cell"><style:text-properties fo:font-weight="bold"/>'
    "</style:style></office:automatic-styles>"
)
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
    '<manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def _ods_paragraphs(text: str) -> str:
    """Text as ODF paragraphs: one per line, runs of spaces and tabs kept as ODF says."""
    paragraphs = []
    for line in XML_FORBIDDEN.sub("", text).split("\n"):
        line = escape(line.rstrip("\r"))
        line = re.sub(r"(?<= ) +|^ +", lambda spaces: f'<text:s text:c="{len(spaces.group())}"/>', line)
        paragraphs.append("<text:p>" + line.replace("\t", "<text:tab/>") + "</text:p>")
    return "".join(paragraphs)


def _ods_cell(value) -> str:
    kind = type(value)
    if kind is str:
        return (
            f'<table:table-cell office:value-type="string">{_ods_paragraphs(value)}</table:table-cell>'
            if value
            else "<table:table-cell/>"
        )
    if kind is Decimal:
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}" table:style-name="amount">'
            f"<text:p>{french_cell(value)}</text:p></table:table-cell>"
        )
    if kind is bool:
        return _ods_cell(_("oui") if value else _("non"))
    if kind is int:
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}">'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    if isinstance(value, datetime.date):
        return (
            f'<table:table-cell office:value-type="date" office:date-value="{value.isoformat()}" '
            f'table:style-name="date"><text:p>{value:%d/%m/%Y}</text:p></table:table-cell>'
        )
    return "<table:table-cell/>" if value is None else _ods_cell(str(value))


def write_ods(headers: list[str], rows, *, title: str) -> bytes:
    """An OpenDocument spreadsheet written as a stream of XML (a DOM of 10,000 rows is far too slow)."""
    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES}>{ODS_STYLES}'
        f'<office:body><office:spreadsheet><table:table table:name="{escape(title[:31], {chr(34): "&quot;"})}">',
        "<table:table-row>",
        *[
            f'<table:table-cell table:style-name="header" office:value-type="string">{_ods_paragraphs(header)}'
            "</table:table-cell>"
            for header in headers
        ],
        "</table:table-row>",
    ]
    for row in rows:
        parts.append("<table:table-row>" + "".join(_ods_cell(value) for value in row) + "</table:table-row>")
    parts.append("</table:table></office:spreadsheet></office:body></office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # The mimetype comes first and uncompressed, so that tools recognise the file by its first bytes.
        archive.writestr(zipfile.ZipInfo("mimetype"), FORMATS["ods"], compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr(
            "styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODS_NAMESPACES}/>'
        )
        archive.writestr("content.xml", "".join(parts))
    return buffer.getvalue()


def write_table(headers: list[str], rows, *, fmt: str, title: str, text_columns: frozenset[int] = frozenset()):
    if fmt == "csv":
        return write_csv(headers, rows)
    if fmt == "xlsx":
        return write_xlsx(headers, rows, title=title, text_columns=text_columns)
    if fmt == "ods":
        return write_ods(headers, rows, title=title)
    raise ValueError(fmt)
