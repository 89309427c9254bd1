"""The follow-up dashboard: figures reconciled with the database, a fixed number of queries, exports."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from departments.models import Department
from projects.followup.dashboard import followup_dashboard
from projects.followup.models import Recovery
from projects.followup.services import record_recovery, review_report
from projects.models import FundingLine, Payment
from tests.departments.factories import caf_instructor, regional_approver
from tests.projects.awards.factories import laureate, pay_line
from tests.projects.followup.factories import (
    call_with_terms,
    filed_report,
    line_of,
    signed_convention,
)

TODAY = datetime.date(2024, 7, 15)
BIG = {2023: Decimal("30000"), 2024: Decimal("10000")}


def total(queryset, field="amount") -> Decimal:
    return queryset.aggregate(t=Sum(field))["t"] or Decimal("0")


@pytest.fixture
def followed_call(db):
    """Three laureates: one with a signed convention, advance paid and report accepted with a recovery;
    one notified without convention, report filed; one waiting for its convention."""
    approver = regional_approver()
    call = call_with_terms()
    signed = laureate(by=approver, call=call, department="11", amounts=BIG)
    signed_convention(signed, by=approver)
    line = line_of(signed)
    pay_line(line, by=approver, amount=Decimal("7500"))
    report = filed_report(signed, indicators={"children": "12", "families": "7"})
    review_report(report=report, by=caf_instructor("11"), accept=True)
    record_recovery(line=line, by=caf_instructor("11"), amount="1000", reason="Non utilisé.")
    notified = laureate(by=approver, call=call, department="30")
    notified.notify(by=approver)
    pay_line(line_of(notified), by=approver, amount=Decimal("2500"))
    filed_report(notified, by=caf_instructor("30"))
    laureate(by=approver, call=call, department="31", amounts=BIG)
    return call


def test_the_dashboard_figures_equal_the_database_sums(followed_call):
    ids = Department.objects.values_list("pk", flat=True)
    dashboard = followup_dashboard(call=followed_call, department_ids=ids, today=TODAY)
    recovered = total(Recovery.objects.all())
    assert dashboard.totals["paid"] == total(Payment.objects.all()) == Decimal("10000.00")
    assert dashboard.totals["recovered"] == recovered == Decimal("1000.00")
    assert dashboard.totals["scheduled"] == total(FundingLine.objects.all()) - recovered
    # Payable: for the signed laureate, State 2023 less what was paid and recovered (15,000 − 7,500 − 1,000),
    # Cnaf 2023 whole (its report is accepted), the two 2024 advances (2,500 each); for the notified one, the
    # five advances not yet paid (2,500 each); nothing for the laureate waiting for its convention.
    assert dashboard.totals["payable"] == Decimal("6500") + Decimal("15000") + Decimal("5000") + Decimal("12500")
    assert sum(cell.paid for cell in dashboard.by_funder_year) == dashboard.totals["paid"]
    assert dashboard.conventions_to_sign == 1
    assert dashboard.report_counts == {"accepted": 1, "filed": 1, "late": 1, "later": 4}
    assert [(label, value) for _code, label, value in dashboard.indicators][:2] == [
        ("Enfants accueillis ou accompagnés", 12),
        ("Familles touchées", 7),
    ]


def test_one_department_only(followed_call):
    ids = Department.objects.values_list("pk", flat=True)
    dashboard = followup_dashboard(call=followed_call, department_ids=ids, department_code="30", today=TODAY)
    assert [row.application.department.code for row in dashboard.rows] == ["30"]
    assert dashboard.totals["paid"] == total(Payment.objects.filter(line__award__application__department__code="30"))


def dashboard_queries(client, call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("projects:followup_dashboard", args=[call.reference]))
    assert response.status_code == 200
    return len(queries)


def test_the_page_runs_the_same_number_of_queries_with_few_and_many_laureates(
    client, followed_call, django_assert_num_queries
):
    approver = regional_approver()
    client.force_login(approver)
    few = dashboard_queries(client, followed_call)
    for code in ("11", "30", "34", "66"):
        application = laureate(by=approver, call=followed_call, department=code, amounts=BIG)
        signed_convention(application, by=approver)
        pay_line(line_of(application), by=approver, amount=Decimal("100"))
    assert dashboard_queries(client, followed_call) == few
    with django_assert_num_queries(few):
        response = client.get(reverse("projects:followup_dashboard", args=[followed_call.reference]))
    assert response.status_code == 200
    assert "Conventions à signer" in response.text and "chart-indicators" in response.text


def test_an_instructor_sees_only_the_laureates_of_the_department(client, followed_call):
    client.force_login(caf_instructor("30"))
    response = client.get(reverse("projects:followup_dashboard", args=[followed_call.reference]))
    assert response.status_code == 200
    assert [row.application.department.code for row in response.context["dashboard"].rows] == ["30"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_the_dashboard_exports(client, followed_call, fmt):
    client.force_login(regional_approver())
    response = client.get(reverse("projects:followup_export", args=[followed_call.reference, fmt]))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:4] == ["Référence", "Département", "Porteur", "Convention"]
        assert len(rows) == 4
        assert rows[1][3] == "Signée" and rows[1][7] == "1000,00"
    elif fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.max_row == 4
    assert client.get(reverse("projects:followup_export", args=[followed_call.reference, "pdf"])).status_code == 404
