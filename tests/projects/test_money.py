from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from projects.enums import Funder
from projects.models import FundingLine
from projects.money import CENT, AmountField, check_year_amounts, parse_amount, split
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


# — The one per-year check and the one amount field ————————————————————————————————

YEARS = [2023, 2024, 2025]


def test_a_year_outside_the_programme_is_refused_on_that_year():
    checked = check_year_amounts({2026: "5000"}, years=YEARS)
    assert checked.problems == {2026: "L’année 2026 est hors du programme de l’appel (2023–2025)."}
    assert checked.amounts == {}


def test_a_year_that_is_not_a_number_is_refused_for_the_whole():
    assert check_year_amounts({"an deux": "5"}, years=YEARS).problems == {
        None: "« an deux » n’est pas une année du programme."
    }


def test_a_negative_year_amount_is_refused_naming_the_year():
    assert check_year_amounts({2024: "-1"}, years=YEARS).problems == {
        2024: "Le montant de 2024 ne peut pas être négatif."
    }


def test_an_unreadable_year_amount_is_refused_naming_the_year():
    assert check_year_amounts({2023: "beaucoup"}, years=YEARS).problems == {
        2023: "Montant 2023 : « beaucoup » n’est pas un montant."
    }


def test_a_year_above_its_request_is_refused_only_when_the_request_is_given():
    requested = {2023: Decimal("1000")}
    refused = check_year_amounts({2023: "1000,01"}, years=YEARS, requested=requested, what="proposé")
    assert refused.problems[2023].startswith("Le montant proposé pour 2023 (1\xa0000,01\xa0€) dépasse")
    assert check_year_amounts({2023: "1000,01"}, years=YEARS).amounts == {2023: Decimal("1000.01")}


def test_a_required_year_left_empty_is_asked_for_and_zero_is_an_answer():
    checked = check_year_amounts({2023: "", 2024: "0"}, years=YEARS, what="recommandé", required_years=[2023, 2024])
    assert checked.problems == {2023: "Indiquez le montant recommandé pour 2023 (0 si aucun)."}
    assert checked.amounts == {2024: Decimal("0.00")}


def test_the_checked_amounts_add_up_to_their_total():
    assert check_year_amounts({2023: "1 000,50", 2025: "99,50"}, years=YEARS).total == Decimal("1100.00")


@pytest.mark.parametrize(
    ("typed", "allow_zero", "error"),
    [
        ("-5", True, "Le montant ne peut pas être négatif."),
        ("0", False, "Le montant doit être supérieur à zéro."),
        ("abc", True, "« abc » n’est pas un montant : écrivez par exemple 12 345,67."),
    ],
)
def test_the_amount_field_refuses_what_is_not_an_amount_it_accepts(typed, allow_zero, error):
    field = AmountField(allow_zero=allow_zero)
    with pytest.raises(ValidationError) as refused:
        field.clean(typed)
    assert refused.value.messages == [error]


def test_the_amount_field_reads_french_amounts_and_shows_them_back_as_typed():
    field = AmountField()
    assert field.clean("12 345,67 €") == Decimal("12345.67")
    assert field.prepare_value(Decimal("12345.60")) == "12345,60"
