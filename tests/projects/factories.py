"""Factories named for business situations: ApplicationFactory(reviewed=True), CallFactory(closed=True)…"""

import datetime
from decimal import Decimal

import factory
from stdnum import luhn

from departments.models import Department, Region
from projects.enums import CallStatus, Category, LegalForm, Status
from projects.models import Applicant, Application, Call, RequestedAmount, StatusChange


def valid_siret(n: int) -> str:
    """A SIRET whose SIREN and SIRET keys are right, unique per n."""
    siren = f"{n:08d}"
    siren += luhn.calc_check_digit(siren)
    establishment = siren + "0001"
    return establishment + luhn.calc_check_digit(establishment)


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call
        django_get_or_create = ["reference"]

    reference = "FIPE-OCC-2023"
    title = "Fonds d’innovation pour la petite enfance — Occitanie 2023"
    region = factory.LazyFunction(lambda: Region.objects.get(code="76"))
    opens_on = datetime.date(2023, 6, 9)
    closes_on = datetime.date(2023, 9, 15)
    first_year = 2023
    last_year = 2025
    envelope = Decimal("2395000.00")
    state_share = Decimal("0.5")
    state_budget_reference = "Programme 304 — action 14"
    cnaf_budget_reference = "FNAS — Fonds publics et territoires"
    status = CallStatus.OPEN

    class Params:
        closed = factory.Trait(status=CallStatus.CLOSED)
        published = factory.Trait(status=CallStatus.RESULTS_PUBLISHED)


class ApplicantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Applicant

    legal_name = factory.Sequence(lambda n: f"Communauté de communes n° {n}")
    legal_form = LegalForm.EPCI
    siret = factory.Sequence(lambda n: valid_siret(20000000 + n))
    address = "1 place de la Mairie"
    postal_code = "11000"
    commune = "Carcassonne"
    contact_name = "Jeanne Martin"
    contact_email = "jeanne.martin@example.org"

    class Params:
        association = factory.Trait(legal_form=LegalForm.ASSOCIATION, rna="W111000123")


class ApplicationFactory(factory.django.DjangoModelFactory):
    """An application with 10,000 € requested per programme year (30,000 € in all)."""

    class Meta:
        model = Application
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"FIPE-OCC-2023-011-{n + 1:03d}")
    call = factory.SubFactory(CallFactory)
    applicant = factory.SubFactory(ApplicantFactory)
    department = factory.LazyFunction(lambda: Department.objects.get(code="11"))
    commune = "Lézignan-Corbières"
    title = factory.Sequence(lambda n: f"Projet petite enfance n° {n}")
    summary = "Un projet pour accélérer le service public de la petite enfance."
    category = Category.NEW_PLACES
    qpv = False
    target_public = "Enfants de 0 à 3 ans et leurs parents"
    total_budget = Decimal("80000.00")
    status = Status.DRAFT

    class Params:
        submitted = factory.Trait(status=Status.SUBMITTED)
        in_review = factory.Trait(status=Status.IN_REVIEW)
        reviewed = factory.Trait(status=Status.REVIEWED)
        proposed = factory.Trait(status=Status.PROPOSED)
        not_proposed = factory.Trait(status=Status.NOT_PROPOSED)
        laureate = factory.Trait(status=Status.LAUREATE)
        notified = factory.Trait(status=Status.NOTIFIED)
        rejected = factory.Trait(status=Status.REJECTED)
        withdrawn = factory.Trait(status=Status.WITHDRAWN)

    @factory.post_generation
    def requested(self, create, extracted, **kwargs):
        """ApplicationFactory(requested={2023: Decimal("5000.00")}) sets the amounts requested per year."""
        if not create:
            return
        amounts = extracted or {year: Decimal("10000.00") for year in self.call.programme_years}
        RequestedAmount.objects.bulk_create(
            RequestedAmount(application=self, year=year, amount=amount) for year, amount in amounts.items()
        )
        self.requested_total = sum(amounts.values(), Decimal("0"))
        self.save(update_fields=["requested_total"])


def log_status(application, by, from_status=Status.DRAFT):
    """A history row for an application a factory put straight into its status."""
    return StatusChange.objects.create(
        application=application, from_status=from_status, to_status=application.status, by=by
    )


def award_for(application, *, by, amounts_by_year=None):
    """Approve a proposed application through the real service (default: 10,000 € per year)."""
    from projects.awards.services import approve_laureate

    amounts = amounts_by_year or {year: Decimal("10000.00") for year in application.call.programme_years}
    return approve_laureate(application=application, by=by, amounts_by_year=amounts)
