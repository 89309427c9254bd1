"""Situations for the imports, exports and results tests: laureates with awards, funders' SIRETs."""

import datetime
from decimal import Decimal

from departments.enums import OrganisationKind
from departments.models import Department, Organisation
from projects.enums import LetterKind
from projects.models import DecisionLetter, Payment, Signatory
from tests.projects.factories import ApplicationFactory, award_for, valid_siret


def laureate(*, by, department_code="11", amounts_by_year=None, **fields):
    """An application approved through the real service (10,000 € per year unless told), as requested."""
    application = ApplicationFactory(
        proposed=True, department=Department.objects.get(code=department_code), requested=amounts_by_year, **fields
    )
    award_for(application, by=by, amounts_by_year=amounts_by_year)
    application.refresh_from_db()
    return application


def with_commitments_payment_and_letter(application, *, by):
    """Commitment numbers on the award's lines, a first payment of the State line and a letter v2."""
    award = application.award
    for line in award.lines.all():
        line.commitment_number = f"{'EJ' if line.funder == 'state' else 'CAF'}-{line.year}-{application.pk}"
        line.save(update_fields=["commitment_number"])
    first_state_line = award.lines.filter(funder="state").order_by("year").first()
    Payment.objects.create(
        line=first_state_line, paid_on=datetime.date(2024, 1, 15), amount=Decimal("1000.00"), recorded_by=by
    )
    signatory = Signatory.objects.create(
        organisation=Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76"),
        first_name="Pierre-André",
        last_name="Durand",
        capacity="Le préfet de la région Occitanie",
    )
    for version in (1, 2):
        DecisionLetter.objects.create(
            application=application,
            kind=LetterKind.AWARD,
            version=version,
            file=f"letters/{application.pk}/award-v{version}.pdf",
            sha256=str(version) * 64,
            signatory=signatory,
            generated_by=by,
        )


def funders_with_sirets():
    """The regional prefecture of Occitanie and the Cnaf, with (made-up) SIRETs."""
    Organisation.objects.filter(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76").update(
        siret=valid_siret(1300)
    )
    Organisation.objects.filter(kind=OrganisationKind.CNAF).update(siret=valid_siret(1800))
