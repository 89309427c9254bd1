"""Server time and SQL queries of the main pages, each against its floor, at national scale and with 100 applications.

For a regional approver of Occitanie and a Caf instructor of the Haute-Garonne (and each role's
home page), each figure is the median of several requests through Django's test client (no
network) with DEBUG off, measured on the national call (10,000 applications) and again on a
small call (100 applications) to show that the query count does not grow with the data.

Each page at 10,000 applications is timed against its floor (bench/floors.py): a bare view,
in the same process and behind the same middleware, that evaluates the same querysets and
renders their rows with a minimal template. Page and floor requests alternate, so that the
load of the machine weighs on both alike.

The API's application list (its first page and the page its cursor leads to, 50 files each, as the
HTML list shows) is also given as a ratio of the HTML list page's time.

Goals: every page within 2.5 times its floor and under 15 queries; the application list and
the dashboards under 35 ms, each detail tab under 12 ms, any other page under 150 ms.
"""

import re
import statistics
import time

from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from bench import floors
from bench.national import ensure_populated, populate_small
from projects.enums import Status
from projects.models import Application
from projects.tabs import detail_tabs
from projects.views import detail_url

REPEAT = 7
GOAL_RATIO = 2.5
GOAL_QUERIES = 15
# Milliseconds, by the start of the page's label; other pages: GOAL_MS.
GOALS_MS = {"application list": 35, "application detail": 12, "funding dashboard": 35, "follow-up dashboard": 35}
GOAL_MS = 150
# Values, and the names Django gives PostgreSQL's server-side cursors (a counter), left out of the comparison.
VALUES = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|\"_django_curs_\w+\"")


def get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def sql_of(client: Client, url: str) -> list[str]:
    """The request's queries, their values left out (an insert's timestamp differs from one request to the next)."""
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return [VALUES.sub("?", query["sql"]) for query in captured]


def measure(client: Client, url: str) -> tuple[float, int]:
    """Median time (not counting queries, which slows the request) and query count of one page."""
    get(client, url)  # warm caches (templates, scope) as a running server would have them
    times = [get(client, url) for _ in range(REPEAT)]
    return statistics.median(times), len(sql_of(client, url))


def against_floor(client: Client, name: str, label: str, url: str) -> dict:
    """One row: the page's median time, its floor's, their ratio, the queries of both, the goals.

    The floor runs what the page runs once warm: a page whose figures the cache holds is measured
    as users get it between two changes of the data (`computed_after_a_change` measures the other case).
    """
    get(client, url)
    floor_url = floors.record(name, client, url)
    get(client, url), get(client, floor_url)
    times, floor_times = [], []
    for _ in range(REPEAT):
        times.append(get(client, url))
        floor_times.append(get(client, floor_url))
    page_sql, floor_sql = sql_of(client, url), sql_of(client, floor_url)
    ms, floor_ms = statistics.median(times), statistics.median(floor_times)
    limit = next((goal for start, goal in GOALS_MS.items() if label.startswith(start)), GOAL_MS)
    goals = [
        {"goal": f"ratio ≤ {GOAL_RATIO}", "met": ms <= GOAL_RATIO * floor_ms},
        {"goal": f"≤ {limit} ms", "met": ms <= limit},
        {"goal": f"< {GOAL_QUERIES} queries", "met": len(page_sql) < GOAL_QUERIES},
        # The floor is only a floor if it runs what the page runs.
        {"goal": "floor runs the same queries", "met": sorted(page_sql) == sorted(floor_sql)},
    ]
    differences = sorted(set(page_sql) ^ set(floor_sql))
    return {
        **({"sql_differences": [sql[:300] for sql in differences[:4]]} if differences else {}),
        "value": round(ms, 1),
        "unit": "ms",
        "floor": round(floor_ms, 1),
        "ratio": round(ms / floor_ms, 2),
        "queries": len(page_sql),
        "floor_queries": len(floor_sql),
        "goals": goals,
        "ok": all(goal["met"] for goal in goals),
    }


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
    floors.install()  # before any client builds its middleware chain
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
        for number, ((label, url), (_, small_url)) in enumerate(zip(big_pages[role], small_pages[role], strict=True)):
            row = against_floor(client, f"{role}-{number}", label, url)
            rows.append({"name": f"{role}: {label}, 10,000 applications", **row})
            small_ms, small_queries = measure(client, small_url)
            same = small_queries == row["queries"]
            rows.append(
                {
                    "name": f"{role}: {label}, 100 applications",
                    "value": round(small_ms, 1),
                    "unit": "ms",
                    "queries": small_queries,
                    "goals": [{"goal": "same queries as with 10,000 applications", "met": same}],
                    "ok": same,
                }
            )
        rows += computed_after_a_change(client, role, big_pages[role])
        rows += against_html_list(rows, role)
    # The home page is each role's work queue over everything they see: one figure per role.
    for role in ("instructor", "secretary", "approver", "admin"):
        client = Client(HTTP_HOST="localhost")
        client.force_login(users[role])
        row = against_floor(client, f"home-{role}", "home page", "/")
        rows.append({"name": f"{role}: home page (work queue), 10,000 applications", **row})
    return rows


def computed_after_a_change(client: Client, role: str, role_pages: list[tuple[str, str]]) -> list[dict]:
    """The pages the cache keeps between two writes (dashboards' figures, lists, detail tabs), as the first request
    after a write gets them: read and rendered, not from the cache."""
    rows = []
    with override_settings(FIPE_FRAGMENT_CACHE=False):
        for number, (label, url) in enumerate(role_pages):
            if any(kept in label for kept in ("dashboard", "list", "detail")):
                row = against_floor(client, f"{role}-computed-{number}", label, url)
                rows.append({"name": f"{role}: {label}, computed after a change, 10,000 applications", **row})
    return rows


def against_html_list(rows: list[dict], role: str) -> list[dict]:
    """The API's list pages against the HTML list page of the same files (first page, 50 rows each): time ratios.

    Both as computed after a change: read from the cache, either costs what the layout or the JSON around it does.
    """
    by_name = {row["name"]: row for row in rows}
    html = by_name[f"{role}: application list, first page, computed after a change, 10,000 applications"]
    figures = []
    for which in ("first page", "cursor page"):
        page = by_name[f"{role}: API application list, {which}, computed after a change, 10,000 applications"]
        figures.append(
            {
                "name": f"{role}: API application list, {which}, against the HTML list page",
                "value": round(page["value"] / html["value"], 2),
                "unit": "× the HTML page's time",
                "goals": [{"goal": "faster than the HTML list page", "met": page["value"] < html["value"]}],
                "ok": page["value"] < html["value"],
            }
        )
    return figures


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
