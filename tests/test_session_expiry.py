"""No lost input: a session about to expire warns and renews; a form posted after it expired comes back."""

from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from reviews.enums import ReviewerKind
from reviews.models import Review
from tests.departments.factories import caf_instructor
from tests.projects.factories import ApplicationFactory
from tests.reviews.factories import declared_caf_instructor

TYPED = "Projet solide, porté par une commune rurale ; vingt minutes de relecture attentive."


def review_url(application):
    return reverse("reviews:review", kwargs={"reference": application.reference, "kind": ReviewerKind.CAF})


def expire_every_session():
    Session.objects.all().delete()
    cache.clear()  # sessions are read from the cache first (cached_db)


def test_a_review_posted_after_expiry_is_not_saved_and_comes_back_after_signing_in(db):
    application = ApplicationFactory(submitted=True)
    instructor = declared_caf_instructor(application)
    client = Client()
    client.post(reverse("login"), {"username": instructor.username, "password": "correct horse battery"})
    assert client.get(review_url(application)).status_code == 200
    expire_every_session()
    data = {"comment": TYPED, "opinion": "favourable", "score_C1": "4", "action": "submit"}
    response = client.post(review_url(application), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Review.objects.exists()
    login_page = client.get(response["Location"])
    assert "Votre session a expiré : reconnectez-vous. Ce que vous aviez saisi est conservé" in login_page.text
    signed_in = client.post(
        response["Location"], {"username": instructor.username, "password": "correct horse battery"}, follow=True
    )
    assert signed_in.redirect_chain[-1][0] == review_url(application)
    assert TYPED in signed_in.text
    assert "Voici ce que vous aviez saisi avant l’expiration de votre session" in signed_in.text
    assert not Review.objects.exists()
    # Given back once: the next visit shows the page as stored.
    assert TYPED not in client.get(review_url(application)).text


def test_a_kept_post_is_given_back_only_on_its_own_page(db):
    application = ApplicationFactory(submitted=True)
    instructor = declared_caf_instructor(application)
    client = Client()
    expire_every_session()
    client.post(review_url(application), {"comment": TYPED})
    client.post(reverse("login"), {"username": instructor.username, "password": "correct horse battery"})
    assert TYPED not in client.get(reverse("projects:application_list")).text
    assert TYPED in client.get(review_url(application)).text


def test_an_oversized_post_after_expiry_is_not_kept(db):
    application = ApplicationFactory(submitted=True)
    client = Client()
    response = client.post(review_url(application), {"comment": "x" * 200_000})
    assert response.status_code == 302
    assert "fipe_kept_post" not in client.session


def test_pages_carry_the_expiry_warning_and_prolonger_renews_the_session(client, db):
    client.force_login(caf_instructor("11"))
    page = client.get(reverse("home"))
    assert 'id="session-modal"' in page.text and "Prolonger" in page.text
    assert "fipe/session.js" in page.text
    response = client.post(reverse("extend_session"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert 8 * 3600 - 5 <= response.json()["seconds_left"] <= 8 * 3600


def test_prolonger_without_javascript_goes_back_to_the_page(client, db):
    client.force_login(caf_instructor("11"))
    response = client.post(reverse("extend_session"), {"next": "/dossiers/"})
    assert response["Location"] == "/dossiers/"
    response = client.post(reverse("extend_session"), {"next": "https://ailleurs.example/"})
    assert response["Location"] == reverse("home")


def test_the_sign_in_page_has_no_expiry_warning(client, db):
    assert "session-modal" not in client.get(reverse("login")).text
