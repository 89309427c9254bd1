import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from departments.models import Department
from projects.models import Application, ReferenceCounter
from projects.services import create_application
from tests.departments.factories import department, regional_approver
from tests.projects.factories import ApplicantFactory, CallFactory

FIELDS = {
    "commune": "Toulouse",
    "title": "Crèche à horaires atypiques",
    "summary": "Accueil de 6 h à 22 h.",
    "category": "atypical_hours",
    "total_budget": Decimal("100000.00"),
}


def create(call, department_code, by, **overrides):
    return create_application(
        call=call,
        applicant=ApplicantFactory(),
        department=department(department_code),
        by=by,
        amounts_by_year={2023: Decimal("10000.00")},
        **{**FIELDS, **overrides},
    )


def test_reference_is_call_department_on_three_characters_and_sequence(db):
    application = create(CallFactory(), "09", regional_approver())
    assert application.reference == "FIPE-OCC-2023-009-001"


@pytest.mark.parametrize(("code", "padded"), [("9", "009"), ("31", "031"), ("2A", "02A"), ("974", "974")])
def test_department_code_is_padded_to_three_characters(code, padded):
    assert Department(code=code).padded_code == padded


def test_each_call_and_department_has_its_own_sequence(db):
    approver = regional_approver()
    call = CallFactory()
    other_call = CallFactory(reference="FIPE-OCC-2024", title="FIPE 2024")
    references = [
        create(call, "31", approver).reference,
        create(call, "31", approver).reference,
        create(call, "11", approver).reference,
        create(other_call, "31", approver).reference,
        create(call, "31", approver).reference,
    ]
    assert references == [
        "FIPE-OCC-2023-031-001",
        "FIPE-OCC-2023-031-002",
        "FIPE-OCC-2023-011-001",
        "FIPE-OCC-2024-031-001",
        "FIPE-OCC-2023-031-003",
    ]


def test_a_failed_creation_leaves_no_gap(db):
    approver = regional_approver()
    call = CallFactory()
    create(call, "31", approver)
    with pytest.raises(ValidationError):
        create(call, "31", approver, total_budget=Decimal("-1"))
    assert create(call, "31", approver).reference == "FIPE-OCC-2023-031-002"
    assert ReferenceCounter.objects.get(call=call, department=department("31")).last_number == 2


def test_a_refused_creation_allocates_nothing(db):
    call = CallFactory(closed=True)
    with pytest.raises(ValidationError, match="clos"):
        create(call, "31", regional_approver())
    assert not ReferenceCounter.objects.exists()
    assert not Application.objects.exists()


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_creations_at_once_get_distinct_consecutive_references():
    """Two threads, each with its own connection, create applications for the same call and department."""
    approver = regional_approver()
    call = CallFactory()
    applicants = [ApplicantFactory() for _ in range(20)]
    per_thread = 10
    start = threading.Barrier(2)
    references: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(batch):
        try:
            start.wait(timeout=60)
            for applicant in batch:
                application = create_application(
                    call=call,
                    applicant=applicant,
                    department=department("31"),
                    by=approver,
                    amounts_by_year={2023: Decimal("10000.00")},
                    **FIELDS,
                )
                with lock:
                    references.append(application.reference)
        except BaseException as error:  # reported by the main thread's assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(applicants[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert errors == []
    assert connection.vendor == "postgresql"
    assert sorted(references) == [f"FIPE-OCC-2023-031-{n:03d}" for n in range(1, 2 * per_thread + 1)]
    assert Application.objects.filter(call=call).count() == 2 * per_thread
