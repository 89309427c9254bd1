import io
from decimal import Decimal

import pytest

from departments.demo import load_accounts
from projects.demo.applications import demo_application, load_call_and_applications
from projects.demo.awards import load_awards
from projects.demo.data import CALL, DEMO_APPLICATIONS
from projects.enums import Funder, Status
from projects.models import Award, FundingLine, Payment, StatusChange
from tests.projects.awards.factories import demo_at_committee_outcome


@pytest.fixture
def demo(db):
    out = io.StringIO()
    load_accounts(out)
    load_call_and_applications(out)
    return out


def test_awards_step_leaves_applications_that_have_not_reached_the_committee(demo):
    load_awards(demo)
    assert not Award.objects.exists()
    assert not StatusChange.objects.filter(to_status=Status.REJECTED).exists()
    assert "0 lauréats retenus" in demo.getvalue()


def test_awards_step_approves_rejects_and_follows_payments_once(demo):
    demo_at_committee_outcome()
    load_awards(demo)
    for entry in DEMO_APPLICATIONS:
        application = demo_application(entry)
        if entry["target"] in (Status.LAUREATE, Status.NOTIFIED):
            assert application.status == Status.LAUREATE
            assert application.award.total == sum(entry["awarded"].values())
            assert application.award.approved_by.username == "prefecture-76"
        elif entry["target"] == Status.PROPOSED:
            assert application.status == Status.PROPOSED  # left for the approver to decide in the demo
        elif entry["target"] == Status.REJECTED:
            assert application.status == Status.REJECTED
    committed = sum(award.total for award in Award.objects.all())
    waiting = sum(sum(e["awarded"].values()) for e in DEMO_APPLICATIONS if e["target"] == Status.PROPOSED)
    assert committed + waiting == CALL["envelope"] == Decimal("2395000.00")
    # Commitment numbers in the funders' forms, first-year payments on the laureates to be notified.
    state = FundingLine.objects.filter(funder=Funder.STATE).exclude(commitment_number="")
    cnaf = FundingLine.objects.filter(funder=Funder.CNAF).exclude(commitment_number="")
    assert state.exists() and all(len(line.commitment_number) == 10 for line in state)
    assert cnaf.exists() and all(line.commitment_number.startswith("CAF-") for line in cnaf)
    assert FundingLine.objects.filter(commitment_number="").exists()
    assert Payment.objects.exists() and set(Payment.objects.values_list("line__year", flat=True)) == {2023}
    paid_lines = FundingLine.objects.with_paid().filter(payments__isnull=False).distinct()
    assert any(line.paid < line.amount for line in paid_lines)  # an advance only

    counts = (Award.objects.count(), FundingLine.objects.count(), Payment.objects.count(), StatusChange.objects.count())
    numbers = sorted(FundingLine.objects.values_list("commitment_number", flat=True))
    load_awards(demo)
    after = (Award.objects.count(), FundingLine.objects.count(), Payment.objects.count(), StatusChange.objects.count())
    assert after == counts
    assert sorted(FundingLine.objects.values_list("commitment_number", flat=True)) == numbers
