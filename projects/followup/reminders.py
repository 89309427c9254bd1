"""The daily reminders of the yearly reports: who is told, of which report, once per stage.

`send_reminders` is what `manage.py send_reminders` and the daily task (projects.followup.tasks) run.
"""

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from projects.followup.models import ReportReminder, YearlyReport, report_due_on, report_state
from projects.models import Award, AwardAmount


@dataclass
class DueReport:
    award: Award
    year: int
    due_on: datetime.date
    kind: str  # "soon", "today" or "late"


@dataclass
class ReminderSummary:
    due: list[DueReport] = field(default_factory=list)
    # Those told on this run: a report is reminded once per stage, however often the command runs.
    sent: list[DueReport] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for item in self.due if item.kind == kind)


def due_reports(*, today: datetime.date, awards=None) -> list[DueReport]:
    """Reports not filed (or sent back for corrections) that are due within 30 days, due today or late."""
    awards = (awards if awards is not None else Award.objects.all()).select_related(
        "application__applicant", "application__department"
    )
    years = {}
    for award_id, year in AwardAmount.objects.filter(award__in=awards).values_list("award_id", "year"):
        # A year's report exists only once the year is over.
        if year < today.year:
            years.setdefault(award_id, []).append(year)
    statuses = {
        (award_id, year): status
        for award_id, year, status in YearlyReport.objects.filter(award__in=awards).values_list(
            "award_id", "year", "status"
        )
    }
    result = []
    for award in awards.filter(pk__in=list(years)).order_by("application__reference"):
        for year in sorted(years[award.pk]):
            kind = report_state(year=year, status=statuses.get((award.pk, year)), today=today)
            if kind in ("late", "today", "soon"):
                result.append(DueReport(award, year, report_due_on(year), kind))
    return result


def send_reminders(*, today: datetime.date) -> ReminderSummary:
    """Tell each laureate with a report due within 30 days, due today or late, and its department's instructors.

    Once per report and stage: the reminder's row and its messages are written in one transaction, and the
    row's unique constraint stops a second run (the same day, or two runs at once) from writing them again.
    """
    from projects.notifications.recipients import instructors
    from projects.notifications.services import notify

    summary = ReminderSummary(due_reports(today=today))
    subjects = {
        "soon": _("Compte rendu %(year)s à déposer avant le %(due)s — %(reference)s"),
        "today": _("Compte rendu %(year)s à déposer aujourd’hui — %(reference)s"),
        "late": _("Compte rendu %(year)s en retard (attendu le %(due)s) — %(reference)s"),
    }
    for item in summary.due:
        application = item.award.application
        with transaction.atomic():
            _reminder, created = ReportReminder.objects.get_or_create(
                award=item.award, year=item.year, stage=item.kind, defaults={"sent_on": today}
            )
            if not created:
                continue
            recipients = [application.applicant.contact_email, *instructors(application.department_id)]
            notify(
                event=f"report_{item.kind}",
                recipients=recipients,
                subject=subjects[item.kind]
                % {"year": item.year, "due": item.due_on.strftime("%d/%m/%Y"), "reference": application.reference},
                template="projects/followup/email/report_reminder",
                context={"application": application, "item": item},
                about=application,
            )
        summary.sent.append(item)
    return summary
