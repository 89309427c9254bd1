"""Every endpoint, with the token of every role: what the pages hide, the API hides (absent from lists, 404)."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from departments.models import Department
from projects.enums import CallStatus
from projects.exchange.api.models import ApiToken
from projects.exchange.api.services import revoke_token
from projects.models import Call
from reviews.instruction.services import declare_conflict
from tests.departments.factories import (
    administrator,
    caf_instructor,
    committee_secretary,
    ddets_instructor,
    regional_approver,
)
from tests.projects.api.factories import api, service_account, token_secret
from tests.projects.exchange.factories import funders_with_sirets, laureate, with_commitments_payment_and_letter
from tests.projects.factories import ApplicationFactory, CallFactory

# The roles bounded to a territory; the administrator role covers every department (departments.permissions).
ROLES = {
    "caf-11": (caf_instructor, "11"),
    "ddets-11": (ddets_instructor, "11"),
    "cdsf-11": (committee_secretary, "11"),
    "prefecture-76": (regional_approver,),
}
DEPARTMENT_ROLES = {"caf-11", "ddets-11", "cdsf-11"}
EVERY_ROLE = {**ROLES, "admin": (administrator,)}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()


@pytest.fixture
def files(db):
    """A laureate of the Aude, one of the Haute-Garonne (same call), and a file of a call of Brittany."""
    approver = regional_approver()
    aude = laureate(by=approver, department_code="11")
    with_commitments_payment_and_letter(aude, by=approver)
    garonne = laureate(by=approver, department_code="31")
    brittany = CallFactory(reference="FIPE-BRE-2023", region=Department.objects.get(code="35").region)
    breton = ApplicationFactory(
        call=brittany, submitted=True, reference="FIPE-BRE-2023-035-001", department=Department.objects.get(code="35")
    )
    funders_with_sirets()
    return {"aude": aude, "garonne": garonne, "breton": breton}


def what_the_token_reads(secret, files) -> dict:
    """Each endpoint's answer for this token: the references listed, or the status of one object's address."""
    client = api(secret)

    def listed(path):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.json()
        return sorted(row["reference"] for row in (body["results"] if isinstance(body, dict) else body))

    return {
        "calls": listed("/api/v1/calls/"),
        "applications": listed("/api/v1/applications/"),
        "decisions": listed("/api/v1/calls/FIPE-OCC-2023/decisions/"),
        **{
            f"{name} file": client.get(f"/api/v1/applications/{files[name].reference}/").status_code
            for name in ("aude", "garonne", "breton")
        },
        "brittany call": client.get("/api/v1/calls/FIPE-BRE-2023/").status_code,
        "brittany decisions": client.get("/api/v1/calls/FIPE-BRE-2023/decisions/").status_code,
        "brittany results": client.get("/api/v1/calls/FIPE-BRE-2023/results/").status_code,
        "brittany scdl": client.get("/api/v1/calls/FIPE-BRE-2023/scdl/").status_code,
        "occitanie scdl": client.get("/api/v1/calls/FIPE-OCC-2023/scdl/").status_code,
        "occitanie results": client.get("/api/v1/calls/FIPE-OCC-2023/results/").status_code,
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_token_reads_its_departments_and_nothing_else(files, role):
    secret = token_secret(service_account(*ROLES[role]))
    aude, garonne = files["aude"].reference, files["garonne"].reference
    department = role in DEPARTMENT_ROLES
    assert what_the_token_reads(secret, files) == {
        "calls": ["FIPE-OCC-2023"],
        "applications": [aude] if department else [aude, garonne],
        "decisions": [aude] if department else [aude, garonne],
        "aude file": 200,
        "garonne file": 404 if department else 200,
        "breton file": 404,
        "brittany call": 404,
        "brittany decisions": 404,
        # Unpublished: the results do not exist yet; the open data is for those who export the whole region.
        "brittany results": 404,
        "brittany scdl": 404,
        "occitanie scdl": 404 if department else 200,
        "occitanie results": 404,
    }


def test_the_administrators_token_reads_every_department(files):
    reads = what_the_token_reads(token_secret(service_account(administrator)), files)
    # Brittany's regional prefecture, a funder of its open data, is not in the reference data: nothing to read.
    reads.pop("brittany scdl")
    assert reads == {
        "calls": ["FIPE-BRE-2023", "FIPE-OCC-2023"],
        "applications": sorted(f.reference for f in files.values()),
        "decisions": [files["aude"].reference, files["garonne"].reference],
        "aude file": 200,
        "garonne file": 200,
        "breton file": 200,
        "brittany call": 200,
        "brittany decisions": 200,
        "brittany results": 404,
        "occitanie scdl": 200,
        "occitanie results": 404,
    }


@pytest.mark.parametrize("role", [*EVERY_ROLE, "anonymous"])
def test_published_results_and_open_data_are_read_by_every_token_and_without_one(files, role):
    Call.objects.filter(reference="FIPE-OCC-2023").update(status=CallStatus.RESULTS_PUBLISHED)
    client = api(token_secret(service_account(*EVERY_ROLE[role])) if role in EVERY_ROLE else None)
    results = client.get("/api/v1/calls/FIPE-OCC-2023/results/").json()
    assert sorted(row["reference"] for department in results["departments"] for row in department["laureates"]) == [
        files["aude"].reference,
        files["garonne"].reference,
    ]
    assert len(client.get("/api/v1/calls/FIPE-OCC-2023/scdl/").json()["records"]) == 4
    assert client.get("/api/v1/calls/FIPE-BRE-2023/results/").status_code == 404


def test_a_reviewers_token_reads_only_the_summary_until_it_declares_no_conflict(files):
    account = service_account(caf_instructor, "11")
    client = api(token_secret(account))
    path = f"/api/v1/applications/{files['aude'].reference}/"
    summary = client.get(path).json()
    assert (summary["full_file"], summary["summary"], summary["award"], summary["letters"]) == (
        False,
        files["aude"].summary,
        None,
        [],
    )
    assert summary["requested"] == summary["reviews"] == [] and summary["total_budget"] is None
    # A committee secretary of the same department is no reviewer: the pages show it the whole file.
    assert api(token_secret(service_account(committee_secretary, "11"))).get(path).json()["full_file"] is True
    declare_conflict(application=files["aude"], user=account.user, has_conflict=False)
    whole = client.get(path).json()
    assert whole["full_file"] is True and whole["award"]["total"] == "30000.00" and len(whole["letters"]) == 2


ENDPOINTS = [
    "/api/v1/calls/",
    "/api/v1/calls/FIPE-OCC-2023/",
    "/api/v1/calls/FIPE-OCC-2023/decisions/",
    "/api/v1/calls/FIPE-OCC-2023/results/",
    "/api/v1/calls/FIPE-OCC-2023/scdl/",
    "/api/v1/applications/",
    "/api/v1/applications/FIPE-OCC-2023-011-001/",
]


@pytest.fixture
def published(files):
    Call.objects.filter(reference="FIPE-OCC-2023").update(status=CallStatus.RESULTS_PUBLISHED)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_revoked_token_answers_401_everywhere_even_where_no_token_is_needed(published, path):
    secret = token_secret(service_account(regional_approver))
    revoke_token(token=ApiToken.objects.get(), by=administrator())
    response = api(secret).get(path)
    assert (response.status_code, list(response.json())) == (401, ["detail"])


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_expired_token_answers_401_everywhere(published, path):
    secret = token_secret(service_account(regional_approver), expires_in=datetime.timedelta(seconds=-1))
    assert api(secret).get(path).status_code == 401


def test_a_token_expires_at_its_date(files):
    secret = token_secret(service_account(regional_approver), expires_in=datetime.timedelta(hours=1))
    assert api(secret).get("/api/v1/calls/").status_code == 200
    ApiToken.objects.update(expires_at=timezone.now())
    assert api(secret).get("/api/v1/calls/").status_code == 401
