"""The daily reminders: on fixed dates, who is told of which report (no waiting)."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.departments.factories import caf_instructor, ddets_instructor, regional_approver
from tests.mail import sent_mail
from tests.projects.followup.factories import filed_report, laureate_under_terms


@pytest.fixture
def application(db):
    return laureate_under_terms(by=regional_approver(), notified=True)


def remind(date: str) -> str:
    out = io.StringIO()
    call_command("send_reminders", "--date", date, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("date", "kind", "subject"),
    [
        ("2024-06-01", "soon", "Compte rendu 2023 à déposer avant le 30/06/2024"),
        ("2024-06-30", "today", "Compte rendu 2023 à déposer aujourd’hui"),
        ("2024-07-01", "late", "Compte rendu 2023 en retard (attendu le 30/06/2024)"),
    ],
)
def test_the_laureate_and_the_instructors_are_told_on_fixed_dates(
    application, django_capture_on_commit_callbacks, date, kind, subject
):
    caf, ddets = caf_instructor("11"), ddets_instructor("11")
    caf_instructor("31")  # another department's instructor is not told
    with django_capture_on_commit_callbacks(execute=True):
        output = remind(date)
    assert f"{application.reference} — compte rendu 2023 — {kind}" in output
    recipients = sorted(address for message in sent_mail() for address in message.to)
    assert recipients == sorted([application.applicant.contact_email, caf.email, ddets.email])
    assert all(message.subject.startswith(subject) for message in sent_mail())


def test_nobody_is_told_before_the_window_or_once_the_report_is_filed(application, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert "0 dû(s) sous 30 jours, 0 dû(s) aujourd’hui, 0 en retard" in remind("2024-05-30")
        filed_report(application)
        assert "0 en retard" in remind("2024-07-01")
    assert sent_mail() == []


def test_a_bad_date_stops_the_command_with_one_line(db):
    with pytest.raises(CommandError, match="n’est pas une date"):
        call_command("send_reminders", "--date", "30/06/2024")
