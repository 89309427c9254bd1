from decimal import Decimal

import pytest
from django.urls import reverse

from projects.enums import Status
from tests.departments.factories import UserFactory
from tests.projects.factories import ApplicationFactory, CallFactory, log_status


@pytest.fixture
def superuser(client, db):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", ["call", "applicant", "application", "attachment"])
def test_changelists_open(client, superuser, model):
    ApplicationFactory(submitted=True)
    assert client.get(reverse(f"admin:projects_{model}_changelist")).status_code == 200


def test_call_page_edits_the_department_envelopes_inline(client, superuser):
    call = CallFactory()
    response = client.get(reverse("admin:projects_call_change", args=[call.pk]))
    assert "department_envelopes-TOTAL_FORMS" in response.text


def test_call_page_edits_the_documents_the_call_requires_inline(client, superuser):
    call = CallFactory()
    response = client.get(reverse("admin:projects_call_change", args=[call.pk]))
    assert "required_documents-TOTAL_FORMS" in response.text


def test_applications_are_not_created_in_the_admin(client, superuser):
    assert client.get(reverse("admin:projects_application_add")).status_code == 403


def test_status_is_read_only_in_the_admin(client, superuser):
    application = ApplicationFactory(submitted=True)
    log_status(application, superuser)
    response = client.get(reverse("admin:projects_application_change", args=[application.pk]))
    assert response.status_code == 200
    assert 'name="status"' not in response.text
    assert 'name="status_changes-0-to_status"' not in response.text
    assert "Déposé" in response.text


def change_data(application, amounts: dict[int, str]) -> dict:
    rows = list(application.requested_amounts.order_by("year"))
    data = {
        "applicant": application.applicant_id,
        "title": application.title,
        "commune": application.commune,
        "category": application.category,
        "target_public": application.target_public,
        "summary": application.summary,
        "total_budget": "80000.00",
        "requested_amounts-TOTAL_FORMS": str(len(amounts)),
        "requested_amounts-INITIAL_FORMS": str(len(rows)),
        "requested_amounts-MIN_NUM_FORMS": "0",
        "requested_amounts-MAX_NUM_FORMS": "1000",
        "status_changes-TOTAL_FORMS": "0",
        "status_changes-INITIAL_FORMS": "0",
        "status_changes-MIN_NUM_FORMS": "0",
        "status_changes-MAX_NUM_FORMS": "0",
    }
    for index, (year, amount) in enumerate(amounts.items()):
        prefix = f"requested_amounts-{index}-"
        data.update({f"{prefix}year": year, f"{prefix}amount": amount, f"{prefix}application": application.pk})
        if index < len(rows):
            data[f"{prefix}id"] = rows[index].pk
    return data


def test_changing_amounts_in_the_admin_keeps_the_total_in_step(client, superuser):
    application = ApplicationFactory(submitted=True)
    url = reverse("admin:projects_application_change", args=[application.pk])
    response = client.post(url, change_data(application, {2023: "5000", 2024: "1000", 2025: "0.50"}))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.requested_total == Decimal("6000.50")
    assert application.status == Status.SUBMITTED


def test_an_amount_outside_the_programme_is_refused_in_the_admin(client, superuser):
    application = ApplicationFactory(submitted=True)
    url = reverse("admin:projects_application_change", args=[application.pk])
    response = client.post(url, change_data(application, {2023: "5000", 2024: "1000", 2026: "10"}))
    assert response.status_code == 200
    assert "L’année 2026 est hors du programme de l’appel (2023–2025)." in response.text
    application.refresh_from_db()
    assert application.requested_total == Decimal("30000.00")


def test_applications_are_not_deleted_in_the_admin(client, superuser):
    application = ApplicationFactory()
    assert client.get(reverse("admin:projects_application_delete", args=[application.pk])).status_code == 403
