from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from projects.enums import Funder
from projects.models import FundingLine
from projects.money import CENT, parse_amount, split
from tests.departments.factories import regional_approver
from tests.projects.awards.factories import laureate
from tests.projects.factories import CallFactory

# Amounts chosen to hit every rounding case: odd cents, half cents after the split, tiny and large amounts.
AMOUNTS = [
    Decimal(f"{euros}.{cents:02d}") for euros in (0, 1, 7, 999, 10000, 23000, 123457) for cents in range(0, 100, 7)
]
SHARES = [Decimal("0.5"), Decimal("0.6"), Decimal("0.3333"), Decimal("0.05"), Decimal("0"), Decimal("1")]


def test_split_gives_the_odd_cent_to_the_state():
    """Every amount from 0.01 € to 10,000.00 €, by steps of 7 cents (odd and even alike), split 50/50."""
    assert split(Decimal("10000.01"), Decimal("0.5")) == (Decimal("5000.01"), Decimal("5000.00"))
    for cents in range(1, 1_000_001, 7):
        amount = Decimal(cents).scaleb(-2)
        state, cnaf = split(amount, Decimal("0.5"))
        assert state + cnaf == amount, amount
        assert state - cnaf == (CENT if cents % 2 else 0), amount


def test_over_the_programme_the_state_gets_one_odd_cent_per_year_and_no_more():
    """The split is made year by year, so the odd cents of the years add up on the State's side."""
    for cents in range(1, 1_000_001, 997):
        amounts = [Decimal(cents).scaleb(-2), Decimal(cents + 1).scaleb(-2), Decimal(3 * cents + 2).scaleb(-2)]
        lines = [split(amount, Decimal("0.5")) for amount in amounts]
        state, cnaf = sum(line[0] for line in lines), sum(line[1] for line in lines)
        odd_years = sum(amount / CENT % 2 for amount in amounts)
        assert state + cnaf == sum(amounts)
        assert state - cnaf == odd_years * CENT, amounts


def test_split_with_another_state_share_rounds_half_up():
    assert split(Decimal("10000.01"), Decimal("0.6")) == (Decimal("6000.01"), Decimal("4000.00"))
    assert split(Decimal("0.05"), Decimal("0.5")) == (Decimal("0.03"), Decimal("0.02"))


def test_split_refuses_an_amount_with_fractions_of_a_cent():
    with pytest.raises(ValueError, match="more than two decimal places"):
        split(Decimal("10.001"), Decimal("0.5"))


@pytest.mark.parametrize(
    ("raw", "message"),
    [("1e30", "n’est pas un montant"), ("9" * 40, "dépasse le montant maximal"), (Decimal("1e30"), "dépasse")],
)
def test_an_amount_too_large_to_count_in_cents_is_refused_not_a_crash(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(raw)


def test_split_always_adds_up_to_the_amount():
    for share in SHARES:
        for amount in AMOUNTS:
            state, cnaf = split(amount, share)
            assert state + cnaf == amount, (amount, share)
            assert state >= 0 and cnaf >= 0
            assert abs(state - amount * share) <= Decimal("0.005"), (amount, share)


@pytest.mark.parametrize("share", [Decimal("0.5"), Decimal("0.6"), Decimal("0.3333")])
def test_funding_lines_add_up_to_the_award_per_year_and_in_total(db, share):
    call = CallFactory(envelope=Decimal("99999999"), state_share=share)
    approver = regional_approver()
    odd = [amount for amount in AMOUNTS if amount > 0][::3]
    for index in range(0, len(odd) - 2, 3):
        amounts = dict(zip(call.programme_years, odd[index : index + 3], strict=True))
        application = laureate(by=approver, call=call, amounts=amounts)
        award = application.award
        lines = list(award.lines.all())
        for amount in award.amounts.all():
            year_lines = [line for line in lines if line.year == amount.year]
            assert sum(line.amount for line in year_lines) == amount.amount
            assert {line.funder for line in year_lines} <= {Funder.STATE, Funder.CNAF}
        assert sum(line.amount for line in lines) == award.total == sum(amounts.values())


def test_the_database_refuses_an_empty_or_duplicate_funding_line(db):
    line = laureate(by=regional_approver()).award.lines.get(funder=Funder.STATE, year=2023)
    duplicate = {"award": line.award, "funder": line.funder, "year": line.year, "amount": Decimal("1")}
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingLine.objects.create(**duplicate)
    with pytest.raises(IntegrityError), transaction.atomic():
        FundingLine.objects.create(**{**duplicate, "year": 2026, "amount": Decimal("0")})
    assert line.award.lines.count() == 6


@pytest.mark.parametrize(
    ("raw", "amount"),
    [
        ("12 345,67", "12345.67"),
        ("12345.67", "12345.67"),
        ("12\u00a0345,67", "12345.67"),
        ("12\u202f345,67\u00a0€", "12345.67"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("-12,5", "-12.50"),
        ("999 999 999 999,99", "999999999999.99"),
        (Decimal("999999999999.99"), "999999999999.99"),
    ],
)
def test_parse_amount_reads_what_french_users_type(raw, amount):
    assert parse_amount(raw) == Decimal(amount)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("12,345", "« 12,345 » a plus de deux décimales"),
        ("1e5", "« 1e5 » n’est pas un montant"),
        # What a spreadsheet writes for a number too wide for its cell: the digits are lost.
        ("1,23457E+11", "« 1,23457E+11 » n’est pas un montant"),
        ("1_000", "« 1_000 » n’est pas un montant"),
        ("\u0661\u0662", "« \u0661\u0662 » n’est pas un montant"),
        ("12.34.56,00", "« 12.34.56,00 » n’est pas un montant"),
        ("1,2345.00", "« 1,2345.00 » n’est pas un montant"),
        (True, "« True » n’est pas un montant"),
    ],
)
def test_parse_amount_refuses_what_it_cannot_read_for_sure(raw, message):
    with pytest.raises(ValueError) as refusal:
        parse_amount(raw)
    assert str(refusal.value) == message


@pytest.mark.parametrize("raw", ["1 000 000 000 000,00", "-1000000000000", "9" * 29, Decimal("1E+30")])
def test_parse_amount_refuses_more_digits_than_the_database_keeps(raw):
    with pytest.raises(ValueError) as refusal:
        parse_amount(raw)
    assert str(refusal.value) == f"« {raw} » dépasse le montant maximal (999\u00a0999\u00a0999\u00a0999,99\u00a0€)"
