"""Large imports, out of any request: the admin hands the file to the task worker, which checks
it, waits for the administrator's confirmation, then imports it (projects.exchange.tasks)."""

import io
import zipfile

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from projects.enums import ImportStatus
from projects.exceptions import DomainError
from projects.exchange.models import ImportJob
from projects.exchange.reading import MAX_UNCOMPRESSED_BYTES, UnreadableFile, file_format
from projects.exchange.tasks import run_import_job
from projects.models import Call

# Above this many rows a file is checked and imported by the task worker: a request stays short
# (gunicorn kills a worker after 30 s) and no page lists tens of thousands of rows.
BACKGROUND_ROWS = 2000
_ROW_MARKERS = {"xlsx": b"<row ", "ods": b"<table:table-row"}


def estimated_rows(content: bytes, filename: str) -> int:
    """The rows of a file, counted without reading its cells: the line breaks of a CSV file, the
    row elements of a workbook's sheet (a row marked as repeated counts once here; the reader's
    limits count it fully). 0 when the file cannot be opened: reading it will say why."""
    try:
        fmt = file_format(filename)
    except UnreadableFile:
        return 0
    if fmt == "csv":
        return content.count(b"\n")
    marker = _ROW_MARKERS[fmt]
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = sorted(name for name in archive.namelist() if name.startswith("xl/worksheets/sheet"))
            part = "content.xml" if fmt == "ods" else (names[0] if names else "")
            count, tail, read = 0, b"", 0
            with archive.open(part) as stream:
                while read < MAX_UNCOMPRESSED_BYTES and (chunk := stream.read(1024 * 1024)):
                    read += len(chunk)
                    window = tail + chunk
                    count += window.count(marker)
                    # The marker's last bytes are kept for the next chunk, but never counted twice.
                    tail = window[-(len(marker) - 1) :]
            return count
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        return 0


def start_import_job(*, call: Call, by, content: bytes, filename: str) -> ImportJob:
    """Store the file and ask the task worker to check it; nothing is imported before confirmation."""
    job = ImportJob(call=call, requested_by=by, filename=filename[:255], rows=estimated_rows(content, filename))
    job.file.save(f"import-{call.reference}.{file_format(filename)}", ContentFile(content), save=False)
    job.save()
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job


def confirm_import_job(*, job: ImportJob, by) -> ImportJob:
    """The administrator confirms a checked file: the task worker imports it (checking it again)."""
    if job.requested_by_id != by.pk:
        raise DomainError(_("Seule la personne qui a envoyé le fichier peut en confirmer l’import."))
    if not ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(status=ImportStatus.IMPORT_PENDING):
        raise DomainError(_("Cet import n’est pas prêt à être confirmé : il n’a pas été vérifié sans erreur."))
    job.status = ImportStatus.IMPORT_PENDING
    transaction.on_commit(lambda: run_import_job.enqueue(job.pk))
    return job
