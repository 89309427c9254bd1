import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from projects.awards.services import record_payment, set_commitment_number
from projects.enums import Funder
from projects.exceptions import DomainError, PermissionRefused
from projects.models import FundingLine, Payment
from tests.departments.factories import administrator, caf_instructor, regional_approver
from tests.projects.awards.factories import (
    all_read_before_anyone_writes,
    in_threads,
    laureate,
    other_region_approver,
    pay_line,
)

PAID_ON = datetime.date(2024, 2, 15)


@pytest.fixture
def approver(db):
    return regional_approver()


@pytest.fixture
def line(approver):
    """The State 2023 line of a laureate: 5,000 € (half of 10,000 €)."""
    application = laureate(by=approver)
    return FundingLine.objects.get(award__application=application, funder=Funder.STATE, year=2023)


def paid_on(line) -> Decimal:
    return FundingLine.objects.with_paid().get(pk=line.pk).paid


def test_payments_are_recorded_up_to_the_amount_of_the_line(line, approver):
    first = record_payment(line=line, by=approver, paid_on=PAID_ON, amount=Decimal("2000"), reference=" DP-42 ")
    assert (first.amount, first.reference, first.recorded_by) == (Decimal("2000.00"), "DP-42", approver)
    record_payment(line=line, by=approver, paid_on=PAID_ON, amount=Decimal("3000"), reference="")
    assert paid_on(line) == line.amount == Decimal("5000.00")


def test_overpayment_is_refused_with_the_figures_and_nothing_recorded(line, approver):
    record_payment(line=line, by=approver, paid_on=PAID_ON, amount=Decimal("4000"), reference="DP-1")
    with pytest.raises(DomainError) as refusal:
        record_payment(line=line, by=approver, paid_on=PAID_ON, amount=Decimal("1000.01"), reference="DP-2")
    assert refusal.value.message == (
        f"Versement refusé : 1\u00a0000,01\u00a0€ dépasse le reste à verser sur la ligne État 2023 du dossier "
        f"{line.award.application.reference} (1\u00a0000,00\u00a0€ : 5\u00a0000,00\u00a0€ prévus, "
        "4\u00a0000,00\u00a0€ déjà versés)."
    )
    assert Payment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "Le montant du versement doit être supérieur à zéro."),
        (Decimal("-10"), "Le montant du versement doit être supérieur à zéro."),
        (Decimal("10.001"), "Montant du versement : « 10.001 » a plus de deux décimales."),
    ],
)
def test_a_payment_of_a_bad_amount_is_refused(line, approver, amount, message):
    with pytest.raises(DomainError) as refusal:
        record_payment(line=line, by=approver, paid_on=PAID_ON, amount=amount, reference="")
    assert refusal.value.message == message
    assert not Payment.objects.exists()


def test_a_payment_in_the_future_is_refused(line, approver):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with pytest.raises(DomainError, match="ne peut pas être dans le futur"):
        record_payment(line=line, by=approver, paid_on=tomorrow, amount=Decimal("10"), reference="")
    assert not Payment.objects.exists()


@pytest.mark.parametrize("make_user", [caf_instructor, administrator, other_region_approver])
def test_only_the_approver_records_payments_and_commitments(line, make_user):
    user = make_user()
    with pytest.raises(PermissionRefused, match="enregistrer un versement"):
        record_payment(line=line, by=user, paid_on=PAID_ON, amount=Decimal("10"), reference="")
    with pytest.raises(PermissionRefused, match="numéro d’engagement"):
        set_commitment_number(line=line, by=user, number="2103456789")
    assert not Payment.objects.exists()
    line.refresh_from_db()
    assert line.commitment_number == ""


def test_state_lines_take_a_chorus_legal_commitment_number(line, approver):
    set_commitment_number(line=line, by=approver, number=" 2103456789 ")
    line.refresh_from_db()
    assert line.commitment_number == "2103456789"
    with pytest.raises(DomainError, match="compte 10 chiffres"):
        set_commitment_number(line=line, by=approver, number="CAF-31-2023-0042")
    line.refresh_from_db()
    assert line.commitment_number == "2103456789"


def test_cnaf_lines_take_a_caf_reference_and_numbers_can_be_cleared(line, approver):
    cnaf = line.award.lines.get(funder=Funder.CNAF, year=2023)
    set_commitment_number(line=cnaf, by=approver, number="CAF-31-2023-0042")
    cnaf.refresh_from_db()
    assert cnaf.commitment_number == "CAF-31-2023-0042"
    with pytest.raises(DomainError, match="La référence Caf compte de 3 à 50 caractères"):
        set_commitment_number(line=cnaf, by=approver, number="<script>")
    set_commitment_number(line=cnaf, by=approver, number="")
    cnaf.refresh_from_db()
    assert cnaf.commitment_number == ""


def test_every_award_is_paid_at_most_its_total(approver):
    application = laureate(by=approver)
    for line in application.award.lines.all():
        pay_line(line, by=approver)
        with pytest.raises(DomainError):
            pay_line(line, by=approver, amount=Decimal("0.01"))
    lines = FundingLine.objects.filter(award=application.award).with_paid()
    assert sum(line.paid for line in lines) == application.award.total


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_payments_beyond_the_line_let_exactly_one_through():
    approver = regional_approver()
    application = laureate(by=approver)
    line = FundingLine.objects.get(award__application=application, funder=Funder.STATE, year=2023)
    with all_read_before_anyone_writes(Payment):
        results = in_threads(
            lambda: record_payment(line=line, by=approver, paid_on=PAID_ON, amount=Decimal("3000"), reference="A"),
            lambda: record_payment(line=line, by=approver, paid_on=PAID_ON, amount=Decimal("3000"), reference="B"),
        )
    assert sorted(type(result).__name__ for result in results) == ["DomainError", "Payment"]
    assert paid_on(line) == Decimal("3000.00")
