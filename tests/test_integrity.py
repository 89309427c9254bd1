"""Integrity under attack and faults: the doors an attacker or a failing machine found open."""

from django.urls import reverse

from fipe.settings import database_from_env
from tests.departments.factories import UserFactory, caf_instructor

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
