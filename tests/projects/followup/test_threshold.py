"""The convention threshold is annual (décret n° 2001-495): one year above 23,000 € is enough, a total is not."""

from decimal import Decimal

import pytest

from projects.money import requires_convention
from tests.departments.factories import regional_approver
from tests.projects.awards.factories import laureate


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [
        ({2023: "23000.00"}, False),
        ({2023: "23000.01"}, True),
        ({2023: "23000.00", 2024: "23000.00", 2025: "23000.00"}, False),  # 69,000 € in all, never above in a year
        ({2023: "1000.00", 2024: "23000.01", 2025: "1000.00"}, True),
        ({2023: "22999.99", 2024: "22999.99"}, False),
    ],
)
def test_the_threshold_applies_to_each_year(amounts, expected):
    assert requires_convention(Decimal(amount) for amount in amounts.values()) is expected


@pytest.mark.parametrize(("amount", "expected"), [("23000.00", False), ("23000.01", True)])
def test_an_award_requires_a_convention_from_its_yearly_amounts(db, amount, expected):
    amounts = {2023: Decimal("5000"), 2024: Decimal(amount), 2025: Decimal("20000")}
    application = laureate(by=regional_approver(), amounts=amounts)
    assert application.award.requires_convention is expected
