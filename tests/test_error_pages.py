"""The error pages speak French, follow the DSFR and tell the user what to do next."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.exceptions import SuspiciousOperation
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from fipe.settings import env_bool
from tests.departments.factories import caf_instructor
from tests.projects.factories import ApplicationFactory, CallFactory


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


# The demo, served by `make run` with DEBUG on, shows the same pages --------------------------


@pytest.fixture
def make_run_settings(settings):
    """What `make run` sets: DEBUG on, FIPE_DEBUG_ERROR_PAGES left at its default."""
    makefile = (Path(__file__).parent.parent / "Makefile").read_text()
    assert "run: export DEBUG ?= 1" in makefile and "FIPE_DEBUG_ERROR_PAGES" not in makefile
    settings.DEBUG = True
    settings.FIPE_DEBUG_ERROR_PAGES = env_bool("FIPE_DEBUG_ERROR_PAGES", False)
    return settings


def test_with_make_run_settings_an_unknown_address_is_the_french_404_page(client, db, make_run_settings):
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "<title>Page introuvable — FIPE</title>" in response.text
    assert "URLconf" not in response.text and "DEBUG = True" not in response.text


def test_with_make_run_settings_unpublished_results_are_the_french_404_page(client, db, make_run_settings):
    call = CallFactory()
    response = client.get(reverse("projects:public_results", args=[call.reference]))
    assert response.status_code == 404
    assert "<title>Page introuvable — FIPE</title>" in response.text
    assert "Traceback" not in response.text


def test_with_make_run_settings_a_crash_is_the_french_500_page(db, make_run_settings):
    client = Client(raise_request_exception=False)
    client.force_login(caf_instructor("11"))
    with mock.patch("departments.views.work_queue", side_effect=RuntimeError("boom")):
        response = client.get(reverse("home"))
    assert response.status_code == 500
    assert "boom" not in response.text and "Traceback" not in response.text
    assert "FIPE" in response.text


def test_with_make_run_settings_a_bad_request_is_the_french_400_page(db, make_run_settings):
    client = Client()
    client.force_login(caf_instructor("11"))
    with mock.patch("departments.views.work_queue", side_effect=SuspiciousOperation("forged")):
        response = client.get(reverse("home"))
    assert response.status_code == 400
    assert "forged" not in response.text


def test_a_developer_can_ask_for_the_debug_pages(client, db, settings):
    settings.DEBUG = True
    settings.FIPE_DEBUG_ERROR_PAGES = True
    response = client.get("/nulle-part/")
    assert response.status_code == 404
    assert "URLconf" in response.text
