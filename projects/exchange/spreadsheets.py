"""Writing the tables people exchange with FIPE: CSV, XLSX and ODS (reading them: projects.exchange.reading).

CSV files follow what French spreadsheets produce and expect: `;` separated, decimal
comma, dates as dd/mm/yyyy, UTF-8 with a BOM (Excel needs it to guess the encoding).
"""

import csv
import datetime
import io
import itertools
import re
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

import xlsxwriter
from django.utils.translation import gettext as _

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
}
AMOUNT_FORMAT = '#,##0.00 "€"'


# A spreadsheet opening a file runs a cell starting with one of these as a formula (« CSV
# injection »). Every writer asks looks_like_formula() and neutralises such text its format's
# way: a leading apostrophe in CSV (which reading removes), Excel's quote prefix in XLSX, and in
# ODS a cell typed as a string, which LibreOffice never evaluates.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML cannot carry at all; they have no business in a title or an address.
XML_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def neutralised(text: str) -> str:
    """Text for a CSV file: a formula-looking text gets the apostrophe that keeps it text."""
    return "'" + text if looks_like_formula(text) else text


def french_cell(value) -> str:
    """How a value is written in a French CSV file."""
    if type(value) is str:
        return neutralised(value)
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


class _Layout:
    """What a workbook writer learns from the rows as they pass: each column's widest content
    (in characters) and, for the amount columns, their sum for the totals row."""

    def __init__(self, headers: list[str]):
        self.widths = [min(len(header), 40) for header in headers]
        self.largest: dict[int, Decimal] = {}
        self.sums: dict[int, Decimal] = {}

    def observe(self, row) -> None:
        widths, largest, sums = self.widths, self.largest, self.sums
        for column, value in enumerate(row):
            kind = type(value)
            if kind is str:
                width = len(value)
            elif kind is Decimal:
                sums[column] = sums.get(column, 0) + value
                if abs(value) > largest.get(column, -1):
                    largest[column] = abs(value)
                continue
            else:
                width = 10  # a date, « oui », a version number
            if width > widths[column]:
                widths[column] = width

    def column_widths(self) -> list[float]:
        """In characters, as spreadsheets count them: an amount as `1 234 567,89 €`, text up to 60."""
        widths = list(self.widths)
        for column, value in self.largest.items():
            digits = len(str(int(max(value, abs(self.sums[column])))))
            widths[column] = max(widths[column], digits + (digits - 1) // 3 + 5)
        return [min(width, 60) + 2 for width in widths]

    def totals(self, width: int) -> list:
        row = [None] * width
        row[0] = _("Total")
        for column, total in self.sums.items():
            row[column] = total
        return row


def write_csv(headers: list[str], rows) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([french_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def write_xlsx(
    headers: list[str], rows, *, title: str, text_columns: frozenset[int] = frozenset(), totals: bool = False
) -> bytes:
    """A workbook with amounts (in euros) and dates as real numbers and dates, French-formatted,
    its columns as wide as their content, with a totals row of the amounts when asked.

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
    quoted = workbook.add_format({"quote_prefix": True})
    sheet.write_row(0, 0, headers, workbook.add_format({"bold": True}))
    sheet.freeze_panes(1, 0)
    layout = _Layout(headers)
    column_formats: dict[int, object] = {}
    rows = iter(rows)
    first = next(rows, None)
    number = 0
    if first is not None:
        for column, value in enumerate(first):
            if column in text_columns:
                column_formats[column] = formats["text"]
            elif isinstance(value, Decimal):
                column_formats[column] = formats["amount"]
            elif isinstance(value, datetime.date):
                column_formats[column] = formats["date"]
        for column, cell_format in column_formats.items():
            sheet.set_column(column, column, None, cell_format)
        yes, no = _("oui"), _("non")
        for number, row in enumerate(itertools.chain([first], rows), start=1):
            layout.observe(row)
            sheet.write_row(number, 0, [(yes if value else no) if type(value) is bool else value for value in row])
            for column, value in enumerate(row):
                if type(value) is str and looks_like_formula(value):
                    sheet.write_string(number, column, value, quoted)
    if totals and number:
        bold_amount = workbook.add_format({"num_format": AMOUNT_FORMAT, "bold": True, "top": 1})
        bold = workbook.add_format({"bold": True, "top": 1})
        for column, value in enumerate(layout.totals(len(headers))):
            sheet.write(number + 1, column, value, bold_amount if type(value) is Decimal else bold)
    for column, width in enumerate(layout.column_widths()):
        sheet.set_column(column, column, width, column_formats.get(column))
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
    # Amounts as the XLSX file shows them (AMOUNT_FORMAT): « 1 234,50 € », the euro sign after the figure.
    '<office:automatic-styles><number:currency-style style:name="N2"><number:number number:decimal-places="2" '
    'number:min-decimal-places="2" number:min-integer-digits="1" number:grouping="true"/>'
    '<number:text>\u00a0</number:text><number:currency-symbol number:language="fr" number:country="FR">€'
    "</number:currency-symbol></number:currency-style>"
    '<number:date-style style:name="D1"><number:day number:style="long"/><number:text>/</number:text>'
    '<number:month number:style="long"/><number:text>/</number:text><number:year number:style="long"/>'
    '</number:date-style><style:style style:name="amount" style:family="table-cell" style:data-style-name="N2"/>'
    '<style:style style:name="date" style:family="table-cell" style:data-style-name="D1"/>'
    '<style:style style:name="header" style:family="table-cell"><style:text-properties fo:font-weight="bold"/>'
    "</style:style>"
    '<style:style style:name="total" style:family="table-cell" style:data-style-name="N2">'
    '<style:text-properties fo:font-weight="bold"/></style:style>'
    "{columns}</office:automatic-styles>"
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
            f'<table:table-cell office:value-type="currency" office:currency="EUR" office:value="{value}" '
            f'table:style-name="amount"><text:p>{french_cell(value)}\u00a0€</text:p></table:table-cell>'
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


def write_ods(headers: list[str], rows, *, title: str, totals: bool = False) -> bytes:
    """An OpenDocument spreadsheet written as a stream of XML (a DOM of 10,000 rows is far too slow),
    with the same column widths, euro amounts and totals row as the XLSX file."""
    layout = _Layout(headers)
    body = [
        "<table:table-row>",
        *[
            f'<table:table-cell table:style-name="header" office:value-type="string">{_ods_paragraphs(header)}'
            "</table:table-cell>"
            for header in headers
        ],
        "</table:table-row>",
    ]
    count = 0
    for row in rows:
        layout.observe(row)
        count += 1
        body.append("<table:table-row>" + "".join(_ods_cell(value) for value in row) + "</table:table-row>")
    if totals and count:
        cells = [
            _ods_cell(value).replace('table:style-name="amount"', 'table:style-name="total"')
            if type(value) is Decimal
            else _ods_cell(value)
            for value in layout.totals(len(headers))
        ]
        body.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
    widths = layout.column_widths()
    # A character of the default font is about 0.21 cm wide.
    column_styles = "".join(
        f'<style:style style:name="co{column}" style:family="table-column">'
        f'<style:table-column-properties style:column-width="{width * 0.21:.2f}cm"/></style:style>'
        for column, width in enumerate(widths)
    )
    columns = "".join(f'<table:table-column table:style-name="co{column}"/>' for column in range(len(widths)))
    content = "".join(
        [
            f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODS_NAMESPACES}>'
            f"{ODS_STYLES.format(columns=column_styles)}"
            f'<office:body><office:spreadsheet><table:table table:name="{escape(title[:31], {chr(34): "&quot;"})}">',
            columns,
            *body,
            "</table:table></office:spreadsheet></office:body></office:document-content>",
        ]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        # The mimetype comes first and uncompressed, so that tools recognise the file by its first bytes.
        archive.writestr(zipfile.ZipInfo("mimetype"), FORMATS["ods"], compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr(
            "styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ODS_NAMESPACES}/>'
        )
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def write_table(
    headers: list[str], rows, *, fmt: str, title: str, text_columns: frozenset[int] = frozenset(), totals=False
) -> bytes:
    """The table as a CSV, XLSX or ODS file; `totals` adds a row of the amounts' sums to workbooks
    (never to a CSV file, which programs read back)."""
    if fmt == "csv":
        return write_csv(headers, rows)
    if fmt == "xlsx":
        return write_xlsx(headers, rows, title=title, text_columns=text_columns, totals=totals)
    if fmt == "ods":
        return write_ods(headers, rows, title=title, totals=totals)
    raise ValueError(fmt)
