"""Every page of the site, as the demo users who may see it, at desktop and phone widths.

The pages come from the URLconf and the permission table (tests/permission_table.py): every GET
page a role may open, the tabs of the application page, and the few pages that the table's
sample objects do not reach (a review form, an open committee meeting, the public results),
opened by setting up what they need. Files (PDF, CSV, ZIP, …) are left out: axe checks HTML.

Each page must have no axe-core violation of serious or critical impact, and must not scroll
sideways at the phone width nor at 320 px, the width at which RGAA 10.11 requires content to
reflow (data tables may scroll inside their own container). Set E2E_SHOTS=all to
keep a screenshot of every page (e2e-screenshots/every-page/); otherwise only failing pages are shot.
"""

import datetime
import os

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from projects.enums import CallStatus
from projects.models import Call
from reviews.services import create_meeting, declare_conflict
from tests.e2e.conftest import SCREENSHOTS, serious_violations, sign_in
from tests.permission_table import EXPECTED, ROLES, by_title, sample_kwargs, url_names

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = SCREENSHOTS / "every-page"
# Roles whose pages others already show: the DDETS instructor sees the Caf instructor's pages with
# « DDETS » for « Caf », the administrator the approver's and the committee secretary's (plus the
# link to the Django admin). They are checked on the pages that those roles cannot open.
STAND_INS = {"ddets-11": ["caf-11"], "admin": ["prefecture-76", "cdsf-11"]}


def table_paths(role: str, kwargs: dict) -> list[str]:
    """The paths the permission table lets the role open (200)."""
    if role not in ROLES:
        return []
    column = ROLES.index(role)
    return [
        reverse(name, kwargs=kwargs.get(name.split(":")[-1], {}))
        for name in url_names()
        if EXPECTED[name][column] == 200
    ]


def open_pages_the_table_does_not_reach() -> dict[str, list[str]]:
    """Set up what the pages no role opens with the table's sample objects need; their paths by role."""
    user = get_user_model().objects.get
    submitted = by_title("Ludothèque")  # Aude, submitted
    declare_conflict(application=submitted, user=user(username="caf-11"), has_conflict=False)
    reviewed = by_title("familles vulnérables")  # Haute-Garonne, reviewed: an open meeting can propose it
    meeting = create_meeting(
        call=reviewed.call,
        department=reviewed.department,
        date=datetime.date(2023, 12, 5),
        place="Préfecture de la Haute-Garonne",
        by=user(username="cdsf-31"),
    )
    Call.objects.filter(pk=reviewed.call_id).update(
        status=CallStatus.RESULTS_PUBLISHED, results_published_at=timezone.now()
    )
    return {
        "anonymous": [reverse("projects:public_results", args=[reviewed.call.reference])],
        # The review form, once the Caf instructor has declared no conflict of interest.
        "caf-11": [reverse("reviews:review", kwargs={"reference": submitted.reference, "kind": "caf"})],
        # The file reduced to its summary, until the DDETS instructor declares.
        "ddets-11": [reverse("projects:application_detail", args=[submitted.reference])],
        "cdsf-31": [
            reverse("reviews:meeting_detail", args=[meeting.pk]),
            reverse("reviews:meeting_members", args=[meeting.pk]),
            reverse("reviews:proposal", kwargs={"pk": meeting.pk, "reference": reviewed.reference}),
            reverse("reviews:meeting_close", args=[meeting.pk]),
        ],
    }


def pages_by_role(kwargs: dict, extra: dict[str, list[str]]) -> dict[str, list[str]]:
    pages = {}
    for role in dict.fromkeys([*ROLES, *extra]):
        shown_by_others = {path for other in STAND_INS.get(role, []) for path in table_paths(other, kwargs)}
        paths = [path for path in table_paths(role, kwargs) if path not in shown_by_others] + extra.get(role, [])
        if paths:
            pages[role] = paths
    return pages


def html_paths(context, site: str, role: str, paths: list[str]) -> list[str]:
    """The paths that answer the role with an HTML page (the others are files to download)."""
    html = []
    for path in paths:
        answer = context.request.get(site + path, max_redirects=0)
        assert answer.status == 200, f"{role} {path}: {answer.status}"
        if answer.headers["content-type"].startswith("text/html"):
            html.append(path)
    return html


def tab_paths(page) -> list[str]:
    """The other tabs of an application page, each at its own address."""
    return page.locator("nav.fipe-tabnav a:not([aria-current])").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )


def sideways_scrolling(page) -> list[str]:
    """Whether the whole page is wider than the window."""
    excess = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return [f"the page scrolls sideways by {excess} px (RGAA 10.11)"] if excess > 0 else []


def shot(page, role: str, path: str, width: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    slug = path.strip("/").replace("/", "_").replace("?", "_").replace("=", "-") or "accueil"
    page.screenshot(path=str(SHOTS / f"{role}--{slug}--{width}.png"), full_page=True)


def test_every_page_passes_axe_and_reflows_at_desktop_and_phone_widths(new_context, site):
    pages = pages_by_role(sample_kwargs(), open_pages_the_table_does_not_reach())
    every_shot = os.environ.get("E2E_SHOTS") == "all"
    failures = {}
    for role, paths in pages.items():
        # One browser context per role: signed in once, reused for all its pages.
        context = new_context()
        page = context.new_page()
        if role != "anonymous":
            sign_in(page, site, role)
        html = html_paths(context, site, role, paths)
        for width, size in WIDTHS.items():
            page.set_viewport_size(size)
            queue = list(html)
            while queue:
                path = queue.pop(0)
                page.goto(site + path)
                found = serious_violations(page)
                found += sideways_scrolling(page)
                if width == "phone":
                    # Only the layout changes at 320 px: resizing is enough, no need to reload.
                    page.set_viewport_size({"width": 320, "height": 844})
                    found += [f"320: {f}" for f in sideways_scrolling(page)]
                    page.set_viewport_size(size)
                if found:
                    failures[f"{role} {width} {path}"] = found
                if found or every_shot:
                    shot(page, role, path, width)
                for tab in tab_paths(page):
                    if tab not in html:
                        html.append(tab)
                        queue.append(tab)
        context.close()
    assert not failures, "\n".join(f"{page}: {problems}" for page, problems in failures.items())
