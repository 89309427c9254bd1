from django.urls import reverse

from tests.departments.factories import caf_instructor


def test_login_is_locked_after_five_failures(client, db, settings):
    settings.AXES_ENABLED = True
    caf_instructor("11", username="claire")
    for _ in range(5):
        client.post(reverse("login"), {"username": "claire", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"})
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.text
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock_the_account(client, db, settings):
    settings.AXES_ENABLED = True
    caf_instructor("11", username="claire")
    for _ in range(4):
        client.post(reverse("login"), {"username": "claire", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_pages_send_a_strict_content_security_policy(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_pages_cannot_be_framed_nor_sniffed(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_login_form_has_a_csrf_token(client, db):
    assert 'name="csrfmiddlewaretoken"' in client.get(reverse("login")).text


def test_a_user_name_is_found_whatever_its_case_and_surrounding_spaces(client, db):
    user = caf_instructor("11", username="caf-11")
    response = client.post(reverse("login"), {"username": "  CAF-11 ", "password": "correct horse battery"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_one_attempt_left_is_announced(client, db, settings):
    settings.AXES_ENABLED = True
    caf_instructor("11", username="claire")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "claire", "password": "wrong"})
        assert "encore 1 essai" not in response.text
    response = client.post(reverse("login"), {"username": "Claire", "password": "wrong"})
    assert "Attention : encore 1 essai avant que la connexion à ce compte soit bloquée pendant 15 minutes." in (
        response.text
    )


def test_the_lockout_page_says_how_long_and_whom_to_contact(client, db, settings):
    settings.AXES_ENABLED = True
    settings.FIPE_SUPPORT_EMAIL = "fipe@occitanie.example.gouv.fr"
    caf_instructor("11", username="claire")
    for _ in range(5):
        client.post(reverse("login"), {"username": "claire", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "CLAIRE", "password": "correct horse battery"})
    assert response.status_code == 429
    assert "bloquée pendant 15 minutes" in response.text
    assert "administrateur ou l’administratrice de FIPE" in response.text
    assert "mailto:fipe@occitanie.example.gouv.fr" in response.text
