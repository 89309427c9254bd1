"""Business situations of the follow-up: laureates of a call with payment terms, signed conventions, reports."""

import datetime
from decimal import Decimal

from django.utils import timezone

from projects.followup.models import Convention, FollowupTerms, ReportStatus
from projects.followup.services import file_report
from projects.models import FundingLine
from tests.departments.factories import caf_instructor
from tests.projects.awards.factories import laureate
from tests.projects.factories import CallFactory


def call_with_terms(*, advance_percent="50"):
    """The demo's call, whose terms pay half of each year in advance and the balance on the year's report."""
    call = CallFactory()
    FollowupTerms.objects.update_or_create(call=call, defaults={"advance_percent": Decimal(advance_percent)})
    return call


def laureate_under_terms(*, by, amounts=None, department="11", notified=False):
    """A laureate of a call with terms (10,000 € a year by default: no convention needed)."""
    call = call_with_terms()
    application = laureate(by=by, call=call, amounts=amounts, department=department)
    if notified:
        type(application).objects.filter(pk=application.pk).update(status="notified")
        application.refresh_from_db()
    return application


def line_of(application, *, funder="state", year=2023) -> FundingLine:
    return FundingLine.objects.get(award__application=application, funder=funder, year=year)


def signed_convention(application, *, by) -> Convention:
    """A convention signed by both parties (rows written as the tracking pages leave them)."""
    now = timezone.now()
    return Convention.objects.create(
        award=application.award, updated_by=by, sent_at=now, signed_received_at=now, countersigned_at=now
    )


def financial(expense="1000", income="1000") -> dict:
    return {"expenses": {"64": {"planned": expense, "actual": expense}}, "income": {"74-fipe": {"planned": income}}}


def filed_report(application, *, year=2023, by=None, subsidy_used="5000", indicators=None):
    by = by or caf_instructor(application.department.code)
    version = file_report(
        award=application.award,
        year=year,
        by=by,
        financial=financial(),
        subsidy_used=subsidy_used,
        gaps_explanation="",
        indicators=indicators or {"children": "12", "families": "10"},
    )
    return version.report


def accepted_report(application, *, year=2023, **kwargs):
    report = filed_report(application, year=year, **kwargs)
    report.status = ReportStatus.ACCEPTED
    report.save(update_fields=["status"])
    return report


def pay_day() -> datetime.date:
    return datetime.date(2024, 2, 15)
