"""Integrity under attack and faults: the doors an attacker or a failing machine found open."""

from django.urls import reverse

from departments.models import Region
from fipe.settings import database_from_env
from projects.exchange.imports import import_applications
from projects.models import Application
from tests.departments.factories import UserFactory, caf_instructor, department, regional_approver
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.projects.form_data import application_form_data

# — The platform: connections, caches, login throttling —


def test_a_dropped_database_connection_is_checked_before_it_is_used(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://fipe@db.example:5432/fipe")
    assert database_from_env()["CONN_HEALTH_CHECKS"] is True


def test_signed_in_pages_and_files_are_never_stored_by_a_cache(client, db):
    user = caf_instructor("11")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_behind_the_proxy_one_client_cannot_lock_another_clients_account(client, db, settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    caf_instructor("11", username="claire")
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for _ in range(6):
        client.post(reverse("login"), {"username": "claire", "password": "wrong"}, **attacker)
    # What the client writes on the left of the proxy's hop is not believed.
    forged = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}
    assert client.post(reverse("login"), {"username": "claire", "password": "wrong"}, **forged).status_code == 429
    claire = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"}, **claire)
    assert response.status_code == 302


def test_one_password_sprayed_over_many_accounts_locks_the_address(client, db, settings):
    settings.AXES_ENABLED = True
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    UserFactory(username="claire")
    for number in range(20):
        client.post(reverse("login"), {"username": f"agent{number}", "password": "Printemps2026!"})
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


# — Applicants shared between regions —


def another_regions_applicant():
    """An applicant whose only file is in Île-de-France, out of reach of Occitanie's staff."""
    paris = CallFactory(reference="FIPE-IDF-2023", region=Region.objects.get(code="11"))
    application = ApplicationFactory(
        reference="FIPE-IDF-2023-075-001", call=paris, department=department("75"), submitted=True
    )
    return application.applicant


def test_a_file_keyed_in_cannot_rewrite_another_regions_applicant(client, db):
    applicant = another_regions_applicant()
    call = CallFactory()
    client.force_login(regional_approver())
    data = application_form_data(
        call,
        department("30"),
        **{"applicant-siret": applicant.siret, "applicant-contact_email": "pirate@example.org"},
    )
    response = client.post(reverse("projects:application_create"), data)
    assert response.status_code == 200
    assert "a aussi des dossiers que vous ne gérez pas" in response.text
    applicant.refresh_from_db()
    assert applicant.contact_email == "jeanne.martin@example.org"
    assert not Application.objects.filter(call=call).exists()


def test_an_import_cannot_rewrite_another_regions_applicant(db):
    from tests.projects.exchange.test_imports import example, table

    applicant = another_regions_applicant()
    call = CallFactory()
    rows = table(example(call, SIRET=applicant.siret, Adresse="1 rue des Pirates"))
    report = import_applications(call=call, by=regional_approver(), rows=rows)
    assert not report.saved
    assert any("a aussi des dossiers que vous ne gérez pas" in problem.message for problem in report.problems)
    applicant.refresh_from_db()
    assert applicant.address == "1 place de la Mairie"
