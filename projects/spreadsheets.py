"""Reading and writing the tables people exchange with FIPE: CSV, XLSX and ODS.

CSV files follow what French spreadsheets produce and expect: `;` separated, decimal
comma, dates as dd/mm/yyyy, UTF-8 with a BOM (Excel needs it to guess the encoding).
Reading accepts `;` or `,`, with or without BOM, and Windows-1252 as older Excel writes it.
"""

import csv
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import PurePath

import openpyxl
import tablib
from django.utils.translation import gettext as _
from odf import opendocument, teletype
from odf.table import Table, TableRow
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from projects.exceptions import DomainError

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
# An import file beyond this size is refused before being read.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
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
        raise UnreadableFile(
            _("Le fichier dépasse la taille autorisée (%(max)s Mo).") % {"max": MAX_UPLOAD_BYTES // (1024 * 1024)}
        )
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
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


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
    for row in sheet.getElementsByType(TableRow):
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
        if not values:
            continue
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        rows.extend([list(values) for _ in range(min(repeat, MAX_REPEATED_ROWS))])
    return rows


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


def french_cell(value) -> str:
    """How a value is written in a French CSV file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, Decimal):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def write_csv(headers: list[str], rows) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([french_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def write_xlsx(headers: list[str], rows, *, title: str, text_columns: frozenset[int] = frozenset()) -> bytes:
    """A workbook with amounts and dates as real numbers and dates, French-formatted.

    Write-only mode streams the rows; the columns in `text_columns` (SIRET, postal and
    department codes) are stored as text so that their leading zeros are kept.
    """
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31])
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, index in text_columns) for index, value in enumerate(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet, value, as_text: bool):
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = AMOUNT_FORMAT
        return cell
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    if as_text and value not in (None, ""):
        cell = WriteOnlyCell(sheet, value=str(value))
        cell.number_format = "@"
        return cell
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    return value


def write_ods(headers: list[str], rows, *, title: str) -> bytes:
    # tablib writes Decimal as numbers, dates as dates and everything else as text cells.
    dataset = tablib.Dataset(headers=headers, title=title[:31])
    for row in rows:
        dataset.append([(_("oui") if value else _("non")) if isinstance(value, bool) else value for value in row])
    return dataset.export("ods")


def write_table(headers: list[str], rows, *, fmt: str, title: str, text_columns: frozenset[int] = frozenset()):
    if fmt == "csv":
        return write_csv(headers, rows)
    if fmt == "xlsx":
        return write_xlsx(headers, rows, title=title, text_columns=text_columns)
    if fmt == "ods":
        return write_ods(headers, rows, title=title)
    raise ValueError(fmt)
