"""Every URL of the site × every kind of demo user gets the expected answer.

The table below is the specification. The test walks the URLconf: a new view that is not in
the table fails the suite, so that nobody adds a page without deciding who may open it.
GET is checked for every role; POST-only views are also posted to (with no data) by the roles
that must be refused, to prove the refusal does not depend on the form being valid.

Set FIPE_PRINT_MATRIX=1 to print the answers actually given, in the table's format.
"""

import io
import os

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from projects.demo import demo_application
from projects.demo_data import DEMO_APPLICATIONS
from projects.enums import BatchStatus
from projects.models import AwardLetter, LetterBatch
from reviews.models import CommitteeMeeting
from tests.departments.factories import UserFactory, caf_instructor

ROLES = ["anonymous", "caf-11", "ddets-11", "cdsf-11", "caf-31", "prefecture-76", "admin"]
# Pages anyone may open without signing in.
PUBLIC = {"login", "public_results", "call_open_data"}
# Namespaces walked; the Django admin has its own permission system, checked below on its index.
NAMESPACES = {"", "projects", "reviews"}
POST_ONLY = {"logout", "attachment_upload", "award_commitment", "award_payment", "publish_results", "proposal_delete"}


def by_title(fragment: str):
    entry = next(e for e in DEMO_APPLICATIONS if fragment in e["title"])
    return demo_application(entry)


def sample_kwargs() -> dict[str, dict]:
    """The URL arguments used for each view: objects of the Aude (department 11) unless said."""
    laureate = by_title("ancienne gare")  # Aude, notified, with award and letters
    submitted = by_title("Ludothèque")  # Aude, submitted
    reviewed = by_title("familles vulnérables")  # Haute-Garonne, reviewed
    meeting = CommitteeMeeting.objects.get(department__code="11")
    call = laureate.call.reference
    letter = AwardLetter.objects.filter(application=laureate).first()
    kwargs = {
        "application_detail": {"reference": laureate.reference},
        "application_edit": {"reference": submitted.reference},
        "application_transition": {"reference": submitted.reference, "name": "withdraw"},
        "attachment_upload": {"reference": submitted.reference},
        "attachment_download": {"reference": submitted.reference, "pk": submitted.attachments.first().pk},
        "call_detail": {"reference": call},
        "approval": {"reference": call},
        "approval_reject": {"reference": call, "application": by_title("Bus petite enfance").reference},
        "funding_dashboard": {"reference": call},
        "award_detail": {"reference": laureate.reference},
        "award_payment": {"reference": laureate.reference},
        "award_commitment": {"reference": laureate.reference, "line": laureate.award.lines.first().pk},
        "export_awards": {"reference": call, "fmt": "csv"},
        "publish_results": {"reference": call},
        "press_release": {"reference": call},
        "press_release_docx": {"reference": call},
        "call_open_data": {"reference": call},
        "public_results": {"reference": call},
        "declare": {"reference": submitted.reference},
        "review": {"reference": submitted.reference, "kind": "caf"},
        "reopen": {"reference": reviewed.reference, "kind": "caf"},
        "meeting_detail": {"pk": meeting.pk},
        "meeting_members": {"pk": meeting.pk},
        "proposal": {"pk": meeting.pk, "reference": submitted.reference},
        "proposal_delete": {"pk": meeting.pk, "reference": submitted.reference},
        "meeting_close": {"pk": meeting.pk},
        "minutes": {"pk": meeting.pk},
    }
    batch = LetterBatch.objects.create(
        call=laureate.call,
        kind="all",
        status=BatchStatus.DONE,
        requested_by=get_user_model().objects.get(username="prefecture-76"),
    )
    kwargs.update(
        {
            "application_letters": {"reference": laureate.reference},
            "letter_preview": {"reference": laureate.reference, "kind": "award"},
            "letter_generate": {"reference": laureate.reference, "kind": "award"},
            "letter_download": {"reference": laureate.reference, "pk": letter.pk},
            "letter_mark_sent": {"reference": laureate.reference, "pk": letter.pk},
            "call_letters": {"call_reference": call},
            "letter_batch": {"pk": batch.pk},
            "letter_batch_progress": {"pk": batch.pk},
            "letter_batch_archive": {"pk": batch.pk},
        }
    )
    return kwargs


def url_names() -> list[str]:
    """Every named URL of our namespaces, as `namespace:name`."""
    names = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin" or pattern.app_name == "admin":
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                names.append(f"{namespace}:{pattern.name}" if namespace else pattern.name)

    walk(get_resolver().url_patterns, "")
    return sorted(set(names))


# GET answers, in the order of ROLES:
#            anonymous, caf-11, ddets-11, cdsf-11, caf-31, prefecture-76, admin
# 302 for anonymous is the redirection to the login page; 404 hides another department's
# object; 403 refuses a role; 405 is a POST-only view (see POST_REFUSED).
EXPECTED: dict[str, tuple[int, ...]] = {
    "home": (302, 200, 200, 200, 200, 200, 200),
    "login": (200, 302, 302, 302, 302, 302, 302),
    "logout": (302, 405, 405, 405, 405, 405, 405),
    "projects:application_create": (302, 403, 403, 403, 403, 200, 200),
    "projects:application_detail": (302, 200, 200, 200, 404, 200, 200),
    "projects:application_edit": (302, 403, 403, 403, 404, 200, 200),
    "projects:application_list": (302, 200, 200, 200, 200, 200, 200),
    "projects:application_transition": (302, 302, 302, 302, 404, 200, 200),
    "projects:approval": (302, 403, 403, 403, 403, 200, 200),
    "projects:approval_calls": (302, 403, 403, 403, 403, 200, 200),
    "projects:approval_reject": (302, 404, 404, 404, 404, 200, 200),
    "projects:attachment_download": (302, 403, 403, 200, 404, 200, 200),
    "projects:attachment_upload": (302, 405, 405, 405, 405, 405, 405),
    "projects:award_commitment": (302, 405, 405, 405, 405, 405, 405),
    "projects:award_detail": (302, 200, 200, 200, 404, 200, 200),
    "projects:award_payment": (302, 405, 405, 405, 405, 405, 405),
    "projects:call_detail": (302, 200, 200, 200, 200, 200, 200),
    "projects:call_list": (302, 200, 200, 200, 200, 200, 200),
    "projects:call_open_data": (404, 404, 404, 404, 404, 200, 200),
    "projects:export_awards": (302, 403, 403, 403, 403, 200, 200),
    "projects:exports": (302, 403, 403, 403, 403, 200, 200),
    "projects:funding_calls": (302, 200, 200, 200, 200, 200, 200),
    "projects:funding_dashboard": (302, 200, 200, 200, 200, 200, 200),
    "projects:application_letters": (302, 200, 200, 200, 404, 200, 200),
    "projects:call_letters": (302, 403, 403, 403, 403, 200, 200),
    "projects:letter_batch": (302, 404, 404, 404, 404, 200, 200),
    "projects:letter_batch_archive": (302, 404, 404, 404, 404, 404, 404),
    "projects:letter_batch_progress": (302, 404, 404, 404, 404, 200, 200),
    "projects:letter_download": (302, 200, 200, 200, 404, 200, 200),
    "projects:letter_generate": (302, 405, 405, 405, 405, 405, 405),
    "projects:letter_mark_sent": (302, 405, 405, 405, 405, 405, 405),
    "projects:letter_preview": (302, 200, 200, 200, 404, 200, 200),
    "projects:letters": (302, 403, 403, 403, 403, 200, 200),
    "projects:press_release": (302, 403, 403, 403, 403, 200, 200),
    "projects:press_release_docx": (302, 403, 403, 403, 403, 200, 200),
    "projects:public_results": (404, 404, 404, 404, 404, 404, 404),
    "projects:publish_results": (302, 405, 405, 405, 405, 405, 405),
    "reviews:declare": (302, 200, 200, 403, 404, 403, 403),
    "reviews:meeting_close": (302, 403, 403, 200, 404, 403, 200),
    "reviews:meeting_create": (302, 403, 403, 200, 403, 403, 200),
    "reviews:meeting_detail": (302, 403, 403, 200, 404, 403, 200),
    "reviews:meeting_list": (302, 403, 403, 200, 403, 403, 200),
    "reviews:meeting_members": (302, 403, 403, 302, 404, 403, 302),
    "reviews:minutes": (302, 200, 200, 200, 404, 200, 200),
    "reviews:proposal": (302, 403, 403, 200, 404, 403, 200),
    "reviews:proposal_delete": (302, 405, 405, 405, 405, 405, 405),
    "reviews:reopen": (302, 404, 404, 404, 403, 403, 200),
    "reviews:review": (302, 302, 403, 403, 404, 403, 403),
}


@pytest.fixture
def demo(db, settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())


def test_every_url_answers_each_role_as_the_table_says(demo):
    kwargs = sample_kwargs()
    names = url_names()
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role != "anonymous":
            from django.contrib.auth import get_user_model

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
}


def test_post_only_views_refuse_the_roles_the_table_says(demo):
    from django.contrib.auth import get_user_model

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
