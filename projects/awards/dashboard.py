"""Funding figures of a call, for the dashboard and the approval screen.

Everything comes from a fixed number of grouped queries (departments, lines, payments, award
counts), whatever the number of awards: the figures are summed in Python from those rows.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from departments.models import Department
from projects.enums import Funder, Status
from projects.models import Application, Award, Call, DepartmentEnvelope, FundingLine, Payment, YearEnvelope
from projects.money import split

ZERO = Decimal("0.00")
FUNDERS = (Funder.STATE, Funder.CNAF)


@dataclass
class Figures:
    """What one slice of a call (all of it, a funder, a year, a department) commits and pays."""

    envelope: Decimal | None = None
    committed: Decimal = ZERO
    notified: Decimal = ZERO
    paid: Decimal = ZERO
    committed_by_funder: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(FUNDERS, ZERO))

    @property
    def to_pay(self) -> Decimal:
        """Committed but not paid yet."""
        return self.committed - self.paid

    @property
    def remaining(self) -> Decimal | None:
        """What can still be committed, where there is an envelope."""
        return None if self.envelope is None else self.envelope - self.committed

    @property
    def consumed_percent(self) -> Decimal | None:
        if not self.envelope:
            return None
        return (self.committed * 100 / self.envelope).quantize(Decimal("0.1"))

    @property
    def state(self) -> Decimal:
        return self.committed_by_funder[Funder.STATE]

    @property
    def cnaf(self) -> Decimal:
        return self.committed_by_funder[Funder.CNAF]


@dataclass
class DepartmentFigures(Figures):
    department: Department | None = None
    laureates: int = 0


@dataclass
class CallDashboard:
    call: Call
    # False when the user sees only part of the region: the call's envelope then means nothing to them.
    complete: bool
    total: Figures
    by_funder: dict[str, Figures]
    by_year: dict[int, Figures]
    by_department: list[DepartmentFigures]

    @property
    def funder_rows(self) -> list[tuple[str, Figures]]:
        return [(Funder(funder).label, figures) for funder, figures in self.by_funder.items()]

    @property
    def departments_with_envelope(self) -> list[DepartmentFigures]:
        return [row for row in self.by_department if row.envelope is not None]


def call_dashboard(call: Call, *, department_ids: Iterable[int] | None = None) -> CallDashboard:
    """The call's figures, restricted to `department_ids` when given (the departments a user may see)."""
    departments = Department.objects.filter(region_id=call.region_id)
    if department_ids is not None:
        departments = departments.filter(pk__in=list(department_ids))
    departments = list(
        departments.annotate(
            envelope=Subquery(
                DepartmentEnvelope.objects.filter(call=call, department=OuterRef("pk")).values("amount")[:1]
            )
        ).order_by("code")
    )
    ids = [department.pk for department in departments]
    complete = department_ids is None or set(ids) >= set(
        Department.objects.filter(region_id=call.region_id).values_list("pk", flat=True)
    )

    state_envelope, cnaf_envelope = split(call.envelope, call.state_share)
    total = Figures(envelope=call.envelope if complete else None)
    by_funder = {
        Funder.STATE: Figures(envelope=state_envelope if complete else None),
        Funder.CNAF: Figures(envelope=cnaf_envelope if complete else None),
    }
    by_year = {year: Figures() for year in call.programme_years}
    by_department = {
        department.pk: DepartmentFigures(department=department, envelope=department.envelope)
        for department in departments
    }

    lines = (
        FundingLine.objects.filter(award__application__call=call, award__application__department_id__in=ids)
        .values("award__application__department_id", "funder", "year", "award__application__status")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in lines:
        amount, funder = row["amount"], row["funder"]
        notified = amount if row["award__application__status"] == Status.NOTIFIED else ZERO
        slices = [total, by_funder[funder], by_department[row["award__application__department_id"]]]
        slices.append(by_year.setdefault(row["year"], Figures()))
        for figures in slices:
            figures.committed += amount
            figures.notified += notified
            figures.committed_by_funder[funder] += amount

    payments = (
        Payment.objects.filter(line__award__application__call=call, line__award__application__department_id__in=ids)
        .values("line__award__application__department_id", "line__funder", "line__year")
        .annotate(amount=Sum("amount"))
        .order_by()
    )
    for row in payments:
        for figures in (
            total,
            by_funder[row["line__funder"]],
            by_year.setdefault(row["line__year"], Figures()),
            by_department[row["line__award__application__department_id"]],
        ):
            figures.paid += row["amount"]

    counts = (
        Award.objects.filter(application__call=call, application__department_id__in=ids)
        .values("application__department_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for row in counts:
        by_department[row["application__department_id"]].laureates = row["count"]

    return CallDashboard(
        call=call,
        complete=complete,
        total=total,
        by_funder=by_funder,
        by_year=dict(sorted(by_year.items())),
        by_department=list(by_department.values()),
    )


@dataclass
class EnvelopeRow:
    """One line of the approval screen's envelope table."""

    label: str
    # None: no ceiling of its own (a programme year without an envelope).
    envelope: Decimal | None
    committed: Decimal
    selection: Decimal
    department_id: int | None = None

    @property
    def remaining(self) -> Decimal | None:
        return None if self.envelope is None else self.envelope - self.committed - self.selection

    @property
    def exceeded(self) -> bool:
        return self.remaining is not None and self.remaining < 0


def approval_envelopes(
    dashboard: CallDashboard, selection: Iterable[tuple[Application, Mapping[int, Decimal]]]
) -> list[EnvelopeRow]:
    """Envelope, already committed, this selection and remaining: for the call, per funder, per programme
    year, per department.

    The selection is split with the same rule as the funding lines, so the funders' figures
    are those the approval would write. Every programme year appears (with its envelope where
    one is set); departments only where an envelope is set.
    """
    call = dashboard.call
    selected = dict.fromkeys(FUNDERS, ZERO)
    by_department: dict[int, Decimal] = {}
    by_year: dict[int, Decimal] = {}
    for application, amounts in selection:
        for year, amount in amounts.items():
            state, cnaf = split(amount, call.state_share)
            selected[Funder.STATE] += state
            selected[Funder.CNAF] += cnaf
            by_department[application.department_id] = by_department.get(application.department_id, ZERO) + amount
            by_year[year] = by_year.get(year, ZERO) + amount
    total = dashboard.total
    rows = [
        EnvelopeRow(
            _("Appel à projets (total)"), call.envelope, total.committed, selected[Funder.STATE] + selected[Funder.CNAF]
        )
    ]
    for funder, figures in dashboard.by_funder.items():
        rows.append(EnvelopeRow(Funder(funder).label, figures.envelope, figures.committed, selected[funder]))
    year_envelopes = dict(YearEnvelope.objects.filter(call=call).values_list("year", "amount"))
    for year, figures in dashboard.by_year.items():
        rows.append(
            EnvelopeRow(
                _("Année %(year)s") % {"year": year},
                year_envelopes.get(year),
                figures.committed,
                by_year.get(year, ZERO),
            )
        )
    for row in dashboard.departments_with_envelope:
        rows.append(
            EnvelopeRow(
                str(row.department),
                row.envelope,
                row.committed,
                by_department.get(row.department.pk, ZERO),
                department_id=row.department.pk,
            )
        )
    return rows


@dataclass
class SelectionYear:
    """What a selection awards in one programme year, split between the funders as the lines will be."""

    year: int | None
    state: Decimal = ZERO
    cnaf: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.state + self.cnaf


def selection_by_year(
    call: Call, selection: Iterable[tuple[Application, Mapping[int, Decimal]]]
) -> list[SelectionYear]:
    """Per programme year then in total (year None), the State's and the Cnaf's part of a selection."""
    years = {year: SelectionYear(year) for year in call.programme_years}
    total = SelectionYear(None)
    for _application, amounts in selection:
        for year, amount in amounts.items():
            state, cnaf = split(amount, call.state_share)
            for row in (years.setdefault(year, SelectionYear(year)), total):
                row.state += state
                row.cnaf += cnaf
    return [*years.values(), total]
