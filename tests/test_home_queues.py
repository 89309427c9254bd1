"""Each role's home page is its work queue: what waits for that person, counted against the database."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from departments.models import Department
from fipe import workqueue
from fipe.workqueue import QueueItem, QueueSection, add_queue, work_queue
from projects.enums import AWARDED_STATUSES, CallStatus, LetterKind, Status
from projects.models import Application, Call
from projects.money import format_euros
from reviews.enums import MeetingStatus, Opinion, ReviewerKind
from reviews.models import CommitteeMeeting, ConflictDeclaration, Review
from tests.projects.factories import ApplicationFactory
from tests.reviews.situations import review

# The home page's budget: user, scope, departments, and one or two aggregates per provider (the
# session comes from the cache).
HOME_QUERIES = {"caf-11": 6, "ddets-31": 6, "cdsf-31": 5, "prefecture-76": 7, "admin": 9}


def user(username):
    return get_user_model().objects.get(username=username)


def home_of(username, django_assert_num_queries) -> str:
    client = Client()
    client.force_login(user(username))
    with django_assert_num_queries(HOME_QUERIES[username]):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def count_shown(html: str, label: str) -> int:
    """The count beside a queue item, read from the page."""
    match = re.search(re.escape(label) + r"</a>\s*<p class=\"fr-badge[^\"]*\">(\d+)</p>", html)
    assert match, f"« {label} » is not on the page"
    return int(match.group(1))


def under_instruction(code):
    return Application.objects.filter(department__code=code, status__in=(Status.SUBMITTED, Status.IN_REVIEW))


def test_an_instructor_home_counts_the_files_waiting_for_their_declaration_and_review(demo, django_assert_num_queries):
    instructor = user("caf-11")
    files = under_instruction("11")
    declared = Q(conflict_declarations__user=instructor)
    to_declare = files.exclude(declared).count()
    to_review = (
        files.filter(declared, conflict_declarations__has_conflict=False)
        .exclude(reviews__kind=ReviewerKind.CAF)
        .count()
    )
    html = home_of("caf-11", django_assert_num_queries)
    assert count_shown(html, "Dossiers attendant votre déclaration d’intérêts") == to_declare > 0
    assert count_shown(html, "Dossiers attendant l’avis de votre organisme") == to_review


def test_an_instructor_draft_and_the_other_body_answer_are_counted(demo, django_assert_num_queries):
    instructor, other = user("caf-11"), user("ddets-11")
    application = under_instruction("11").exclude(conflict_declarations__user=instructor).first()
    for who in (instructor, other):
        ConflictDeclaration.objects.create(user=who, application=application, has_conflict=False)
    review(application, instructor, submit=False, kind=ReviewerKind.CAF)
    review(application, other, kind=ReviewerKind.DDETS)
    drafts = Review.objects.filter(
        author=instructor, submitted_at__isnull=True, application__status__in=(Status.SUBMITTED, Status.IN_REVIEW)
    ).count()
    html = home_of("caf-11", django_assert_num_queries)
    assert count_shown(html, "Avis laissés en brouillon") == drafts >= 1
    assert (
        count_shown(html, "Dossiers où l’autre organisme a rendu son avis, pas encore le vôtre")
        == (other_answered(instructor, ReviewerKind.CAF))
        >= 1
    )


def other_answered(instructor, kind) -> int:
    """Files the instructor may review where another body's review is submitted and not yet their body's."""

    def submitted(application, by_kind):
        return any(item.submitted_at and (item.kind == kind) == by_kind for item in application.reviews.all())

    files = under_instruction("11").filter(
        conflict_declarations__user=instructor, conflict_declarations__has_conflict=False
    )
    return sum(1 for a in files.prefetch_related("reviews") if submitted(a, False) and not submitted(a, True))


def test_the_list_filter_shows_the_files_the_home_page_counts(demo, django_assert_num_queries):
    html = home_of("caf-11", django_assert_num_queries)
    shown = count_shown(html, "Dossiers attendant votre déclaration d’intérêts")
    client = Client()
    client.force_login(user("caf-11"))
    response = client.get(reverse("projects:application_list"), {"work": "declaration"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == shown
    assert "À déclarer par moi (conflit d’intérêts)" in response.text
    assert "Avis Caf" in response.text and "Avis DDETS" in response.text


def test_an_unknown_list_filter_is_ignored_not_an_error(demo):
    client = Client()
    client.force_login(user("prefecture-76"))
    response = client.get(reverse("projects:application_list"), {"work": "declaration"})
    assert response.status_code == 200
    assert response.context["page_obj"].paginator.count == Application.objects.visible_to(user("prefecture-76")).count()


def test_a_secretariat_home_counts_reviewed_files_and_meetings(demo, django_assert_num_queries):
    today = timezone.localdate()
    waiting = Application.objects.filter(department__code="31", status=Status.REVIEWED, proposal__isnull=True).count()
    meetings = CommitteeMeeting.objects.filter(department__code="31", status=MeetingStatus.OPEN)
    html = home_of("cdsf-31", django_assert_num_queries)
    assert count_shown(html, "Dossiers instruits attendant un comité") == waiting > 0
    assert count_shown(html, "Séances à tenir") == meetings.filter(date__gte=today).count()
    assert count_shown(html, "Séances tenues à clore") == meetings.filter(date__lt=today).count()


def test_the_prefecture_home_lists_proposals_per_department_with_amounts(demo, django_assert_num_queries):
    html = home_of("prefecture-76", django_assert_num_queries)
    proposed = Application.objects.filter(status=Status.PROPOSED)
    assert proposed.exists()
    for department in Department.objects.filter(applications__status=Status.PROPOSED).distinct():
        mine = proposed.filter(department=department)
        label = f"Propositions à valider — {department.code} {department.name}"
        assert count_shown(html, label) == mine.count()
        amount = mine.aggregate(total=Sum("proposal__proposed_total"))["total"]
        assert escape(format_euros(amount)) in html
    letters = Application.objects.filter(status__in=AWARDED_STATUSES | {Status.REJECTED})
    missing = letters.filter(status__in=AWARDED_STATUSES).exclude(letters__kind=LetterKind.AWARD).count()
    missing += letters.filter(status=Status.REJECTED).exclude(letters__kind=LetterKind.REFUSAL).count()
    assert count_shown(html, "Courriers à produire") == missing
    latest_award_letters = [
        application.letters.filter(kind=LetterKind.AWARD).order_by("-version").first()
        for application in Application.objects.filter(status__in=AWARDED_STATUSES)
    ]
    to_send = sum(letter is not None and letter.sent_at is None for letter in latest_award_letters)
    assert to_send
    assert count_shown(html, "Lettres d’attribution à envoyer") == to_send


def test_the_administrator_home_lists_calls_imports_and_exports(demo, django_assert_num_queries):
    Call.objects.update(status=CallStatus.OPEN, closes_on=timezone.localdate() + datetime.timedelta(days=3))
    html = home_of("admin", django_assert_num_queries)
    assert count_shown(html, "Appels à projets ouverts") == Call.objects.count()
    assert count_shown(html, "Appels qui se clôturent dans les 15 jours") == Call.objects.count()
    assert count_shown(html, "Appels qui reçoivent des dossiers à importer") == Call.objects.count()
    awarded = Call.objects.filter(applications__status__in=AWARDED_STATUSES).distinct().count()
    assert count_shown(html, "Appels dont les décisions sont à exporter") == awarded >= 1


@pytest.mark.parametrize("username", sorted(HOME_QUERIES))
def test_the_home_page_query_count_does_not_grow_with_the_files(demo, username, django_assert_num_queries):
    home_of(username, django_assert_num_queries)
    call = Call.objects.get(reference="FIPE-OCC-2023")
    for department in Department.objects.filter(code__in=("11", "31")):
        for number in range(5):
            ApplicationFactory(
                call=call,
                department=department,
                status=Status.SUBMITTED,
                reference=f"{call.reference}-0{department.code}-9{number:02d}",
            )
    home_of(username, django_assert_num_queries)


def test_a_role_without_waiting_work_has_no_queue(db):
    assert work_queue(get_user_model().objects.create(username="nobody")) == []


def test_providers_are_asked_in_their_order_and_empty_sections_are_left_out(monkeypatch):
    monkeypatch.setattr(workqueue, "_providers", {})

    def late(user):
        return [QueueSection("Plus tard", [QueueItem("b", 1, "/b/", Decimal("1"))])]

    def early(user):
        return [QueueSection("D’abord", [QueueItem("a", 2, "/a/")]), QueueSection("Vide")]

    add_queue(late, order=20)
    add_queue(early, order=10)
    assert [section.title for section in work_queue(get_user_model()(pk=1))] == ["D’abord", "Plus tard"]


def test_the_list_shows_each_body_submitted_opinion_never_a_draft(demo):
    application = under_instruction("11").exclude(reviews__isnull=False).first()
    review(application, user("caf-11"), kind=ReviewerKind.CAF)
    review(application, user("ddets-11"), kind=ReviewerKind.DDETS, opinion=Opinion.UNFAVOURABLE, submit=False)
    client = Client()
    client.force_login(user("caf-11"))
    response = client.get(reverse("projects:application_list"), {"q": application.reference})
    (listed,) = response.context["page_obj"].object_list
    assert (listed.caf_opinion, listed.ddets_opinion) == (Opinion.FAVOURABLE, None)
