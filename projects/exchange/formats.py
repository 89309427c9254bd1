"""Our readers and writers behind django-import-export's interface: the formats the admin offers, and the datasets.

An import file becomes an ImportTable (its headers, and the line they stand on); an export is
an ExportTable that tells the workbook writers its text columns and whether to add a totals row.
"""

import tablib
from import_export.formats.base_formats import Format

from projects.exchange.import_rules import cell_text
from projects.exchange.reading import file_format, read_table
from projects.exchange.spreadsheets import FORMATS, write_table


class ImportTable(tablib.Dataset):
    """The rows under the header of an import file, and the line (as a spreadsheet numbers it) of
    the header, so that every problem names the line people see."""

    header_line = 1


def import_table(rows: list[list]) -> ImportTable:
    """The dataset of a file's rows: the first non-empty row gives the headers."""
    table = ImportTable()
    header_index = next((index for index, row in enumerate(rows) if any(cell_text(cell) for cell in row)), None)
    if header_index is None:
        return table
    headers = [cell_text(cell) for cell in rows[header_index]]
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    table.header_line = header_index + 1
    body = rows[header_index + 1 :]
    for row in body:
        row = list(row[:width])
        row.extend([""] * (width - len(row)))
        table.append(row)
    table.headers = headers
    return table


def read_import_file(content: bytes, filename: str) -> ImportTable:
    """UnreadableFile for a file of another kind, unreadable or beyond the import's limits."""
    file_format(filename)
    return import_table(read_table(content, filename))


class SpreadsheetFormat(Format):
    """CSV (French: « ; », decimal comma, BOM), XLSX or ODS, read with the import's limits and
    written with euro amounts, column widths and a totals row (projects.exchange.spreadsheets)."""

    extension = ""

    def __init__(self, encoding=None):
        # Our CSV reader finds the encoding itself (UTF-8 with or without BOM, or Windows-1252).
        self.encoding = encoding

    def get_title(self):
        return self.extension.upper()

    def get_extension(self):
        return self.extension

    def get_content_type(self):
        return FORMATS[self.extension]

    def can_import(self):
        return True

    def can_export(self):
        return True

    def create_dataset(self, in_stream):
        return import_table(read_table(in_stream, f"fichier.{self.extension}"))

    def export_data(self, dataset, **kwargs):
        return write_table(
            dataset.headers,
            dataset,
            fmt=self.extension,
            title=dataset.title or "",
            text_columns=getattr(dataset, "text_columns", frozenset()),
            totals=getattr(dataset, "totals", False),
        )


class CSVFormat(SpreadsheetFormat):
    extension = "csv"


class XLSXFormat(SpreadsheetFormat):
    extension = "xlsx"


class ODSFormat(SpreadsheetFormat):
    extension = "ods"


SPREADSHEET_FORMATS = [CSVFormat, XLSXFormat, ODSFormat]
FORMAT_BY_EXTENSION = {format_class.extension: format_class for format_class in SPREADSHEET_FORMATS}


class ExportTable(tablib.Dataset):
    """The rows of an export and how workbooks show them (text columns, totals row)."""

    text_columns: frozenset[int] = frozenset()
    totals = False
