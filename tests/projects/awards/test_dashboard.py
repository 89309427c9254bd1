from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Department
from projects.awards.dashboard import approval_envelopes, call_dashboard
from projects.enums import Funder, Status
from projects.models import DepartmentEnvelope, FundingLine, Payment, YearEnvelope
from tests.departments.factories import caf_instructor, regional_approver
from tests.projects.awards.factories import laureate, pay_line, proposed_application
from tests.projects.factories import CallFactory


def line_sum(**filters) -> Decimal:
    return FundingLine.objects.filter(**filters).aggregate(total=Sum("amount"))["total"] or Decimal("0")


def payment_sum(**filters) -> Decimal:
    return Payment.objects.filter(**filters).aggregate(total=Sum("amount"))["total"] or Decimal("0")


@pytest.fixture
def funded_call(db):
    """Four laureates in three departments, one notified, some lines paid, an envelope for the Aude."""
    approver = regional_approver()
    call = CallFactory()
    DepartmentEnvelope.objects.create(call=call, department=Department.objects.get(code="11"), amount=Decimal("90000"))
    aude = laureate(by=approver, call=call, department="11", amounts={2023: Decimal("10000.01"), 2024: Decimal("5000")})
    laureate(by=approver, call=call, department="11")
    gard = laureate(by=approver, call=call, department="30", amounts={2025: Decimal("7777.77")})
    laureate(by=approver, call=call, department="31")
    gard.notify(by=approver)
    pay_line(aude.award.lines.get(funder=Funder.STATE, year=2023), by=approver)
    pay_line(gard.award.lines.get(funder=Funder.CNAF, year=2025), by=approver, amount=Decimal("1000"))
    proposed_application(call=call, department="31")  # waiting: counts nowhere
    return call


def test_dashboard_totals_equal_the_sums_of_the_lines_and_payments(funded_call):
    dashboard = call_dashboard(funded_call)
    total = dashboard.total
    assert total.committed == line_sum() == Decimal("82777.78")
    assert total.notified == line_sum(award__application__status=Status.NOTIFIED) == Decimal("7777.77")
    assert total.paid == payment_sum() == Decimal("6000.01")
    assert total.envelope == funded_call.envelope
    assert total.remaining == funded_call.envelope - total.committed
    assert total.to_pay == total.committed - total.paid


def test_dashboard_per_funder_per_year_and_per_department_add_up(funded_call):
    dashboard = call_dashboard(funded_call)
    for funder in (Funder.STATE, Funder.CNAF):
        figures = dashboard.by_funder[funder]
        assert figures.committed == line_sum(funder=funder)
        assert figures.paid == payment_sum(line__funder=funder)
    assert (
        dashboard.by_funder[Funder.STATE].envelope + dashboard.by_funder[Funder.CNAF].envelope == funded_call.envelope
    )
    assert list(dashboard.by_year) == [2023, 2024, 2025]
    for year, figures in dashboard.by_year.items():
        assert figures.committed == line_sum(year=year)
        assert figures.state + figures.cnaf == figures.committed
        assert figures.paid == payment_sum(line__year=year)
    rows = {row.department.code: row for row in dashboard.by_department}
    assert len(rows) == 13  # every department of Occitanie, with or without laureates
    for code, row in rows.items():
        assert row.committed == line_sum(award__application__department__code=code)
        assert row.paid == payment_sum(line__award__application__department__code=code)
    assert (rows["11"].laureates, rows["11"].envelope, rows["11"].remaining) == (
        2,
        Decimal("90000"),
        Decimal("44999.99"),
    )
    assert (rows["30"].laureates, rows["30"].notified, rows["30"].envelope) == (1, Decimal("7777.77"), None)
    assert rows["09"].committed == 0 and rows["09"].laureates == 0
    assert sum(row.committed for row in rows.values()) == dashboard.total.committed


def test_dashboard_of_part_of_the_region_leaves_the_call_envelope_out(funded_call):
    aude = Department.objects.get(code="11")
    dashboard = call_dashboard(funded_call, department_ids=[aude.pk])
    assert not dashboard.complete
    assert [row.department for row in dashboard.by_department] == [aude]
    assert dashboard.total.committed == line_sum(award__application__department=aude)
    assert dashboard.total.envelope is None and dashboard.total.remaining is None


def test_dashboard_runs_a_fixed_number_of_queries(db, django_assert_num_queries):
    approver = regional_approver()
    call = CallFactory()
    laureate(by=approver, call=call)
    with django_assert_num_queries(4):
        call_dashboard(call)
    for code in ("11", "30", "31", "34", "66"):
        for _index in range(3):
            line = laureate(by=approver, call=call, department=code).award.lines.first()
            pay_line(line, by=approver)
    with django_assert_num_queries(4):
        call_dashboard(call)


def test_approval_envelopes_count_the_selection_with_the_split_rule(funded_call):
    application = proposed_application(call=funded_call, department="11", amounts={2023: Decimal("0.03")})
    rows = approval_envelopes(call_dashboard(funded_call), [(application, {2023: Decimal("40000.03")})])
    call_row, state_row, cnaf_row, *year_rows, aude_row = rows
    assert [(row.label, row.envelope, row.selection) for row in year_rows] == [
        ("Année 2023", None, Decimal("40000.03")),
        ("Année 2024", None, Decimal("0")),
        ("Année 2025", None, Decimal("0")),
    ]
    assert (call_row.committed, call_row.selection) == (Decimal("82777.78"), Decimal("40000.03"))
    assert (state_row.selection, cnaf_row.selection) == (Decimal("20000.02"), Decimal("20000.01"))
    assert aude_row.department_id == application.department_id
    assert aude_row.remaining == Decimal("90000") - Decimal("45000.01") - Decimal("40000.03")
    assert not aude_row.exceeded
    over = approval_envelopes(call_dashboard(funded_call), [(application, {2023: Decimal("65000")})])
    assert over[-1].exceeded


def test_approval_envelopes_show_a_programme_year_against_its_envelope(funded_call):
    YearEnvelope.objects.create(call=funded_call, year=2024, amount=Decimal("26000"))
    application = proposed_application(call=funded_call, department="11")
    rows = approval_envelopes(call_dashboard(funded_call), [(application, {2024: Decimal("1000.01")})])
    year_2024 = next(row for row in rows if row.label == "Année 2024")
    assert (year_2024.envelope, year_2024.committed) == (Decimal("26000"), Decimal("25000"))
    assert year_2024.remaining == Decimal("-0.01")
    assert year_2024.exceeded


def _dashboard_queries(client, call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("projects:funding_dashboard", args=[call.reference]))
    assert response.status_code == 200
    return len(queries)


def test_dashboard_page_runs_the_same_number_of_queries_with_few_and_many_awards(
    client, db, django_assert_max_num_queries
):
    approver = regional_approver()
    call = CallFactory()
    laureate(by=approver, call=call)
    client.force_login(approver)
    few = _dashboard_queries(client, call)
    for code in ("11", "30", "31", "34", "66", "81"):
        for _index in range(2):
            application = laureate(by=approver, call=call, department=code)
            pay_line(application.award.lines.first(), by=approver)
    assert _dashboard_queries(client, call) == few
    with django_assert_max_num_queries(14):
        client.get(reverse("projects:funding_dashboard", args=[call.reference]))


def test_dashboard_page_shows_the_figures_tables_and_charts(client, funded_call):
    client.force_login(regional_approver())
    response = client.get(reverse("projects:funding_dashboard", args=[funded_call.reference]))
    text = response.text
    assert "82\u00a0777,78\u00a0€" in text  # committed
    assert "6\u00a0000,01\u00a0€" in text  # paid
    assert "90\u00a0000,00\u00a0€" in text  # the Aude's envelope
    assert text.count('role="img"') == 2
    assert 'id="chart-departments-title"' in text and 'id="chart-consumption-title"' in text
    assert "<caption>" in text and 'scope="row"' in text
    assert "<script>" not in text and " onclick=" not in text
    # Decimal commas in SVG coordinates would break the drawing.
    assert 'width="0,' not in text and 'x="210,' not in text


def test_dashboard_page_of_a_departmental_user_shows_only_their_department(client, funded_call):
    client.force_login(caf_instructor("30"))
    response = client.get(reverse("projects:funding_dashboard", args=[funded_call.reference]))
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert [row.department.code for row in dashboard.by_department] == ["30"]
    assert dashboard.total.committed == Decimal("7777.77")
    assert "11 — Aude" not in response.text
    assert response.context["consumption_chart"] is None
