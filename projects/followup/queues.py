"""What the follow-up asks of the Caf and DDETS instructors on their home page: late reports, reports to review.

One query, whatever the number of laureates: each funded year of the awards the instructor reviews, with
the status of its report. A report is late on the rule of `report_state` (not filed, or sent back for
corrections, after its due date); the first few are listed one by one, the others counted.
"""

import datetime

from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.permissions import get_scope
from fipe.workqueue import QueueItem, QueueSection
from projects.followup.models import ReportStatus, YearlyReport, report_due_on
from projects.models import Application, AwardAmount
from projects.notifications.recipients import INSTRUCTING_BODIES

# Reports listed one by one in each section; beyond, one line counts the others.
LISTED = 10


def last_late_year(today: datetime.date) -> int:
    """The latest programme year whose report is late on `today` if not filed (due on 30 June after it)."""
    return today.year - 1 if today > report_due_on(today.year - 1) else today.year - 2


def report_rows(user, *, today: datetime.date) -> list[dict]:
    """The late reports and those awaiting review in the departments the user reviews, oldest first."""
    scope = get_scope(user)
    # The Caf and DDETS instructors' work; administrators, who may review anywhere, follow the dashboard.
    department_ids = [
        department_id
        for department_id in scope.department_ids(Action.REVIEW)
        if scope.organisation_kinds(Action.REVIEW, department_id) & set(INSTRUCTING_BODIES)
    ]
    if not department_ids:
        return []
    applications = Application.objects.visible_to(user).awarded().filter(department_id__in=department_ids)
    status = YearlyReport.objects.filter(award=OuterRef("award"), year=OuterRef("year")).values("status")[:1]
    late = Q(year__lte=last_late_year(today)) & (
        Q(report_status__isnull=True) | Q(report_status=ReportStatus.CORRECTIONS)
    )
    return list(
        AwardAmount.objects.filter(award__application__in=applications)
        .annotate(report_status=Subquery(status))
        .filter(late | Q(report_status=ReportStatus.FILED))
        .values("year", "report_status", "award__application__reference", "award__application__applicant__legal_name")
        .order_by("year", "award__application__reference")
    )


def _items(rows: list[dict], label) -> list[QueueItem]:
    items = []
    for row in rows[:LISTED]:
        reference = row["award__application__reference"]
        items.append(
            QueueItem(
                label=label % {"year": row["year"], "reference": reference},
                count=1,
                url=reverse("projects:followup_detail", args=[reference]) + "#comptes-rendus",
                hint=_("%(name)s — attendu le %(due)s")
                % {
                    "name": row["award__application__applicant__legal_name"],
                    "due": report_due_on(row["year"]).strftime("%d/%m/%Y"),
                },
            )
        )
    if len(rows) > LISTED:
        items.append(QueueItem(_("Autres comptes rendus"), len(rows) - LISTED, reverse("projects:followup_calls")))
    return items


def reports_queue(user) -> list[QueueSection]:
    rows = report_rows(user, today=timezone.localdate())
    filed = [row for row in rows if row["report_status"] == ReportStatus.FILED]
    late = [row for row in rows if row["report_status"] != ReportStatus.FILED]
    return [
        QueueSection(_("Comptes rendus en retard"), _items(late, _("Compte rendu %(year)s de %(reference)s"))),
        QueueSection(_("Comptes rendus à examiner"), _items(filed, _("Compte rendu %(year)s de %(reference)s"))),
    ]


def register() -> None:
    from fipe.workqueue import add_queue

    add_queue(reports_queue, order=35)
