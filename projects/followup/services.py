"""Operations of the follow-up: yearly reports and recoveries (conventions: `conventions`). Keyword-only, no request."""

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.exceptions import DomainError
from projects.followup.models import (
    FollowupTerms,
    Recovery,
    ReportStatus,
    ReportVersion,
    YearlyReport,
    default_indicators,
)
from projects.followup.permissions import can_file_reports, can_review_reports, require_right
from projects.models import Award, FundingLine, Payment
from projects.money import format_euros, parse_amount

ZERO = Decimal("0")

# The headings of the compte rendu financier (Cerfa n° 15059, annexe), by account class of the PCG.
EXPENSE_CATEGORIES = [
    ("60", "Achats"),
    ("61", "Services extérieurs"),
    ("62", "Autres services extérieurs"),
    ("63", "Impôts et taxes"),
    ("64", "Charges de personnel"),
    ("65", "Autres charges de gestion courante"),
    ("66-68", "Charges financières, exceptionnelles, dotations"),
    ("86", "Contributions volontaires en nature"),
]
INCOME_CATEGORIES = [
    ("70", "Ventes de produits finis, prestations de services"),
    ("74-fipe", "Subvention FIPE (État et Cnaf)"),
    ("74-other", "Autres subventions d’exploitation"),
    ("75", "Autres produits de gestion courante"),
    ("76-78", "Produits financiers, exceptionnels, reprises"),
    ("87", "Contributions volontaires en nature"),
]


def indicators_of(call) -> list[tuple[str, str]]:
    """The call's activity indicators (code, label); the default four when it sets none."""
    terms = FollowupTerms.objects.filter(call=call).first()
    pairs = terms.indicators if terms and terms.indicators else default_indicators()
    return [(str(code), str(label)) for code, label in pairs]


def report_years(award: Award) -> list[int]:
    """The programme years of the award that call for a report: those it funds."""
    return sorted(amount.year for amount in award.amounts.all())


# Yearly reports ------------------------------------------------------------------


def _amount(raw, field_name: str) -> Decimal:
    try:
        value = parse_amount(raw if raw not in (None, "") else "0")
    except ValueError as error:
        raise ValidationError({field_name: _("Montant illisible : %(error)s.") % {"error": error}}) from None
    if value < 0:
        raise ValidationError({field_name: _("Le montant ne peut pas être négatif.")})
    return value


def clean_financial(financial: Mapping) -> dict:
    """The Cerfa table with every amount read and checked; field names `expenses-60-planned` in errors."""
    cleaned = {}
    for section, categories in (("expenses", EXPENSE_CATEGORIES), ("income", INCOME_CATEGORIES)):
        cleaned[section] = {}
        given = financial.get(section, {}) or {}
        for code, _label in categories:
            row = given.get(code, {}) or {}
            cleaned[section][code] = {
                column: str(_amount(row.get(column), f"{section}-{code}-{column}")) for column in ("planned", "actual")
            }
    return cleaned


def clean_indicators(call, indicators: Mapping) -> dict[str, int]:
    cleaned = {}
    for code, _label in indicators_of(call):
        raw = indicators.get(code)
        if raw in (None, ""):
            continue
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValidationError({f"indicator-{code}": _("Indiquez un nombre entier.")}) from None
        if value < 0 or value > 10_000_000:
            raise ValidationError({f"indicator-{code}": _("Indiquez un nombre entre 0 et 10 000 000.")})
        cleaned[code] = value
    return cleaned


def file_report(
    *,
    award: Award,
    year: int,
    by=None,
    applicant_email: str = "",
    financial: Mapping,
    subsidy_used,
    gaps_explanation: str = "",
    indicators: Mapping,
    comment: str = "",
) -> ReportVersion:
    """File (a new version of) the report of a programme year: by staff on the laureate's behalf (`by`), or
    by the laureate from their space (`applicant_email`: the caller has checked that it holds the file).

    All or nothing: a bad figure raises ValidationError keyed by its field and nothing is saved.
    """
    award = Award.objects.select_related("application__call").get(pk=award.pk)
    application = award.application
    if not applicant_email:
        require_right(
            can_file_reports(by, application.department_id),
            _("Vous n’avez pas le droit de déposer les comptes rendus de ce département."),
        )
    years = report_years(award)
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": _("Choisissez une année du programme.")}) from None
    if year not in years:
        raise ValidationError(
            {
                "year": _("L’année %(year)s n’est pas une année financée du programme (%(years)s).")
                % {"year": year, "years": ", ".join(map(str, years))}
            }
        )
    cleaned_financial = clean_financial(financial)
    used = _amount(subsidy_used, "subsidy_used")
    cleaned_indicators = clean_indicators(application.call, indicators)
    with transaction.atomic():
        report, _created = YearlyReport.objects.select_for_update().get_or_create(award=award, year=year)
        if report.status == ReportStatus.ACCEPTED:
            raise ValidationError({"year": _("Le compte rendu %(year)s est déjà accepté.") % {"year": year}})
        latest = report.versions.aggregate(n=Max("number"))["n"] or 0
        version = ReportVersion.objects.create(
            report=report,
            number=latest + 1,
            financial=cleaned_financial,
            subsidy_used=used,
            gaps_explanation=gaps_explanation.strip(),
            indicators=cleaned_indicators,
            comment=comment.strip(),
            filed_by=None if applicant_email else by,
            filed_by_applicant=applicant_email,
        )
        report.status = ReportStatus.FILED
        report.subsidy_used = used
        report.indicators = cleaned_indicators
        report.save()
    return version


def review_report(*, report: YearlyReport, by, accept: bool, message: str = "") -> YearlyReport:
    """Accept the latest version of a filed report, or ask for corrections with a message."""
    message = (message or "").strip()
    with transaction.atomic():
        report = YearlyReport.objects.select_for_update().select_related("award__application").get(pk=report.pk)
        require_right(
            can_review_reports(by, report.award.application.department_id),
            _("Seuls la Caf et la DDETS du département examinent les comptes rendus."),
        )
        if report.status != ReportStatus.FILED:
            raise DomainError(
                _("Le compte rendu %(year)s n’attend pas d’examen (« %(status)s »).")
                % {"year": report.year, "status": report.get_status_display()}
            )
        if not accept and not message:
            raise ValidationError({"message": _("Dites au porteur ce qu’il doit corriger.")})
        decision = ReportStatus.ACCEPTED if accept else ReportStatus.CORRECTIONS
        latest = report.versions.order_by("-number").first()
        latest.decision = decision
        latest.decision_message = message
        latest.decided_by = by
        latest.decided_at = timezone.now()
        latest.save(update_fields=["decision", "decision_message", "decided_by", "decided_at"])
        report.status = decision
        report.save(update_fields=["status", "updated_at"])
    return report


# Recoveries ----------------------------------------------------------------------


def record_recovery(*, line: FundingLine, by, amount, reason: str, report: YearlyReport | None = None) -> Recovery:
    """Record subsidy to be paid back on a line: never more than was paid on it, less what is already recovered."""
    line = FundingLine.objects.select_related("award__application").get(pk=line.pk)
    require_right(
        can_review_reports(by, line.award.application.department_id),
        _("Seuls la Caf et la DDETS du département enregistrent un reversement."),
    )
    amount = _amount(amount, "amount")
    if amount <= 0:
        raise ValidationError({"amount": _("Le montant à reverser doit être supérieur à zéro.")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du reversement.")})
    with transaction.atomic():
        FundingLine.objects.select_for_update().values_list("pk", flat=True).get(pk=line.pk)
        paid = Payment.objects.filter(line=line).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
        recovered = Recovery.objects.filter(line=line).aggregate(t=Coalesce(Sum("amount"), ZERO))["t"]
        if recovered + amount > paid:
            raise ValidationError(
                {
                    "amount": _(
                        "Reversement refusé : %(amount)s dépasse ce qui a été versé sur la ligne %(line)s "
                        "(%(paid)s versés, %(recovered)s déjà à reverser)."
                    )
                    % {
                        "amount": format_euros(amount),
                        "line": line.label,
                        "paid": format_euros(paid),
                        "recovered": format_euros(recovered),
                    }
                }
            )
        return Recovery.objects.create(line=line, amount=amount, reason=reason, report=report, recorded_by=by)
