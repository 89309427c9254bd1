"""The rules of the applications import (all or nothing).

Applicants are matched by SIRET (created or updated); an application is matched by its
applicant's SIRET and its title within the call (created, or updated while it is still a
draft or merely submitted). Every row is checked before anything is written: one bad row and
nothing is saved, and the report names every problem with its line number and column.

The file is read cell by cell by the django-import-export Resource of
projects.exchange.resources (one widget per column); what spans a row, the file or the
database is decided here: the row's own rules (row_problems), the plan that matches rows
with what exists (plan_import) and the one transaction that writes it (save_import).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.models import Department
from projects.enums import EDITABLE_STATUSES, Status
from projects.exchange.import_report import ImportReport, PlannedApplication, Problem
from projects.exchange.imports import EXAMPLE_SIRET, Column, normalized
from projects.journal.models import JournalAct
from projects.journal.services import record
from projects.models import Applicant, Application, Call, RequestedAmount, StatusChange
from projects.money import format_euros
from projects.services import allocate_references, refuse_shared_applicant_changes
from projects.workflow import TRANSITIONS

APPLICATION_FIELDS = ["commune", "title", "summary", "category", "qpv", "target_public", "total_budget"]
BATCH_SIZE = 500


# Reading one row ------------------------------------------------------------------------------


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else str(value)
    return str(value).strip()


def cell_code(value, width: int) -> str:
    """A code a spreadsheet may have turned into a number (9100 for 09100): leading zeros restored."""
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return str(int(value)).zfill(width)
    return re.sub(r"[\s.]", "", cell_text(value))


@dataclass
class ParsedRow:
    line: int
    applicant: dict
    application: dict
    department: Department | None
    amounts: dict[int, Decimal]
    problems: list[Problem]


def department_problem(*, call: Call, scope, department: Department) -> str | None:
    """Why `department` may not receive applications of this import, or None."""
    if department.region_id != call.region_id:
        return _("Le département %(department)s n’appartient pas à la région %(region)s de l’appel à projets.") % {
            "department": department,
            "region": call.region.name,
        }
    if not all(scope.can(action, department) for action in (Action.MANAGE, TRANSITIONS["submit"].action)):
        return _("Vous ne pouvez pas saisir de dossier pour le département %(department)s.") % {
            "department": department
        }
    return None


def row_problems(*, call: Call, applicant: dict, application: dict, amounts: dict) -> list[tuple[str, str]]:
    """(column key, message) for the rules that span the cells of one row.

    A value that could not be read is None here, and the rules that need it are left for the
    row's next check.
    """
    problems = []
    if applicant.get("siret") == EXAMPLE_SIRET:
        problems.append(
            (
                "siret",
                _("Cette ligne est l’exemple du modèle de fichier : remplacez-la par vos dossiers ou supprimez-la."),
            )
        )
    if applicant.get("legal_form") and applicant.get("rna") == "":
        try:
            Applicant(legal_form=applicant["legal_form"], rna="").clean()
        except ValidationError as error:
            problems.append(("rna", " ".join(error.message_dict.get("rna", error.messages))))
    if amounts and None not in amounts.values():
        requested = sum(amounts.values(), Decimal("0"))
        if requested <= 0:
            problems.append(
                (f"year_{call.first_year}", _("Aucun montant demandé : indiquez le montant d’au moins une année."))
            )
        elif application.get("total_budget") and requested > application["total_budget"]:
            problems.append(
                (
                    "total_budget",
                    _("Le montant demandé (%(requested)s) dépasse le budget total du projet (%(budget)s).")
                    % {"requested": format_euros(requested), "budget": format_euros(application["total_budget"])},
                )
            )
    return problems


# The service ----------------------------------------------------------------------------------


def match_columns(line: int, header_row, columns: list[Column], problems: list[Problem]) -> dict[int, str]:
    """Position in the file → column key; missing, unknown and repeated columns are reported."""
    by_name = {normalized(column.header): column for column in columns}
    positions: dict[int, str] = {}
    seen: dict[str, int] = {}
    for position, cell in enumerate(header_row):
        name = cell_text(cell)
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


@dataclass
class _Plan:
    new_applicants: dict[str, dict] = field(default_factory=dict)
    changed_applicants: dict[str, Applicant] = field(default_factory=dict)
    applicants: dict[str, Applicant] = field(default_factory=dict)
    # SIRET → the applicant's fields as the file describes them (the same on every row)
    described: dict[str, dict] = field(default_factory=dict)
    creations: list[ParsedRow] = field(default_factory=list)
    updates: list[tuple[ParsedRow, int]] = field(default_factory=list)


def plan_import(*, call: Call, by, parsed: list[ParsedRow], columns: dict[str, Column], report: ImportReport) -> _Plan:
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
    first_line_of: dict[str, ParsedRow] = {}
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
            # An application still editable may be corrected by a new import; later ones belong to the reviewers.
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


def _compare(row: ParsedRow, existing: dict) -> str:
    """ "update" when the row changes anything of the existing application, "unchanged" otherwise."""
    if any(existing[name] != value for name, value in row.application.items()):
        return "update"
    requested = {year: amount for year, amount in row.amounts.items() if amount}
    return "update" if requested != existing["amounts"] else "unchanged"


def save_import(*, call: Call, by, plan: _Plan, report: ImportReport) -> None:
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

        by_department: dict[int, list[ParsedRow]] = defaultdict(list)
        for row in plan.creations:
            by_department[row.department.pk].append(row)
        pairs: list[tuple[ParsedRow, Application]] = []
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
        # submit was checked per department as the rows were read (department_problem).
        for chunk in _chunks([application.pk for application in applications]):
            Application.objects.filter(pk__in=chunk).submit(by=by)

        for row, pk in plan.updates:
            application = Application.objects.select_related("call").get(pk=pk)
            for name, value in row.application.items():
                setattr(application, name, value)
            application.save()
            application.set_requested_amounts(row.amounts)

        record(
            actor=by,
            act=JournalAct.IMPORT,
            obj=call,
            data={"created": [a.reference for a in applications], "updated": [pk for _row, pk in plan.updates]},
        )
    reference_of_line = {row.line: application.reference for row, application in pairs}
    for planned in report.planned:
        if planned.action == "create":
            planned.reference = reference_of_line[planned.line]
    report.saved = True
