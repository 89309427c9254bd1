"""Background generation of a batch of letters (django-tasks; `manage.py db_worker` runs it)."""

import logging
import tempfile

from django.core.files import File
from django.db import DatabaseError, close_old_connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from departments.models import Department
from projects.enums import UNFINISHED_BATCH_STATUSES, BatchStatus
from projects.exceptions import DomainError
from projects.letters.batches import BatchSummary, fault_message, generate_missing_letters
from projects.letters.models import current_worker
from projects.models import Call, LetterBatch
from projects.notifications import events

logger = logging.getLogger(__name__)


class BatchInterrupted(Exception):
    """The batch was declared interrupted (it looked stale) while this worker was still running it."""


@task()
def run_letter_batch(batch_id: int) -> dict:
    """Generate the batch's missing letters, storing the progress on the LetterBatch row as it goes."""
    batch = LetterBatch.objects.select_related("call", "department", "requested_by").get(pk=batch_id)
    # Taken only while still pending: a batch declared interrupted before the worker came to it stays
    # closed, as its page said, and the user may already have relaunched it.
    if not LetterBatch.objects.filter(pk=batch.pk, status=BatchStatus.PENDING).update(
        status=BatchStatus.RUNNING, updated_at=timezone.now(), worker=current_worker()
    ):
        return {"status": batch.status}

    def progress(summary: BatchSummary) -> None:
        # Each letter moves updated_at, the heartbeat that tells a slow batch from one whose worker died.
        # Declared interrupted meanwhile, the batch stops here rather than race the one relaunched in its place.
        counts = {
            "total": summary.total,
            "done": summary.generated,
            "failed": summary.failed,
            "skipped": summary.skipped,
            "updated_at": timezone.now(),
        }
        try:
            moved = LetterBatch.objects.filter(pk=batch.pk, status=BatchStatus.RUNNING).update(**counts)
        except DatabaseError:
            # A dropped connection: the next letter's report, on a new one, says where the batch is.
            close_old_connections()
            return
        if not moved:
            raise BatchInterrupted

    try:
        with tempfile.TemporaryFile() as archive:
            summary = generate_missing_letters(
                call=batch.call,
                by=batch.requested_by,
                department=batch.department,
                kind=batch.kind,
                archive=archive,
                on_progress=progress,
                archive_since=batch.letters_since,
            )
            archive.seek(0)
            batch.archive.save(f"{batch.call.reference}-courriers-{batch.pk}.zip", File(archive), save=False)
    except BatchInterrupted:
        logger.warning("letter batch %s was declared interrupted while running: stopped", batch.pk)
        return {"status": BatchStatus.FAILED}
    except DomainError as error:
        _finish(batch, BatchStatus.FAILED, [{"outcome": "failed", "message": str(error.message)}])
        return {"status": BatchStatus.FAILED}
    except (OSError, DatabaseError) as fault:
        # The machine failed, not the batch: say so on the batch, and leave the worker able to serve the next.
        logger.exception("letter batch %s failed", batch.pk)
        _finish(batch, BatchStatus.FAILED, [{"outcome": "failed", "message": fault_message(fault)}])
        return {"status": BatchStatus.FAILED}
    except Exception:
        logger.exception("letter batch %s failed", batch.pk)
        _finish(
            batch,
            BatchStatus.FAILED,
            [{"outcome": "failed", "message": _("Erreur inattendue : le lot a été interrompu (voir les journaux).")}],
        )
        raise
    batch.total, batch.done, batch.failed, batch.skipped = (
        summary.total,
        summary.generated,
        summary.failed,
        summary.skipped,
    )
    outcomes = sorted(summary.outcomes, key=lambda outcome: (outcome.reference, outcome.kind))
    _finish(batch, BatchStatus.DONE, [outcome.as_dict() for outcome in outcomes])
    return {"status": BatchStatus.DONE, "generated": summary.generated, "failed": summary.failed}


def _finish(batch: LetterBatch, status: str, report: list[dict]) -> None:
    batch.status = status
    batch.report = report
    batch.finished_at = timezone.now()
    try:
        batch.save()
    except DatabaseError:
        # Once more on a new connection: a batch left « en cours » would block its relaunch.
        close_old_connections()
        batch.save()
    events.batch_finished(batch)


def start_letter_batch(*, call: Call, department: Department | None, kind: str, by) -> tuple[LetterBatch, bool]:
    """The batch for this request, and whether it is new.

    The same request by the same person still under way (a second click, a reload) is that
    batch, so letters are not produced twice over; if it is stale it is closed as interrupted
    and a new one is enqueued, so a dead worker never blocks anyone.
    """
    under_way = LetterBatch.objects.filter(
        call=call, department=department, kind=kind, requested_by=by, status__in=UNFINISHED_BATCH_STATUSES
    ).first()
    if under_way is not None:
        under_way.interrupt_if_stale(now=timezone.now())
        if under_way.status in UNFINISHED_BATCH_STATUSES:
            return under_way, False
    # Relaunching an interrupted batch: the new one's archive also holds what that one produced.
    previous = (
        LetterBatch.objects.filter(call=call, department=department, kind=kind, requested_by=by)
        .order_by("-created_at")
        .first()
    )
    since = None
    if previous is not None and previous.status == BatchStatus.FAILED:
        since = previous.letters_since or previous.created_at
    batch = LetterBatch.objects.create(
        call=call, department=department, kind=kind, requested_by=by, letters_since=since
    )
    run_letter_batch.enqueue(batch.pk)
    return batch, True
