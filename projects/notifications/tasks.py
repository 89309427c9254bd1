"""Delivery of the outbox in the background (django-tasks; `manage.py db_worker` runs it)."""

from django_tasks import task

from projects.notifications.services import deliver_due_messages, enqueue_delivery, next_retry_at


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
