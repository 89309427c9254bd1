from decimal import Decimal

import pytest

from projects.enums import Status
from projects.exceptions import PermissionRefused, TransitionNotAllowed
from projects.money import split
from projects.services import create_application
from tests.departments.factories import caf_instructor, department, regional_approver
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory


def test_factory_application_requests_ten_thousand_per_year(db):
    application = ApplicationFactory()
    assert application.requested_total == Decimal("30000.00")
    assert application.requested_by_year() == {
        2023: Decimal("10000.00"),
        2024: Decimal("10000.00"),
        2025: Decimal("10000.00"),
    }


def test_create_application_allocates_consecutive_references_per_department(db):
    approver = regional_approver()
    call = CallFactory()
    fields = {
        "commune": "Nîmes",
        "title": "Crèche",
        "summary": "…",
        "category": "new_places",
        "total_budget": Decimal("1000"),
    }
    first = create_application(
        call=call,
        applicant=ApplicantFactory(),
        department=department("30"),
        by=approver,
        amounts_by_year={2023: Decimal("500")},
        **fields,
    )
    second = create_application(
        call=call,
        applicant=ApplicantFactory(),
        department=department("30"),
        by=approver,
        amounts_by_year={2023: Decimal("500")},
        **fields,
    )
    other = create_application(
        call=call,
        applicant=ApplicantFactory(),
        department=department("31"),
        by=approver,
        amounts_by_year={2023: Decimal("500")},
        **fields,
    )
    assert [first.reference, second.reference, other.reference] == [
        "FIPE-OCC-2023-030-001",
        "FIPE-OCC-2023-030-002",
        "FIPE-OCC-2023-031-001",
    ]
    assert first.status_changes.count() == 1


def test_transition_writes_history_row(db):
    approver = regional_approver()
    application = ApplicationFactory()
    application.submit(by=approver)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    change = application.status_changes.get()
    assert (change.from_status, change.to_status, change.by) == (Status.DRAFT, Status.SUBMITTED, approver)


def test_refused_transition_changes_nothing(db):
    application = ApplicationFactory(submitted=True)
    with pytest.raises(TransitionNotAllowed, match="au statut « Déposé »"):
        application.approve(by=regional_approver())
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not application.status_changes.exists()


def test_instructor_cannot_submit_a_draft(db):
    application = ApplicationFactory()
    with pytest.raises(PermissionRefused):
        application.submit(by=caf_instructor("11"))


def test_split_odd_cent_goes_to_the_state():
    assert split(Decimal("10000.01"), Decimal("0.5")) == (Decimal("5000.01"), Decimal("5000.00"))
