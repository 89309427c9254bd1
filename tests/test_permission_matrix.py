"""Every URL of the site × every kind of demo user gets the expected answer.

The table in tests/permission_table.py is the specification. The test walks the URLconf: a new
view that is not in the table fails the suite, so that nobody adds a page without deciding who
may open it.
GET is checked for every role; POST-only views are also posted to (with no data) by the roles
that must be refused, to prove the refusal does not depend on the form being valid.

Set FIPE_PRINT_MATRIX=1 to print the answers actually given, in the table's format.
"""

import os

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.departments.factories import UserFactory, caf_instructor
from tests.permission_table import (
    APPLICANT_EXPECTED,
    APPLICANT_ROLES,
    EXPECTED,
    ROLES,
    sample_kwargs,
    url_names,
)


def test_every_url_answers_each_role_as_the_table_says(demo):
    kwargs = sample_kwargs()
    names = url_names()
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role != "anonymous":
            clients[role].force_login(get_user_model().objects.get(username=role))
    actual: dict[str, dict[str, int]] = {}
    for full_name in names:
        short = full_name.split(":")[-1]
        url = reverse(full_name, kwargs=kwargs.get(short, {}))
        actual[full_name] = {role: clients[role].get(url).status_code for role in ROLES}
    if os.environ.get("FIPE_PRINT_MATRIX"):
        for name, row in actual.items():
            print(f'    "{name}": {{{", ".join(f"{r!r}: {s}" for r, s in row.items())}}},')
    missing = sorted(set(names) - set(EXPECTED))
    assert not missing, f"URLs with no rule in the permission table: {missing}"
    wrong = {
        name: (EXPECTED[name], tuple(row.values()))
        for name, row in actual.items()
        if tuple(row.values()) != EXPECTED[name]
    }
    assert not wrong, wrong


# POST with no data by the roles that must be refused, for the views that only take POST.
#            anonymous, caf-11, ddets-11, cdsf-11, caf-31, prefecture-76, admin   (None: allowed, not posted)
POST_REFUSED: dict[str, tuple[int | None, ...]] = {
    "projects:attachment_upload": (302, 403, 403, 403, 404, None, None),
    "projects:award_commitment": (302, 403, 403, 403, 404, None, None),
    "projects:award_payment": (302, 403, 403, 403, 404, None, None),
    "projects:publish_results": (302, 403, 403, 403, 403, None, None),
    "projects:letter_generate": (302, 403, 403, 403, 404, None, None),
    "projects:letter_mark_sent": (302, 403, 403, 403, 404, None, None),
    "reviews:proposal_delete": (302, 403, 403, None, 404, 403, None),
    # Work queues, approval and letters sent in bulk
    "projects:call_letters_mark_sent": (302, 403, 403, 403, 403, None, None),
    "extend_session": (302, None, None, None, None, None, None),
    # Follow-up of the laureates
    "projects:report_review": (302, None, None, 403, 404, 403, None),
    "projects:recovery_create": (302, None, None, 403, 404, 403, None),
    "projects:convention_generate": (302, 403, 403, 403, 404, None, None),
    "projects:convention_signed_copy": (302, 403, 403, 403, 404, None, None),
    "projects:convention_step": (302, 403, 403, 403, 404, None, None),
}


def test_post_only_views_refuse_the_roles_the_table_says(demo):
    kwargs = sample_kwargs()
    post_only = {name for name, row in EXPECTED.items() if set(row[1:]) == {405}} - {"logout"}
    assert post_only == set(POST_REFUSED), "a POST-only view has no rule in POST_REFUSED"
    wrong = {}
    for name, expected in POST_REFUSED.items():
        url = reverse(name, kwargs=kwargs[name.split(":")[-1]])
        for role, status in zip(ROLES, expected, strict=True):
            if status is None:
                continue
            client = Client()
            if role != "anonymous":
                client.force_login(get_user_model().objects.get(username=role))
            answer = client.post(url, {}).status_code
            if answer != status:
                wrong[(name, role)] = (status, answer)
    assert not wrong, wrong


@pytest.mark.parametrize(
    ("make_user", "status"),
    [(None, 302), (lambda: caf_instructor("11"), 302), (lambda: UserFactory(is_staff=True, is_superuser=True), 200)],
)
def test_django_admin_is_for_staff_only(db, make_user, status):
    client = Client()
    if make_user is not None:
        client.force_login(make_user())
    response = client.get(reverse("admin:index"))
    assert response.status_code == status
    if status == 302:
        assert response["Location"].startswith(reverse("admin:login"))


# The applicant's space -------------------------------------------------------------------------


def applicant_client(email: str) -> Client:
    from projects.applicants.views import APPLICANT_SESSION_KEY

    client = Client()
    session = client.session
    session[APPLICANT_SESSION_KEY] = email
    session.save()
    return client


def test_every_url_answers_each_applicant_as_the_table_says(demo):
    """Applicant pages as the applicant table says; every other page as it answers anonymous visitors."""
    kwargs = sample_kwargs()
    clients = {role: applicant_client(email) for role, email in APPLICANT_ROLES.items()}
    wrong = {}
    for full_name in url_names():
        url = reverse(full_name, kwargs=kwargs.get(full_name.split(":")[-1], {}))
        expected = APPLICANT_EXPECTED.get(full_name, (EXPECTED[full_name][0],) * len(APPLICANT_ROLES))
        actual = tuple(clients[role].get(url).status_code for role in APPLICANT_ROLES)
        if actual != expected:
            wrong[full_name] = (expected, actual)
    assert not wrong, wrong
    assert set(APPLICANT_EXPECTED) == {name for name in url_names() if ":applicant_" in name}


# Staff posting to the applicant's pages are sent to the applicant's sign-in; signing out needs no session.
POST_REFUSED.update({"projects:applicant_sign_out": (302,) * 7, "projects:applicant_message": (302,) * 7})

# A post to the laureate's follow-up forms by another applicant is 404; the laureate's own, without its fields, 400.
POST_REFUSED_TO_APPLICANTS = {
    "projects:applicant_message": (404, 302, 404),
    "projects:applicant_signed_copy": (404, 400, 404),
    "projects:applicant_report": (404, 400, 404),
}


def test_applicants_cannot_post_to_another_applicants_thread(demo):
    kwargs = sample_kwargs()
    for name, expected in POST_REFUSED_TO_APPLICANTS.items():
        url = reverse(name, kwargs=kwargs[name.split(":")[-1]])
        actual = tuple(
            applicant_client(email).post(url, {"body": "Bonjour"}).status_code for email in APPLICANT_ROLES.values()
        )
        assert actual == expected, name
