"""The daily run of the reminders by the task worker (django-tasks; `manage.py db_worker` runs it).

django-tasks has no periodic tasks: each run first enqueues the next one, for the next morning, so
that a failing run does not stop the following days. `schedule_daily_reminders` enqueues a run only
when none is waiting, so `manage.py schedule_reminders` may be run at every start (`make run` does):
there is never more than one daily task pending, and the reminders themselves are sent once per
report and stage whatever the number of runs (projects.followup.reminders).
"""

import datetime

from django.utils import timezone
from django_tasks import TaskResultStatus, default_task_backend, task
from django_tasks_db.models import DBTaskResult

from projects.followup.reminders import send_reminders

# The reminders leave at this local time each morning.
RUN_AT = datetime.time(7, 0)


def next_morning(now: datetime.datetime) -> datetime.datetime:
    """RUN_AT on the day after `now`, in the project's time zone."""
    tomorrow = timezone.localtime(now).date() + datetime.timedelta(days=1)
    return timezone.make_aware(datetime.datetime.combine(tomorrow, RUN_AT))


def schedule_daily_reminders(*, run_after: datetime.datetime | None = None) -> bool:
    """Enqueue a run of the reminders (now, or at `run_after`) unless one is already waiting; True if enqueued.

    A backend that cannot defer a task (the immediate one of some tests) gets no next day, which would
    otherwise run at once, for ever.
    """
    if run_after is not None and not default_task_backend.supports_defer:
        return False
    # Two schedulers at the same instant could both enqueue; the next runs heal it (each sees the other's
    # next morning waiting) and no reminder is sent twice meanwhile.
    if DBTaskResult.objects.filter(task_path=daily_reminders.module_path, status=TaskResultStatus.READY).exists():
        return False
    (daily_reminders.using(run_after=run_after) if run_after else daily_reminders).enqueue()
    return True


@task()
def daily_reminders() -> dict:
    """Today's reminders; the next run is enqueued first, for tomorrow morning."""
    schedule_daily_reminders(run_after=next_morning(timezone.now()))
    summary = send_reminders(today=timezone.localdate())
    return {"due": len(summary.due), "sent": len(summary.sent)}
