"""Import of applications from a spreadsheet (all or nothing), its template, and the same format out.

One row per application, with its applicant; French headers and French values (labels of
legal forms and categories, « oui »/« non »). Applicants are matched by SIRET (created or
updated); an application is matched by its applicant's SIRET and its title within the call
(created, or updated while it is still a draft or merely submitted). Every row is checked
before anything is written: one bad row and nothing is saved, and the report names every
problem with its line number and column.
"""

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from projects.enums import EDITABLE_STATUSES, Category, LegalForm, Status
from projects.exchange.spreadsheets import UnreadableFile, file_format, read_table, write_table
from projects.models import Applicant, Application, Call, RequestedAmount, StatusChange
from projects.money import format_euros, parse_amount
from projects.services import allocate_references, refuse_shared_applicant_changes
from projects.workflow import TRANSITIONS

# Applications still in these statuses may be corrected by a new import; later ones belong to the reviewers.
APPLICANT_FIELDS = [
    "legal_name",
    "legal_form",
    "siret",
    "rna",
    "address",
    "postal_code",
    "commune",
    "contact_name",
    "contact_email",
    "contact_phone",
]
APPLICATION_FIELDS = ["commune", "title", "summary", "category", "qpv", "target_public", "total_budget"]
TRUE_WORDS = {"oui", "o", "vrai", "true", "1", "x"}
FALSE_WORDS = {"non", "n", "faux", "false", "0", ""}
BATCH_SIZE = 500


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # Optional columns may be left out of the file; the fields they fill are then left as they are.
    required: bool = True
    # Which model field the column fills: ("applicant" | "application", field name), or None for years.
    target: tuple[str, str] | None = None
    text: bool = False  # a code, kept as text in spreadsheets (leading zeros)


def columns_for(call: Call) -> list[Column]:
    """The columns of the import file of `call`, in order: one amount column per programme year."""
    return [
        Column("legal_name", _("Raison sociale du porteur"), target=("applicant", "legal_name")),
        Column("legal_form", _("Forme juridique"), target=("applicant", "legal_form")),
        Column("siret", _("SIRET"), target=("applicant", "siret"), text=True),
        Column("rna", _("RNA"), target=("applicant", "rna")),
        Column("address", _("Adresse"), target=("applicant", "address")),
        Column("postal_code", _("Code postal"), target=("applicant", "postal_code"), text=True),
        Column("applicant_commune", _("Commune du porteur"), target=("applicant", "commune")),
        Column("contact_name", _("Nom du contact"), target=("applicant", "contact_name")),
        Column("contact_email", _("Courriel du contact"), target=("applicant", "contact_email")),
        Column(
            "contact_phone", _("Téléphone du contact"), required=False, target=("applicant", "contact_phone"), text=True
        ),
        Column("department", _("Code du département"), text=True),
        Column("commune", _("Commune du projet"), target=("application", "commune")),
        Column("title", _("Intitulé du projet"), target=("application", "title")),
        Column("summary", _("Résumé"), target=("application", "summary")),
        Column("category", _("Catégorie"), target=("application", "category")),
        Column("qpv", _("QPV (oui/non)"), target=("application", "qpv")),
        Column("target_public", _("Public visé"), required=False, target=("application", "target_public")),
        Column("total_budget", _("Budget total du projet (€)"), target=("application", "total_budget")),
        *[Column(f"year_{year}", _("Montant demandé %(year)s (€)") % {"year": year}) for year in call.programme_years],
    ]


def normalized(text) -> str:
    """A header or label as compared: no accents, case, punctuation or parenthesised note."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"\([^)]*\)", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _choice_lookup(choices) -> dict[str, str]:
    """Every accepted spelling of a choice: its label, its label's parts (« CCAS », « CIAS »), its code."""
    lookup = {}
    for value, label in choices:
        lookup[normalized(value)] = value
        lookup[normalized(label)] = value
        for part in str(label).split("/"):
            lookup[normalized(part)] = value
    return lookup


# The report -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    line: int | None  # the row number a spreadsheet shows (the headers' row for a column); None: the file
    column: str
    message: str

    def __str__(self):
        where = _("Fichier") if self.line is None else _("Ligne %(line)s") % {"line": self.line}
        if self.column:
            where += _(", colonne « %(column)s »") % {"column": self.column}
        return f"{where} : {self.message}"


@dataclass
class PlannedApplication:
    line: int
    action: str  # "create", "update" or "unchanged"
    applicant_action: str  # "create", "update" or "unchanged"
    reference: str
    department: str
    title: str
    applicant: str
    siret: str
    requested_total: Decimal

    @property
    def requested_display(self) -> str:
        return format_euros(self.requested_total)

    @property
    def action_label(self) -> str:
        return {"create": _("Création"), "update": _("Mise à jour"), "unchanged": _("Inchangé")}[self.action]

    @property
    def applicant_label(self) -> str:
        return {"create": _("nouveau"), "update": _("mis à jour"), "unchanged": _("inchangé")}[self.applicant_action]


@dataclass
class ImportReport:
    call: Call
    dry_run: bool
    problems: list[Problem] = field(default_factory=list)
    planned: list[PlannedApplication] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def applications_created(self) -> int:
        return sum(1 for row in self.planned if row.action == "create")

    @property
    def applications_updated(self) -> int:
        return sum(1 for row in self.planned if row.action == "update")

    def _applicants(self, action) -> int:
        return len({row.siret for row in self.planned if row.applicant_action == action})

    @property
    def applicants_created(self) -> int:
        return self._applicants("create")

    @property
    def applicants_updated(self) -> int:
        return self._applicants("update")

    def summary(self) -> str:
        if self.problems:
            return _("Import refusé : %(count)s problème(s) à corriger. Aucune donnée n’a été enregistrée.") % {
                "count": len(self.problems)
            }
        figures = {
            "created": self.applications_created,
            "updated": self.applications_updated,
            "applicants_created": self.applicants_created,
            "applicants_updated": self.applicants_updated,
        }
        if self.saved:
            return (
                _(
                    "Import réussi : %(created)s dossier(s) créé(s) et déposé(s), %(updated)s mis à jour ; "
                    "%(applicants_created)s porteur(s) créé(s), %(applicants_updated)s mis à jour."
                )
                % figures
            )
        return (
            _(
                "Simulation : %(created)s dossier(s) seraient créés et déposés, %(updated)s mis à jour ; "
                "%(applicants_created)s porteur(s) créé(s), %(applicants_updated)s mis à jour. Rien n’a été enregistré."
            )
            % figures
        )


# Reading one row ------------------------------------------------------------------------------


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return str(value).strip()


def _code(value, width: int) -> str:
    """A code a spreadsheet may have turned into a number (9100 for 09100): leading zeros restored."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value)).zfill(width)
    return re.sub(r"[\s.]", "", _text(value))


class _RowReader:
    """Turns the cells of one row into field values, collecting every problem on the way."""

    def __init__(self, line: int, cells: dict, columns: dict[str, Column]):
        self.line = line
        self.cells = cells
        self.columns = columns
        self.problems: list[Problem] = []

    def problem(self, key: str, message) -> None:
        self.problems.append(Problem(self.line, self.columns[key].header, str(message)))

    def present(self, key: str) -> bool:
        return key in self.cells

    def raw(self, key: str):
        return self.cells.get(key, "")

    def field_value(self, model, name: str, key: str, value):
        """The value checked by the model field's own rules (length, format, required, choices)."""
        try:
            return model._meta.get_field(name).clean(value, None)
        except ValidationError as error:
            self.problem(key, " ".join(error.messages))
            return None

    def choice(self, key: str, lookup: dict[str, str], choices, what: str):
        text = _text(self.raw(key))
        if not text:
            self.problem(key, _("Ce champ est obligatoire."))
            return None
        value = lookup.get(normalized(text))
        if value is None:
            self.problem(
                key,
                _("%(what)s inconnue « %(value)s ». Valeurs possibles : %(choices)s.")
                % {"what": what, "value": text, "choices": ", ".join(str(label) for _value, label in choices)},
            )
        return value

    def boolean(self, key: str):
        value = self.raw(key)
        if isinstance(value, bool):
            return value
        word = normalized(_text(value))
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        self.problem(key, _("Indiquez « oui » ou « non » (et non « %(value)s »).") % {"value": _text(value)})
        return None

    def amount(self, key: str, *, model, name: str, required: bool):
        value = self.raw(key)
        if _text(value) == "":
            if required:
                self.problem(key, _("Ce champ est obligatoire."))
                return None
            return Decimal("0")
        try:
            amount = parse_amount(value)
        except ValueError as error:
            self.problem(key, _("Montant incorrect : %(error)s.") % {"error": error})
            return None
        return self.field_value(model, name, key, amount)


@dataclass
class _ParsedRow:
    line: int
    applicant: dict
    application: dict
    department: Department | None
    amounts: dict[int, Decimal]
    problems: list[Problem]


def _parse_row(line, cells, columns, call, departments, scope, lookups) -> _ParsedRow:
    reader = _RowReader(line, cells, columns)
    applicant, application = {}, {}
    for key, column in columns.items():
        if column.target is None or not reader.present(key):
            continue
        model_name, name = column.target
        model = Applicant if model_name == "applicant" else Application
        target = applicant if model_name == "applicant" else application
        if name == "legal_form":
            value = reader.choice(key, lookups["legal_form"], LegalForm.choices, _("Forme juridique"))
        elif name == "category":
            value = reader.choice(key, lookups["category"], Category.choices, _("Catégorie"))
        elif name == "qpv":
            value = reader.boolean(key)
        elif name == "total_budget":
            value = reader.amount(key, model=model, name=name, required=True)
        else:
            raw = reader.raw(key)
            if name == "siret":
                raw = _code(raw, 14)
            elif name == "postal_code":
                raw = _code(raw, 5)
            elif name == "rna":
                raw = _text(raw).upper()
            else:
                raw = _text(raw)
            value = reader.field_value(model, name, key, raw)
        target[name] = value

    if applicant.get("legal_form") and applicant.get("rna") == "":
        try:
            Applicant(legal_form=applicant["legal_form"], rna="").clean()
        except ValidationError as error:
            reader.problem("rna", " ".join(error.message_dict.get("rna", error.messages)))

    department = None
    if reader.present("department"):
        code = _code(reader.raw("department"), 2).upper()
        if len(code) == 1 and code.isdigit():
            code = code.zfill(2)
        department = departments.get(code)
        if not code:
            reader.problem("department", _("Ce champ est obligatoire."))
        elif department is None:
            reader.problem("department", _("Département inconnu « %(code)s » (code INSEE attendu).") % {"code": code})
        elif department.region_id != call.region_id:
            reader.problem(
                "department",
                _("Le département %(department)s n’appartient pas à la région %(region)s de l’appel à projets.")
                % {"department": department, "region": call.region.name},
            )
            department = None
        elif not all(scope.can(action, department) for action in (Action.MANAGE, TRANSITIONS["submit"].action)):
            reader.problem(
                "department",
                _("Vous ne pouvez pas saisir de dossier pour le département %(department)s.")
                % {"department": department},
            )
            department = None

    amounts = {}
    for year in call.programme_years:
        key = f"year_{year}"
        if reader.present(key):
            amounts[year] = reader.amount(key, model=RequestedAmount, name="amount", required=False)
    year_keys = [key for key in columns if key.startswith("year_")]
    if amounts and None not in amounts.values():
        requested = sum(amounts.values(), Decimal("0"))
        if requested <= 0:
            reader.problem(year_keys[0], _("Aucun montant demandé : indiquez le montant d’au moins une année."))
        elif application.get("total_budget") and requested > application["total_budget"]:
            reader.problem(
                "total_budget",
                _("Le montant demandé (%(requested)s) dépasse le budget total du projet (%(budget)s).")
                % {"requested": format_euros(requested), "budget": format_euros(application["total_budget"])},
            )
    return _ParsedRow(line, applicant, application, department, amounts, reader.problems)


# The service ----------------------------------------------------------------------------------


def _match_columns(line: int, header_row, columns: list[Column], problems: list[Problem]) -> dict[int, str]:
    """Position in the file → column key; missing, unknown and repeated columns are reported."""
    by_name = {normalized(column.header): column for column in columns}
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, cell in enumerate(header_row):
        name = _text(cell)
        if not name:
            continue
        column = by_name.get(normalized(name))
        if column is None:
            problems.append(
                Problem(
                    line,
                    name,
                    _("Colonne inconnue : supprimez-la ou renommez-la comme dans le modèle de fichier."),
                )
            )
        elif column.key in seen:
            problems.append(Problem(line, column.header, _("Cette colonne figure deux fois.")))
        else:
            seen[column.key] = position
            positions[position] = column.key
    for column in columns:
        if column.required and column.key not in seen:
            problems.append(Problem(line, column.header, _("Colonne manquante.")))
    return positions


def _chunks(items: list, size: int = 2000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_applications(
    *,
    call: Call,
    by,
    rows: list[list] | None = None,
    file=None,
    filename: str = "",
    dry_run: bool = False,
) -> ImportReport:
    """Check then create or update the applications of `rows` (header row first) or of `file`.

    `file` is an uploaded or opened binary file (its name gives the format, or pass `filename`).
    Nothing is written when a single problem is found or when `dry_run` is set; the report
    then says what would have been created or updated. New applications are submitted: an
    imported file is one the services have received.
    """
    report = ImportReport(call=call, dry_run=dry_run)
    if rows is None:
        name = filename or getattr(file, "name", "")
        try:
            file_format(name)
            rows = read_table(file.read(), name)
        except UnreadableFile as error:
            report.problems.append(Problem(None, "", error.message))
            return report
    if not call.accepts_applications:
        report.problems.append(
            Problem(None, "", _("L’appel à projets %(call)s est clos : il n’accepte plus de dossier.") % {"call": call})
        )
    columns = columns_for(call)
    columns_by_key = {column.key: column for column in columns}
    header_line = next((index for index, row in enumerate(rows) if any(_text(cell) for cell in row)), None)
    if header_line is None:
        report.problems.append(Problem(None, "", _("Le fichier est vide.")))
        return report
    positions = _match_columns(header_line + 1, rows[header_line], columns, report.problems)

    departments = {department.code: department for department in Department.objects.all()}
    scope = get_scope(by)
    lookups = {"legal_form": _choice_lookup(LegalForm.choices), "category": _choice_lookup(Category.choices)}
    parsed: list[_ParsedRow] = []
    for index in range(header_line + 1, len(rows)):
        row = rows[index]
        if not any(_text(cell) for cell in row):
            continue
        cells = {key: row[position] if position < len(row) else "" for position, key in positions.items()}
        parsed_row = _parse_row(index + 1, cells, columns_by_key, call, departments, scope, lookups)
        parsed.append(parsed_row)
        report.problems.extend(parsed_row.problems)
    if not parsed and not report.problems:
        report.problems.append(Problem(None, "", _("Le fichier ne contient aucune ligne de dossier.")))

    plan = _plan(call, by, parsed, columns_by_key, report)
    if report.problems or dry_run:
        return report
    try:
        _save(call, by, plan, report)
    except IntegrityError:
        report.problems.append(
            Problem(
                None, "", _("Les données ont été modifiées pendant l’import : relancez-le. Rien n’a été enregistré.")
            )
        )
    return report


@dataclass
class _Plan:
    new_applicants: dict[str, dict] = field(default_factory=dict)
    changed_applicants: dict[str, Applicant] = field(default_factory=dict)
    applicants: dict[str, Applicant] = field(default_factory=dict)
    # SIRET → the applicant's fields as the file describes them (the same on every row)
    described: dict[str, dict] = field(default_factory=dict)
    creations: list[_ParsedRow] = field(default_factory=list)
    updates: list[tuple[_ParsedRow, int]] = field(default_factory=list)


def _plan(call, by, parsed: list[_ParsedRow], columns: dict[str, Column], report: ImportReport) -> _Plan:
    """Match applicants and applications with what exists; report conflicts between rows."""
    plan = _Plan()
    clean_rows = [row for row in parsed if not row.problems and row.department and row.applicant.get("siret")]
    sirets = sorted({row.applicant["siret"] for row in clean_rows})
    for chunk in _chunks(sirets):
        plan.applicants.update({applicant.siret: applicant for applicant in Applicant.objects.filter(siret__in=chunk)})
    existing = {}
    for chunk in _chunks(sirets):
        for application in Application.objects.filter(call=call, applicant__siret__in=chunk).values(
            "pk", "reference", "status", "department__code", "applicant__siret", *APPLICATION_FIELDS
        ):
            application["amounts"] = {}
            existing[(application["applicant__siret"], normalized(application["title"]))] = application
    by_pk = {application["pk"]: application for application in existing.values()}
    for chunk in _chunks(list(by_pk)):
        for application_id, year, amount in RequestedAmount.objects.filter(application_id__in=chunk).values_list(
            "application_id", "year", "amount"
        ):
            by_pk[application_id]["amounts"][year] = amount

    applicant_header = {
        column.target[1]: column.header
        for column in columns.values()
        if column.target and column.target[0] == "applicant"
    }
    first_line_of: dict[str, _ParsedRow] = {}
    seen_applications: dict[tuple, int] = {}
    changed_fields: dict[str, list[str]] = {}
    for row in clean_rows:
        siret = row.applicant["siret"]
        first = first_line_of.setdefault(siret, row)
        plan.described.setdefault(siret, row.applicant)
        if first is not row:
            different = [name for name, value in row.applicant.items() if first.applicant.get(name) != value]
            if different:
                report.problems.append(
                    Problem(
                        row.line,
                        applicant_header[different[0]],
                        _("Le porteur de SIRET %(siret)s est décrit autrement qu’à la ligne %(line)s.")
                        % {"siret": siret, "line": first.line},
                    )
                )
                continue
        key = (siret, normalized(row.application.get("title", "")))
        if key in seen_applications:
            report.problems.append(
                Problem(
                    row.line,
                    columns["title"].header,
                    _("Même porteur et même intitulé qu’à la ligne %(line)s : ce dossier figure deux fois.")
                    % {"line": seen_applications[key]},
                )
            )
            continue
        seen_applications[key] = row.line

        current = plan.applicants.get(siret)
        if current is None:
            applicant_action = "create"
            plan.new_applicants.setdefault(siret, row.applicant)
        elif siret in plan.changed_applicants:
            applicant_action = "update"
        elif changed := [name for name, value in row.applicant.items() if getattr(current, name) != value]:
            applicant_action = "update"
            plan.changed_applicants[siret] = current
            changed_fields[siret] = changed
        else:
            applicant_action = "unchanged"

        match = existing.get(key)
        if match is None:
            plan.creations.append(row)
            action, reference = "create", ""
        else:
            action, reference = _compare(row, match), match["reference"]
            if action == "update" and match["status"] not in EDITABLE_STATUSES:
                report.problems.append(
                    Problem(
                        row.line,
                        columns["title"].header,
                        _(
                            "Le dossier %(reference)s est au statut « %(status)s » : "
                            "il ne peut plus être modifié par un import."
                        )
                        % {"reference": reference, "status": Status(match["status"]).label},
                    )
                )
                continue
            if match["department__code"] != row.department.code:
                report.problems.append(
                    Problem(
                        row.line,
                        columns["department"].header,
                        _(
                            "Le dossier %(reference)s existe déjà dans le département %(code)s : "
                            "un import ne peut pas en changer le département."
                        )
                        % {"reference": reference, "code": match["department__code"]},
                    )
                )
                continue
            if action == "update":
                plan.updates.append((row, match["pk"]))
        report.planned.append(
            PlannedApplication(
                line=row.line,
                action=action,
                applicant_action=applicant_action,
                reference=reference,
                department=row.department.code,
                title=row.application.get("title", ""),
                applicant=row.applicant.get("legal_name", ""),
                siret=siret,
                requested_total=sum(row.amounts.values(), Decimal("0")),
            )
        )
    for siret, message in refuse_shared_applicant_changes(changes=changed_fields, by=by).items():
        report.problems.append(Problem(first_line_of[siret].line, columns["siret"].header, message))
    return plan


def _compare(row: _ParsedRow, existing: dict) -> str:
    """ "update" when the row changes anything of the existing application, "unchanged" otherwise."""
    if any(existing[name] != value for name, value in row.application.items()):
        return "update"
    requested = {year: amount for year, amount in row.amounts.items() if amount}
    return "update" if requested != existing["amounts"] else "unchanged"


def _save(call: Call, by, plan: _Plan, report: ImportReport) -> None:
    with transaction.atomic():
        # Two imports into the same call run one after the other.
        Call.objects.select_for_update().get(pk=call.pk)
        created = Applicant.objects.bulk_create(
            [Applicant(**fields) for fields in plan.new_applicants.values()], batch_size=BATCH_SIZE
        )
        plan.applicants.update({applicant.siret: applicant for applicant in created})
        changed_fields: set[str] = set()
        for siret, applicant in plan.changed_applicants.items():
            for name, value in plan.described[siret].items():
                setattr(applicant, name, value)
                changed_fields.add(name)
        if changed_fields:
            Applicant.objects.bulk_update(
                list(plan.changed_applicants.values()), sorted(changed_fields), batch_size=BATCH_SIZE
            )

        by_department: dict[int, list[_ParsedRow]] = defaultdict(list)
        for row in plan.creations:
            by_department[row.department.pk].append(row)
        pairs: list[tuple[_ParsedRow, Application]] = []
        for rows in by_department.values():
            references = allocate_references(call=call, department=rows[0].department, count=len(rows))
            for row, reference in zip(rows, references, strict=True):
                application = Application(
                    reference=reference,
                    call=call,
                    applicant=plan.applicants[row.applicant["siret"]],
                    department=row.department,
                    requested_total=sum(row.amounts.values(), Decimal("0")),
                    **row.application,
                )
                pairs.append((row, application))
        pairs.sort(key=lambda pair: pair[1].reference)
        applications = [application for _row, application in pairs]
        Application.objects.bulk_create(applications, batch_size=BATCH_SIZE)
        RequestedAmount.objects.bulk_create(
            [
                RequestedAmount(application=application, year=year, amount=amount)
                for row, application in pairs
                for year, amount in sorted(row.amounts.items())
                if amount
            ],
            batch_size=BATCH_SIZE,
        )
        # Each history starts with the application's creation by the import, then its submission.
        StatusChange.objects.bulk_create(
            [
                StatusChange(
                    application=application, from_status="", to_status=Status.DRAFT, by=by, comment=_("Dossier importé")
                )
                for application in applications
            ],
            batch_size=BATCH_SIZE,
        )
        # In bulk, as Application.submit() would take five queries per application; who may
        # submit was checked per department as the rows were read (_parse_row).
        for chunk in _chunks([application.pk for application in applications]):
            Application.objects.filter(pk__in=chunk).submit(by=by)

        for row, pk in plan.updates:
            application = Application.objects.select_related("call").get(pk=pk)
            for name, value in row.application.items():
                setattr(application, name, value)
            application.save()
            application.set_requested_amounts(row.amounts)

    reference_of_line = {row.line: application.reference for row, application in pairs}
    for planned in report.planned:
        if planned.action == "create":
            planned.reference = reference_of_line[planned.line]
    report.saved = True


# The template and the applications in the same format ------------------------------------------


def _example_row(call: Call) -> dict[str, object]:
    department = call.region.departments.order_by("code").first()
    postal_code = f"{department.code}000"[:5] if department.code.isdigit() else "20000"
    row = {
        "legal_name": _("Communauté de communes du Pays d’exemple"),
        "legal_form": str(LegalForm.EPCI.label),
        "siret": "20000000800017",
        "rna": "",
        "address": _("1 place de la Mairie"),
        "postal_code": postal_code,
        "applicant_commune": _("Exempleville"),
        "contact_name": _("Camille Martin"),
        "contact_email": "camille.martin@example.org",
        "contact_phone": "05 61 00 00 00",
        "department": department.code,
        "commune": _("Exempleville"),
        "title": _("Micro-crèche à horaires atypiques"),
        "summary": _("Une micro-crèche de 12 places ouverte de 6 h à 21 h pour les parents aux horaires décalés."),
        "category": str(Category.ATYPICAL_HOURS.label),
        "qpv": False,
        "target_public": _("Enfants de moins de 3 ans et leurs familles"),
        "total_budget": Decimal("150000.00"),
    }
    for index, year in enumerate(call.programme_years):
        row[f"year_{year}"] = Decimal("40000.00") if index == 0 else Decimal("30000.00")
    return row


def _applicant_cells(applicant: Applicant) -> dict[str, object]:
    return {
        "legal_name": applicant.legal_name,
        "legal_form": str(LegalForm(applicant.legal_form).label),
        "siret": applicant.siret,
        "rna": applicant.rna,
        "address": applicant.address,
        "postal_code": applicant.postal_code,
        "applicant_commune": applicant.commune,
        "contact_name": applicant.contact_name,
        "contact_email": applicant.contact_email,
        "contact_phone": applicant.contact_phone,
    }


def applications_table(call: Call, applications=None) -> tuple[list[str], list[list]]:
    """The call's applications (or those given) as rows of the import file: what imports them back."""
    columns = columns_for(call)
    if applications is None:
        applications = call.applications.all()
    applications = (
        applications.filter(call=call)
        .select_related("applicant", "department")
        .prefetch_related("requested_amounts")
        .order_by("reference")
    )
    rows = []
    for application in applications:
        cells = _applicant_cells(application.applicant) | {
            "department": application.department.code,
            "commune": application.commune,
            "title": application.title,
            "summary": application.summary,
            "category": str(Category(application.category).label),
            "qpv": application.qpv,
            "target_public": application.target_public,
            "total_budget": application.total_budget,
        }
        requested = application.requested_by_year()
        for year in call.programme_years:
            cells[f"year_{year}"] = requested.get(year, Decimal("0.00"))
        rows.append([cells[column.key] for column in columns])
    return [column.header for column in columns], rows


def write_applications(call: Call, fmt: str, applications=None) -> bytes:
    headers, rows = applications_table(call, applications)
    return write_table(headers, rows, fmt=fmt, title=_("Dossiers"), text_columns=_text_columns(call))


def write_template(call: Call, fmt: str) -> bytes:
    """The import file's headers and one example row, which imports as it is."""
    columns = columns_for(call)
    example = _example_row(call)
    return write_table(
        [column.header for column in columns],
        [[example[column.key] for column in columns]],
        fmt=fmt,
        title=_("Dossiers"),
        text_columns=_text_columns(call),
    )


def _text_columns(call: Call) -> frozenset[int]:
    return frozenset(index for index, column in enumerate(columns_for(call)) if column.text)
