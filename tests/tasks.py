"""The task worker as tests run it."""

from django_tasks_db.management.commands.db_worker import Worker


def task_worker() -> Worker:
    """`manage.py db_worker --batch`: it runs the queued tasks, then stops."""
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
