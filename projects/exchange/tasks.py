"""Background imports (django-tasks; `manage.py db_worker` runs them, as it runs the letter batches)."""

import logging

from django.utils.translation import gettext as _
from django_tasks import task

from projects.enums import ImportStatus
from projects.exchange.import_report import report_data
from projects.exchange.models import ImportJob
from projects.exchange.resources import import_applications

logger = logging.getLogger(__name__)

# Phase of a job → (status while it runs, whether it is the check only).
_PHASES = {
    ImportStatus.CHECK_PENDING: (ImportStatus.CHECKING, True),
    ImportStatus.IMPORT_PENDING: (ImportStatus.IMPORTING, False),
}


@task()
def run_import_job(job_id: int) -> dict:
    """Check (or, once confirmed, import) the job's file through ApplicationResource, all or nothing."""
    job = ImportJob.objects.select_related("call__region", "requested_by").get(pk=job_id)
    phase = _PHASES.get(job.status)
    if phase is None:
        return {"status": job.status}
    running, dry_run = phase
    if not ImportJob.objects.filter(pk=job.pk, status=job.status).update(status=running):
        return {"status": job.status}
    try:
        with job.file.open("rb") as stored:
            report = import_applications(
                call=job.call, by=job.requested_by, file=stored, filename=job.filename, dry_run=dry_run
            )
    except Exception:
        logger.exception("import job %s failed", job.pk)
        job.status = ImportStatus.REFUSED
        job.report = {"summary": _("Erreur inattendue : rien n’a été enregistré (voir les journaux)."), "problems": []}
        job.save(update_fields=["status", "report", "updated_at"])
        raise
    job.report = report_data(report)
    if not report.ok:
        job.status = ImportStatus.REFUSED
    else:
        job.status = ImportStatus.CHECKED if dry_run else ImportStatus.DONE
    if job.status != ImportStatus.CHECKED:
        # The file is kept only while it waits for its confirmation.
        job.file.delete(save=False)
    job.save()
    return {"status": job.status}
