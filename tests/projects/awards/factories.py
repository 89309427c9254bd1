"""Business situations of the awards capability: proposals waiting for approval, laureates, payments."""

import datetime
import threading
from contextlib import contextmanager, suppress
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import connections

from departments.enums import OrganisationKind, Role
from departments.models import Department, Membership, Organisation, Region
from projects.awards.services import approve_laureate, record_payment
from projects.demo.applications import demo_application
from projects.demo.data import DEMO_APPLICATIONS, LAUREATE_TARGETS
from projects.enums import Status
from projects.models import Application, FundingLine
from reviews.enums import Opinion, ProposalDecision, ReviewerKind
from reviews.models import CommitteeMeeting
from tests.departments.factories import UserFactory
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.reviews.factories import CommitteeMeetingFactory, CommitteeProposalFactory, ReviewFactory


def years_of(call, amount: str) -> dict[int, Decimal]:
    return dict.fromkeys(call.programme_years, Decimal(amount))


def staff_author():
    """The author of the reviews and meetings of these situations; no password, so no slow hashing per row."""
    user, _created = get_user_model().objects.get_or_create(username="auteur-des-avis", defaults={"first_name": "Avis"})
    return user


def meeting_for(call, department_code: str) -> CommitteeMeeting:
    """The CDSF meeting of a department for the call, created once."""
    meeting = CommitteeMeeting.objects.filter(call=call, department__code=department_code).first()
    return meeting or CommitteeMeetingFactory(
        call=call, department=Department.objects.get(code=department_code), created_by=staff_author()
    )


def proposed_application(*, call=None, department: str = "11", amounts=None, rank=None, opinions=None):
    """An application proposed by its department's CDSF, with both reviews submitted.

    `amounts`: the amounts proposed per year (default 10,000 € per programme year).
    `opinions`: (Caf opinion, DDETS opinion), favourable by default.
    """
    call = call or CallFactory()
    application = ApplicationFactory(
        call=call, proposed=True, department=Department.objects.get(code=department), requested=amounts
    )
    caf, ddets = opinions or (Opinion.FAVOURABLE, Opinion.FAVOURABLE)
    author = staff_author()
    ReviewFactory(application=application, kind=ReviewerKind.CAF, opinion=caf, submitted=True, author=author)
    ReviewFactory(
        application=application,
        kind=ReviewerKind.DDETS,
        opinion=ddets,
        submitted=True,
        total=Decimal("72.5"),
        author=author,
    )
    extra = {"rank": rank} if rank is not None else {}
    CommitteeProposalFactory(
        application=application,
        meeting=meeting_for(call, department),
        amounts=amounts or years_of(call, "10000"),
        **extra,
    )
    return application


def not_proposed_application(*, call=None, department: str = "11"):
    call = call or CallFactory()
    application = ApplicationFactory(call=call, not_proposed=True, department=Department.objects.get(code=department))
    CommitteeProposalFactory(
        application=application,
        meeting=meeting_for(call, department),
        decision=ProposalDecision.NOT_PROPOSED,
        rank=None,
        reasons="Projet insuffisamment abouti.",
    )
    return application


def laureate(*, by, call=None, department: str = "11", amounts=None):
    """A laureate approved through the real service (10,000 € per programme year by default)."""
    application = proposed_application(call=call, department=department, amounts=amounts)
    approve_laureate(application=application, by=by, amounts_by_year=amounts or years_of(application.call, "10000"))
    application.refresh_from_db()
    return application


def pay_line(line: FundingLine, *, by, amount=None, paid_on=datetime.date(2024, 2, 1)):
    return record_payment(line=line, by=by, paid_on=paid_on, amount=amount or line.amount, reference="DP-1")


def other_region_approver():
    """An approver of the regional prefecture of Hauts-de-France: not Occitanie's."""
    organisation, _created = Organisation.objects.get_or_create(
        kind=OrganisationKind.REGIONAL_PREFECTURE,
        region=Region.objects.get(code="32"),
        defaults={"name": "Préfecture de la région Hauts-de-France"},
    )
    user = UserFactory()
    Membership.objects.create(user=user, organisation=organisation, role=Role.APPROVER)
    return user


def demo_at_committee_outcome() -> None:
    """What the reviews step leaves: laureates-to-be at `proposed` with a proposal, refusals at `not_proposed`.

    Written straight into the statuses, as the factories do: the reviews capability is not part of this branch.
    """
    for entry in DEMO_APPLICATIONS:
        application = demo_application(entry)
        if entry["target"] in LAUREATE_TARGETS:
            Application.objects.filter(pk=application.pk).update(status=Status.PROPOSED)
            CommitteeProposalFactory(
                application=application,
                meeting=meeting_for(application.call, entry["department"]),
                amounts=entry["awarded"],
            )
        elif entry["target"] == Status.REJECTED:
            Application.objects.filter(pk=application.pk).update(status=Status.NOT_PROPOSED)


def in_threads(*targets):
    """Run each target in its own thread (own database connection), all released at the same moment."""
    barrier = threading.Barrier(len(targets))
    results = [None] * len(targets)

    def run(index, target):
        try:
            barrier.wait()
            results[index] = target()
        except Exception as error:  # the test inspects what each thread got
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, target)) for index, target in enumerate(targets)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def meeting_point(*, parties: int = 2, timeout: float = 1.0):
    """A function where `parties` threads wait for one another, `timeout` seconds at most.

    After the timeout each goes on alone: the others are blocked on a row lock, as they should be.
    """
    barrier = threading.Barrier(parties, timeout=timeout)

    def meet():
        with suppress(threading.BrokenBarrierError):
            barrier.wait()

    return meet


@contextmanager
def all_read_before_anyone_writes(model, *, parties: int = 2, timeout: float = 1.0):
    """Hold each `model.objects.create()` until `parties` threads are there, or `timeout` seconds have passed.

    Without a row lock, every thread then reads the figures before any of them writes, so a missing
    lock lets them all through every time, not only when the scheduler happens to interleave them.
    With the lock, the others wait for the row instead: the first writes once the timeout is over.
    """
    meet = meeting_point(parties=parties, timeout=timeout)
    create = model.objects.create

    def create_when_all_have_read(**fields):
        meet()
        return create(**fields)

    with mock.patch.object(model.objects, "create", create_when_all_have_read):
        yield
