"""The instructors' home page lists the late yearly reports and those waiting for their review."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.followup.queues import last_late_year, report_rows
from projects.followup.services import review_report
from tests.departments.factories import caf_instructor, ddets_instructor, regional_approver
from tests.projects.followup.factories import filed_report, laureate_under_terms


def rows(user, day: str) -> list[tuple]:
    return [
        (row["award__application__reference"], row["year"], row["report_status"])
        for row in report_rows(user, today=datetime.date.fromisoformat(day))
    ]


@pytest.mark.parametrize(
    ("day", "year"), [("2024-06-30", 2022), ("2024-07-01", 2023), ("2025-06-30", 2023), ("2025-07-01", 2024)]
)
def test_a_year_is_late_from_the_day_after_its_30_june(day, year):
    assert last_late_year(datetime.date.fromisoformat(day)) == year


def test_late_reports_and_reports_to_review_of_the_instructors_departments_only(approver):
    late = laureate_under_terms(by=approver, notified=True).reference
    filed = laureate_under_terms(by=approver, notified=True)
    filed_report(filed, year=2023)
    sent_back = laureate_under_terms(by=approver, notified=True)
    review_report(report=filed_report(sent_back, year=2023), by=caf_instructor("11"), accept=False, message="Détail ?")
    accepted = laureate_under_terms(by=approver, notified=True)
    review_report(report=filed_report(accepted, year=2023), by=caf_instructor("11"), accept=True)
    laureate_under_terms(by=approver, department="31", notified=True)
    instructor = ddets_instructor("11")
    assert sorted(rows(instructor, "2024-06-30")) == [(filed.reference, 2023, "filed")]
    assert sorted(rows(instructor, "2024-07-01")) == sorted(
        [(late, 2023, None), (filed.reference, 2023, "filed"), (sent_back.reference, 2023, "corrections")]
    )
    assert rows(regional_approver(), "2024-07-01") == []


@pytest.mark.parametrize("laureates", [1, 12])
def test_the_home_page_lists_them_in_constant_queries(client, approver, django_assert_num_queries, laureates):
    applications = [laureate_under_terms(by=approver, notified=True) for _ in range(laureates)]
    filed_report(applications[0], year=2023)
    instructor = caf_instructor("11")
    client.force_login(instructor)
    with django_assert_num_queries(6):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Comptes rendus à examiner" in page and "Comptes rendus en retard" in page
    detail = reverse("projects:followup_detail", args=[applications[0].reference])
    assert f'href="{detail}#comptes-rendus">Compte rendu 2023 de {applications[0].reference}</a>' in page
    late = len(report_rows(instructor, today=timezone.localdate())) - 1
    assert late >= laureates  # every year of the programme has ended by now
    if late > 10:
        assert "Autres comptes rendus" in page
