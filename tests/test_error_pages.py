"""The error pages speak French, follow the DSFR and tell the user what to do next."""

from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from tests.departments.factories import caf_instructor
from tests.projects.factories import ApplicationFactory


def test_a_file_out_of_scope_answers_the_french_404_page(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(caf_instructor("31"))
    response = client.get(reverse("projects:application_detail", kwargs={"reference": application.reference}))
    assert response.status_code == 404
    assert "<title>Page introuvable — FIPE</title>" in response.text
    assert "un département que votre compte ne couvre pas" in response.text
    assert application.title not in response.text


def test_a_refusal_shows_its_reason_on_the_french_403_page(client, db):
    client.force_login(caf_instructor("11"))
    response = client.get(reverse("projects:application_create"))
    assert response.status_code == 403
    assert "<title>Accès refusé — FIPE</title>" in response.text
    assert "Retour à l’accueil" in response.text


def test_a_form_posted_without_its_csrf_token_answers_the_french_page_and_saves_nothing(db):
    client = Client(enforce_csrf_checks=True)
    client.force_login(caf_instructor("11"))
    response = client.post(reverse("logout"))
    assert response.status_code == 403
    assert "Formulaire expiré" in response.text
    assert "Rien n’a été enregistré" in response.text
    assert client.get(reverse("home")).wsgi_request.user.is_authenticated


def test_the_500_page_needs_no_request_context(db):
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    text = response.content.decode()
    assert "Le service rencontre un problème" in text
    assert '<html lang="fr">' in text
