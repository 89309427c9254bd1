"""The laureate's side of the follow-up, in their space: the convention sent to them and its signed copy,
and the yearly reports. The rules are the follow-up's own (projects.followup.conventions and
projects.followup.services): this module only checks that the address holds a notified laureate file,
then calls them with that address.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from projects.applicants.services import applications_of, normalise_email
from projects.enums import Status
from projects.exceptions import DomainError, PermissionRefused
from projects.followup import conventions
from projects.followup import services as followup
from projects.followup.models import (
    REPORT_STATE_LABELS,
    Convention,
    ConventionVersion,
    ReportStatus,
    ReportVersion,
    YearlyReport,
    report_due_on,
    report_state,
)
from projects.models import Application, Award
from projects.notifications.recipients import instructors, regional_approvers
from projects.notifications.services import notify


def laureate_award(application: Application) -> Award | None:
    """The award of a notified laureate file; None for any other file (no follow-up shows for it)."""
    if application.status != Status.NOTIFIED:
        return None
    return Award.objects.select_related("convention").filter(application=application).first()


def _check_holder(application: Application, email: str) -> Award:
    if not applications_of(email).filter(pk=application.pk).exists():
        raise PermissionRefused(_("Ce dossier n’est pas le vôtre."))
    award = laureate_award(application)
    if award is None:
        raise DomainError(_("Ce dossier n’est pas lauréat : il n’a pas de suivi de subvention."))
    return award


def sent_convention(award: Award) -> tuple[Convention | None, ConventionVersion | None]:
    """The award's convention and the version sent to the laureate: the latest, once marked sent."""
    convention = getattr(award, "convention", None)
    if convention is None or not convention.sent_at:
        return convention, None
    return convention, convention.versions.order_by("-version").first()


def awaits_signed_copy(convention: Convention | None) -> bool:
    return bool(convention and convention.sent_at and not convention.signed_received_at)


def return_signed_copy(*, application: Application, email: str, uploaded) -> Convention:
    """The laureate uploads the convention they signed: the same checks as when staff upload it."""
    award = _check_holder(application, email)
    convention = getattr(award, "convention", None)
    if convention is None:
        raise DomainError(_("Ce dossier n’a pas de convention."))
    if convention.signed_received_at:
        raise DomainError(_("L’exemplaire signé de la convention a déjà été reçu."))
    with transaction.atomic():
        convention = conventions.receive_signed_copy(
            convention=convention, applicant_email=normalise_email(email), uploaded=uploaded
        )
        # The regional prefecture countersigns: its approvers hear that the copy came back.
        _tell_staff(
            application,
            event="laureate_signed_copy_returned",
            recipients=regional_approvers(application.call.region_id),
            subject=_("Dossier %(reference)s : convention signée par le porteur"),
            what=_("a transmis, depuis son espace, l’exemplaire signé de sa convention, à contresigner"),
        )
    return convention


def _tell_staff(application: Application, *, event: str, recipients, subject: str, what: str) -> None:
    notify(
        event=event,
        recipients=recipients,
        subject=subject % {"reference": application.reference},
        template="projects/applicants/mail/laureate_followup",
        context={"application": application, "what": what},
        about=application,
    )


@dataclass
class DueReport:
    year: int
    due_on: datetime.date
    state: str
    report: YearlyReport | None
    latest: ReportVersion | None

    @property
    def state_label(self) -> str:
        return str(REPORT_STATE_LABELS[self.state])

    @property
    def can_file(self) -> bool:
        """The laureate files a report not yet filed, or one sent back for corrections."""
        return self.report is None or self.report.status == ReportStatus.CORRECTIONS


def due_reports(award: Award, today: datetime.date) -> list[DueReport]:
    """One row per programme year the award funds, with where its report stands (three queries)."""
    reports = {report.year: report for report in YearlyReport.objects.filter(award=award)}
    latest = {}
    for version in ReportVersion.objects.filter(report__award=award).order_by("number"):
        latest[version.report_id] = version
    rows = []
    for year in followup.report_years(award):
        report = reports.get(year)
        rows.append(
            DueReport(
                year=year,
                due_on=report_due_on(year),
                state=report_state(year=year, status=report.status if report else None, today=today),
                report=report,
                latest=latest.get(report.pk) if report else None,
            )
        )
    return rows


def file_laureate_report(*, application: Application, email: str, year, **report) -> ReportVersion:
    """The laureate files a year's report through the follow-up's own service (same rules, all or nothing).

    A report awaiting the instructors' review, or accepted, is not theirs to replace.
    """
    award = _check_holder(application, email)
    # A year that is not a number is refused on its field by the follow-up's service.
    awaiting = str(year).isdigit() and award.reports.filter(year=int(year), status=ReportStatus.FILED).exists()
    if awaiting:
        raise ValidationError(
            {"year": _("Le compte rendu %(year)s est déjà déposé : il attend l’examen des services.") % {"year": year}}
        )
    with transaction.atomic():
        version = followup.file_report(award=award, year=year, applicant_email=normalise_email(email), **report)
        _tell_staff(
            application,
            event="laureate_report_filed",
            recipients=instructors(application.department_id),
            subject=_("Dossier %(reference)s : compte rendu annuel déposé par le porteur"),
            what=_("a déposé, depuis son espace, son compte rendu %(year)s, à examiner")
            % {"year": version.report.year},
        )
    return version


def followup_section(application: Application, today: datetime.date) -> dict | None:
    """What the file page shows under « Suivi de la subvention »; None for a file that is not a laureate."""
    award = laureate_award(application)
    if award is None:
        return None
    convention, sent = sent_convention(award)
    return {
        "convention": convention,
        "sent_version": sent,
        "awaits_signed_copy": awaits_signed_copy(convention),
        "reports": due_reports(award, today),
    }
