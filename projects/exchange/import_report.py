"""The report of an applications import: every problem with its row and column, and what the import plans or saved."""

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.models import Call
from projects.money import format_euros

# The preview and the reports list this many rows and problems, then say how many more there are.
PREVIEW_ROWS = 200


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
    def applicant_display(self) -> str:
        return f"{self.applicant} ({self.applicant_label})"

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
            count = len(self.problems)
            return ngettext(
                "Import refusé : %(count)d problème à corriger. Aucune donnée n’a été enregistrée.",
                "Import refusé : %(count)d problèmes à corriger. Aucune donnée n’a été enregistrée.",
                count,
            ) % {"count": count}
        # One plural per count: « 1 dossier créé et déposé, 0 mis à jour ; 2 porteurs créés, 0 mis à jour ».
        created, applicants = self.applications_created, self.applicants_created
        figures = {"updated": self.applications_updated, "applicants_updated": self.applicants_updated}
        if self.saved:
            figures["created"] = ngettext(
                "%(count)d dossier créé et déposé", "%(count)d dossiers créés et déposés", created
            ) % {"count": created}
            figures["applicants_created"] = ngettext(
                "%(count)d porteur créé", "%(count)d porteurs créés", applicants
            ) % {"count": applicants}
            return (
                _(
                    "Import réussi : %(created)s, %(updated)d mis à jour ; "
                    "%(applicants_created)s, %(applicants_updated)d mis à jour."
                )
                % figures
            )
        figures["created"] = ngettext(
            "%(count)d dossier serait créé et déposé", "%(count)d dossiers seraient créés et déposés", created
        ) % {"count": created}
        figures["applicants_created"] = ngettext(
            "%(count)d porteur serait créé", "%(count)d porteurs seraient créés", applicants
        ) % {"count": applicants}
        return (
            _(
                "Simulation : %(created)s, %(updated)d mis à jour ; "
                "%(applicants_created)s, %(applicants_updated)d mis à jour. Rien n’a été enregistré."
            )
            % figures
        )


def report_data(report: ImportReport) -> dict:
    """What the job's page shows of a report: its summary, its first problems and rows, its counts."""
    return {
        "summary": report.summary(),
        "saved": report.saved,
        "problem_count": len(report.problems),
        "problems": [str(problem) for problem in report.problems[:PREVIEW_ROWS]],
        "row_count": len(report.planned),
        "rows": [
            {
                "line": row.line,
                "action_label": str(row.action_label),
                "reference": row.reference,
                "department": row.department,
                "title": row.title,
                "applicant_display": row.applicant_display,
                "requested_display": row.requested_display,
            }
            for row in report.planned[:PREVIEW_ROWS]
        ],
    }
