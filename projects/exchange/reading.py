"""Reading the tables people send to FIPE (CSV, XLSX, ODS), within the limits of an import.

Reading accepts `;` or `,`, with or without BOM, and Windows-1252 as older Excel writes it.
The file is refused before anything is built from it when it is too large, or would inflate
beyond what a workbook may hold.
"""

import csv
import datetime
import io
import zipfile
from decimal import Decimal
from pathlib import PurePath

import openpyxl
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from odf import opendocument, teletype
from odf.table import Table, TableRow
from openpyxl.utils.exceptions import InvalidFileException

from projects.exceptions import DomainError
from projects.exchange.spreadsheets import FORMATS, unescape_formula

# An import file beyond this size is refused before being read. The admin sends a checked file
# back with its confirmation, base64-encoded (4/3 larger), within DATA_UPLOAD_MAX_MEMORY_SIZE.
MAX_UPLOAD_BYTES = 8 * 1024 * 1024
MAX_UPLOAD_MEGABYTES = MAX_UPLOAD_BYTES // (1024 * 1024)
# What an import file may hold, checked while it is read and before anything is built from it:
# rows (the header's included), cells over all rows (with the rows and cells a spreadsheet marks
# as repeated counted as often as they repeat), columns in one row, and the uncompressed size of
# a workbook's parts (an 8 Mo XLSX or ODS may inflate a thousandfold).
MAX_ROWS = 50_001
MAX_CELLS = 2_000_000
MAX_COLUMNS = 200
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024


class UnreadableFile(DomainError):
    pass


def too_large() -> UnreadableFile:
    return UnreadableFile(
        _(
            "Le fichier dépasse les limites d’un import : %(rows)s lignes, %(columns)s colonnes et "
            "%(cells)s cellules au plus. Découpez-le en plusieurs fichiers."
        )
        % {
            "rows": number_format(MAX_ROWS - 1, force_grouping=True),
            "columns": MAX_COLUMNS,
            "cells": number_format(MAX_CELLS, force_grouping=True),
        }
    )


class _Counter:
    """Counts rows and cells as a reader produces them, and stops it past the limits."""

    def __init__(self):
        self.rows = self.cells = 0

    def add(self, width: int, times: int = 1) -> None:
        if width > MAX_COLUMNS:
            raise too_large()
        self.rows += times
        self.cells += width * times
        if self.rows > MAX_ROWS or self.cells > MAX_CELLS:
            raise too_large()


def _check_inflated_size(data: bytes, filename: str) -> None:
    """A workbook is a zip archive: its parts' declared sizes are checked before any is inflated."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            inflated = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise UnreadableFile(_("Le classeur « %(name)s » est illisible.") % {"name": filename}) from None
    if inflated > MAX_UNCOMPRESSED_BYTES:
        raise too_large()


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
    _check_inflated_size(data, filename)
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
    # Bounds taken before parsing: every line break may end a row, every separator open a cell.
    if text.count("\n") > MAX_ROWS or text.count(delimiter) + text.count("\n") > MAX_CELLS:
        raise too_large()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    counter = _Counter()
    try:
        rows = []
        for row in reader:
            counter.add(len(row))
            rows.append([unescape_formula(cell) for cell in row])
        return rows
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
    counter = _Counter()
    try:
        sheet = workbook.worksheets[0]
        # The sheet's declared dimensions may claim a million rows of 16,384 columns: not trusted.
        sheet.reset_dimensions()
        rows = []
        for row in sheet.iter_rows(values_only=True):
            values = [_xlsx_value(value) for value in row[: MAX_COLUMNS + 1]]
            while values and values[-1] == "":
                values.pop()
            counter.add(len(values))
            rows.append(values)
        return rows
    except (KeyError, ValueError, TypeError):
        raise UnreadableFile(_("Le classeur « %(name)s » est illisible.") % {"name": filename}) from None
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
    counter = _Counter()
    for line, row in enumerate(sheet.getElementsByType(TableRow), start=1):
        try:
            values, repeat = _ods_row(row)
        except (ValueError, ArithmeticError):
            # A typed value not of its type (a float "douze"), a repeat count not a number: corrupt there.
            raise UnreadableFile(
                _("Le classeur « %(name)s » est illisible à la ligne %(line)s.") % {"name": filename, "line": line}
            ) from None
        if values:
            # Counted as often as the row repeats, before the copies are made: a few kilobytes may
            # declare thousands of rows repeated thousands of times each.
            counter.add(len(values), repeat)
            rows.extend([list(values) for _ in range(repeat)])
    return rows


def _ods_row(row) -> tuple[list, int]:
    """The values of one row, without the empty cells at its end, and how many times the row repeats."""
    values = []
    # Empty cells are kept as a count until a value follows them: those repeated up to the sheet's
    # last column (16,384 of them) are trailing and never become a list.
    empty = 0
    for cell in row.childNodes:
        if cell.qname[1] not in ("table-cell", "covered-table-cell"):
            continue
        repeat = int(cell.getAttribute("numbercolumnsrepeated") or 1)
        if repeat < 1:
            raise ValueError(repeat)
        value = _ods_value(cell)
        if value == "":
            empty += repeat
            continue
        if len(values) + empty + repeat > MAX_COLUMNS:
            raise too_large()
        values.extend([""] * empty)
        values.extend([value] * repeat)
        empty = 0
    repeat = int(row.getAttribute("numberrowsrepeated") or 1)
    if repeat < 1:
        raise ValueError(repeat)
    return values, repeat


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
