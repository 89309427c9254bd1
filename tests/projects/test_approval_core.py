from decimal import Decimal

import pytest

from projects.enums import Funder, Status
from projects.exceptions import EnvelopeExceeded
from tests.departments.factories import regional_approver
from tests.projects.factories import ApplicationFactory, CallFactory, award_for


def test_approval_creates_award_and_balanced_lines(db):
    application = ApplicationFactory(proposed=True)
    award = award_for(
        application, by=regional_approver(), amounts_by_year={2023: Decimal("10000.01"), 2024: Decimal("5000")}
    )
    application.refresh_from_db()
    assert application.status == Status.LAUREATE
    lines = {(line.funder, line.year): line.amount for line in award.lines.all()}
    assert lines == {
        (Funder.STATE, 2023): Decimal("5000.01"),
        (Funder.CNAF, 2023): Decimal("5000.00"),
        (Funder.STATE, 2024): Decimal("2500.00"),
        (Funder.CNAF, 2024): Decimal("2500.00"),
    }
    assert award.total == Decimal("15000.01")


def test_approval_beyond_the_envelope_is_refused_with_the_figures(db):
    call = CallFactory(envelope=Decimal("20000"))
    application = ApplicationFactory(proposed=True, call=call)
    with pytest.raises(EnvelopeExceeded, match="reste 20"):
        award_for(application, by=regional_approver())
    application.refresh_from_db()
    assert application.status == Status.PROPOSED
