import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from departments.models import Department
from projects.enums import CallStatus, Category, Status
from projects.exchange.api.models import ApiCall, ApiToken
from projects.exchange.api.services import revoke_token
from projects.models import Application, Call
from reviews.committee.services import close_meeting
from tests.departments.factories import caf_instructor, committee_secretary, regional_approver
from tests.projects.api.factories import api, service_account, token_secret
from tests.projects.exchange.factories import funders_with_sirets, laureate, with_commitments_payment_and_letter
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory
from tests.reviews.situations import meeting, propose, reviewed_application


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


def url(name, **kwargs):
    return reverse(f"projects:api_{name}", kwargs=kwargs)


@pytest.fixture
def caf_11(db):
    return token_secret(service_account(caf_instructor, "11"))


@pytest.fixture
def approver(db):
    return regional_approver()


@pytest.fixture
def files(approver):
    """A laureate of the Aude with payment and letters, a submitted file of the Aude, one of the Haute-Garonne."""
    aude = laureate(by=approver)
    with_commitments_payment_and_letter(aude, by=approver)
    return {
        "laureate": aude,
        "aude": ApplicationFactory(submitted=True),
        "garonne": ApplicationFactory(submitted=True, department=Department.objects.get(code="31")),
    }


def references(response) -> set[str]:
    return {row["reference"] for row in response.json()["results"]}


# — Tokens ——————————————————————————————————————————————————————————————————————————————


def test_without_a_token_the_api_answers_401_in_json(db):
    response = api().get(url("applications"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "detail" in response.json()


@pytest.mark.parametrize(
    "header", ["Bearer fipe_inconnu", "Bearer", "Bearer a b", "Token abc", "Bearer \u00e9t\u00e9"], ids=str
)
def test_an_unknown_or_malformed_token_answers_401(db, client, header):
    response = client.get(url("applications"), headers={"Authorization": header})
    assert response.status_code == 401


def test_a_revoked_token_answers_401(db, caf_11):
    assert api(caf_11).get(url("calls")).status_code == 200
    revoke_token(token=ApiToken.objects.get(), by=regional_approver())
    assert api(caf_11).get(url("calls")).status_code == 401


def test_an_expired_token_answers_401(db):
    secret = token_secret(service_account(caf_instructor, "11"), expires_in=datetime.timedelta(seconds=-1))
    assert api(secret).get(url("calls")).status_code == 401


def test_the_token_of_a_deactivated_account_answers_401(db, caf_11):
    ApiToken.objects.get().account.user.__class__.objects.update(is_active=False)
    assert api(caf_11).get(url("calls")).status_code == 401


def test_only_the_hash_of_the_secret_is_stored(db, caf_11):
    token = ApiToken.objects.get()
    assert caf_11.startswith("fipe_") and len(caf_11) > 40
    assert caf_11 not in (token.secret_hash, token.prefix) and caf_11.startswith(token.prefix)


def test_each_call_is_logged_and_dates_the_tokens_last_use(db, caf_11):
    api(caf_11).get(url("calls"))
    api().get(url("calls"))
    token = ApiToken.objects.get()
    assert token.last_used_at is not None
    assert list(ApiCall.objects.order_by("pk").values_list("token", "path", "status")) == [
        (token.pk, "/api/v1/calls/", 200),
        (None, "/api/v1/calls/", 401),
    ]


def test_every_address_of_the_api_is_logged(db, caf_11):
    client = api(caf_11)
    paths = ["/api/v1/nulle-part/", "/api/v1/schema/", "/api/v1/docs/", "/api/v1/applications/FIPE-INCONNU/"]
    statuses = [client.get(path).status_code for path in paths]
    assert statuses == [404, 200, 200, 404]
    assert list(ApiCall.objects.order_by("pk").values_list("path", "status")) == list(zip(paths, statuses, strict=True))
    assert client.get("/api/v1/nulle-part/").json() == {"detail": "Adresse inconnue de l’API."}
    read_only = {"detail": "Méthode refusée : l’API est en lecture seule."}
    for path in ("/api/v1/nulle-part/", "/api/v1/applications/", "/api/v1/schema/?format=json"):
        refused = client.post(path)
        assert (refused.status_code, refused.json()) == (405, read_only)
    # The schema's default format is YAML, which takes no lazy translation.
    assert client.post("/api/v1/schema/").status_code == 405


def test_calls_are_throttled_per_token(db, settings, caf_11):
    settings.API_THROTTLE_RATE = "2/min"
    other = token_secret(service_account(caf_instructor, "31"))
    assert [api(caf_11).get(url("calls")).status_code for _ in range(3)] == [200, 200, 429]
    assert api(other).get(url("calls")).status_code == 200


# — Scope ————————————————————————————————————————————————————————————————————————————————


def test_a_departments_token_lists_only_its_departments_files(caf_11, files):
    response = api(caf_11).get(url("applications"))
    assert response.status_code == 200
    assert references(response) == {files["laureate"].reference, files["aude"].reference}


def test_another_departments_file_answers_404(caf_11, files):
    assert api(caf_11).get(url("application", reference=files["garonne"].reference)).status_code == 404
    assert api(caf_11).get(url("application", reference="FIPE-INCONNU")).status_code == 404
    for path in ("/api/v1/applications/a%00b/", "/api/v1/applications/a b/", "/api/v1/nulle-part/"):
        response = api(caf_11).get(path)
        assert (response.status_code, response["Content-Type"]) == (404, "application/json")


def test_the_regional_approvers_token_sees_the_region(files):
    secret = token_secret(service_account(regional_approver))
    assert references(api(secret).get(url("applications"))) == {f.reference for f in files.values()}


def test_a_call_of_another_region_answers_404(caf_11, files):
    other = CallFactory(reference="FIPE-BRE-2023", region=Department.objects.get(code="35").region)
    assert [c["reference"] for c in api(caf_11).get(url("calls")).json()] == ["FIPE-OCC-2023"]
    assert api(caf_11).get(url("call", reference=other.reference)).status_code == 404
    assert api(caf_11).get(url("call_decisions", reference=other.reference)).status_code == 404


def test_decisions_list_only_the_laureates_of_the_tokens_departments(approver, files):
    garonne = laureate(by=approver, department_code="31")
    caf_31 = token_secret(service_account(caf_instructor, "31"))
    response = api(caf_31).get(url("call_decisions", reference="FIPE-OCC-2023"))
    assert references(response) == {garonne.reference}
    decision = response.json()["results"][0]
    assert decision["award"]["total"] == "30000.00"
    assert {line["funder"] for line in decision["award"]["lines"]} == {"state", "cnaf"}


# — Content ——————————————————————————————————————————————————————————————————————————————


def test_a_call_shows_its_envelope_and_what_is_committed(caf_11, files):
    [call] = api(caf_11).get(url("calls")).json()
    assert (call["envelope"], call["committed"], call["state_share"]) == ("2395000.00", "30000.00", "0.5000")


def test_one_file_shows_amounts_reviews_award_payments_and_letters(files):
    # The CDSF secretariat reviews nothing: like the pages, its token reads every file of its department whole.
    secretary = token_secret(service_account(committee_secretary, "11"))
    data = api(secretary).get(url("application", reference=files["laureate"].reference)).json()
    assert data["requested"] == [
        {"year": 2023, "amount": "10000.00"},
        {"year": 2024, "amount": "10000.00"},
        {"year": 2025, "amount": "10000.00"},
    ]
    assert data["award"]["total"] == "30000.00"
    state_2023 = next(line for line in data["award"]["lines"] if (line["funder"], line["year"]) == ("state", 2023))
    assert state_2023["payments"] == [{"paid_on": "2024-01-15", "amount": "1000.00", "reference": ""}]
    assert [(letter["reference"], letter["version"], letter["sha256"]) for letter in data["letters"]] == [
        (f"{files['laureate'].reference}-ATT", 1, "1" * 64),
        (f"{files['laureate'].reference}-ATT", 2, "2" * 64),
    ]
    assert data["reviews"] == [] and data["proposal"] is None


def test_one_file_shows_the_reviews_opinions_and_totals_and_the_committees_proposal(db):
    application = reviewed_application("11", caf_score=4, ddets_score=3)
    opened = meeting("11")
    propose(opened, application, rank=2)
    close_meeting(meeting=opened, by=opened.secretary)
    secretary = token_secret(service_account(committee_secretary, "11"))
    data = api(secretary).get(url("application", reference=application.reference)).json()
    assert [(review["kind"], review["opinion"], review["total"]) for review in data["reviews"]] == [
        ("caf", "favourable", "80.0"),
        ("ddets", "favourable", "60.0"),
    ]
    proposal = data["proposal"]
    assert (proposal["decision"], proposal["rank"], proposal["proposed_total"], proposal["meeting_date"]) == (
        "proposed",
        2,
        "15000.00",
        "2023-11-20",
    )
    assert proposal["amounts"][0] == {"year": 2023, "amount": "5000.00"}


# — Filters and pages ——————————————————————————————————————————————————————————————————————


def test_filters_by_call_department_status_and_update(caf_11, files):
    client = api(caf_11)
    assert references(client.get(url("applications"), {"status": Status.SUBMITTED})) == {files["aude"].reference}
    assert len(references(client.get(url("applications"), {"call": "FIPE-OCC-2023", "department": "11"}))) == 2
    Application.objects.filter(pk=files["aude"].pk).update(updated_at=timezone.now() + datetime.timedelta(hours=1))
    since = (timezone.now() + datetime.timedelta(minutes=30)).isoformat()
    assert references(client.get(url("applications"), {"updated_since": since})) == {files["aude"].reference}


@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("status", "bogus"),
        ("call", "FIPE-INCONNU"),
        ("department", "31"),
        ("department", "\x00"),
        ("call", "\x00"),
        ("status", "\x00"),
        ("updated_since", "\x00"),
        ("cursor", "\x00"),
        ("page_size", "\x00"),
        ("updated_since", "hier"),
        ("cursor", "pas-un-curseur"),
        ("page_size", "0"),
        ("page_size", "abc"),
        ("page_size", "100000"),
        ("page_size", "-1"),
        ("page_size", "\u00b2"),
        ("updated_since", "9999-12-31T23:59:59-12:00"),
        ("updated_since", "0001-01-01T00:00:00"),
    ],
)
def test_a_bad_parameter_answers_400_naming_it(caf_11, files, parameter, value):
    response = api(caf_11).get(url("applications"), {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()


@pytest.mark.parametrize(
    ("parameter", "value"), [("cursor", "pas-un-curseur"), ("cursor", "\x00"), ("page_size", "0"), ("page_size", "x")]
)
def test_a_bad_page_of_decisions_answers_400_naming_it(caf_11, files, parameter, value):
    response = api(caf_11).get(url("call_decisions", reference="FIPE-OCC-2023"), {parameter: value})
    assert response.status_code == 400
    assert parameter in response.json()


def test_the_cursor_walks_every_file_once(caf_11, files):
    ApplicationFactory.create_batch(3, submitted=True)
    client = api(caf_11)
    seen, page = [], client.get(url("applications"), {"page_size": 2}).json()
    while True:
        seen += [row["reference"] for row in page["results"]]
        if not page["next"]:
            break
        page = client.get(page["next"]).json()
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 5


# — Public once published ————————————————————————————————————————————————————————————————————


def test_results_and_scdl_are_public_once_published(files):
    funders_with_sirets()
    anonymous = api()
    assert anonymous.get(url("call_results", reference="FIPE-OCC-2023")).status_code == 404
    assert anonymous.get(url("call_scdl", reference="FIPE-OCC-2023")).status_code == 404
    Call.objects.update(status=CallStatus.RESULTS_PUBLISHED)
    results = anonymous.get(url("call_results", reference="FIPE-OCC-2023")).json()
    assert (results["count"], results["total"]) == (1, "30000.00")
    scdl = anonymous.get(url("call_scdl", reference="FIPE-OCC-2023")).json()
    assert [(r["referenceDecision"], r["montant"], r["pourcentageSubvention"]) for r in scdl["records"]] == [
        (files["laureate"].reference, "30000.00", "0.5"),
        (files["laureate"].reference, "30000.00", "0.5"),
    ]


def test_before_publication_the_scdl_is_for_those_who_export_the_region(caf_11, files):
    funders_with_sirets()
    assert api(caf_11).get(url("call_scdl", reference="FIPE-OCC-2023")).status_code == 404
    secret = token_secret(service_account(regional_approver))
    assert len(api(secret).get(url("call_scdl", reference="FIPE-OCC-2023")).json()["records"]) == 2


def test_scdl_without_the_funders_siret_says_so(files):
    secret = token_secret(service_account(regional_approver))
    response = api(secret).get(url("call_scdl", reference="FIPE-OCC-2023"))
    assert response.status_code == 409
    assert "SIRET" in response.json()["detail"]


# — Queries ——————————————————————————————————————————————————————————————————————————————————


def many_files(count: int, *, first: int) -> None:
    """`count` submitted files of the Aude and the Haute-Garonne, written at once (the factories would take minutes)."""
    call, applicant = Call.objects.get(reference="FIPE-OCC-2023"), ApplicantFactory()
    departments = list(Department.objects.filter(code__in=["11", "31"]))
    Application.objects.bulk_create(
        (
            Application(
                reference=f"FIPE-OCC-2023-900-{first + n:05d}",
                call=call,
                applicant=applicant,
                department=departments[n % 2],
                commune="Carcassonne",
                title=f"Projet n° {first + n}",
                summary="Un projet.",
                category=Category.NEW_PLACES,
                total_budget=Decimal("80000.00"),
                requested_total=Decimal("30000.00"),
                status=Status.SUBMITTED,
                submitted_at=timezone.now(),
            )
            for n in range(count)
        ),
        batch_size=1000,
    )


def _list_queries(client, django_assert_num_queries):
    # Token, its last use, scope (memberships, region's departments), the page, the log row.
    with django_assert_num_queries(6):
        first = client.get(url("applications"), {"page_size": 50})
    with django_assert_num_queries(6):
        second = client.get(first.json()["next"])
    # The same, the call, and the awards' amounts, lines and payments.
    with django_assert_num_queries(10):
        decisions = client.get(url("call_decisions", reference="FIPE-OCC-2023"))
    # Token, its last use, scope, the calls with their committed totals, their two kinds of envelopes, the log row.
    with django_assert_num_queries(8):
        calls = client.get(url("calls"))
    assert first.status_code == second.status_code == decisions.status_code == calls.status_code == 200
    assert len(first.json()["results"]) == len(second.json()["results"]) == 50


def test_list_queries_are_the_same_at_100_and_10000_files(db, approver, django_assert_num_queries):
    secret = token_secret(service_account(regional_approver))
    client = api(secret)
    for _ in range(2):
        laureate(by=approver)
    many_files(98, first=0)
    assert Application.objects.count() == 100
    _list_queries(client, django_assert_num_queries)
    for _ in range(3):
        laureate(by=approver)
    many_files(9_897, first=98)
    assert Application.objects.count() == 10_000
    _list_queries(client, django_assert_num_queries)


def test_the_calls_queries_do_not_grow_with_calls_and_envelopes(db, approver, django_assert_num_queries):
    client = api(token_secret(service_account(regional_approver)))
    laureate(by=approver, department_code="11")
    call = Call.objects.get()
    call.department_envelopes.create(department=Department.objects.get(code="11"), amount=Decimal("500000.00"))
    call.year_envelopes.create(year=2023, amount=Decimal("800000.00"))
    with django_assert_num_queries(8):
        [read] = client.get(url("calls")).json()
    assert read["department_envelopes"] == [{"department": "11", "envelope": "500000.00", "committed": "30000.00"}]
    assert read["year_envelopes"] == [{"year": 2023, "envelope": "800000.00", "committed": "10000.00"}]
    for year in (2024, 2025):
        call.year_envelopes.create(year=year, amount=Decimal("800000.00"))
    for code in ("30", "31", "34"):
        call.department_envelopes.create(department=Department.objects.get(code=code), amount=Decimal("1.00"))
    CallFactory(reference="FIPE-OCC-2024", first_year=2024, last_year=2026)
    with django_assert_num_queries(8):
        calls = client.get(url("calls")).json()
    assert [(c["reference"], c["committed"], len(c["department_envelopes"])) for c in calls] == [
        ("FIPE-OCC-2023", "30000.00", 4),
        ("FIPE-OCC-2024", "0.00", 0),
    ]


# — Documentation ————————————————————————————————————————————————————————————————————————————


def test_the_schema_is_openapi_3_and_public(db):
    response = api().get(url("schema"), {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/applications/{reference}/" in schema["paths"]


def test_the_documentation_page_runs_under_the_csp(db):
    client = api()
    page = client.get(url("docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html and "<style" not in html and "https://" not in html
    assert "script-src 'self'" in page["Content-Security-Policy"]
    script = client.get(url("docs"), {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()


# — Admin ————————————————————————————————————————————————————————————————————————————————————


def test_a_token_created_in_the_admin_shows_its_secret_once(client, db):
    from projects.journal.models import JournalEntry
    from tests.departments.factories import UserFactory

    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    account = service_account(caf_instructor, "11")
    expires = (timezone.localtime() + datetime.timedelta(days=90)).replace(microsecond=0)
    response = client.post(
        reverse("admin:projects_apitoken_add"),
        {
            "account": account.pk,
            "name": "Production",
            "expires_at_0": f"{expires:%d/%m/%Y}",
            "expires_at_1": f"{expires:%H:%M:%S}",
        },
        follow=True,
    )
    secret = re.search(r"fois : (fipe_\S+)", response.content.decode()).group(1)
    assert api(secret).get(url("calls")).status_code == 200
    token = ApiToken.objects.get()
    assert secret not in client.get(reverse("admin:projects_apitoken_change", args=[token.pk])).content.decode()
    revoked = client.post(
        reverse("admin:projects_apitoken_changelist"), {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert "1 jeton révoqué : il n’est plus accepté." in revoked.content.decode()
    assert api(secret).get(url("calls")).status_code == 401
    assert list(JournalEntry.objects.filter(act__startswith="token").values_list("act", "actor")) == [
        ("token_created", admin.username),
        ("token_revoked", admin.username),
    ]


def test_the_demo_token_reads_the_api_and_the_step_is_idempotent(db):
    import io

    from projects.demo.api import DEMO_SECRET, load_api_account

    out = io.StringIO()
    load_api_account(out)
    load_api_account(out)
    assert ApiToken.objects.count() == 1
    assert DEMO_SECRET in out.getvalue() and "chaîne intacte" in out.getvalue()
    assert api(DEMO_SECRET).get(url("applications")).status_code == 200


def test_a_fault_of_the_api_answers_in_json_and_is_logged_with_its_traceback(caf_11, caplog):
    with mock.patch("projects.exchange.api.views.visible_calls", side_effect=RuntimeError("base perdue")):
        response = api(caf_11).get(url("calls"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Erreur interne du service : réessayez plus tard ; si elle persiste, signalez-la."
    }
    (record,) = [record for record in caplog.records if record.name == "projects.exchange.api.errors"]
    assert "base perdue" in str(record.exc_info[1])
    assert ApiCall.objects.get().status == 500
