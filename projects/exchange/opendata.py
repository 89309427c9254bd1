"""The award decisions in the SCDL « Subventions » 2.1.1 open-data format.

schema.data.gouv.fr/scdl/subventions: CSV, UTF-8, comma-separated, one row per grant and
per grantor. A FIPE grant has two grantors, the State (the call region's prefecture) and
the Cnaf: each gets a row with the grant's whole amount (`montant`) and its share of it
(`pourcentageSubvention`). The SCDL has no field for a funder's own amount, so montant ×
pourcentage is that funder's part but for the odd cents of the yearly split, which go to the
State and show only in the funding lines (and the decisions export).
"""

import csv
import io
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.enums import OrganisationKind
from departments.models import Organisation
from projects.enums import AWARDED_STATUSES, Funder
from projects.exceptions import DomainError
from projects.exchange.spreadsheets import neutralised
from projects.models import Award, Call

# In the order of the schema.
SCDL_COLUMNS = [
    "nomAttribuant",
    "idAttribuant",
    "dateConvention",
    "referenceDecision",
    "nomBeneficiaire",
    "idBeneficiaire",
    "rnaBeneficiaire",
    "objet",
    "montant",
    "nature",
    "conditionsVersement",
    "datesPeriodeVersement",
    "idRAE",
    "notificationUE",
    "pourcentageSubvention",
    "dispositifAide",
]
OBJECT_MAX_LENGTH = 256
FUNDER_CHOICES = {"state": [Funder.STATE], "cnaf": [Funder.CNAF], "both": [Funder.STATE, Funder.CNAF]}


class FunderIdentityMissing(DomainError):
    pass


def funder_organisation(call: Call, funder: Funder) -> Organisation:
    """The organisation that grants on behalf of `funder`, with its SIRET (required by the SCDL)."""
    if funder == Funder.STATE:
        organisation = Organisation.objects.filter(
            kind=OrganisationKind.REGIONAL_PREFECTURE, region_id=call.region_id
        ).first()
        missing = _("la préfecture de la région %(region)s") % {"region": call.region.name}
    else:
        organisation = Organisation.objects.filter(kind=OrganisationKind.CNAF).first()
        missing = _("la Cnaf")
    if organisation is None:
        raise FunderIdentityMissing(
            _("Aucune organisation n’est enregistrée pour %(who)s : créez-la dans l’administration.") % {"who": missing}
        )
    if not organisation.siret:
        raise FunderIdentityMissing(
            _(
                "Le SIRET de l’organisation « %(name)s » n’est pas renseigné : "
                "complétez-le dans l’administration (Organisations) avant d’exporter."
            )
            % {"name": organisation.name}
        )
    return organisation


def laureate_awards(call: Call) -> QuerySet:
    return Award.objects.filter(application__call=call, application__status__in=AWARDED_STATUSES)


def _share(value: Decimal) -> str:
    """0.5000 → "0.5": the share as a plain decimal number between 0 and 1."""
    return format(Decimal(value).normalize(), "f")


def grantors(call: Call, funders: list[Funder]) -> list[tuple[Organisation, str]]:
    """(organisation, share) of each funder that pays a part of the call's grants."""
    shares = {Funder.STATE: call.state_share, Funder.CNAF: call.cnaf_share}
    return [(funder_organisation(call, funder), _share(shares[funder])) for funder in funders if shares[funder] > 0]


def scdl_rows(call: Call, grantors: list[tuple[Organisation, str]]):
    """The SCDL rows of the call's laureates: per laureate, one row per grantor."""
    period = f"{call.first_year}-01-01/{call.last_year}-12-31"
    current_timezone = timezone.get_current_timezone()
    awards = (
        laureate_awards(call)
        .order_by("application__reference")
        .values_list(
            "application__reference",
            "application__title",
            "application__applicant__legal_name",
            "application__applicant__siret",
            "application__applicant__rna",
            "approved_at",
            "total",
        )
    )
    for reference, title, legal_name, siret, rna, approved_at, total in awards.iterator(chunk_size=2000):
        decided_on = timezone.localtime(approved_at, current_timezone).date().isoformat()
        for organisation, share in grantors:
            yield [
                organisation.name,
                organisation.siret,
                decided_on,
                reference,
                legal_name,
                siret,
                rna,
                title[:OBJECT_MAX_LENGTH],
                f"{total:.2f}",
                "aide en numéraire",
                "échelonné",
                period,
                "",
                "non",
                share,
                call.reference,
            ]


def write_scdl(call: Call, funder: str = "both") -> bytes:
    """The SCDL file; FunderIdentityMissing names the organisation whose SIRET is missing."""
    rows = scdl_rows(call, grantors(call, FUNDER_CHOICES[funder]))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(SCDL_COLUMNS)
    # The file is public once the results are published: a title or a name written as a formula
    # must not run in the spreadsheet of whoever opens it.
    writer.writerows([neutralised(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def scdl_filename(call: Call, funder: str = "both") -> str:
    suffix = "" if funder == "both" else f"-{funder}"
    return f"{call.reference}-subventions-scdl{suffix}.csv"
