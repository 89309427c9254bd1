"""The follow-up dashboard of a call: conventions, payments, reports, recoveries and indicators, per department.

Every figure comes from `schedule.followups`, so the dashboard, the « Suivi » tab and the payment
rule agree; the number of queries does not grow with the number of laureates.
"""

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from departments.models import Department
from projects.awards.charts import Series, stacked_bars
from projects.enums import Funder
from projects.exchange.spreadsheets import write_table
from projects.followup.models import REPORT_STATE_LABELS
from projects.followup.schedule import AwardFollowup, followups
from projects.followup.services import indicators_of
from projects.models import Call

ZERO = Decimal("0")
LATE, DUE = "late", ("today", "soon")


CONVENTION_LABELS = {
    "": "",
    "missing": gettext_lazy("À générer"),
    "generated": gettext_lazy("À envoyer"),
    "sent": gettext_lazy("Envoyée"),
    "returned": gettext_lazy("À contresigner"),
    "countersigned": gettext_lazy("Signée"),
}


@dataclass
class LaureateRow:
    followup: AwardFollowup
    scheduled: Decimal
    payable: Decimal
    paid: Decimal
    recovered: Decimal
    convention: str  # "", or the convention's stage ("missing" when none was generated yet)
    reports: dict[int, str]  # year -> state
    years: list[int]  # the call's programme years, for the columns

    @property
    def application(self):
        return self.followup.award.application

    @property
    def convention_label(self) -> str:
        return str(CONVENTION_LABELS[self.convention]) or "—"

    def report_label(self, year: int) -> str:
        return str(REPORT_STATE_LABELS[self.reports[year]]) if year in self.reports else "—"

    @property
    def report_labels(self) -> list[str]:
        return [self.report_label(year) for year in self.years]


@dataclass
class FunderYear:
    funder: str
    year: int
    scheduled: Decimal = ZERO
    payable: Decimal = ZERO
    paid: Decimal = ZERO
    recovered: Decimal = ZERO

    @property
    def label(self) -> str:
        return f"{Funder(self.funder).label} {self.year}"


@dataclass
class FollowupDashboard:
    call: Call
    departments: list[Department]
    department: Department | None
    today: datetime.date
    rows: list[LaureateRow] = field(default_factory=list)
    by_funder_year: list[FunderYear] = field(default_factory=list)
    report_counts: Counter = field(default_factory=Counter)
    conventions_to_sign: int = 0
    indicators: list[tuple[str, str, int]] = field(default_factory=list)  # code, label, sum over accepted reports

    def total(self, name: str) -> Decimal:
        return sum((getattr(row, name) for row in self.rows), ZERO)

    @property
    def totals(self) -> dict[str, Decimal]:
        return {name: self.total(name) for name in ("scheduled", "payable", "paid", "recovered")}

    @property
    def due_count(self) -> int:
        return sum(self.report_counts[state] for state in DUE)

    @property
    def years(self) -> list[int]:
        return self.call.programme_years

    def indicator_chart(self):
        return stacked_bars(
            chart_id="chart-indicators",
            title=_("Indicateurs d’activité cumulés des comptes rendus acceptés"),
            description=_(
                "Une barre par indicateur, à la même échelle ; les chiffres figurent dans le tableau qui suit."
            ),
            series=[Series("state", _("Total des lauréats"), "solid")],
            rows=[(label, {"state": Decimal(total)}, str(total), None) for _code, label, total in self.indicators],
            value_format=str,
        )


def funder_year_table(found: list[AwardFollowup]) -> list[FunderYear]:
    """Scheduled (the lines less recoveries), payable, paid and recovered, per funder and year."""
    cells: dict[tuple[str, int], FunderYear] = {}
    for followup in found:
        for item in followup.lines:
            line = item.line
            cell = cells.setdefault((line.funder, line.year), FunderYear(line.funder, line.year))
            cell.scheduled += line.amount - item.recovered
            cell.payable += item.payable
            cell.paid += item.paid
            cell.recovered += item.recovered
    return sorted(cells.values(), key=lambda cell: (cell.year, cell.funder != Funder.STATE))


def followup_dashboard(
    *, call: Call, department_ids, department_code: str = "", today: datetime.date
) -> FollowupDashboard:
    departments = list(Department.objects.filter(region_id=call.region_id, pk__in=department_ids).order_by("code"))
    department = next((d for d in departments if d.code == department_code), None)
    shown = [department.pk] if department else [d.pk for d in departments]
    dashboard = FollowupDashboard(call, departments, department, today)
    indicator_sums: dict[str, int] = defaultdict(int)
    found = followups(application__call=call, application__department_id__in=shown)
    found.sort(key=lambda followup: (followup.award.application.department.code, followup.award.application.reference))
    for followup in found:
        row = LaureateRow(followup, ZERO, ZERO, ZERO, ZERO, "", {}, call.programme_years)
        for item in followup.lines:
            row.scheduled += item.line.amount - item.recovered
            row.payable += item.payable
            row.paid += item.paid
            row.recovered += item.recovered
        if followup.facts.requires_convention:
            row.convention = followup.convention.stage if followup.convention else "missing"
            if not followup.facts.convention_signed:
                dashboard.conventions_to_sign += 1
        for year in sorted(followup.amounts):
            state = followup.report_state(year, today)
            row.reports[year] = state
            dashboard.report_counts[state] += 1
            report = followup.reports.get(year)
            if report is not None and state == "accepted":
                for code, value in (report.indicators or {}).items():
                    indicator_sums[code] += int(value or 0)
        dashboard.rows.append(row)
    dashboard.by_funder_year = funder_year_table(found)
    dashboard.indicators = [(code, label, indicator_sums.get(code, 0)) for code, label in indicators_of(call)]
    return dashboard


def _amount(value: Decimal, as_text: bool):
    return str(value).replace(".", ",") if as_text else value


def write_dashboard(dashboard: FollowupDashboard, fmt: str) -> bytes:
    """One row per laureate: convention, payments, recoveries, each year's report, indicators."""
    as_text = fmt == "csv"
    codes = [code for code, _label, _total in dashboard.indicators]
    headers = [
        _("Référence"),
        _("Département"),
        _("Porteur"),
        _("Convention"),
        _("Prévu (€)"),
        _("Versable (€)"),
        _("Versé (€)"),
        _("À reverser (€)"),
        *[_("Compte rendu %(year)s") % {"year": year} for year in dashboard.years],
        *[label for _code, label, _total in dashboard.indicators],
    ]
    rows = []
    for row in dashboard.rows:
        accepted = [report for year, report in row.followup.reports.items() if row.reports.get(year) == "accepted"]
        rows.append(
            [
                row.application.reference,
                row.application.department.code,
                row.application.applicant.legal_name,
                row.convention_label,
                _amount(row.scheduled, as_text),
                _amount(row.payable, as_text),
                _amount(row.paid, as_text),
                _amount(row.recovered, as_text),
                *[row.report_label(year) for year in dashboard.years],
                *[sum(int((report.indicators or {}).get(code) or 0) for report in accepted) for code in codes],
            ]
        )
    return write_table(headers, rows, fmt=fmt, title=_("Suivi des lauréats"), text_columns=frozenset({1}))
