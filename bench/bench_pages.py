"""Server time and SQL queries of the main pages, at national scale and with 100 applications.

For a regional approver of Occitanie and a Caf instructor of the Haute-Garonne, each figure
is the median of several requests through Django's test client (no network), measured on
the national call (10,000 applications) and again on a small call (100 applications) to
show that the query count does not grow with the data and the time grows at most slightly.
Goals: under 150 ms and under 15 queries per page at 10,000 applications.
"""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.national import ensure_populated, populate_small
from projects.enums import Status
from projects.models import Application
from projects.tabs import detail_tabs
from projects.views import detail_url

REPEAT = 7
GOAL_MS = 150
GOAL_QUERIES = 15


def measure(client: Client, url: str) -> tuple[float, int]:
    client.get(url)  # warm caches (templates, scope) as a running server would have them
    times, queries = [], 0
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(captured)
    return statistics.median(times), queries


def pages(call, instructor_department="31") -> dict[str, list[tuple[str, str]]]:
    applications = Application.objects.filter(call=call)
    laureate = applications.filter(status=Status.LAUREATE, department__code=instructor_department).first()
    reviewed = applications.filter(department__code=instructor_department).exclude(status=Status.SUBMITTED).first()
    detail = laureate or reviewed
    # Each tab of the detail page is its own page: measure every one.
    details = [
        (f"application detail, {tab.label} tab", detail_url(detail, None if tab is detail_tabs()[0] else tab.id))
        for tab in detail_tabs()
    ]
    return {
        "approver": [
            ("application list, first page", f"/dossiers/?call={call.pk}"),
            ("application list, filtered", f"/dossiers/?status=reviewed&qpv=true&call={call.pk}"),
            *details,
            ("approval screen", f"/appels/{call.reference}/validation/"),
            ("funding dashboard", f"/appels/{call.reference}/tableau-de-bord/"),
            ("follow-up dashboard", f"/appels/{call.reference}/suivi/"),
        ],
        "instructor": [
            ("application list, first page", f"/dossiers/?call={call.pk}"),
            ("application list, filtered", f"/dossiers/?status=reviewed&category=new_places&call={call.pk}"),
            *details,
            ("funding dashboard", f"/appels/{call.reference}/tableau-de-bord/"),
            ("follow-up dashboard", f"/appels/{call.reference}/suivi/"),
        ],
    }


def run() -> list[dict]:
    made = ensure_populated()
    rows = [
        {"name": "national call: applications", "value": made["applications"], "unit": "rows"},
        {"name": "national call: time to fill", "value": round(made["seconds"], 1), "unit": "s"},
    ]
    national = made["calls_by_region"]["76"]
    small = populate_small()
    users = made["users"]
    for role, user in (("approver", users["approver"]), ("instructor", users["instructor"])):
        client = Client(HTTP_HOST="localhost")
        client.force_login(user)
        if role == "instructor":
            declare_everything(user)
        big_pages, small_pages = pages(national), pages(small)
        big_pages[role] += api_pages(client, national)
        small_pages[role] += api_pages(client, small)
        for (label, url), (_, small_url) in zip(big_pages[role], small_pages[role], strict=True):
            ms, queries = measure(client, url)
            small_ms, small_queries = measure(client, small_url)
            rows.append(
                {
                    "name": f"{role}: {label}, 10,000 applications",
                    "value": round(ms, 1),
                    "unit": "ms",
                    "queries": queries,
                    "ok": ms < GOAL_MS and queries < GOAL_QUERIES,
                }
            )
            rows.append(
                {
                    "name": f"{role}: {label}, 100 applications",
                    "value": round(small_ms, 1),
                    "unit": "ms",
                    "queries": small_queries,
                    "ok": small_queries == queries,
                }
            )
    # The home page is each role's work queue over everything they see: one figure per role.
    for role in ("instructor", "secretary", "approver", "admin"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(users[role])
        ms, queries = measure(client, "/")
        rows.append(
            {
                "name": f"{role}: home page (work queue), 10,000 applications",
                "value": round(ms, 1),
                "unit": "ms",
                "queries": queries,
                "ok": ms < GOAL_MS and queries <= GOAL_QUERIES,
            }
        )
    return rows


def api_pages(client: Client, call) -> list[tuple[str, str]]:
    """The API's application list of the call: its first page and the page its cursor leads to (50 each)."""
    first = f"/api/v1/applications/?call={call.reference}&page_size=50"
    following = client.get(first).json()["next"] or first
    return [("API application list, first page", first), ("API application list, cursor page", following)]


def declare_everything(user) -> None:
    """The instructor has declared no conflict on the files of the department, so sees them whole."""
    from reviews.models import ConflictDeclaration

    ConflictDeclaration.objects.bulk_create(
        (
            ConflictDeclaration(user=user, application_id=pk, has_conflict=False)
            for pk in Application.objects.filter(department__code="31").values_list("pk", flat=True)
        ),
        ignore_conflicts=True,
    )
