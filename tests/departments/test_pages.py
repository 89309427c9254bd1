import pytest
from django.urls import reverse

from tests.departments.factories import UserFactory, caf_instructor, regional_approver


@pytest.mark.parametrize("url", ["/"])
def test_anonymous_request_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


def test_anonymous_request_to_the_admin_is_sent_to_its_login(client, db):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_login_page_is_public_and_in_french(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Connexion à FIPE" in response.text
    assert 'lang="fr"' in response.text


def test_login_then_home_shows_scope(client, db):
    user = caf_instructor("11", username="claire")
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert "Caf de l’Aude" in response.text
    assert "11 — Aude" in response.text
    assert "31 — Haute-Garonne" not in response.text


def test_wrong_password_is_refused_with_a_message(client, db):
    caf_instructor("11", username="claire")
    response = client.post(reverse("login"), {"username": "claire", "password": "wrong"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.text


def test_the_title_of_a_page_sent_back_with_errors_says_so(client, db):
    assert "<title>Connexion — FIPE</title>" in client.get(reverse("login")).text
    response = client.post(reverse("login"), {"username": "", "password": ""})
    assert "<title>Erreur : Connexion — FIPE</title>" in response.text


def test_home_of_a_user_without_membership_says_so(client, db):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert "aucune habilitation" in response.text


def test_home_of_the_regional_approver_lists_thirteen_departments(client, db, django_assert_max_num_queries):
    client.force_login(regional_approver())
    with django_assert_max_num_queries(8):
        response = client.get(reverse("home"))
    assert "13 départements" in response.text


def test_logout_needs_a_post(client, db):
    client.force_login(UserFactory())
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
