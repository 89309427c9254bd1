import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.applicants.models import SignInLink
from projects.applicants.services import (
    LINKS_PER_ADDRESS,
    LINKS_PER_IP,
    SignInRefused,
    send_sign_in_link,
    use_sign_in_link,
)
from tests.departments.factories import caf_instructor
from tests.mail import sent_mail
from tests.projects.applicants.factories import file_of, signed_in_applicant

pytestmark = pytest.mark.django_db

KNOWN = "mairie@lezignan.example"


def ask_link(client, email, ip="192.0.2.1"):
    return client.post(reverse("projects:applicant_sign_in"), {"email": email}, REMOTE_ADDR=ip)


def link_in(message) -> str:
    return next(line for line in message.body.splitlines() if "/espace-porteur/connexion/" in line).strip()


def test_known_and_unknown_addresses_get_the_same_answer(client, django_capture_on_commit_callbacks):
    file_of(KNOWN)
    with django_capture_on_commit_callbacks(execute=True):
        known = ask_link(client, KNOWN)
        unknown = ask_link(client, "personne@nulle-part.example")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("projects:applicant_link_sent")
    # Both get a link: an unknown address may be about to file its first application.
    assert sorted(message.to[0] for message in sent_mail()) == sorted([KNOWN, "personne@nulle-part.example"])


def test_the_link_signs_in_once(client, django_capture_on_commit_callbacks):
    file_of(KNOWN)
    with django_capture_on_commit_callbacks(execute=True):
        ask_link(client, KNOWN)
    url = link_in(sent_mail()[0]).removeprefix("http://testserver")
    assert client.get(url).status_code == 200  # a confirmation page: opening the link spends nothing
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("projects:applicant_home")
    assert client.get(reverse("projects:applicant_home")).status_code == 200
    second = client.post(url)
    assert second.status_code == 400
    assert "déjà servi" in second.content.decode()
    assert reverse("projects:applicant_sign_in") in second.content.decode()


def test_an_expired_link_is_refused_with_a_way_to_ask_again(client):
    token_link = []
    send_sign_in_link(
        email=KNOWN,
        ip=None,
        link_url=token_link.append,
        now=timezone.now() - datetime.timedelta(minutes=31),
    )
    response = client.post(reverse("projects:applicant_sign_in_link", kwargs={"token": token_link[0]}))
    assert response.status_code == 400
    assert "expiré" in response.content.decode()
    assert reverse("projects:applicant_sign_in") in response.content.decode()


def test_a_link_still_works_just_before_30_minutes():
    tokens = []
    send_sign_in_link(email=KNOWN, ip=None, link_url=tokens.append, now=timezone.now() - datetime.timedelta(minutes=29))
    assert use_sign_in_link(token=tokens[0]) == KNOWN


@pytest.mark.parametrize("alter", [lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"), lambda t: t[:10], lambda t: "x"])
def test_an_altered_token_is_refused(client, alter):
    tokens = []
    send_sign_in_link(email=KNOWN, ip=None, link_url=tokens.append)
    response = client.post(reverse("projects:applicant_sign_in_link", kwargs={"token": alter(tokens[0])}))
    assert response.status_code == 400
    assert "APPLICANT" not in str(client.session.items())
    with pytest.raises(SignInRefused):
        use_sign_in_link(token=alter(tokens[0]))


def test_only_the_hash_of_the_token_is_stored():
    tokens = []
    send_sign_in_link(email=KNOWN, ip=None, link_url=tokens.append)
    assert not SignInLink.objects.filter(token_hash=tokens[0]).exists()


def test_links_are_rate_limited_per_address(client):
    for _ in range(LINKS_PER_ADDRESS):
        assert ask_link(client, KNOWN).status_code == 302
    refused = ask_link(client, KNOWN)
    assert refused.status_code == 200
    assert "Trop de liens" in refused.content.decode()
    assert SignInLink.objects.filter(email=KNOWN).count() == LINKS_PER_ADDRESS
    # The rate does not depend on the case the address is typed in.
    assert ask_link(client, KNOWN.upper()).status_code == 200


def test_links_are_rate_limited_per_ip(client):
    for n in range(LINKS_PER_IP):
        assert ask_link(client, f"personne{n}@example.org", ip="198.51.100.7").status_code == 302
    assert ask_link(client, "encore@example.org", ip="198.51.100.7").status_code == 200
    assert ask_link(client, "encore@example.org", ip="198.51.100.8").status_code == 302


def test_an_applicant_session_opens_no_staff_page():
    applicant = signed_in_applicant(KNOWN)
    for name in ("projects:application_list", "home", "projects:call_list"):
        response = applicant.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_staff_session_is_not_an_applicant_session(client):
    client.force_login(caf_instructor("11"))
    response = client.get(reverse("projects:applicant_home"))
    assert response.status_code == 302 and response["Location"] == reverse("projects:applicant_sign_in")


def test_signing_out_ends_the_applicant_session():
    applicant = signed_in_applicant(KNOWN)
    applicant.post(reverse("projects:applicant_sign_out"))
    assert applicant.get(reverse("projects:applicant_home")).status_code == 302
