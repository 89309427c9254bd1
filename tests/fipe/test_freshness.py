"""Fragments served from the cache never outlive the data they show, nor cross from one scope to another.

These tests commit (transaction=True), as the site does: inside a transaction nothing is cached.
"""

import re
from datetime import date
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from departments.models import Membership
from fipe import freshness
from projects.awards import views as awards_views
from projects.enums import Funder
from projects.exchange.api.models import ApiCall
from projects.models import Application, FundingLine
from tests.departments.factories import caf_instructor, regional_approver
from tests.projects.api.factories import api, service_account, token_secret
from tests.projects.awards.factories import laureate, pay_line, proposed_application
from tests.projects.factories import CallFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fragment_cache_on(settings):
    settings.FIPE_FRAGMENT_CACHE = True


@pytest.fixture
def two_departments():
    """A call with a laureate in the Aude (11) and one in the Gard (30), each paid in part."""
    approver = regional_approver()
    call = CallFactory()
    aude = laureate(by=approver, call=call, department="11", amounts={2023: Decimal("10000.02")})
    gard = laureate(by=approver, call=call, department="30", amounts={2023: Decimal("30000.06")})
    return call, approver, aude, gard


def main_of(response) -> str:
    return response.text.partition("<main")[2].partition("</main>")[0]


def dashboard(client: Client, call) -> str:
    response = client.get(reverse("projects:funding_dashboard", args=[call.reference]))
    assert response.status_code == 200
    return response.text


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("sql", "table"),
    [
        ('INSERT INTO "projects_payment" ("line_id") VALUES (%s)', "projects_payment"),
        ('UPDATE "projects_award" SET "total" = %s', "projects_award"),
        ('DELETE FROM "reviews_review" WHERE "id" IN (%s)', "reviews_review"),
        ("update projects_call set title = %s", "projects_call"),
        ('SELECT "id" FROM "projects_award" FOR UPDATE', None),
        ('SAVEPOINT "s1"', None),
        ('ROLLBACK TO SAVEPOINT "s1"', None),
        ('TRUNCATE "projects_payment"', ""),
        ("WITH moved AS (DELETE FROM projects_payment RETURNING *) SELECT 1", ""),
    ],
)
def test_a_statement_is_told_apart_as_a_read_or_a_write_to_its_table(sql, table):
    assert freshness.written_table(sql) == table


def test_two_users_of_different_departments_each_receive_their_own_cached_figures(two_departments):
    call, _, _, _ = two_departments
    aude, gard = signed_in(caf_instructor("11")), signed_in(caf_instructor("30"))
    for _ in range(2):  # the second time from the cache
        aude_page, gard_page = dashboard(aude, call), dashboard(gard, call)
        assert "10\u00a0000,02\u00a0€" in aude_page and "30\u00a0000,06\u00a0€" not in aude_page
        assert "30\u00a0000,06\u00a0€" in gard_page and "10\u00a0000,02\u00a0€" not in gard_page


def test_users_with_the_same_scope_share_the_figures_computed_once(two_departments):
    call, _, _, _ = two_departments
    first, second = signed_in(caf_instructor("11")), signed_in(caf_instructor("11"))
    with mock.patch.object(awards_views, "funding_figures", wraps=awards_views.funding_figures) as computed:
        pages = dashboard(first, call), dashboard(second, call)
    assert computed.call_count == 1
    assert all("10\u00a0000,02\u00a0€" in page for page in pages)


def test_a_dashboard_seen_again_while_nothing_changed_is_served_from_the_cache(
    two_departments, django_assert_num_queries
):
    call, approver, _, _ = two_departments
    client = signed_in(approver)
    url = reverse("projects:funding_dashboard", args=[call.reference])
    first = client.get(url)
    with django_assert_num_queries(1):  # the session's user
        again = client.get(url)
    assert (first.status_code, again.status_code) == (200, 200)
    assert main_of(again) == main_of(first)
    assert "10\u00a0000,02\u00a0€" in main_of(again)


def test_a_payment_recorded_shows_on_the_next_request(two_departments):
    call, approver, aude, _ = two_departments
    client = signed_in(approver)
    assert "Versé" in dashboard(client, call)
    line = aude.award.lines.get(funder=Funder.STATE, year=2023)
    before = dashboard(client, call)
    pay_line(line, by=approver, amount=Decimal("1234.56"))
    after = dashboard(client, call)
    assert "1\u00a0234,56\u00a0€" in after and "1\u00a0234,56\u00a0€" not in before


def test_a_bulk_update_outside_the_models_renews_the_figures_too(two_departments):
    call, approver, aude, _ = two_departments
    client = signed_in(approver)
    dashboard(client, call)
    FundingLine.objects.filter(award=aude.award).update(budget_reference="0304-01-99")
    with connection.cursor() as cursor:
        cursor.execute("UPDATE projects_call SET title = %s WHERE id = %s", ["Appel renommé à la main", call.pk])
    assert "Appel renommé à la main" in dashboard(client, call)


def test_the_version_changes_once_the_write_is_committed_not_before():
    before = freshness.data_version()
    with transaction.atomic():
        approver = regional_approver()
        assert freshness.data_version() == before
    assert freshness.data_version() != before
    assert approver.pk


def test_a_write_rolled_back_keeps_the_version():
    before = freshness.data_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        regional_approver()
        raise RuntimeError
    assert freshness.data_version() == before


def test_a_write_after_a_savepoint_rolled_back_still_renews_the_version():
    before = freshness.data_version()
    with transaction.atomic():
        with pytest.raises(RuntimeError), transaction.atomic():
            regional_approver()
            raise RuntimeError
        caf_instructor("11")
    assert freshness.data_version() != before


def test_the_version_is_named_after_the_code_so_that_a_new_release_never_reads_the_old_ones_fragments(
    monkeypatch,
):
    old = freshness.data_version()
    monkeypatch.setattr(freshness, "code_release", lambda: "une-autre-version")
    assert freshness.data_version() != old


def test_reading_pages_and_writing_sessions_keep_the_version(two_departments):
    call, approver, aude, _ = two_departments
    client = signed_in(approver)
    before = freshness.data_version()
    dashboard(client, call)
    assert client.get(reverse("projects:application_detail", args=[aude.reference])).status_code == 200
    SessionStore().save()
    assert freshness.data_version() == before


def test_nothing_is_cached_inside_a_transaction():
    computed = []
    with transaction.atomic():
        for _ in range(2):
            freshness.cached("probe", (1,), lambda: computed.append(1) or "figures")
    assert computed == [1, 1]
    for _ in range(2):
        freshness.cached("probe", (1,), lambda: computed.append(1) or "figures")
    assert computed == [1, 1, 1]


def test_a_lost_version_is_replaced_by_a_new_one_never_an_old_one():
    old = freshness.data_version()
    cache.delete(freshness.version_key())
    assert freshness.data_version() not in (None, old)


def test_a_membership_withdrawn_closes_the_department_at_the_next_request(two_departments):
    call, _, _, _ = two_departments
    instructor = caf_instructor("11")
    client = signed_in(instructor)
    assert client.get(reverse("projects:funding_dashboard", args=[call.reference])).status_code == 200
    Membership.objects.filter(user=instructor).delete()
    assert client.get(reverse("projects:funding_dashboard", args=[call.reference])).status_code == 404


def test_a_cache_that_fails_leaves_the_page_computed_without_it(two_departments):
    call, approver, _, _ = two_departments
    client = signed_in(approver)
    with mock.patch.object(freshness, "data_version", side_effect=ConnectionError):
        assert "10\u00a0000,02\u00a0€" in dashboard(client, call)


def waiting_work(client: Client) -> int:
    """The sum of the home page's counts of waiting work, as the page shows them (from the cache or not)."""
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return sum(int(count) for count in re.findall(r'<p class="fr-badge[^"]*">(\d+)</p>', response.text))


def test_the_home_work_queue_counts_a_new_proposal_at_the_next_visit(two_departments):
    call, approver, _, _ = two_departments
    client = signed_in(approver)
    before = waiting_work(client)
    assert waiting_work(client) == before  # from the cache
    proposed_application(call=call, department="11")
    assert waiting_work(client) == before + 1


def test_each_user_has_their_own_work_queue(two_departments):
    call, approver, _, _ = two_departments
    approver_client, gard_client = signed_in(approver), signed_in(caf_instructor("30"))
    approver_before, gard_before = waiting_work(approver_client), waiting_work(gard_client)
    proposed_application(call=call, department="11")
    assert (waiting_work(approver_client), waiting_work(gard_client)) == (approver_before + 1, gard_before)


def test_every_fragment_is_kept_apart_for_each_language():
    with translation.override("fr"):
        french = freshness.fragment_key("funding-dashboard", (1,))
    with translation.override("en"):
        english = freshness.fragment_key("funding-dashboard", (1,))
    assert french != english


def detail(client: Client, application, tab: str = "subvention"):
    return client.get(reverse("projects:application_detail", args=[application.reference]) + f"?onglet={tab}")


def test_a_tab_seen_again_while_nothing_changed_is_served_from_the_cache(two_departments, django_assert_num_queries):
    _, approver, aude, _ = two_departments
    client = signed_in(approver)
    first = detail(client, aude)
    # The session's user: the file, its tab's rows and the scope come from the cache.
    with django_assert_num_queries(1):
        again = detail(client, aude)
    assert (first.status_code, again.status_code) == (200, 200)
    # Word for word, down to the tokens of its forms, which a page computed again would mask anew.
    assert again.context["main"] == first.context["main"]
    assert "csrfmiddlewaretoken" in again.context["main"]


def test_a_tab_kept_for_one_visitor_is_never_served_to_another(two_departments):
    _, approver, aude, _ = two_departments
    approver_client, aude_client, gard_client = (
        signed_in(approver),
        signed_in(caf_instructor("11")),
        signed_in(caf_instructor("30")),
    )
    for _ in range(2):  # the second time from the cache
        approver_page, aude_page, gard_page = (
            detail(client, aude) for client in (approver_client, aude_client, gard_client)
        )
        assert (approver_page.status_code, aude_page.status_code, gard_page.status_code) == (200, 200, 404)
        # The instructor who has not declared her interests sees the file's summary; the approver sees it whole.
        assert "Subvention" in approver_page.context["title"] and "Résumé" in aude_page.context["title"]


def test_a_change_to_the_file_shows_on_the_next_request(two_departments):
    _, approver, aude, _ = two_departments
    client = signed_in(approver)
    assert "Titre changé" not in detail(client, aude, "dossier").text
    Application.objects.filter(pk=aude.pk).update(title="Titre changé")
    assert "Titre changé" in detail(client, aude, "dossier").text


def test_a_tab_kept_for_one_browser_is_not_served_with_tokens_that_another_refuses(two_departments):
    _, approver, aude, _ = two_departments
    office, laptop = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    office.force_login(approver)
    laptop.force_login(approver)  # the same approver signed in twice: two sessions, two CSRF secrets
    detail(office, aude, "pieces-jointes")
    page = detail(laptop, aude, "pieces-jointes")
    form = re.search(r'action="([^"]+)".*?name="csrfmiddlewaretoken" value="([^"]+)"', page.context["main"], re.DOTALL)
    upload = SimpleUploadedFile("devis.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    response = laptop.post(form[1], {"csrfmiddlewaretoken": form[2], "file": upload, "description": "Devis"})
    assert (response.status_code, aude.attachments.count()) == (302, 1)


def test_a_tab_kept_yesterday_is_computed_again_today(two_departments):
    _, approver, aude, _ = two_departments
    client = signed_in(approver)
    with mock.patch.object(freshness.timezone, "localdate", return_value=date(2026, 12, 1)):
        detail(client, aude)
        with CaptureQueriesContext(connection) as kept:
            detail(client, aude)
    tomorrow = mock.patch.object(freshness.timezone, "localdate", return_value=date(2026, 12, 2))
    with tomorrow, CaptureQueriesContext(connection) as today:
        assert detail(client, aude).status_code == 200
    assert (len(kept), len(today) > 1) == (1, True)


def listed_references(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r"/dossiers/(FIPE-[\w-]+)/", response.context["main"])


def test_the_list_seen_again_while_nothing_changed_is_served_from_the_cache(two_departments, django_assert_num_queries):
    _, approver, aude, gard = two_departments
    client = signed_in(approver)
    first = client.get(reverse("projects:application_list"))
    with django_assert_num_queries(1):  # the session's user
        again = client.get(reverse("projects:application_list"))
    assert sorted(set(listed_references(again))) == sorted([aude.reference, gard.reference])
    assert again.context["main"] == first.context["main"]


def test_a_list_kept_for_one_department_is_never_served_to_another(two_departments):
    _, _, aude, gard = two_departments
    aude_client, gard_client = signed_in(caf_instructor("11")), signed_in(caf_instructor("30"))
    for _ in range(2):  # the second time from the cache
        aude_page = aude_client.get(reverse("projects:application_list"))
        gard_page = gard_client.get(reverse("projects:application_list"))
        assert set(listed_references(aude_page)) == {aude.reference}
        assert set(listed_references(gard_page)) == {gard.reference}


def test_a_list_kept_with_a_wrong_filter_still_says_so_in_its_title(two_departments):
    _, approver, _, _ = two_departments
    client = signed_in(approver)
    for _ in range(2):  # the second time from the cache
        page = client.get(reverse("projects:application_list"), {"amount_min": "beaucoup"})
        assert page.status_code == 200
        assert re.search(r"<title>Erreur :", page.text)


def api_references(client: Client) -> list[str]:
    response = client.get(reverse("projects:api_applications"))
    assert response.status_code == 200
    return sorted(row["reference"] for row in response.json()["results"])


def test_an_api_list_read_again_is_served_from_the_cache_and_still_logged(two_departments, django_assert_num_queries):
    _, _, aude, gard = two_departments
    client = api(token_secret(service_account(regional_approver)))
    assert api_references(client) == sorted([aude.reference, gard.reference])
    # The token, its last use, the call's log line: the files come from the cache.
    with django_assert_num_queries(3):
        assert api_references(client) == sorted([aude.reference, gard.reference])
    assert ApiCall.objects.filter(status=200).count() == 2


def test_an_api_list_kept_for_one_department_is_never_served_to_another(two_departments):
    _, _, aude, gard = two_departments
    aude_client = api(token_secret(service_account(caf_instructor, "11")))
    gard_client = api(token_secret(service_account(caf_instructor, "30")))
    for _ in range(2):  # the second time from the cache
        assert (api_references(aude_client), api_references(gard_client)) == ([aude.reference], [gard.reference])


def test_a_follow_up_dashboard_asked_for_a_department_code_no_department_has_is_never_kept(two_departments):
    call, approver, _, _ = two_departments
    client = signed_in(approver)
    url = reverse("projects:followup_dashboard", args=[call.reference])
    with mock.patch.object(freshness.cache, "set", wraps=freshness.cache.set) as stored:
        kept, forged = client.get(url, {"departement": "11"}), client.get(url, {"departement": "x" * 500})
    assert (kept.status_code, forged.status_code) == (200, 200)
    names = [call.args[0].split(":")[2] for call in stored.call_args_list if ":fragment:" in call.args[0]]
    assert [name for name in names if name.startswith("followup")] == ["followup-dashboard", "followup-dashboard-page"]
