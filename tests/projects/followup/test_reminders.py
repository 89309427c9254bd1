"""The daily reminders: on fixed dates, who is told of which report, once per stage; the worker runs them
each morning (no waiting: the clock is set)."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from projects.followup.models import ReportReminder
from projects.followup.tasks import daily_reminders, next_morning, schedule_daily_reminders
from projects.notifications.models import Message
from tests.departments.factories import caf_instructor, ddets_instructor, regional_approver
from tests.mail import sent_mail
from tests.projects.followup.factories import filed_report, laureate_under_terms
from tests.tasks import task_worker


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
        assert "0 compte rendu dû sous 30 jours, 0 dû aujourd’hui, 0 en retard" in remind("2024-05-30")
        filed_report(application)
        assert "0 en retard" in remind("2024-07-01")
    assert sent_mail() == []


def test_a_bad_date_stops_the_command_with_one_line(db):
    with pytest.raises(CommandError, match="n’est pas une date"):
        call_command("send_reminders", "--date", "30/06/2024")


def test_each_report_is_reminded_once_per_stage_however_often_the_command_runs(application):
    caf_instructor("11")
    told = []
    for date in ("2024-05-31", "2024-06-01", "2024-06-01", "2024-06-15", "2024-06-30", "2024-06-30", "2024-07-01"):
        remind(date)
        told.append(Message.objects.count())
    # Two recipients (the laureate, the Caf instructor) per stage: soon, today, late.
    assert told == [2, 2, 2, 2, 4, 4, 6]
    assert "déjà relancé" in remind("2024-09-01") and Message.objects.count() == 6
    stages = ReportReminder.objects.values_list("year", "stage", "sent_on")
    assert sorted(stages) == [
        (2023, "late", datetime.date(2024, 7, 1)),
        (2023, "soon", datetime.date(2024, 5, 31)),
        (2023, "today", datetime.date(2024, 6, 30)),
    ]


@pytest.mark.parametrize(
    ("now", "morning"),
    [
        ("2024-06-30T21:59:00+00:00", "2024-07-01T07:00:00+02:00"),  # 23:59 in Paris
        ("2024-06-30T22:01:00+00:00", "2024-07-02T07:00:00+02:00"),  # already 1 July in Paris
        ("2024-12-31T12:00:00+00:00", "2025-01-01T07:00:00+01:00"),
    ],
)
def test_the_next_run_is_the_next_morning_in_paris(now, morning):
    assert next_morning(datetime.datetime.fromisoformat(now)) == datetime.datetime.fromisoformat(morning)


def run_worker(monkeypatch):
    """The task worker of `make run`, until no task is ready. Inside the test's transaction its check for stale
    connections would drop the connection (PostgreSQL): the transaction is the test's, not stale."""
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    task_worker().run()


def pending() -> list:
    return list(
        DBTaskResult.objects.filter(task_path=daily_reminders.module_path, status=TaskResultStatus.READY).values_list(
            "run_after", flat=True
        )
    )


def test_the_worker_runs_the_reminders_each_morning_and_never_keeps_two_pending(application, monkeypatch):
    clock = [datetime.datetime(2024, 6, 29, 16, 0, tzinfo=datetime.UTC)]
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    out = io.StringIO()
    call_command("schedule_reminders", stdout=out)
    call_command("schedule_reminders", stdout=out)  # `make run` started twice
    assert "déjà programmées" in out.getvalue() and len(pending()) == 1
    run_worker(monkeypatch)  # 29 June: due within 30 days
    tomorrow = datetime.datetime.fromisoformat("2024-06-30T07:00:00+02:00")
    assert pending() == [tomorrow]
    assert list(ReportReminder.objects.values_list("stage", flat=True)) == ["soon"]
    assert schedule_daily_reminders() is False  # a restart meanwhile adds nothing
    run_worker(monkeypatch)  # not yet its time
    assert pending() == [tomorrow] and ReportReminder.objects.count() == 1
    clock[0] = tomorrow + datetime.timedelta(seconds=1)
    run_worker(monkeypatch)  # 30 June: due today
    assert pending() == [datetime.datetime.fromisoformat("2024-07-01T07:00:00+02:00")]
    assert sorted(ReportReminder.objects.values_list("stage", flat=True)) == ["soon", "today"]
    assert DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).count() == 2
