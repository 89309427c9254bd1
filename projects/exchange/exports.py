"""Export of award decisions: one row per award, as CSV, XLSX or ODS.

The rows come from ONE query, whatever the number of awards: each (funder, year) funding
line is a LEFT JOIN on the unique (award, funder, year) index, the paid amounts and the
latest award letter are correlated subqueries.
"""

from decimal import Decimal

from django.db.models import DecimalField, FilteredRelation, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.permissions import get_scope
from projects.enums import Funder, LetterKind, Status
from projects.models import Award, Call, DecisionLetter, Payment, Recovery
from projects.money import to_cents

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


def _paid(funder: str) -> Subquery:
    return Subquery(
        Payment.objects.filter(line__award=OuterRef("pk"), line__funder=funder)
        .order_by()
        .values("line__award")
        .annotate(paid=Sum("amount"))
        .values("paid"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _recovered() -> Subquery:
    """What the follow-up asks the laureate to pay back, over all its lines."""
    return Subquery(
        Recovery.objects.filter(line__award=OuterRef("pk"))
        .order_by()
        .values("line__award")
        .annotate(total=Sum("amount"))
        .values("total"),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


def _letter(column: str) -> Subquery:
    return Subquery(
        DecisionLetter.objects.filter(application=OuterRef("application"), kind=LetterKind.AWARD)
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
    headers.append(_("À reverser (€)"))  # recoveries recorded by the follow-up
    return headers


def years_of(awards: QuerySet) -> list[int]:
    """Every programme year of the calls the awards belong to (one small query)."""
    years = set()
    for first, last in (
        Call.objects.filter(applications__award__in=awards).values_list("first_year", "last_year").distinct()
    ):
        years.update(range(first, last + 1))
    return sorted(years)


def export_values(awards: QuerySet, years: list[int]) -> QuerySet:
    """The data of the export, one tuple per award: BASE_FIELDS, then per year and funder the
    line's amount and commitment number, the paid amount per funder, the latest letter."""
    lines = {}
    fields = []
    for year in years:
        for funder in FUNDERS:
            name = f"line_{funder}_{year}"
            lines[name] = FilteredRelation("lines", condition=Q(lines__funder=funder, lines__year=year))
            fields += [f"{name}__amount", f"{name}__commitment_number"]
    return (
        awards.annotate(**lines)
        .annotate(
            **{f"paid_{funder}": _paid(funder) for funder in FUNDERS},
            letter_version=_letter("version"),
            letter_sha256=_letter("sha256"),
            recovered=_recovered(),
        )
        .order_by("application__reference")
        .values_list(
            *BASE_FIELDS,
            *fields,
            *[f"paid_{funder}" for funder in FUNDERS],
            "letter_version",
            "letter_sha256",
            "recovered",
        )
    )


def french_amount(value: Decimal) -> str:
    """12345.60 → "12345,60"; the amounts here always have their two decimal places."""
    return str(value).replace(".", ",")


def award_rows(awards: QuerySet, years: list[int], *, as_text: bool = False):
    """The export's rows, in reference order, from one query.

    With as_text, amounts and dates come already written the French way, for CSV files.
    """
    status_labels = {status.value: str(status.label) for status in Status}
    zero = Decimal("0.00")
    current_timezone = timezone.get_current_timezone()
    if as_text:
        amount, day = french_amount, lambda moment: moment.astimezone(current_timezone).strftime("%d/%m/%Y")
    else:
        amount, day = (lambda value: value), lambda moment: moment.astimezone(current_timezone).date()
    year_count = len(years)
    lines_end = 9 + 4 * year_count
    for values in export_values(awards, years).iterator(chunk_size=2000):
        row = [*values[:6], status_labels[values[6]], day(values[7])]
        state_total = cnaf_total = zero
        state_commitments, cnaf_commitments = [], []
        for index, year in enumerate(years):
            state, state_commitment, cnaf, cnaf_commitment = values[9 + 4 * index : 13 + 4 * index]
            state = state or zero
            cnaf = cnaf or zero
            row += [amount(state), amount(cnaf), amount(state + cnaf)]
            state_total += state
            cnaf_total += cnaf
            if state_commitment:
                state_commitments.append(f"{year} : {state_commitment}")
            if cnaf_commitment:
                cnaf_commitments.append(f"{year} : {cnaf_commitment}")
        state_paid, cnaf_paid, letter_version, letter_sha256, recovered = values[lines_end:]
        # A sum may come back without its decimal places (SQLite): written like the other amounts.
        state_paid = to_cents(state_paid) if state_paid else zero
        cnaf_paid = to_cents(cnaf_paid) if cnaf_paid else zero
        row += [
            amount(state_total),
            amount(cnaf_total),
            amount(values[8]),
            " ; ".join(state_commitments),
            " ; ".join(cnaf_commitments),
            amount(state_paid),
            amount(cnaf_paid),
            amount(state_paid + cnaf_paid),
            letter_version or "",
            letter_sha256 or "",
            amount(to_cents(recovered) if recovered else zero),
        ]
        yield row


def export_filename(call_reference: str, fmt: str) -> str:
    return f"{call_reference}-decisions-{timezone.localdate():%Y%m%d}.{fmt}"
