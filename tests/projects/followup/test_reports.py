"""Yearly reports: filing, review and history; recoveries; due dates and late detection on fixed dates."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.exceptions import DomainError, PermissionRefused
from projects.followup.models import Recovery, ReportStatus, ReportVersion, YearlyReport, report_due_on, report_state
from projects.followup.reminders import due_reports
from projects.followup.services import file_report, record_recovery, review_report
from tests.departments.factories import caf_instructor, ddets_instructor
from tests.projects.awards.factories import pay_line
from tests.projects.followup.factories import (
    filed_report,
    financial,
    laureate_under_terms,
    line_of,
    signed_convention,
)


@pytest.fixture
def application(approver):
    return laureate_under_terms(by=approver, notified=True)


def file(application, **overrides):
    fields = {
        "award": application.award,
        "year": 2023,
        "by": caf_instructor("11"),
        "financial": financial(),
        "subsidy_used": "5000",
        "indicators": {"children": "12"},
    }
    return file_report(**{**fields, **overrides})


def test_a_report_is_due_on_30_june_of_the_following_year():
    assert report_due_on(2023) == datetime.date(2024, 6, 30)


@pytest.mark.parametrize(
    ("today", "status", "state"),
    [
        (datetime.date(2024, 5, 30), None, "later"),
        (datetime.date(2024, 5, 31), None, "soon"),
        (datetime.date(2024, 6, 30), None, "today"),
        (datetime.date(2024, 7, 1), None, "late"),
        (datetime.date(2024, 7, 1), ReportStatus.CORRECTIONS, "late"),
        (datetime.date(2024, 7, 1), ReportStatus.FILED, ReportStatus.FILED),
        (datetime.date(2025, 1, 1), ReportStatus.ACCEPTED, ReportStatus.ACCEPTED),
    ],
)
def test_where_a_report_stands_on_a_fixed_date(today, status, state):
    assert report_state(year=2023, status=status, today=today) == state


def test_due_reports_lists_late_ones_and_not_the_filed_ones(application, approver):
    other = laureate_under_terms(by=approver, department="31", notified=True)
    filed_report(other)
    due = due_reports(today=datetime.date(2024, 7, 1))
    assert [(item.award.application, item.year, item.kind) for item in due] == [(application, 2023, "late")]
    assert due_reports(today=datetime.date(2024, 5, 1)) == []


def test_filing_keeps_every_version_and_the_review_of_each(application):
    first = file(application, subsidy_used="4000")
    review_report(report=first.report, by=ddets_instructor("11"), accept=False, message="Détaillez les achats.")
    second = file(application, subsidy_used="4500", gaps_explanation="Recrutement décalé.")
    report = YearlyReport.objects.get()
    assert (report.status, report.subsidy_used) == (ReportStatus.FILED, Decimal("4500.00"))
    review_report(report=report, by=caf_instructor("11"), accept=True)
    versions = list(ReportVersion.objects.order_by("number"))
    assert [(v.number, v.decision, v.decision_message) for v in versions] == [
        (1, ReportStatus.CORRECTIONS, "Détaillez les achats."),
        (2, ReportStatus.ACCEPTED, ""),
    ]
    assert second.financial["expenses"]["64"] == {"planned": "1000.00", "actual": "1000.00"}
    with pytest.raises(ValidationError, match="déjà accepté"):
        file(application)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subsidy_used": "-1"}, "subsidy_used"),
        ({"subsidy_used": "beaucoup"}, "subsidy_used"),
        ({"financial": {"expenses": {"60": {"planned": "-5"}}}}, "expenses-60-planned"),
        ({"financial": {"income": {"70": {"actual": "douze"}}}}, "income-70-actual"),
        ({"indicators": {"children": "-3"}}, "indicator-children"),
        ({"indicators": {"families": "dix"}}, "indicator-families"),
        ({"year": 2026}, "year"),
        ({"year": 2022}, "year"),
        ({"year": "deux mille"}, "year"),
    ],
)
def test_bad_report_figures_are_refused_on_their_field_and_nothing_is_saved(application, overrides, field):
    with pytest.raises(ValidationError) as refusal:
        file(application, **overrides)
    assert field in refusal.value.message_dict
    assert not YearlyReport.objects.exists() and not ReportVersion.objects.exists()


def test_only_the_department_instructors_review_and_corrections_need_a_message(application, approver):
    report = filed_report(application)
    with pytest.raises(PermissionRefused):
        review_report(report=report, by=approver, accept=True)
    with pytest.raises(PermissionRefused):
        review_report(report=report, by=caf_instructor("31"), accept=True)
    with pytest.raises(ValidationError, match="corriger"):
        review_report(report=report, by=caf_instructor("11"), accept=False, message=" ")
    review_report(report=report, by=caf_instructor("11"), accept=True)
    with pytest.raises(DomainError, match="n’attend pas d’examen"):
        review_report(report=report, by=caf_instructor("11"), accept=True)


def test_a_recovery_is_never_more_than_what_was_paid(approver):
    application = laureate_under_terms(by=approver, amounts={2023: Decimal("30000")})
    signed_convention(application, by=approver)
    line = line_of(application)
    pay_line(line, by=approver, amount=Decimal("7500"))
    instructor = caf_instructor("11")
    with pytest.raises(ValidationError) as refusal:
        record_recovery(line=line, by=instructor, amount="7500.01", reason="Non utilisé.")
    assert refusal.value.message_dict["amount"] == [
        "Reversement refusé : 7\u00a0500,01\u00a0€ dépasse ce qui a été versé sur la ligne État 2023 "
        "(7\u00a0500,00\u00a0€ versés, 0,00\u00a0€ déjà à reverser)."
    ]
    record_recovery(line=line, by=instructor, amount="5000", reason="Non utilisé.")
    with pytest.raises(ValidationError) as refusal:
        record_recovery(line=line, by=instructor, amount="2500.01", reason="Non utilisé.")
    assert "5\u00a0000,00\u00a0€ déjà à reverser" in refusal.value.message_dict["amount"][0]
    with pytest.raises(ValidationError, match="motif"):
        record_recovery(line=line, by=instructor, amount="1", reason="")
    with pytest.raises(PermissionRefused):
        record_recovery(line=line, by=approver, amount="1", reason="x")
    assert list(Recovery.objects.values_list("amount", flat=True)) == [Decimal("5000.00")]
