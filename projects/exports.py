"""Export of award decisions: one row per award, as CSV, XLSX or ODS.

The rows come from ONE query, whatever the number of awards: the amounts per year and
funder, the commitment numbers, the paid amounts and the latest award letter are
correlated subqueries on indexed columns (one funding line per award, funder and year).
"""

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.permissions import get_scope
from projects.enums import Funder, LetterKind, Status
from projects.models import Award, AwardLetter, Call, FundingLine, Payment
from projects.spreadsheets import write_table

FUNDERS = [Funder.STATE, Funder.CNAF]
BASE_FIELDS = [
    "application__reference",
    "application__department__code",
    "application__department__name",
    "application__applicant__legal_name",
    "application__applicant__siret",
    "application__title",
    "application__status",
    "approved_at",
    "total",
]


def awards_of(*, call: Call, user=None) -> QuerySet:
    """The call's awards; with a user, only those of the departments the user may export."""
    awards = Award.objects.filter(application__call=call)
    if user is not None:
        awards = awards.filter(application__department_id__in=get_scope(user).department_ids(Action.EXPORT))
    return awards


def _line(funder: str, year: int, column: str) -> Subquery:
    return Subquery(
        FundingLine.objects.filter(award=OuterRef("pk"), funder=funder, year=year).values(column)[:1],
    )


def _paid(funder: str) -> Subquery:
    return Subquery(
        Payment.objects.filter(line__award=OuterRef("pk"), line__funder=funder)
        .order_by()
        .values("line__award")
        .annotate(paid=Sum("amount"))
        .values("paid"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _letter(column: str) -> Subquery:
    return Subquery(
        AwardLetter.objects.filter(application=OuterRef("application"), kind=LetterKind.AWARD)
        .order_by("-version")
        .values(column)[:1]
    )


def headers_for(years: list[int]) -> list[str]:
    funder_labels = {funder: str(funder.label) for funder in FUNDERS}
    headers = [
        _("Référence"),
        _("Code du département"),
        _("Département"),
        _("Porteur"),
        _("SIRET"),
        _("Intitulé du projet"),
        _("Statut"),
        _("Date de la décision"),
    ]
    for year in years:
        headers += [
            _("%(funder)s %(year)s (€)") % {"funder": funder_labels[funder], "year": year} for funder in FUNDERS
        ]
        headers.append(_("Total %(year)s (€)") % {"year": year})
    headers += [_("Total %(funder)s (€)") % {"funder": funder_labels[funder]} for funder in FUNDERS]
    headers.append(_("Total attribué (€)"))
    headers += [_("Engagements %(funder)s") % {"funder": funder_labels[funder]} for funder in FUNDERS]
    headers += [_("Versé %(funder)s (€)") % {"funder": funder_labels[funder]} for funder in FUNDERS]
    headers += [_("Total versé (€)"), _("Version du courrier d’attribution"), _("SHA-256 du courrier d’attribution")]
    return headers


def years_of(awards: QuerySet) -> list[int]:
    """Every programme year of the calls the awards belong to (one small query)."""
    years = set()
    for first, last in (
        Call.objects.filter(applications__award__in=awards).values_list("first_year", "last_year").distinct()
    ):
        years.update(range(first, last + 1))
    return sorted(years)


def award_rows(awards: QuerySet, years: list[int]):
    """The export's rows, in reference order, from one query."""
    annotations = {}
    for year in years:
        for funder in FUNDERS:
            annotations[f"amount_{funder}_{year}"] = _line(funder, year, "amount")
            annotations[f"commitment_{funder}_{year}"] = _line(funder, year, "commitment_number")
    for funder in FUNDERS:
        annotations[f"paid_{funder}"] = _paid(funder)
    annotations["letter_version"] = _letter("version")
    annotations["letter_sha256"] = _letter("sha256")
    names = [*BASE_FIELDS, *annotations]
    queryset = awards.annotate(**annotations).order_by("application__reference").values_list(*names)
    position = {name: index for index, name in enumerate(names)}
    status_labels = {status.value: str(status.label) for status in Status}
    zero = Decimal("0.00")
    amount_positions = [
        [(position[f"amount_{funder}_{year}"], position[f"commitment_{funder}_{year}"]) for funder in FUNDERS]
        for year in years
    ]
    paid_positions = [position[f"paid_{funder}"] for funder in FUNDERS]
    current_timezone = timezone.get_current_timezone()
    for values in queryset.iterator(chunk_size=2000):
        row = list(values[:6])
        row.append(status_labels[values[6]])
        row.append(timezone.localtime(values[7], current_timezone).date())
        funder_totals = [zero, zero]
        commitments = [[], []]
        for year, funders in zip(years, amount_positions, strict=True):
            year_total = zero
            for index, (amount_at, commitment_at) in enumerate(funders):
                amount = values[amount_at] or zero
                row.append(amount)
                year_total += amount
                funder_totals[index] += amount
                if values[commitment_at]:
                    commitments[index].append(f"{year} : {values[commitment_at]}")
            row.append(year_total)
        row += funder_totals
        row.append(values[8])
        row += [" ; ".join(numbers) for numbers in commitments]
        paid = [values[at] or zero for at in paid_positions]
        row += paid
        row.append(sum(paid, zero))
        row.append(values[position["letter_version"]] or "")
        row.append(values[position["letter_sha256"]] or "")
        yield row


def write_awards(awards: QuerySet, fmt: str) -> bytes:
    """The award decisions as a CSV, XLSX or ODS file."""
    years = years_of(awards)
    return write_table(
        headers_for(years),
        award_rows(awards, years),
        fmt=fmt,
        title=_("Décisions d’attribution"),
        text_columns=frozenset({1, 4}),
    )


def export_filename(call_reference: str, fmt: str) -> str:
    return f"{call_reference}-decisions-{timezone.localdate():%Y%m%d}.{fmt}"
