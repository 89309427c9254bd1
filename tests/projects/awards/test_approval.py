from decimal import Decimal

import pytest
from django.db import connection

from departments.models import Department
from projects.awards.services import approve_laureate, approve_selection, committed_total, reject_application
from projects.enums import Funder, Status
from projects.exceptions import DomainError, EnvelopeExceeded, PermissionRefused, SelectionRefused, TransitionNotAllowed
from projects.models import Application, Award, DepartmentEnvelope, FundingLine, StatusChange, YearEnvelope
from tests.departments.factories import (
    administrator,
    caf_instructor,
    committee_secretary,
    regional_approver,
)
from tests.projects.awards.factories import (
    all_read_before_anyone_writes,
    in_threads,
    not_proposed_application,
    other_region_approver,
    proposed_application,
    years_of,
)
from tests.projects.factories import ApplicationFactory, CallFactory


def assert_nothing_approved(*applications):
    for application in applications:
        application.refresh_from_db()
        assert application.status == Status.PROPOSED
        assert not Award.objects.filter(application=application).exists()
        assert not application.status_changes.filter(to_status=Status.LAUREATE).exists()
    assert not FundingLine.objects.exists()


def test_approval_makes_a_laureate_with_its_lines_and_history(db):
    approver = regional_approver()
    amounts = {2023: Decimal("12000.01"), 2024: Decimal("8000")}
    application = proposed_application(amounts=amounts)
    award = approve_laureate(application=application, by=approver, amounts_by_year=amounts)
    application.refresh_from_db()
    assert application.status == Status.LAUREATE
    assert award.total == Decimal("20000.01")
    assert award.approved_by == approver
    assert {(a.year, a.amount) for a in award.amounts.all()} == {(2023, Decimal("12000.01")), (2024, Decimal("8000"))}
    lines = {(line.funder, line.year): (line.amount, line.budget_reference) for line in award.lines.all()}
    assert lines == {
        (Funder.STATE, 2023): (Decimal("6000.01"), "Programme 304 — action 14"),
        (Funder.CNAF, 2023): (Decimal("6000.00"), "FNAS — Fonds publics et territoires"),
        (Funder.STATE, 2024): (Decimal("4000.00"), "Programme 304 — action 14"),
        (Funder.CNAF, 2024): (Decimal("4000.00"), "FNAS — Fonds publics et territoires"),
    }
    change = application.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == (Status.PROPOSED, Status.LAUREATE, approver)


def test_a_year_left_at_zero_gets_no_line(db):
    application = proposed_application()
    award = approve_laureate(
        application=application,
        by=regional_approver(),
        amounts_by_year={2023: Decimal("5000"), 2024: Decimal("0"), 2025: Decimal("5000")},
    )
    assert sorted({line.year for line in award.lines.all()}) == [2023, 2025]


def test_a_full_state_share_writes_no_empty_cnaf_line(db):
    application = proposed_application(call=CallFactory(state_share=Decimal("1")))
    award = approve_laureate(application=application, by=regional_approver(), amounts_by_year={2023: Decimal("100")})
    assert [(line.funder, line.amount) for line in award.lines.all()] == [(Funder.STATE, Decimal("100.00"))]


def test_envelope_overflow_is_refused_with_the_figures(db):
    approver = regional_approver()
    call = CallFactory(envelope=Decimal("50000"))
    approve_laureate(application=proposed_application(call=call), by=approver, amounts_by_year=years_of(call, "10000"))
    application = proposed_application(call=call)
    with pytest.raises(EnvelopeExceeded) as refusal:
        approve_laureate(application=application, by=approver, amounts_by_year=years_of(call, "10000"))
    message = refusal.value.message
    assert application.reference in message
    for figure in (
        "30\u00a0000,00\u00a0€",
        "60\u00a0000,00\u00a0€",
        "50\u00a0000,00\u00a0€",
        "reste 20\u00a0000,00\u00a0€",
    ):
        assert figure in message, message
    application.refresh_from_db()
    assert application.status == Status.PROPOSED
    assert Award.objects.count() == 1


def test_exactly_the_remaining_envelope_is_accepted(db):
    call = CallFactory(envelope=Decimal("30000"))
    approve_laureate(
        application=proposed_application(call=call), by=regional_approver(), amounts_by_year=years_of(call, "10000")
    )
    assert Award.objects.get().total == call.envelope


def test_no_year_is_awarded_more_than_was_requested_for_it(db):
    approver = regional_approver()
    application = proposed_application(amounts={2023: Decimal("10000"), 2024: Decimal("5000")})
    with pytest.raises(DomainError) as refusal:
        approve_laureate(
            application=application, by=approver, amounts_by_year={2023: Decimal("5000"), 2024: Decimal("5000.01")}
        )
    assert refusal.value.message == (
        "Le montant attribué pour 2024 (5\u00a0000,01\u00a0€) dépasse le montant demandé cette année-là "
        "(5\u00a0000,00\u00a0€)."
    )
    assert_nothing_approved(application)
    award = approve_laureate(
        application=application, by=approver, amounts_by_year={2023: Decimal("10000"), 2024: Decimal("5000")}
    )
    assert award.total == Decimal("15000")


def test_one_cent_over_the_remaining_envelope_is_refused(db):
    approver = regional_approver()
    call = CallFactory(envelope=Decimal("30000.02"))
    application = proposed_application(call=call, amounts={2023: Decimal("30000.03")})
    with pytest.raises(EnvelopeExceeded) as refusal:
        approve_laureate(application=application, by=approver, amounts_by_year={2023: Decimal("30000.03")})
    assert refusal.value.message == (
        f"Enveloppe de l’appel dépassée pour le dossier {application.reference} : 0,00\u00a0€ déjà engagés "
        "+ 30\u00a0000,03\u00a0€ demandés = 30\u00a0000,03\u00a0€, pour une enveloppe de 30\u00a0000,02\u00a0€ "
        "(reste 30\u00a0000,02\u00a0€)."
    )
    assert approve_laureate(application=application, by=approver, amounts_by_year={2023: Decimal("30000.02")})


def test_exactly_the_remaining_department_envelope_is_accepted_and_one_cent_more_refused(db):
    approver = regional_approver()
    call = CallFactory()
    DepartmentEnvelope.objects.create(
        call=call, department=Department.objects.get(code="11"), amount=Decimal("20000.01")
    )
    approve_laureate(
        application=proposed_application(call=call, amounts={2023: Decimal("10000")}),
        by=approver,
        amounts_by_year={2023: Decimal("10000")},
    )
    application = proposed_application(call=call, amounts={2023: Decimal("10000.02")})
    with pytest.raises(EnvelopeExceeded) as refusal:
        approve_laureate(application=application, by=approver, amounts_by_year={2023: Decimal("10000.02")})
    assert refusal.value.message == (
        f"Enveloppe du département Aude dépassée pour le dossier {application.reference} : "
        "10\u00a0000,00\u00a0€ déjà engagés + 10\u00a0000,02\u00a0€ demandés = 20\u00a0000,02\u00a0€, "
        "pour une enveloppe de 20\u00a0000,01\u00a0€ (reste 10\u00a0000,01\u00a0€)."
    )
    approve_laureate(application=application, by=approver, amounts_by_year={2023: Decimal("10000.01")})
    assert committed_total(call=call, department=application.department) == Decimal("20000.01")


def test_departmental_envelope_is_checked_too(db):
    approver = regional_approver()
    call = CallFactory()
    DepartmentEnvelope.objects.create(call=call, department=Department.objects.get(code="11"), amount=Decimal("45000"))
    approve_laureate(application=proposed_application(call=call), by=approver, amounts_by_year=years_of(call, "10000"))
    second = proposed_application(call=call)
    with pytest.raises(EnvelopeExceeded, match="Enveloppe du département Aude dépassée") as refusal:
        approve_laureate(application=second, by=approver, amounts_by_year=years_of(call, "10000"))
    assert "reste 15\u00a0000,00\u00a0€" in refusal.value.message
    # Another department has no envelope of its own: only the call's applies.
    approve_laureate(
        application=proposed_application(call=call, department="31"),
        by=approver,
        amounts_by_year=years_of(call, "10000"),
    )
    second.refresh_from_db()
    assert second.status == Status.PROPOSED


def test_a_programme_year_envelope_is_checked_as_well_as_the_call(db):
    approver = regional_approver()
    call = CallFactory()
    YearEnvelope.objects.create(call=call, year=2024, amount=Decimal("15000"))
    approve_laureate(
        application=proposed_application(call=call), by=approver, amounts_by_year={2023: "10000", 2024: "10000"}
    )
    second = proposed_application(call=call)
    with pytest.raises(EnvelopeExceeded) as refusal:
        approve_laureate(application=second, by=approver, amounts_by_year={2023: "10000", 2024: "5000.01"})
    assert refusal.value.message.startswith(
        f"Enveloppe de l’année 2024 dépassée pour le dossier {second.reference} : 10\u00a0000,00\u00a0€ déjà engagés"
    )
    assert "reste 5\u00a0000,00\u00a0€" in refusal.value.message
    # The remaining of 2024 fits exactly; 2023 has no envelope of its own, only the call's applies.
    approve_laureate(application=second, by=approver, amounts_by_year={2023: "10000", 2024: "5000"})
    assert Award.objects.count() == 2


@pytest.mark.parametrize(
    "make_user",
    [caf_instructor, committee_secretary, administrator, other_region_approver],
    ids=["instructor", "secretary", "administrator", "other-region-approver"],
)
def test_only_the_approver_of_the_region_can_approve(db, make_user):
    application = proposed_application()
    with pytest.raises(PermissionRefused, match="Seul le valideur de la région"):
        approve_laureate(application=application, by=make_user(), amounts_by_year=years_of(application.call, "1000"))
    assert_nothing_approved(application)


@pytest.mark.parametrize(
    "status", [Status.REVIEWED, Status.NOT_PROPOSED, Status.LAUREATE, Status.REJECTED, Status.WITHDRAWN]
)
def test_approving_an_application_not_proposed_is_refused(db, status):
    application = ApplicationFactory(status=status)
    with pytest.raises(TransitionNotAllowed, match="n’est pas proposé par le CDSF"):
        approve_laureate(application=application, by=regional_approver(), amounts_by_year={2023: Decimal("1000")})
    application.refresh_from_db()
    assert application.status == status
    assert not Award.objects.exists()
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ({2023: Decimal("0")}, "Le montant attribué doit être supérieur à zéro."),
        ({}, "Le montant attribué doit être supérieur à zéro."),
        ({2023: Decimal("-100")}, "Le montant de 2023 ne peut pas être négatif."),
        ({2023: Decimal("5000"), 2024: Decimal("-1")}, "Le montant de 2024 ne peut pas être négatif."),
        ({2026: Decimal("5000")}, "L’année 2026 est hors du programme de l’appel (2023–2025)."),
        ({2022: Decimal("5000")}, "L’année 2022 est hors du programme de l’appel (2023–2025)."),
        ({2023: Decimal("100.005")}, "Montant 2023 : « 100.005 » a plus de deux décimales."),
        ({2023: "beaucoup"}, "Montant 2023 : « beaucoup » n’est pas un montant."),
        ({"an deux": Decimal("5")}, "« an deux » n’est pas une année du programme."),
    ],
)
def test_bad_amounts_are_refused_in_french_and_change_nothing(db, amounts, message):
    application = proposed_application()
    with pytest.raises(DomainError) as refusal:
        approve_laureate(application=application, by=regional_approver(), amounts_by_year=amounts)
    assert refusal.value.message == message
    assert_nothing_approved(application)


def test_bulk_approval_approves_every_application_of_the_selection(db):
    call = CallFactory()
    applications = [proposed_application(call=call, department=code) for code in ("11", "31", "30")]
    awards = approve_selection(
        applications_amounts=[(application, years_of(call, "5000")) for application in applications],
        by=regional_approver(),
    )
    assert len(awards) == 3
    assert set(Application.objects.values_list("status", flat=True)) == {Status.LAUREATE}


def test_bulk_approval_is_all_or_nothing_and_names_the_refused_application(db):
    call = CallFactory(envelope=Decimal("40000"))
    first, second = proposed_application(call=call), proposed_application(call=call)
    with pytest.raises(SelectionRefused) as refusal:
        approve_selection(
            applications_amounts=[(first, years_of(call, "10000")), (second, years_of(call, "10000"))],
            by=regional_approver(),
        )
    # The first fits on its own; the second would take the call past its envelope, so neither is kept.
    assert refusal.value.failures == [
        (
            second.reference,
            f"Enveloppe de l’appel dépassée pour le dossier {second.reference} : 30\u00a0000,00\u00a0€ déjà engagés "
            "+ 30\u00a0000,00\u00a0€ demandés = 60\u00a0000,00\u00a0€, pour une enveloppe de 40\u00a0000,00\u00a0€ "
            "(reste 10\u00a0000,00\u00a0€).",
        )
    ]
    assert refusal.value.message.startswith("Aucun dossier n’a été retenu : 1 validation est refusée.")
    assert_nothing_approved(first, second)


def test_bulk_approval_refuses_a_selection_with_a_non_proposed_application(db):
    call = CallFactory()
    proposed = proposed_application(call=call)
    reviewed = ApplicationFactory(call=call, reviewed=True)
    with pytest.raises(SelectionRefused) as refusal:
        approve_selection(
            applications_amounts=[(proposed, years_of(call, "1000")), (reviewed, years_of(call, "1000"))],
            by=regional_approver(),
        )
    assert [reference for reference, _reason in refusal.value.failures] == [reviewed.reference]
    assert "statut « Instruit »" in refusal.value.failures[0][1]
    assert_nothing_approved(proposed)


def test_bulk_approval_refuses_an_empty_or_repeated_selection(db):
    application = proposed_application()
    with pytest.raises(DomainError, match="Sélectionnez au moins un dossier"):
        approve_selection(applications_amounts=[], by=regional_approver())
    with pytest.raises(DomainError, match="figure deux fois"):
        approve_selection(
            applications_amounts=[(application, {2023: Decimal("1")}), (application, {2024: Decimal("1")})],
            by=regional_approver(),
        )
    assert_nothing_approved(application)


def test_rejection_keeps_the_reason_in_the_history(db):
    approver = regional_approver()
    application = proposed_application()
    reject_application(application=application, by=approver, reason="Projet hors du champ du fonds.")
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.status_changes.get().comment == "Projet hors du champ du fonds."


def test_a_not_proposed_application_can_be_rejected(db):
    application = not_proposed_application()
    reject_application(application=application, by=regional_approver(), reason="Non proposé par le CDSF.")
    application.refresh_from_db()
    assert application.status == Status.REJECTED


def test_rejection_needs_a_reason_and_the_approver_role(db):
    application = proposed_application()
    with pytest.raises(TransitionNotAllowed, match="Indiquez un motif"):
        reject_application(application=application, by=regional_approver(), reason="  ")
    with pytest.raises(PermissionRefused):
        reject_application(application=application, by=committee_secretary(), reason="Non.")
    application.refresh_from_db()
    assert application.status == Status.PROPOSED


def test_a_laureate_cannot_be_rejected(db):
    approver = regional_approver()
    application = proposed_application()
    approve_laureate(application=application, by=approver, amounts_by_year=years_of(application.call, "1000"))
    with pytest.raises(TransitionNotAllowed, match="statut « Lauréat »"):
        reject_application(application=application, by=approver, reason="Erreur.")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_beyond_the_envelope_let_exactly_one_through():
    assert connection.vendor == "postgresql"
    approver = regional_approver()
    call = CallFactory(envelope=Decimal("50000"))
    first, second = proposed_application(call=call), proposed_application(call=call)
    with all_read_before_anyone_writes(Award):
        results = in_threads(
            lambda: approve_laureate(application=first, by=approver, amounts_by_year=years_of(call, "10000")),
            lambda: approve_laureate(application=second, by=approver, amounts_by_year=years_of(call, "10000")),
        )
    assert sorted(type(result).__name__ for result in results) == ["Award", "EnvelopeExceeded"]
    assert Award.objects.count() == 1
    assert sum(line.amount for line in FundingLine.objects.all()) == Decimal("30000")
    assert Application.objects.filter(status=Status.LAUREATE).count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_approvals_beyond_the_department_envelope_let_exactly_one_through():
    approver = regional_approver()
    call = CallFactory()
    DepartmentEnvelope.objects.create(call=call, department=Department.objects.get(code="11"), amount=Decimal("50000"))
    first, second = proposed_application(call=call), proposed_application(call=call)
    with all_read_before_anyone_writes(Award):
        results = in_threads(
            lambda: approve_laureate(application=first, by=approver, amounts_by_year=years_of(call, "10000")),
            lambda: approve_laureate(application=second, by=approver, amounts_by_year=years_of(call, "10000")),
        )
    assert sorted(type(result).__name__ for result in results) == ["Award", "EnvelopeExceeded"]
    assert "Enveloppe du département Aude dépassée" in str(next(r for r in results if not isinstance(r, Award)))
    assert Award.objects.count() == 1


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_approval_and_rejection_of_the_same_application_do_not_both_pass():
    approver = regional_approver()
    application = proposed_application()
    results = in_threads(
        lambda: approve_laureate(
            application=application, by=approver, amounts_by_year=years_of(application.call, "1000")
        ),
        lambda: reject_application(application=application, by=approver, reason="Rejet."),
    )
    assert sum(isinstance(result, TransitionNotAllowed) for result in results) == 1
    application.refresh_from_db()
    assert (application.status == Status.LAUREATE) == Award.objects.filter(application=application).exists()
    assert application.status_changes.count() == 1
