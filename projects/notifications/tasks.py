"""Delivery of the outbox in the background (django-tasks; `manage.py db_worker` runs it)."""

import logging
from datetime import datetime

from django_tasks import default_task_backend, task

from projects.notifications.delivery import deliver_due_messages, next_retry_at

logger = logging.getLogger(__name__)


@task()
def deliver_messages() -> dict:
    """Send every due message, claim after claim; when some failed, come back when the first retry is due."""
    sent = failed = 0
    while True:
        report = deliver_due_messages()
        sent, failed = sent + report.sent, failed + report.failed
        # Nothing left, or the server is not answering: the failed ones wait for their retry.
        if not report.sent + report.failed or report.errors:
            break
    retry = next_retry_at()
    if retry is not None:
        enqueue_delivery(run_after=retry)
    return {"sent": sent, "failed": failed}


def enqueue_delivery(run_after: datetime | None = None) -> None:
    """Ask the task worker to deliver the outbox (now, or at `run_after` when the backend can wait)."""
    task = deliver_messages
    if run_after is not None:
        if not default_task_backend.supports_defer:
            return
        task = task.using(run_after=run_after)
    try:
        task.enqueue()
    except Exception:
        # The messages wait in the outbox; the next delivery (or `send_digests`) takes them.
        logger.exception("could not enqueue the delivery of the outbox")
