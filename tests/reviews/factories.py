import datetime
from decimal import Decimal

import factory

from departments.models import Department
from reviews.enums import MeetingStatus, Opinion, ProposalDecision, ReviewerKind
from reviews.models import (
    CommitteeMeeting,
    CommitteeMember,
    CommitteeProposal,
    ConflictDeclaration,
    Criterion,
    ProposedAmount,
    Review,
)
from tests.departments.factories import UserFactory, caf_instructor
from tests.projects.factories import ApplicationFactory, CallFactory


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion
        django_get_or_create = ["call", "code"]

    call = factory.SubFactory(CallFactory)
    code = factory.Sequence(lambda n: f"C{n + 1}")
    label = factory.LazyAttribute(lambda c: f"Critère {c.code}")
    weight = 1
    max_score = 5


class ConflictDeclarationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConflictDeclaration

    user = factory.SubFactory(UserFactory)
    application = factory.SubFactory(ApplicationFactory, in_review=True)
    has_conflict = False

    class Params:
        conflicted = factory.Trait(has_conflict=True, note="Je siège au conseil d’administration du porteur.")


class ReviewFactory(factory.django.DjangoModelFactory):
    """A draft Caf review; ReviewFactory(submitted=True, kind="ddets") for a submitted DDETS one."""

    class Meta:
        model = Review

    application = factory.SubFactory(ApplicationFactory, in_review=True)
    kind = ReviewerKind.CAF
    author = factory.SubFactory(UserFactory)
    opinion = Opinion.FAVOURABLE
    comment = "Projet solide, bien ancré dans le territoire."
    total = Decimal("80.0")

    class Params:
        submitted = factory.Trait(submitted_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC)))


class CommitteeMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMeeting

    call = factory.SubFactory(CallFactory)
    department = factory.LazyFunction(lambda: Department.objects.get(code="11"))
    date = datetime.date(2023, 11, 20)
    place = "Préfecture de l’Aude, Carcassonne"
    created_by = factory.SubFactory(UserFactory)
    status = MeetingStatus.OPEN

    class Params:
        closed = factory.Trait(
            status=MeetingStatus.CLOSED, closed_at=factory.LazyFunction(lambda: datetime.datetime.now(datetime.UTC))
        )


class CommitteeMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommitteeMember

    meeting = factory.SubFactory(CommitteeMeetingFactory)
    name = factory.Sequence(lambda n: f"Membre {n}")
    organisation = "Caf de l’Aude"
    capacity = "Directrice"


class CommitteeProposalFactory(factory.django.DjangoModelFactory):
    """A proposal for 10,000 € per programme year; the application is at `proposed`."""

    class Meta:
        model = CommitteeProposal
        skip_postgeneration_save = True

    meeting = factory.SubFactory(CommitteeMeetingFactory, closed=True)
    application = factory.SubFactory(ApplicationFactory, proposed=True)
    decision = ProposalDecision.PROPOSED
    rank = factory.Sequence(lambda n: n + 1)
    reasons = "Projet structurant pour le territoire."
    proposed_total = Decimal("30000.00")

    @factory.post_generation
    def amounts(self, create, extracted, **kwargs):
        if not create:
            return
        amounts = extracted or {year: Decimal("10000.00") for year in self.application.call.programme_years}
        ProposedAmount.objects.bulk_create(ProposedAmount(proposal=self, year=y, amount=a) for y, a in amounts.items())
        self.proposed_total = sum(amounts.values(), Decimal("0"))
        self.save(update_fields=["proposed_total"])


def declared_caf_instructor(application, department_code: str = "11"):
    """A Caf instructor of the department who declared no conflict with the file, so sees all of it."""
    user = caf_instructor(department_code)
    ConflictDeclaration.objects.create(user=user, application=application, has_conflict=False)
    return user
