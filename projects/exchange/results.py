"""Publication of a call's results: the service, the public figures and the press-release draft.

The press release follows the one the prefecture of Occitanie issued on 18 December 2023:
a paragraph with the totals, a sentence on the departments represented, then one
paragraph per department describing its laureates.
"""

import io
from dataclasses import dataclass, field
from decimal import Decimal

import docx
from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from departments.reference import OCCITANIE_DEPARTMENTS
from fipe.french import french_date
from fipe.typography import french
from projects.enums import AWARDED_STATUSES, CallStatus, Status
from projects.exceptions import DomainError, PermissionRefused
from projects.models import Application, Call
from projects.money import format_euros

# How French names a region after "in"; "En <name>" for the others.
IN_REGION = {
    "04": "À La Réunion",
    "06": "À Mayotte",
    "32": "Dans les Hauts-de-France",
    "44": "Dans le Grand Est",
    "52": "Dans les Pays de la Loire",
}

# The article French puts before an organisation's name, from its first word ("porté par la Ville de…").
ARTICLES = {
    "ville": "la ",
    "commune": "la ",
    "communauté": "la ",
    "métropole": "la ",
    "mairie": "la ",
    "association": "l’",
    "ccas": "le ",
    "cias": "le ",
    "centre": "le ",
    "syndicat": "le ",
    "département": "le ",
    "conseil": "le ",
}


def may_publish_results(user, call: Call) -> bool:
    """The call region's approvers publish its results: they may approve in every department of the region."""
    region_departments = set(Department.objects.filter(region_id=call.region_id).values_list("pk", flat=True))
    return bool(region_departments) and region_departments <= get_scope(user).department_ids(Action.APPROVE)


def publish_results(*, call: Call, by) -> Call:
    """Publish the call's results: its public page opens and the call's status says so.

    Refused while the committees' proposals still wait for the regional decision, so that
    what is published is the whole selection.
    """
    if not may_publish_results(by, call):
        raise PermissionRefused(_("Seul le valideur de la région de l’appel à projets peut en publier les résultats."))
    with transaction.atomic():
        call = Call.objects.select_for_update().select_related("region").get(pk=call.pk)
        if call.status == CallStatus.RESULTS_PUBLISHED:
            raise DomainError(
                _("Les résultats de l’appel %(reference)s sont déjà publiés depuis le %(date)s.")
                % {"reference": call.reference, "date": french_date(call.results_published_at)}
            )
        if not call.filing_period_over:
            raise DomainError(
                _(
                    "L’appel %(reference)s reçoit des dossiers jusqu’au %(date)s : "
                    "ses résultats se publient une fois l’appel clos."
                )
                % {"reference": call.reference, "date": french_date(call.closes_on)}
            )
        pending = call.applications.filter(status=Status.PROPOSED).count()
        if pending:
            raise DomainError(
                ngettext(
                    "%(count)s dossier proposé par un CDSF attend encore la décision régionale : "
                    "retenez-le ou rejetez-le avant de publier les résultats.",
                    "%(count)s dossiers proposés par les CDSF attendent encore la décision régionale : "
                    "retenez-les ou rejetez-les avant de publier les résultats.",
                    pending,
                )
                % {"count": pending}
            )
        if not call.applications.filter(status__in=AWARDED_STATUSES).exists():
            raise DomainError(_("Aucun lauréat n’a encore été retenu : il n’y a pas de résultat à publier."))
        call.status = CallStatus.RESULTS_PUBLISHED
        call.results_published_at = timezone.now()
        call.save(update_fields=["status", "results_published_at"])
    return call


# The figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Laureate:
    reference: str
    title: str
    commune: str
    applicant: str
    total: Decimal

    @property
    def total_display(self) -> str:
        return format_euros(self.total)


@dataclass
class DepartmentResults:
    code: str
    name: str
    laureates: list[Laureate] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((laureate.total for laureate in self.laureates), Decimal("0"))

    @property
    def of(self) -> str:
        """ "de l’Aude": the department's name after "of", where we know its French form."""
        return OCCITANIE_DEPARTMENTS.get(self.code, f"« {self.name} »")


@dataclass
class CallResults:
    call: Call
    departments: list[DepartmentResults]
    region_department_count: int

    @property
    def count(self) -> int:
        return sum(len(department.laureates) for department in self.departments)

    @property
    def total(self) -> Decimal:
        return sum((department.total for department in self.departments), Decimal("0"))

    @property
    def represented_count(self) -> int:
        return len(self.departments)

    @property
    def total_display(self) -> str:
        return format_euros(self.total)


def call_results(call: Call) -> CallResults:
    """The laureates of the call by department, and its totals (two queries).

    Only what is public: titles, communes, organisations and amounts — no contact.
    """
    rows = (
        Application.objects.filter(call=call, status__in=AWARDED_STATUSES, award__isnull=False)
        .order_by("department__code", "reference")
        .values_list(
            "department__code",
            "department__name",
            "reference",
            "title",
            "commune",
            "applicant__legal_name",
            "award__total",
        )
    )
    departments: dict[str, DepartmentResults] = {}
    for code, name, reference, title, commune, applicant, total in rows:
        department = departments.setdefault(code, DepartmentResults(code=code, name=name))
        department.laureates.append(Laureate(reference, title, commune, applicant, total))
    return CallResults(
        call=call,
        departments=list(departments.values()),
        region_department_count=Department.objects.filter(region_id=call.region_id).count(),
    )


# The press release ---------------------------------------------------------------------------


def euros_in_text(value: Decimal) -> str:
    """2 395 000 € (no cents when there are none), as written in a press release."""
    places = 0 if value == value.to_integral_value() else 2
    return f"{number_format(value, decimal_pos=places, use_l10n=True, force_grouping=True)}\u00a0€"


def _percent(share: Decimal) -> str:
    return f"{number_format(share * 100, decimal_pos=0 if (share * 100) % 1 == 0 else 2, use_l10n=True)}\u00a0%"


def with_article(name: str) -> str:
    """« la Ville de Pamiers », « l’Association Les Petits Pas » ; other names as they are."""
    first_word = name.split(" ", 1)[0].casefold()
    return ARTICLES.get(first_word, "") + name


@dataclass(frozen=True)
class PressRelease:
    issuer: str
    dated: str
    title: str
    paragraphs: list[str]


def press_release(results: CallResults) -> PressRelease:
    call = results.call
    region = call.region
    in_region = IN_REGION.get(region.code, _("En %(region)s") % {"region": region.name})
    if call.cnaf_share == 0:
        funders = _("financés par l’État")
    elif call.state_share == Decimal("0.5"):
        funders = _("cofinancés à parts égales par l’État et la Caisse nationale des allocations familiales (Cnaf)")
    else:
        funders = _(
            "cofinancés à %(state)s par l’État et à %(cnaf)s par la Caisse nationale des allocations familiales (Cnaf)"
        ) % {"state": _percent(call.state_share), "cnaf": _percent(call.cnaf_share)}
    count = results.count
    opening = _(
        "Lancé le %(opens_on)s, l’appel à projets du Fonds d’innovation pour la petite enfance (FIPE) soutient "
        "les initiatives qui accélèrent la mise en place du service public de la petite enfance. "
    ) % {"opens_on": french_date(call.opens_on)}
    totals = ngettext(
        "%(in_region)s, %(count)s projet a été retenu, pour un montant total de %(total)s sur la période "
        "%(first)s-%(last)s, %(funders)s.",
        "%(in_region)s, %(count)s projets ont été retenus, pour un montant total de %(total)s sur la période "
        "%(first)s-%(last)s, %(funders)s.",
        count,
    ) % {
        "in_region": in_region,
        "count": count,
        "total": euros_in_text(results.total),
        "first": call.first_year,
        "last": call.last_year,
        "funders": funders,
    }
    if results.represented_count == results.region_department_count:
        coverage = _("Chacun des %(total)s départements de la région compte au moins un projet lauréat.") % {
            "total": results.region_department_count
        }
    else:
        coverage = ngettext(
            "Les lauréats sont issus de %(count)s des %(total)s départements de la région.",
            "Les lauréats sont issus de %(count)s des %(total)s départements de la région.",
            results.represented_count,
        ) % {"count": results.represented_count, "total": results.region_department_count}
    paragraphs = [opening + totals, coverage]
    for department in results.departments:
        # Each project's amount, unless it is the department's only one (its total says it already).
        pattern = (
            _("« %(title)s » à %(commune)s, porté par %(applicant)s")
            if len(department.laureates) == 1
            else _("« %(title)s » à %(commune)s, porté par %(applicant)s (%(amount)s)")
        )
        described = " ; ".join(
            pattern
            % {
                "title": laureate.title,
                "commune": laureate.commune,
                "applicant": with_article(laureate.applicant),
                "amount": euros_in_text(laureate.total),
            }
            for laureate in department.laureates
        )
        paragraphs.append(
            ngettext(
                "Dans le département %(of)s, %(count)s projet est soutenu, pour %(total)s : %(described)s.",
                "Dans le département %(of)s, %(count)s projets sont soutenus, pour %(total)s : %(described)s.",
                len(department.laureates),
            )
            % {
                "of": department.of,
                "count": len(department.laureates),
                "total": euros_in_text(department.total),
                "described": described,
            }
        )
    published = call.results_published_at or timezone.now()
    return PressRelease(
        issuer=_("Préfecture de la région %(region)s") % {"region": region.name},
        dated=_("Le %(date)s") % {"date": french_date(published)},
        # French typography on what the page shows and the DOCX holds alike.
        title=french(
            ngettext(
                "Fonds d’innovation pour la petite enfance : %(count)s projet lauréat %(in_region)s",
                "Fonds d’innovation pour la petite enfance : %(count)s projets lauréats %(in_region)s",
                count,
            )
            % {"count": count, "in_region": in_region[0].lower() + in_region[1:]}
        ),
        paragraphs=[french(paragraph) for paragraph in paragraphs],
    )


def press_release_docx(release: PressRelease) -> bytes:
    """The press release as a Word document the communication team can edit."""
    document = docx.Document()
    document.core_properties.title = release.title
    document.core_properties.language = "fr-FR"
    document.add_paragraph(release.issuer)
    document.add_paragraph(_("Communiqué de presse"))
    document.add_paragraph(release.dated)
    document.add_heading(release.title, level=1)
    for paragraph in release.paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
