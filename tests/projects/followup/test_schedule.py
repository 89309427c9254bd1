"""The payment schedule: every condition of a payment, the refusal messages, the ceiling of line minus recoveries."""

from decimal import Decimal

import pytest

from projects.awards.services import record_payment
from projects.exceptions import DomainError
from projects.followup.schedule import PAID, PAYABLE, WAITING, line_state
from projects.followup.services import record_recovery
from projects.models import Payment
from tests.departments.factories import caf_instructor
from tests.projects.awards.factories import laureate
from tests.projects.followup.factories import (
    accepted_report,
    filed_report,
    laureate_under_terms,
    line_of,
    pay_day,
    signed_convention,
)

BIG = {2023: Decimal("30000"), 2024: Decimal("20000"), 2025: Decimal("10000")}


def pay(line, approver, amount):
    return record_payment(line=line, by=approver, paid_on=pay_day(), amount=Decimal(amount), reference="DP")


def states(line):
    items, _recovered = line_state(line)
    return [(item.kind, item.amount, item.state) for item in items]


def test_before_the_convention_is_signed_the_advance_waits_and_its_payment_is_refused(approver):
    application = laureate_under_terms(by=approver, amounts=BIG, notified=True)
    line = line_of(application)  # State 2023: 15,000 €
    assert states(line) == [("advance", Decimal("7500.00"), WAITING), ("balance", Decimal("7500.00"), WAITING)]
    with pytest.raises(DomainError) as refusal:
        pay(line, approver, "100")
    assert refusal.value.message == (
        "Versement refusé : Avance État 2023 (7\u00a0500,00\u00a0€) attend la condition « convention signée par "
        "les parties », qui n’est pas remplie ; versable aujourd’hui sur cette ligne : 0,00\u00a0€."
    )
    assert not Payment.objects.exists()


def test_once_the_convention_is_signed_the_advance_is_payable_and_not_more(approver):
    application = laureate_under_terms(by=approver, amounts=BIG)
    signed_convention(application, by=approver)
    line = line_of(application)
    assert states(line)[0][2] == PAYABLE
    pay(line, approver, "7500")
    assert states(line) == [("advance", Decimal("7500.00"), PAID), ("balance", Decimal("7500.00"), WAITING)]
    with pytest.raises(DomainError) as refusal:
        pay(line, approver, "0.01")
    assert refusal.value.message == (
        "Versement refusé : Solde État 2023 (7\u00a0500,00\u00a0€) attend la condition « compte rendu 2023 "
        "accepté », qui n’est pas remplie ; versable aujourd’hui sur cette ligne : 0,00\u00a0€."
    )


def test_without_a_convention_the_advance_waits_for_the_letter_to_be_notified(approver):
    waiting = laureate_under_terms(by=approver)
    with pytest.raises(DomainError, match="« lettre d’attribution notifiée »"):
        pay(line_of(waiting), approver, "2500")
    notified = laureate_under_terms(by=approver, notified=True)
    assert pay(line_of(notified), approver, "2500").amount == Decimal("2500.00")


def test_a_filed_report_not_yet_accepted_keeps_the_balance_waiting(approver):
    application = laureate_under_terms(by=approver, notified=True)
    line = line_of(application)
    pay(line, approver, "2500")
    filed_report(application)
    with pytest.raises(DomainError, match="« compte rendu 2023 accepté »"):
        pay(line, approver, "2500")


def test_once_the_year_report_is_accepted_the_balance_is_payable(approver):
    application = laureate_under_terms(by=approver, notified=True)
    line = line_of(application)
    pay(line, approver, "2500")
    accepted_report(application)
    assert states(line)[1][2] == PAYABLE
    pay(line, approver, "2500")
    assert states(line)[1][2] == PAID
    # The next year's balance still waits for its own report.
    with pytest.raises(DomainError, match="« compte rendu 2024 accepté »"):
        pay(line_of(application, year=2024), approver, "5000")


def test_an_accepted_report_does_not_pay_the_balance_before_the_convention(approver):
    application = laureate_under_terms(by=approver, amounts=BIG)
    accepted_report(application)
    line = line_of(application)
    items, _recovered = line_state(line)
    assert [item.why for item in items] == ["Attend : convention signée par les parties."] * 2
    with pytest.raises(DomainError, match="Avance État 2023 .* « convention signée par les parties »"):
        pay(line, approver, "0.01")


def test_payments_never_exceed_the_line_minus_recoveries(approver):
    application = laureate_under_terms(by=approver, notified=True)
    line = line_of(application)
    pay(line, approver, "2500")
    accepted_report(application, subsidy_used="4000")
    record_recovery(line=line, by=caf_instructor("11"), amount="1000", reason="Subvention non utilisée.")
    assert states(line) == [("advance", Decimal("2500.00"), PAID), ("balance", Decimal("1500.00"), PAYABLE)]
    with pytest.raises(DomainError) as refusal:
        pay(line, approver, "1500.01")
    assert refusal.value.message == (
        "Versement refusé : 1\u00a0500,01\u00a0€ dépasse le reste à verser sur la ligne État 2023 du dossier "
        f"{application.reference} (1\u00a0500,00\u00a0€ : 5\u00a0000,00\u00a0€ prévus, 2\u00a0500,00\u00a0€ déjà "
        "versés, 1\u00a0000,00\u00a0€ à reverser)."
    )
    pay(line, approver, "1500")
    assert Payment.objects.filter(line=line).count() == 2


def test_a_call_without_terms_pays_freely_up_to_the_line(approver):
    line = line_of(laureate(by=approver))
    assert states(line) == [("whole", Decimal("5000.00"), PAYABLE)]
    pay(line, approver, "5000")
    assert states(line) == [("whole", Decimal("5000.00"), PAID)]
