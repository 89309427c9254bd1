"""The payment schedule of a funding line and the one rule that says whether a payment may be recorded.

The schedule is not stored: it follows from the call's terms (FollowupTerms), the line, what was
paid and recovered on it, and the award's facts (convention signed, letter notified, reports
accepted). Every entry point that records a payment (page, admin, command, demo) goes through
`payment_refusal`, called by projects.awards.services.record_payment.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils.functional import Promise, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.enums import Status
from projects.followup.models import ReportStatus, report_state
from projects.money import format_euros, requires_convention, to_cents

ZERO = Decimal("0")
WAITING, PAYABLE, PAID = "waiting", "payable", "paid"
STATE_LABELS = {WAITING: gettext_lazy("En attente"), PAYABLE: gettext_lazy("Versable"), PAID: gettext_lazy("Versé")}
# Conditions translated when shown: a dashboard schedules thousands of installments and shows none.
NO_CONDITION = gettext_lazy("aucune condition")
CONVENTION_SIGNED = gettext_lazy("convention signée par les parties")
LETTER_NOTIFIED = gettext_lazy("lettre d’attribution notifiée")
report_accepted = lazy(lambda year: _("compte rendu %(year)s accepté") % {"year": year}, str)
INSTALLMENT_NAMES = {
    "whole": gettext_lazy("Versement %(line)s"),
    "advance": gettext_lazy("Avance %(line)s"),
    "balance": gettext_lazy("Solde %(line)s"),
}


@dataclass(frozen=True)
class AwardFacts:
    """What the conditions of an award's payments depend on."""

    requires_convention: bool
    convention_signed: bool
    notified: bool
    accepted_years: frozenset[int]


@dataclass
class Installment:
    """One scheduled payment of a line: the year's advance, its balance, or the whole line without terms."""

    kind: str  # "advance", "balance" or "whole"
    line: object
    amount: Decimal
    condition: Promise | str
    met: bool  # its condition and those of the installments before it: the balance never goes before the advance
    paid: Decimal
    waiting_on: Promise | str = ""  # the first condition not met, its own or an earlier installment's

    @property
    def label(self) -> str:
        """« Avance État 2024 »: named when shown, not for each of the thousands of lines a dashboard adds up."""
        return str(INSTALLMENT_NAMES[self.kind]) % {"line": self.line.label}

    @property
    def state(self) -> str:
        if self.paid >= self.amount:
            return PAID
        return PAYABLE if self.met else WAITING

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def due(self) -> Decimal:
        return self.amount - self.paid

    @property
    def why(self) -> str:
        if self.state == PAID:
            return _("Versé en totalité.")
        if self.met:
            return _("Condition remplie : %(condition)s.") % {"condition": self.condition}
        return _("Attend : %(condition)s.") % {"condition": self.waiting_on}


def installments(
    line, *, facts: AwardFacts, advance_percent: Decimal | None, paid: Decimal, recovered: Decimal
) -> list[Installment]:
    """The line's scheduled payments, with what was paid allocated to them in order."""
    ceiling = line.amount - recovered
    if advance_percent is None:
        parts = [("whole", ceiling, NO_CONDITION, True)]
    else:
        advance = min(to_cents(line.amount * advance_percent / 100), ceiling)
        if facts.requires_convention:
            start = (CONVENTION_SIGNED, facts.convention_signed)
        else:
            start = (LETTER_NOTIFIED, facts.notified)
        parts = [
            ("advance", advance, *start),
            ("balance", ceiling - advance, report_accepted(line.year), line.year in facts.accepted_years),
        ]
    result = []
    left = paid
    waiting_on = None  # not the conditions' truth, which would translate them
    for kind, amount, condition, met in parts:
        allocated = min(left, amount)
        left -= allocated
        if not met and waiting_on is None:
            waiting_on = condition
        clear = waiting_on is None
        result.append(Installment(kind, line, amount, condition, clear, allocated, "" if clear else waiting_on))
    return result


def payable_now(items: list[Installment]) -> Decimal:
    """What may be paid today on the line: the unpaid part of the installments whose condition is met."""
    allowed = sum((item.amount for item in items if item.met), ZERO)
    paid = sum((item.paid for item in items), ZERO)
    return max(allowed - paid, ZERO)


@dataclass
class LineFollowup:
    line: object
    paid: Decimal
    recovered: Decimal
    installments: list[Installment]

    @property
    def payable(self) -> Decimal:
        return payable_now(self.installments)


@dataclass
class AwardFollowup:
    """Where one laureate stands: its convention, each line's schedule, each year's report."""

    award: object
    facts: AwardFacts
    amounts: dict[int, Decimal]
    lines: list[LineFollowup]
    reports: dict[int, object]  # year -> YearlyReport, for the years that have one
    convention: object | None

    def report_state(self, year: int, today: datetime.date) -> str:
        report = self.reports.get(year)
        return report_state(year=year, status=report.status if report else None, today=today)


def followups(**award_lookups) -> list[AwardFollowup]:
    """The follow-up of every award matching `award_lookups` (as in `Award.objects.filter`), in three
    queries whatever their number.

    The lookups are applied through each row's award rather than as `award__in=<awards>`: on
    PostgreSQL the subquery made the planner join every line of every call before keeping the
    call's (five times slower at 10,000 applications).

    The awards are read once with their application, convention and call terms, and their lines
    apart: read with each line, every award and its five related rows were built again for each of
    its lines (most of a dashboard's time). Payments and recoveries are summed by correlated
    subqueries, so neither multiplies the other. An award's amount per year is the sum of its
    lines (they always add up to it).
    """
    from projects.followup.models import Recovery, YearlyReport
    from projects.models import Award, FundingLine, Payment

    reports = defaultdict(dict)
    through_award = {f"award__{lookup}": value for lookup, value in award_lookups.items()}
    for report in YearlyReport.objects.filter(**through_award):
        reports[report.award_id][report.year] = report
    awards = (
        Award.objects.filter(**award_lookups)
        .select_related(
            "convention", "application__call__followup_terms", "application__department", "application__applicant"
        )
        .in_bulk()
    )
    lines = (
        FundingLine.objects.filter(**through_award)
        .annotate(paid_sum=_line_sum(Payment), recovered_sum=_line_sum(Recovery))
        .order_by("award__application__reference", "year", "-funder")
    )
    by_award: dict[int, list] = {}
    for line in lines:
        by_award.setdefault(line.award_id, []).append(line)
    result = []
    for award_id, award_lines in by_award.items():
        award = awards[award_id]
        amounts: dict[int, Decimal] = defaultdict(Decimal)
        for line in award_lines:
            amounts[line.year] += line.amount
        convention = getattr(award, "convention", None)
        accepted = frozenset(year for year, r in reports[award.pk].items() if r.status == ReportStatus.ACCEPTED)
        facts = AwardFacts(
            requires_convention=requires_convention(amounts.values()),
            convention_signed=bool(convention and convention.is_signed),
            notified=award.application.status == Status.NOTIFIED,
            accepted_years=accepted,
        )
        terms = getattr(award.application.call, "followup_terms", None)
        percent = terms.advance_percent if terms else None
        line_followups = []
        for line in award_lines:
            line.award = award
            paid, recovered = to_cents(line.paid_sum), to_cents(line.recovered_sum)
            items = installments(line, facts=facts, advance_percent=percent, paid=paid, recovered=recovered)
            line_followups.append(LineFollowup(line, paid, recovered, items))
        result.append(AwardFollowup(award, facts, dict(amounts), line_followups, reports[award.pk], convention))
    return result


def _line_sum(model) -> Coalesce:
    return Coalesce(
        Subquery(
            model.objects.filter(line=OuterRef("pk")).order_by().values("line").annotate(t=Sum("amount")).values("t"),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        ),
        ZERO,
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def line_state(line) -> tuple[list[Installment], Decimal]:
    """The schedule of one line and what is recovered on it, read from the database."""

    followup = followups(pk=line.award_id)[0]
    current = next(item for item in followup.lines if item.line.pk == line.pk)
    return current.installments, current.recovered


def payment_refusal(line, *, amount: Decimal, reference: str) -> str | None:
    """Why `amount` may not be paid on the line now, or None. Call with the line row locked.

    Payments never exceed the line minus recoveries; within that, only the installments whose
    condition is met may be paid.
    """
    items, recovered = line_state(line)
    paid = sum((item.paid for item in items), ZERO)
    ceiling = line.amount - recovered
    if paid + amount > ceiling:
        message = _(
            "Versement refusé : %(amount)s dépasse le reste à verser sur la ligne %(line)s du dossier "
            "%(reference)s (%(remaining)s : %(scheduled)s prévus, %(paid)s déjà versés"
        ) % {
            "amount": format_euros(amount),
            "line": line.label,
            "reference": reference,
            "remaining": format_euros(max(ceiling - paid, ZERO)),
            "scheduled": format_euros(line.amount),
            "paid": format_euros(paid),
        }
        if recovered:
            message += _(", %(recovered)s à reverser") % {"recovered": format_euros(recovered)}
        return message + ")."
    if amount > payable_now(items):
        waiting = next(item for item in items if not item.met and item.paid < item.amount)
        return _(
            "Versement refusé : %(installment)s (%(due)s) attend la condition « %(condition)s », qui n’est pas "
            "remplie ; versable aujourd’hui sur cette ligne : %(payable)s."
        ) % {
            "installment": waiting.label,
            "due": format_euros(waiting.due),
            "condition": waiting.waiting_on,
            "payable": format_euros(payable_now(items)),
        }
    return None
