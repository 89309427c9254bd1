"""Import files that try to exhaust the server, and the imports too large for a request."""

import datetime
import io
import tracemalloc

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from projects.enums import ImportStatus, Status
from projects.exchange import admin as exchange_admin
from projects.exchange import reading
from projects.exchange.jobs import estimated_rows, start_import_job
from projects.exchange.models import ImportJob
from projects.exchange.reading import UnreadableFile, read_table
from projects.exchange.resources import import_applications
from projects.exchange.spreadsheets import write_table
from projects.models import Application
from tests.departments.factories import administrator
from tests.projects.exchange.test_imports import example, table
from tests.projects.factories import CallFactory, valid_siret


def ods_of_repeated_cells(*, rows: int, rows_repeated: int, cells_repeated: int) -> bytes:
    """`rows` rows each marked as repeated, of one filled cell marked as repeated."""
    document = OpenDocumentSpreadsheet()
    sheet = Table(name="Dossiers")
    for _ in range(rows):
        row = TableRow(numberrowsrepeated=rows_repeated) if rows_repeated > 1 else TableRow()
        cell = TableCell(valuetype="string", numbercolumnsrepeated=cells_repeated)
        cell.addElement(P(text="x"))
        row.addElement(cell)
        sheet.addElement(row)
    document.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def repeated_rows_bomb() -> bytes:
    """A few kilobytes declaring 200 rows of 150 filled cells, each row repeated a million times."""
    return ods_of_repeated_cells(rows=200, rows_repeated=1_000_000, cells_repeated=150)


def test_an_ods_repeated_rows_bomb_is_refused_before_it_grows():
    bomb = repeated_rows_bomb()
    assert len(bomb) < 24 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(UnreadableFile) as refused:
            read_table(bomb, "bombe.ods")
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "Le fichier dépasse les limites d’un import" in refused.value.message
    # The whole DOM of the file and nothing of its 30 billion declared cells.
    assert peak < 50 * 1024 * 1024


def test_an_ods_cell_repeated_across_the_sheet_is_refused():
    content = ods_of_repeated_cells(rows=1, rows_repeated=1, cells_repeated=16384)
    with pytest.raises(UnreadableFile, match="dépasse les limites"):
        read_table(content, "colonnes.ods")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_a_file_beyond_the_row_limit_is_refused_with_the_limits(monkeypatch, fmt):
    monkeypatch.setattr(reading, "MAX_ROWS", 11)
    content = write_table(["A", "B"], [[f"ligne {n}", "x"] for n in range(11)], fmt=fmt, title="T")
    with pytest.raises(UnreadableFile) as refused:
        read_table(content, f"f.{fmt}")
    assert refused.value.message == (
        "Le fichier dépasse les limites d’un import : 10 lignes, 200 colonnes et 2\xa0000\xa0000 cellules au "
        "plus. Découpez-le en plusieurs fichiers."
    )
    assert read_table(write_table(["A"], [["x"]] * 10, fmt=fmt, title="T"), f"f.{fmt}")[-1] == ["x"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_a_file_beyond_the_cell_limit_is_refused(monkeypatch, fmt):
    monkeypatch.setattr(reading, "MAX_CELLS", 50)
    content = write_table([f"C{n}" for n in range(10)], [["x"] * 10] * 5, fmt=fmt, title="T")
    with pytest.raises(UnreadableFile, match="dépasse les limites"):
        read_table(content, f"f.{fmt}")


def test_a_workbook_that_inflates_beyond_the_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(reading, "MAX_UNCOMPRESSED_BYTES", 10_000)
    content = write_table(["A"], [["x" * 100]] * 200, fmt="xlsx", title="T")
    assert len(content) < 10_000
    with pytest.raises(UnreadableFile, match="dépasse les limites"):
        read_table(content, "f.xlsx")


def test_the_import_reports_the_limit_as_a_file_problem(db, monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)
    call = CallFactory()
    rows = table(example(call), example(call, SIRET=valid_siret(5001)))
    content = write_table(rows[0], rows[1:], fmt="csv", title="T")
    report = import_applications(call=call, by=administrator(), file=io.BytesIO(content), filename="d.csv")
    assert [str(problem) for problem in report.problems][0].startswith(
        "Fichier : Le fichier dépasse les limites d’un import : 1 ligne"
    )


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_rows_are_counted_without_reading_the_cells(fmt):
    content = write_table(["A"], [[str(n)] for n in range(2500)], fmt=fmt, title="T")
    assert 2500 <= estimated_rows(content, f"f.{fmt}") <= 2502
    assert estimated_rows(b"not a zip", "f.xlsx") == 0


# Large imports run in the task worker --------------------------------------------------------------


def run_worker():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


# Committed for real: the worker reads the job and the file as another process would.
@pytest.mark.django_db(transaction=True)
def test_a_large_import_is_checked_then_imported_by_the_worker_after_confirmation(
    client, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    call = CallFactory()
    user = administrator(is_superuser=True)
    client.force_login(user)
    rows = table(*[example(call, SIRET=valid_siret(6000 + n), **{"Intitulé du projet": f"P{n}"}) for n in range(5)])
    upload = io.BytesIO(write_table(rows[0], rows[1:], fmt="xlsx", title="Dossiers"))
    upload.name = "gros.xlsx"
    monkeypatch.setattr(exchange_admin, "BACKGROUND_ROWS", 3)
    response = client.post(reverse("admin:projects_application_import"), {"call": call.pk, "import_file": upload})
    job = ImportJob.objects.get()
    url = reverse("admin:projects_application_import_job", args=[job.pk])
    # No row was read in the request: the worker checks the file.
    assert response.status_code == 302 and response["Location"] == url
    assert job.status == ImportStatus.CHECK_PENDING and job.rows == 6
    assert DBTaskResult.objects.filter(task_path="projects.exchange.tasks.run_import_job").count() == 1
    page = client.get(url)
    assert "Vérification en attente" in page.text and 'http-equiv="refresh"' in page.text

    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    page = client.get(url)
    assert "Simulation : 5 dossiers seraient créés" in page.text and "Confirmer l’import" in page.text
    assert not Application.objects.exists()

    assert client.post(url).status_code == 302
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and not job.file
    assert Application.objects.filter(status=Status.SUBMITTED).count() == 5
    assert "Import réussi : 5 dossiers créés" in client.get(url).text
    # Confirmed once: a second post imports nothing more.
    client.post(url)
    run_worker()
    assert Application.objects.count() == 5


@pytest.mark.django_db(transaction=True)
def test_a_large_file_with_a_bad_row_is_refused_by_the_worker_and_cannot_be_confirmed(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call = CallFactory()
    client.force_login(administrator(is_superuser=True))
    rows = table(example(call), example(call, SIRET=valid_siret(5001), **{"Code du département": "99"}))
    content = write_table(rows[0], rows[1:], fmt="csv", title="Dossiers")
    job = start_import_job(call=call, by=administrator(username="autre"), content=content, filename="d.csv")
    run_worker()
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert job.report["problems"] == [
        "Ligne 3, colonne « Code du département » : Département inconnu « 99 » (code INSEE attendu)."
    ]
    # Another administrator's job answers 404.
    assert client.get(reverse("admin:projects_application_import_job", args=[job.pk])).status_code == 404
    assert not Application.objects.exists()


def test_a_job_no_worker_takes_up_says_so_and_stops_refreshing(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user = administrator(is_superuser=True)
    client.force_login(user)
    job = start_import_job(call=CallFactory(), by=user, content=b"a;b\n", filename="d.csv")
    url = reverse("admin:projects_application_import_job", args=[job.pk])
    assert 'http-equiv="refresh"' in client.get(url).text
    ImportJob.objects.filter(pk=job.pk).update(updated_at=job.updated_at - datetime.timedelta(minutes=16))
    page = client.get(url).text
    assert "le service de tâches (manage.py db_worker) ne tourne sans doute pas" in page
    assert 'http-equiv="refresh"' not in page
