"""django-import-export Resources: the applications import and the award decisions export.

The admin's screens (upload → preview → confirmation; format → download), the management
commands `import_applications` and `export_awards` and the background imports all go through
these classes, so that they can never disagree.

Import: one widget per column turns a cell into a value or a French message; the Resource
collects them row by row, then hands the whole file to the services of
projects.exchange.import_rules (cross-row rules, references, submission through the workflow).
Export: the rows come from the one query of projects.exchange.exports, the files from the
writers of projects.exchange.spreadsheets (euro formats, column widths, totals row).
"""

from collections import OrderedDict
from decimal import Decimal

import tablib
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from import_export import resources, widgets
from import_export.fields import Field
from import_export.formats.base_formats import Format
from import_export.results import RowResult

from departments.models import Department
from departments.permissions import get_scope
from projects.enums import Category, LegalForm
from projects.exchange.exports import award_rows, headers_for, years_of
from projects.exchange.import_report import ImportReport, Problem
from projects.exchange.import_rules import (
    ParsedRow,
    cell_code,
    cell_text,
    department_problem,
    match_columns,
    plan_import,
    row_problems,
    save_import,
)
from projects.exchange.imports import Column, choice_lookup, columns_for, normalized
from projects.exchange.reading import UnreadableFile, file_format, read_table
from projects.exchange.spreadsheets import FORMATS, write_table
from projects.models import Applicant, Application, Award, Call
from projects.money import check_year_amounts, parse_amount

TRUE_WORDS = {"oui", "o", "vrai", "true", "1", "x"}
FALSE_WORDS = {"non", "n", "faux", "false", "0", ""}


# Widgets: one cell → one value, or ValueError with the French message -----------------------------


class ModelFieldWidget(widgets.Widget):
    """Text checked by the model field's own rules (length, format, required, choices)."""

    def __init__(self, model, name: str):
        super().__init__()
        self.field = model._meta.get_field(name)

    def prepare(self, value) -> str:
        return cell_text(value)

    def clean(self, value, row=None, **kwargs):
        try:
            return self.field.clean(self.prepare(value), None)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None


class CodeWidget(ModelFieldWidget):
    """A code a spreadsheet may have turned into a number (9100 for 09100): leading zeros restored."""

    def __init__(self, model, name: str, width: int):
        super().__init__(model, name)
        self.width = width

    def prepare(self, value) -> str:
        return cell_code(value, self.width)


class UpperCodeWidget(ModelFieldWidget):
    def prepare(self, value) -> str:
        return cell_text(value).upper()


class ChoiceLabelWidget(widgets.Widget):
    """A choice given by its label, one of its parts (« CCAS » for « CCAS/CIAS ») or its code,
    compared without accents or case."""

    def __init__(self, choices, what: str):
        super().__init__()
        self.choices = choices
        self.what = what
        self.lookup = choice_lookup(choices)

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            raise ValueError(_("Ce champ est obligatoire."))
        choice = self.lookup.get(normalized(text))
        if choice is None:
            raise ValueError(
                _("%(what)s inconnue « %(value)s ». Valeurs possibles : %(choices)s.")
                % {"what": self.what, "value": text, "choices": ", ".join(str(label) for _value, label in self.choices)}
            )
        return choice


class YesNoWidget(widgets.Widget):
    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        word = normalized(cell_text(value))
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError(_("Indiquez « oui » ou « non » (et non « %(value)s »).") % {"value": cell_text(value)})


class AmountWidget(ModelFieldWidget):
    """A required amount as French users type it (projects.money.parse_amount), within the model
    field's rules."""

    def clean(self, value, row=None, **kwargs):
        if cell_text(value) == "":
            raise ValueError(_("Ce champ est obligatoire."))
        try:
            amount = parse_amount(value)
        except ValueError as error:
            raise ValueError(_("Montant incorrect : %(error)s.") % {"error": error}) from None
        try:
            return self.field.clean(amount, None)
        except ValidationError as error:
            raise ValueError(" ".join(error.messages)) from None


class YearAmountWidget(widgets.Widget):
    """The amount requested for one programme year, by the one per-year check (projects.money);
    an empty cell is 0 (nothing requested that year)."""

    def __init__(self, *, call: Call, year: int):
        super().__init__()
        self.years = call.programme_years
        self.year = year

    def clean(self, value, row=None, **kwargs):
        checked = check_year_amounts(
            {self.year: value if isinstance(value, Decimal) else cell_text(value)}, years=self.years
        )
        if checked.problems:
            raise ValueError(checked.problems[self.year])
        return checked.amounts.get(self.year, Decimal("0"))


class DepartmentWidget(widgets.Widget):
    """An INSEE department code (« 9 » for « 09 »), of the call's region, where the user may file."""

    def __init__(self, *, call: Call, scope):
        super().__init__()
        self.call = call
        self.scope = scope
        self.departments = {department.code: department for department in Department.objects.all()}

    def clean(self, value, row=None, **kwargs):
        code = cell_code(value, 2).upper()
        if len(code) == 1 and code.isdigit():
            code = code.zfill(2)
        if not code:
            raise ValueError(_("Ce champ est obligatoire."))
        department = self.departments.get(code)
        if department is None:
            raise ValueError(_("Département inconnu « %(code)s » (code INSEE attendu).") % {"code": code})
        problem = department_problem(call=self.call, scope=self.scope, department=department)
        if problem:
            raise ValueError(problem)
        return department


def _widget(column: Column, *, call: Call, scope):
    if column.key == "department":
        return DepartmentWidget(call=call, scope=scope)
    if column.key.startswith("year_"):
        return YearAmountWidget(call=call, year=int(column.key.removeprefix("year_")))
    model = Applicant if column.target[0] == "applicant" else Application
    name = column.target[1]
    if name == "legal_form":
        return ChoiceLabelWidget(LegalForm.choices, _("Forme juridique"))
    if name == "category":
        return ChoiceLabelWidget(Category.choices, _("Catégorie"))
    if name == "qpv":
        return YesNoWidget()
    if name == "total_budget":
        return AmountWidget(model, name)
    if name == "siret":
        return CodeWidget(model, name, 14)
    if name == "postal_code":
        return CodeWidget(model, name, 5)
    if name == "rna":
        return UpperCodeWidget(model, name)
    return ModelFieldWidget(model, name)


def _field(column: Column, *, call: Call, scope) -> Field:
    """The Field of one column: its header, its widget, and the attribute it fills (a model
    field's name, or the column's key for the department and the yearly amounts)."""
    attribute = column.key if column.target is None else column.target[1]
    return Field(attribute=attribute, column_name=column.header, widget=_widget(column, call=call, scope=scope))


# Import -----------------------------------------------------------------------------------------


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


class ApplicantResource(resources.ModelResource):
    """The applicant's columns of the import file. Applicants are matched by SIRET, which the
    services of projects.exchange.import_rules do over the whole file at once."""

    class Meta:
        model = Applicant
        import_id_fields = ["siret"]
        fields = []

    def __init__(self, *, call: Call, scope=None):
        super().__init__()
        self.fields = OrderedDict(
            (column.key, _field(column, call=call, scope=scope))
            for column in (columns_for(call) if call else [])
            if column.target and column.target[0] == "applicant"
        )


class ApplicationResource(resources.ModelResource):
    """The applications import of one call by one user, all or nothing.

    Each row goes through the library's import_row(): its cells through their widgets, then the
    row's own rules; a row with problems is an invalid row of the library's result, its
    messages keyed by the column's header. The library's bulk mode keeps the rows in memory
    (no savepoint, no query per row) and flushes them once, at the end of the file: then
    plan_import() checks the rows against each other and the database, and save_import()
    writes them in one transaction, unless anything was wrong or this is the preview.
    `report` holds every problem with its line and column, and what was (or would be) done.
    """

    class Meta:
        model = Application
        fields = []
        use_bulk = True
        # Flushed once at the end: references are allocated per department over the whole file,
        # and nothing may be written before every row has been checked.
        batch_size = None
        force_init_instance = True
        skip_diff = True
        clean_model_instances = False
        use_transactions = True

    def __init__(self, *, call: Call, by, dry_run: bool = False):
        super().__init__()
        self.call = call
        self.by = by
        self.report = ImportReport(call=call, dry_run=dry_run)
        scope = get_scope(by)
        # Without a call (the upload page before one is chosen, when none is open) there are no columns.
        self.columns = columns_for(call) if call else []
        self.columns_by_key = {column.key: column for column in self.columns}
        applicant_fields = ApplicantResource(call=call, scope=scope).fields
        self.fields = OrderedDict()
        for column in self.columns:
            if column.key in applicant_fields:
                field = applicant_fields[column.key]
                field.attribute = f"applicant__{field.attribute}"
            else:
                field = _field(column, call=call, scope=scope)
            self.fields[column.key] = field
        self.parsed: list[ParsedRow] = []
        self.row_results: dict[int, tuple[int, dict, RowResult]] = {}
        self.header_line = 1

    def get_import_fields(self):
        return list(self.fields.values())

    def before_import(self, dataset, **kwargs):
        """Check the headers (named as in the template, compared without accents or case) and the call."""
        self.header_line = getattr(dataset, "header_line", 1)
        problems = self.report.problems
        if not self.call.accepts_applications:
            problems.append(
                Problem(
                    None,
                    "",
                    _("L’appel à projets %(call)s est clos : il n’accepte plus de dossier.") % {"call": self.call},
                )
            )
        if not dataset.headers:
            problems.append(Problem(None, "", _("Le fichier est vide.")))
            return
        positions = match_columns(self.header_line, dataset.headers, self.columns, problems)
        # The file's own spelling of each header becomes the template's, which the fields expect.
        dataset.headers = [
            self.columns_by_key[positions[position]].header if position in positions else f"#{position}"
            for position in range(len(dataset.headers))
        ]
        # The columns of the file, in the template's order: (field, where its value goes, name there).
        self.present = []
        for key, field in self.fields.items():
            if key in positions.values():
                column = self.columns_by_key[key]
                if key == "department":
                    self.present.append((field, "department", key))
                elif key.startswith("year_"):
                    self.present.append((field, "year", int(key.removeprefix("year_"))))
                else:
                    self.present.append((field, *column.target))
        if not any(any(cell_text(cell) for cell in row) for row in dataset):
            problems.append(Problem(None, "", _("Le fichier ne contient aucune ligne de dossier.")))

    def init_instance(self, row=None):
        return Application(call=self.call)

    def import_row(self, row, instance_loader, **kwargs):
        if not any(cell_text(value) for value in row.values()):
            skipped = self.get_row_result_class()()
            skipped.import_type = RowResult.IMPORT_TYPE_SKIP
            return skipped
        return super().import_row(row, instance_loader, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        """Each cell through its column's widget, then the row's own rules; the values wait in
        `parsed` for the file's flush (bulk_create), which builds the records from them."""
        line = self.header_line + kwargs["row_number"]
        messages: dict[str, str] = {}
        values = {"applicant": {}, "application": {}, "year": {}, "department": {}}
        for field, kind, name in self.present:
            try:
                values[kind][name] = field.clean(row)
            except ValueError as error:
                messages[field.column_name] = str(error)
                values[kind][name] = None
        applicant, application, amounts = values["applicant"], values["application"], values["year"]
        for key, message in row_problems(call=self.call, applicant=applicant, application=application, amounts=amounts):
            messages.setdefault(self.columns_by_key[key].header, message)
        problems = [Problem(line, header, message) for header, message in messages.items()]
        self.report.problems.extend(problems)
        department = values["department"].get("department")
        self.parsed.append(ParsedRow(line, applicant, application, department, amounts, problems))
        if messages:
            raise ValidationError({header: [message] for header, message in messages.items()})
        instance.title = application.get("title", "")

    def after_import_row(self, row, row_result, **kwargs):
        self.row_results[self.header_line + kwargs["row_number"]] = (kwargs["row_number"], row, row_result)

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        """The file's one flush: the services plan the rows as a whole, then write them unless
        anything was found wrong or this is the preview."""
        self.create_instances.clear()
        already = len(self.report.problems)
        plan = plan_import(
            call=self.call, by=self.by, parsed=self.parsed, columns=self.columns_by_key, report=self.report
        )
        for problem in self.report.problems[already:]:
            self._invalidate(result, problem)
        if self.report.problems or dry_run:
            return
        try:
            save_import(call=self.call, by=self.by, plan=plan, report=self.report)
        except IntegrityError:
            self.report.problems.append(
                Problem(
                    None,
                    "",
                    _("Les données ont été modifiées pendant l’import : relancez-le. Rien n’a été enregistré."),
                )
            )

    def _invalidate(self, result, problem: Problem) -> None:
        """A row found wrong against the others or the database becomes an invalid row of the result."""
        number, row, row_result = self.row_results[problem.line]
        if row_result.import_type != RowResult.IMPORT_TYPE_INVALID:
            result.totals[row_result.import_type] -= 1
            result.totals[RowResult.IMPORT_TYPE_INVALID] += 1
        row_result.import_type = RowResult.IMPORT_TYPE_INVALID
        row_result.validation_error = ValidationError({problem.column: [problem.message]})
        result.append_invalid_row(number, row, row_result.validation_error)

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        # Updates are written by save_import() with the creations, in bulk_create().
        self.update_instances.clear()

    def after_import(self, dataset, result, **kwargs):
        """The report travels with the library's result; file-level problems become its base errors,
        so that the library rolls back and offers no confirmation."""
        result.report = self.report
        if self.report.problems and not result.has_validation_errors() and not result.has_errors():
            result.append_base_error(self.get_error_result_class()(UnreadableFile(self.report.summary())))


def import_applications(
    *, call: Call, by, rows: list[list] | None = None, file=None, filename: str = "", dry_run: bool = False
) -> ImportReport:
    """Check then create or update the applications of `rows` (header row first) or of `file`.

    `file` is an uploaded or opened binary file (its name gives the format, or pass `filename`).
    Nothing is written when a single problem is found or when `dry_run` is set; the report
    then says what would have been created or updated. New applications are submitted: an
    imported file is one the services have received.
    """
    resource = ApplicationResource(call=call, by=by, dry_run=dry_run)
    try:
        if rows is None:
            table = read_import_file(file.read(), filename or getattr(file, "name", ""))
        else:
            table = import_table(rows)
    except UnreadableFile as error:
        resource.report.problems.append(Problem(None, "", error.message))
        return resource.report
    return run_import(resource, table, dry_run=dry_run)


def run_import(resource: ApplicationResource, table: ImportTable, *, dry_run: bool) -> ImportReport:
    resource.import_data(table, dry_run=dry_run, raise_errors=False, rollback_on_validation_errors=True)
    return resource.report


# Formats the admin offers: our readers and writers behind the library's format interface ---------------


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


# Export -----------------------------------------------------------------------------------------


class ExportTable(tablib.Dataset):
    """The rows of an export and how workbooks show them (text columns, totals row)."""

    text_columns: frozenset[int] = frozenset()
    totals = False


class AwardResource(resources.ModelResource):
    """The award decisions, one row per award: amounts per year and funder, totals, commitments,
    payments, the latest award letter. The rows come from one query (projects.exchange.exports),
    not from one Field per column read on each instance: that would be a query per award."""

    class Meta:
        model = Award
        fields = []
        name = "Décisions d’attribution"

    def export(self, queryset=None, *, as_text: bool = False, **kwargs):
        """The decisions as a dataset; with as_text, amounts and dates already written the French
        way, as a CSV file wants them (the CSV writer would otherwise format each one)."""
        if queryset is None:
            queryset = self.get_queryset()
        years = years_of(queryset)
        table = ExportTable(*award_rows(queryset, years, as_text=as_text), headers=headers_for(years))
        table.title = _("Décisions d’attribution")
        table.text_columns = frozenset({1, 4})
        table.totals = True
        return table


def awards_file(awards, fmt: str) -> bytes:
    """The award decisions as a CSV, XLSX or ODS file, through AwardResource and the format's writer."""
    return FORMAT_BY_EXTENSION[fmt]().export_data(AwardResource().export(awards, as_text=fmt == "csv"))
