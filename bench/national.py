"""A national-scale call for the benchmarks, written with bulk inserts.

Thirteen metropolitan regions' worth: one call per region, 10,000 applications with their
two reviews, 2,000 committee proposals and 1,000 awards with their funding lines and
payments. The rows are inserted directly (not through the workflow) because only their
volume matters here; their statuses and amounts are consistent with the workflow's rules.
"""

import datetime
import random
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from departments.enums import OrganisationKind, Role
from departments.models import Department, Membership, Organisation, Region
from projects.enums import Category, Funder, LegalForm, Status
from projects.models import (
    Applicant,
    Application,
    Award,
    AwardAmount,
    Call,
    FundingLine,
    Payment,
    RequestedAmount,
    StatusChange,
)
from projects.money import split
from reviews.enums import DEFAULT_CRITERIA, MeetingStatus, Opinion, ProposalDecision
from reviews.models import CommitteeMeeting, CommitteeProposal, Criterion, ProposedAmount, Review, ReviewScore
from tests.projects.factories import valid_siret

METROPOLITAN_REGIONS = ["11", "24", "27", "28", "32", "44", "52", "53", "75", "76", "84", "93", "94"]
YEARS = [2023, 2024, 2025]
PASSWORD = "bench-password"


def _user(username, **extra):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults=extra)
    if created:
        user.set_password(PASSWORD)
        user.save()
    return user


def bench_users() -> dict:
    """A regional approver and an administrator of Occitanie, a Caf instructor and the CDSF of the Haute-Garonne."""
    approver = _user("bench-approver")
    instructor = _user("bench-instructor")
    secretary = _user("bench-secretary")
    administrator = _user("bench-admin", is_staff=True)
    regional = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76")
    caf = Organisation.objects.get(kind=OrganisationKind.CAF, department__code="31")
    prefecture = Organisation.objects.get(kind=OrganisationKind.PREFECTURE, department__code="31")
    Membership.objects.get_or_create(user=approver, organisation=regional, role=Role.APPROVER)
    Membership.objects.get_or_create(user=instructor, organisation=caf, role=Role.INSTRUCTOR)
    Membership.objects.get_or_create(user=secretary, organisation=prefecture, role=Role.COMMITTEE_SECRETARY)
    Membership.objects.get_or_create(user=administrator, organisation=regional, role=Role.ADMIN)
    return {"approver": approver, "instructor": instructor, "secretary": secretary, "admin": administrator}


def signed_in_users(count: int) -> list:
    """`count` approvers of the Occitanie region, for the load test's concurrent sessions."""
    regional = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76")
    users = []
    for n in range(count):
        user = _user(f"load-approver-{n}")
        Membership.objects.get_or_create(user=user, organisation=regional, role=Role.APPROVER)
        users.append(user)
    return users


def populate_small():
    """The Occitanie call's shape with 100 applications, to compare query counts and times."""
    return populate(applications=100, proposals=20, awards=10, regions=["76"], prefix="SMALL")["calls_by_region"]["76"]


def ensure_populated() -> dict:
    """Fill the bench database once per run; later calls return the same figures."""
    if not _populated:
        started = time.perf_counter()
        _populated.update(populate())
        _populated["seconds"] = time.perf_counter() - started
    return _populated


_populated: dict = {}


@transaction.atomic
def populate(
    *,
    applications: int = 10_000,
    proposals: int = 2_000,
    awards: int = 1_000,
    regions: list[str] = METROPOLITAN_REGIONS,
    prefix: str = "BENCH",
    seed: int = 2023,
) -> dict:
    rng = random.Random(seed)
    users = bench_users()
    author = users["approver"]
    regions = list(Region.objects.filter(code__in=regions))
    calls = []
    for region in regions:
        call, _ = Call.objects.get_or_create(
            reference=f"{prefix}-{region.code}-2023",
            defaults={
                "title": f"FIPE {region.name} 2023",
                "region": region,
                "opens_on": datetime.date(2023, 6, 1),
                "closes_on": datetime.date(2023, 9, 30),
                "first_year": 2023,
                "last_year": 2025,
                "envelope": Decimal("50000000.00"),
                "status": "closed",
            },
        )
        for code, label, weight, max_score in DEFAULT_CRITERIA:
            Criterion.objects.get_or_create(
                call=call, code=code, defaults={"label": label, "weight": weight, "max_score": max_score}
            )
        calls.append(call)
    departments_by_region = {}
    for department in Department.objects.filter(region__in=regions):
        departments_by_region.setdefault(department.region_id, []).append(department)
    # Occitanie gets its share like every region; its departments are the ones the bench users see.
    applicants = Applicant.objects.bulk_create(
        Applicant(
            legal_name=f"Porteur {n}",
            legal_form=rng.choice([LegalForm.COMMUNE, LegalForm.EPCI, LegalForm.CCAS]),
            siret=valid_siret((70_000_000 if prefix == "BENCH" else 80_000_000) + n),
            address=f"{n} rue de la Paix",
            postal_code="31000",
            commune="Toulouse",
            contact_name="Contact",
            contact_email=f"contact{n}@example.org",
        )
        for n in range(applications // 2)
    )
    counters: dict[tuple[int, int], int] = {}
    rows = []
    # Statuses: the first `awards` are laureates, the next proposals are proposed, then reviewed, then the rest.
    for n in range(applications):
        call = calls[n % len(calls)]
        department = rng.choice(departments_by_region[call.region_id])
        key = (call.pk, department.pk)
        counters[key] = counters.get(key, 0) + 1
        if n < awards:
            status = Status.LAUREATE if n % 2 else Status.NOTIFIED
        elif n < proposals:
            status = Status.PROPOSED
        elif n < proposals + applications * 3 // 10:
            status = Status.REVIEWED
        else:
            status = rng.choice([Status.SUBMITTED, Status.IN_REVIEW, Status.REJECTED, Status.NOT_PROPOSED])
        rows.append(
            Application(
                reference=f"{call.reference}-{department.padded_code}-{counters[key]:04d}",
                call=call,
                applicant=applicants[n % len(applicants)],
                department=department,
                commune=f"Commune {n % 500}",
                title=f"Projet petite enfance {n}",
                summary="Projet de démonstration pour les mesures de performance.",
                category=rng.choice(Category.values),
                qpv=n % 4 == 0,
                total_budget=Decimal("150000.00"),
                requested_total=Decimal("90000.00"),
                status=status,
                submitted_at=timezone.now(),
            )
        )
    apps = Application.objects.bulk_create(rows, batch_size=2000)
    RequestedAmount.objects.bulk_create(
        (RequestedAmount(application=a, year=y, amount=Decimal("30000.00")) for a in apps for y in YEARS),
        batch_size=5000,
    )
    StatusChange.objects.bulk_create(
        (StatusChange(application=a, from_status=Status.SUBMITTED, to_status=a.status, by=author) for a in apps),
        batch_size=5000,
    )
    criteria = {call.pk: list(call.criteria.all()) for call in calls}
    reviews = Review.objects.bulk_create(
        (
            Review(
                application=a,
                kind=kind,
                author=author,
                opinion=rng.choice(Opinion.values),
                total=Decimal(rng.randint(40, 100)),
                submitted_at=timezone.now(),
            )
            for a in apps
            if a.status != Status.SUBMITTED
            for kind in ("caf", "ddets")
        ),
        batch_size=5000,
    )
    ReviewScore.objects.bulk_create(
        (
            ReviewScore(review=r, criterion=c, score=rng.randint(0, c.max_score))
            for r in reviews
            for c in criteria[r.application.call_id]
        ),
        batch_size=10000,
    )
    meetings = {}
    proposals_rows = []
    for rank, a in enumerate(apps[:proposals], start=1):
        key = (a.call_id, a.department_id)
        if key not in meetings:
            meetings[key] = CommitteeMeeting.objects.create(
                call_id=a.call_id,
                department_id=a.department_id,
                date=datetime.date(2023, 11, 15),
                place="Préfecture",
                status=MeetingStatus.CLOSED,
                created_by=author,
                closed_at=timezone.now(),
            )
        proposals_rows.append(
            CommitteeProposal(
                meeting=meetings[key],
                application=a,
                decision=ProposalDecision.PROPOSED,
                rank=rank,
                reasons="Projet retenu par le comité.",
                proposed_total=Decimal("90000.00"),
            )
        )
    proposals_made = CommitteeProposal.objects.bulk_create(proposals_rows, batch_size=2000)
    ProposedAmount.objects.bulk_create(
        (ProposedAmount(proposal=p, year=y, amount=Decimal("30000.00")) for p in proposals_made for y in YEARS),
        batch_size=5000,
    )
    awards_made = Award.objects.bulk_create(
        (Award(application=a, total=Decimal("90000.00"), approved_by=author) for a in apps[:awards]), batch_size=2000
    )
    AwardAmount.objects.bulk_create(
        (AwardAmount(award=w, year=y, amount=Decimal("30000.00")) for w in awards_made for y in YEARS), batch_size=5000
    )
    lines = []
    for w in awards_made:
        for y in YEARS:
            state, cnaf = split(Decimal("30000.00"), Decimal("0.5"))
            lines.append(
                FundingLine(award=w, funder=Funder.STATE, year=y, amount=state, commitment_number=f"21{w.pk:08d}")
            )
            lines.append(FundingLine(award=w, funder=Funder.CNAF, year=y, amount=cnaf))
    lines = FundingLine.objects.bulk_create(lines, batch_size=5000)
    Payment.objects.bulk_create(
        (
            Payment(
                line=line, paid_on=datetime.date(2024, 3, 1), amount=line.amount, reference="V1", recorded_by=author
            )
            for line in lines
            if line.year == 2023
        ),
        batch_size=5000,
    )
    if connection.vendor == "postgresql":
        # Production's tables have statistics (autovacuum keeps them); freshly bulk-inserted ones do not
        # until autovacuum's next pass, and without them the planner takes a few thousand rows for a few
        # hundred: the dashboards' line queries ran five times slower than they do once analysed.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "calls": calls,
        "calls_by_region": {call.region.code: call for call in calls},
        "users": users,
        "applications": len(apps),
        "awards": len(awards_made),
    }
