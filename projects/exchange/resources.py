"""django-import-export Resources: the applications import and the award decisions export.

The admin's screens (upload → preview → confirmation; format → download), the management
commands `import_applications` and `export_awards` and the background imports all go through
these classes, so that they can never disagree.

Import: one widget per column turns a cell into a value or a French message; the Resource
collects them row by row, then hands the whole file to the services of
projects.exchange.import_rules (cross-row rules, references, submission through the workflow).
Export: the rows come from the one query of projects.exchange.exports, the files from the
writers of projects.exchange.spreadsheets (euro formats, column widths, totals row).
The library reaches our readers and writers through projects.exchange.formats.
"""

from collections import OrderedDict

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from import_export import resources
from import_export.fields import Field
from import_export.results import RowResult

from departments.permissions import get_scope
from projects.enums import Category, LegalForm
from projects.exchange.exports import award_rows, headers_for, years_of
from projects.exchange.formats import FORMAT_BY_EXTENSION, ExportTable, ImportTable, import_table, read_import_file
from projects.exchange.import_report import ImportReport, Problem
from projects.exchange.import_rules import ParsedRow, cell_text, match_columns, plan_import, row_problems, save_import
from projects.exchange.imports import Column, columns_for
from projects.exchange.reading import UnreadableFile
from projects.exchange.widgets import (
    AmountWidget,
    ChoiceLabelWidget,
    CodeWidget,
    DepartmentWidget,
    ModelFieldWidget,
    UpperCodeWidget,
    YearAmountWidget,
    YesNoWidget,
)
from projects.models import Applicant, Application, Award, Call

# Columns: one widget per column (projects.exchange.widgets) -------------------------------------


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


# Export -----------------------------------------------------------------------------------------


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
