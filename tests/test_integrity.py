"""Integrity under attack and faults: the doors an attacker or a failing machine found open."""

import errno
import io
import multiprocessing
import os
import signal
import socket
import threading
import time
import zipfile
from contextlib import contextmanager
from decimal import Decimal

import psycopg
import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import filesystem
from django.db import connection
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from departments.models import Region
from fipe.settings import database_from_env
from projects.awards.services import check_call_funding
from projects.enums import BatchStatus, CallStatus, LetterKind, Status
from projects.exceptions import PermissionRefused, TransitionNotAllowed
from projects.exchange.resources import import_applications
from projects.letters import batches, rendering
from projects.letters.batches import generate_missing_letters
from projects.letters.pipeline import generate_letter
from projects.letters.rendering import render_pool
from projects.letters.tasks import BatchInterrupted, run_letter_batch, start_letter_batch
from projects.models import Application, Attachment, DecisionLetter, IssuedDocument, LetterBatch
from reviews.committee.services import close_meeting
from reviews.models import ConflictDeclaration
from tests.departments.factories import UserFactory, caf_instructor, department, regional_approver
from tests.projects.applicants.factories import open_call, signed_in_applicant
from tests.projects.awards.test_award_admin import call_form_data
from tests.projects.exchange.test_admin_applications import change_data as admin_change_data
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory, valid_siret
from tests.projects.form_data import application_form_data
from tests.projects.letters.factories import laureate as letters_laureate
from tests.projects.letters.factories import signatory
from tests.projects.letters.test_letter_batches import IMMEDIATE
from tests.reviews.situations import meeting, propose, reviewed_application
from tests.tasks import task_worker

# — The platform: connections, caches, login throttling —


def test_a_dropped_database_connection_is_checked_before_it_is_used(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://fipe@db.example:5432/fipe")
    assert database_from_env()["CONN_HEALTH_CHECKS"] is True


def test_signed_in_pages_and_files_are_never_stored_by_a_cache(client, db):
    user = caf_instructor("11")
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_the_applicants_space_is_never_stored_by_a_cache(db):
    # Signed in by a link, the applicant has a session and no account: their pages are as personal.
    response = signed_in_applicant("mairie@esperaza.example").get(reverse("projects:applicant_home"))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    # A visitor without a session reads a public page, which caches may keep.
    public = Client().get(reverse("projects:applicant_sign_in"))
    assert public.status_code == 200
    assert "no-store" not in public.get("Cache-Control", "")


def test_behind_the_proxy_one_client_cannot_lock_another_clients_account(client, db, settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    caf_instructor("11", username="claire")
    attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    for _ in range(6):
        client.post(reverse("login"), {"username": "claire", "password": "wrong"}, **attacker)
    # What the client writes on the left of the proxy's hop is not believed.
    forged = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.9"}
    assert client.post(reverse("login"), {"username": "claire", "password": "wrong"}, **forged).status_code == 429
    claire = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"}, **claire)
    assert response.status_code == 302


def test_one_password_sprayed_over_many_accounts_locks_the_address(client, db, settings):
    settings.AXES_ENABLED = True
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 20
    UserFactory(username="claire")
    for number in range(20):
        client.post(reverse("login"), {"username": f"agent{number}", "password": "Printemps2026!"})
    response = client.post(reverse("login"), {"username": "claire", "password": "correct horse battery"})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_guesses_spread_over_many_addresses_lock_the_account_but_not_for_its_owners_address(client, db, settings):
    settings.AXES_ENABLED = True
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.LOGIN_ACCOUNT_FAILURE_LIMIT = 20
    caf_instructor("11", username="claire")
    owner = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7"}
    right = {"username": "claire", "password": "correct horse battery"}
    assert client.post(reverse("login"), right, **owner).status_code == 302
    client.logout()
    # Four guesses from each of five machines: under the limit of one account for one address.
    for machine in range(1, 6):
        for _ in range(4):
            attacker = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": f"203.0.113.{machine}"}
            client.post(reverse("login"), {"username": "claire", "password": "wrong"}, **attacker)
    sixth = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.99"}
    assert client.post(reverse("login"), right, **sixth).status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.post(reverse("login"), right, **owner).status_code == 302


# — Applicants shared between regions —


def another_regions_applicant():
    """An applicant whose only file is in Île-de-France, out of reach of Occitanie's staff."""
    paris = CallFactory(reference="FIPE-IDF-2023", region=Region.objects.get(code="11"))
    application = ApplicationFactory(
        reference="FIPE-IDF-2023-075-001", call=paris, department=department("75"), submitted=True
    )
    return application.applicant


def test_a_file_keyed_in_cannot_rewrite_another_regions_applicant(client, db):
    applicant = another_regions_applicant()
    call = CallFactory()
    client.force_login(regional_approver())
    data = application_form_data(
        call,
        department("30"),
        **{"applicant-siret": applicant.siret, "applicant-contact_email": "pirate@example.org"},
    )
    response = client.post(reverse("projects:application_create"), data)
    assert response.status_code == 200
    assert "a aussi des dossiers que vous ne gérez pas" in response.text
    applicant.refresh_from_db()
    assert applicant.contact_email == "jeanne.martin@example.org"
    assert not Application.objects.filter(call=call).exists()


def test_editing_a_file_cannot_rewrite_its_applicant_shared_with_another_region(client, db):
    applicant = another_regions_applicant()
    call = CallFactory()
    ours = ApplicationFactory(call=call, applicant=applicant, department=department("30"), submitted=True)
    client.force_login(regional_approver())
    data = application_form_data(
        call,
        department("30"),
        **{"applicant-siret": applicant.siret, "applicant-contact_email": "pirate@example.org"},
    )
    response = client.post(reverse("projects:application_edit", kwargs={"reference": ours.reference}), data)
    assert response.status_code == 200
    assert "a aussi des dossiers que vous ne gérez pas" in response.text
    applicant.refresh_from_db()
    assert applicant.contact_email == "jeanne.martin@example.org"
    ours.refresh_from_db()
    assert ours.title != data["title"]


def test_an_import_cannot_rewrite_another_regions_applicant(db):
    from tests.projects.exchange.test_imports import example, table

    applicant = another_regions_applicant()
    call = CallFactory()
    rows = table(example(call, SIRET=applicant.siret, Adresse="1 rue des Pirates"))
    report = import_applications(call=call, by=regional_approver(), rows=rows)
    assert not report.saved
    assert any("a aussi des dossiers que vous ne gérez pas" in problem.message for problem in report.problems)
    applicant.refresh_from_db()
    assert applicant.address == "1 place de la Mairie"


def test_filing_online_cannot_take_over_an_organisation_the_services_keyed_in(db):
    from tests.projects.applicants.test_filing import project_data

    call = open_call()
    keyed_in = ApplicationFactory(applicant=ApplicantFactory(siret=valid_siret(4242), contact_email=""), submitted=True)
    client = signed_in_applicant("pirate@example.org")
    response = client.post(reverse("projects:applicant_file_new", kwargs={"reference": call.reference}), project_data())
    assert response.status_code == 200
    assert "Cet organisme a déjà des dossiers enregistrés par les services instructeurs" in response.text
    applicant = keyed_in.applicant
    applicant.refresh_from_db()
    assert (applicant.contact_email, applicant.address) == ("", "1 place de la Mairie")
    assert not Application.objects.filter(call=call).exists()


# — The conflict-of-interest wall —


def test_an_instructor_with_a_conflict_reads_neither_the_award_nor_the_letters(client, db):
    signatory()
    application = letters_laureate()
    letter = generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver())
    caf = caf_instructor("11")
    ConflictDeclaration.objects.create(user=caf, application=application, has_conflict=True, note="Élue du conseil.")
    client.force_login(caf)
    reference = application.reference
    pages = [
        reverse("projects:award_detail", kwargs={"reference": reference}),
        reverse("projects:application_letters", kwargs={"reference": reference}),
        reverse("projects:letter_preview", kwargs={"reference": reference, "kind": LetterKind.AWARD}),
        reverse("projects:letter_download", kwargs={"reference": reference, "pk": letter.pk}),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "déclarez d’abord n’avoir aucun conflit" in response.text
    # The same pages open once the instructor has declared no conflict.
    ConflictDeclaration.objects.filter(user=caf).update(has_conflict=False)
    assert [client.get(url).status_code for url in pages] == [200, 200, 200, 200]


def test_an_instructor_with_a_conflict_cannot_read_the_minutes_carrying_the_files_scores(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    propose(opened, application)
    close_meeting(meeting=opened, by=opened.secretary)
    caf = caf_instructor("11")
    ConflictDeclaration.objects.create(user=caf, application=application, has_conflict=True, note="Parent.")
    client.force_login(caf)
    url = reverse("reviews:minutes", kwargs={"pk": opened.pk})
    response = client.get(url)
    assert response.status_code == 403
    assert "déclarez d’abord" in response.text
    ConflictDeclaration.objects.filter(user=caf).update(has_conflict=False)
    assert client.get(url).status_code == 200


def test_an_instructor_who_has_not_declared_cannot_start_the_review(db):
    application = ApplicationFactory(submitted=True)
    caf = caf_instructor("11")
    assert "start_review" not in {t.name for t in application.allowed_transitions(caf)}
    with pytest.raises(PermissionRefused, match="aucun conflit d’intérêts"):
        application.start_review(by=caf)
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not application.status_changes.exists()


# — The admin, bound by the pages' rules —


def test_the_admin_cannot_lower_a_laureates_requested_amounts_under_its_award(client, db):
    application = letters_laureate()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:projects_application_change", args=[application.pk])
    response = client.post(url, admin_change_data(application, {2023: "1", 2024: "1", 2025: "1"}))
    assert response.status_code == 200
    assert "il ne peut plus être modifié" in response.text
    application.refresh_from_db()
    assert application.requested_total == Decimal("30000.00")
    assert sorted(application.requested_by_year().values()) == [Decimal("10000.00")] * 3


def test_the_admins_call_form_cannot_publish_results(client, db):
    call = CallFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    url = reverse("admin:projects_call_change", args=[call.pk])
    data = call_form_data(call, status=CallStatus.RESULTS_PUBLISHED, results_published_at_0="18/12/2023")
    assert client.post(url, {**data, "results_published_at_1": "10:00"}).status_code == 302
    call.refresh_from_db()
    assert (call.status, call.results_published_at) == (CallStatus.OPEN, None)
    with pytest.raises(TransitionNotAllowed, match="Publier les résultats"):
        call.set_filing(CallStatus.RESULTS_PUBLISHED)


def test_envelope_and_state_share_rules_hold_outside_the_admin(db):
    call = CallFactory()
    letters_laureate(call=call)
    with pytest.raises(ValidationError) as refusal:
        check_call_funding(call=call, envelope=Decimal("29999.99"), state_share=Decimal("0.6"))
    assert set(refusal.value.message_dict) == {"envelope", "state_share"}


# — Full disks, lost connections, dead workers —


class FullDisk(io.RawIOBase):
    """A file that takes the first bytes written, then says the disk is full."""

    def __init__(self, real):
        self.real = real

    def write(self, data):
        self.real.write(data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    def close(self):
        self.real.close()


def disk_fills_up(monkeypatch):
    real_fdopen = os.fdopen
    monkeypatch.setattr(filesystem.os, "fdopen", lambda fd, mode: FullDisk(real_fdopen(fd, mode)))


def test_an_upload_onto_a_full_disk_says_so_and_leaves_nothing(client, db, settings, monkeypatch):
    from tests.projects.sample_files import pdf_bytes, upload
    from tests.projects.test_attachments import stored_files, upload_url

    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    disk_fills_up(monkeypatch)
    response = client.post(upload_url(application), {"file": upload("budget.pdf", pdf_bytes())})
    assert response.status_code == 507
    assert "Espace disque insuffisant" in response.text
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_letter_of_a_batch_onto_a_full_disk_fails_alone_with_its_reason(db, monkeypatch, settings):
    signatory()
    application = letters_laureate()
    disk_fills_up(monkeypatch)
    summary = generate_missing_letters(call=application.call, by=regional_approver(), processes=1)
    assert (summary.generated, summary.failed) == (0, 1)
    assert summary.outcomes[0].message.startswith("Espace disque insuffisant")
    assert not DecisionLetter.objects.exists()
    letters_folder = settings.MEDIA_ROOT / "letters"
    assert not letters_folder.exists() or not any(path.is_file() for path in letters_folder.rglob("*"))


def test_a_letter_generated_onto_a_full_disk_says_so_and_leaves_nothing(client, db, settings, monkeypatch):
    signatory()
    application = letters_laureate()
    client.force_login(regional_approver())
    before = sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file())
    disk_fills_up(monkeypatch)
    url = reverse("projects:letter_generate", kwargs={"reference": application.reference, "kind": LetterKind.AWARD})
    response = client.post(url)
    assert response.status_code == 507
    assert "Espace disque insuffisant" in response.text
    assert not DecisionLetter.objects.exists()
    assert not IssuedDocument.objects.exists()
    assert sorted(path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()) == before


SHUTDOWN_SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]


@contextmanager
def worker_signals(worker):
    """The graceful-shutdown handlers `manage.py db_worker` installs, as the renderers fork under them."""
    previous = {signum: signal.getsignal(signum) for signum in SHUTDOWN_SIGNALS}
    worker.configure_signals()
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextmanager
def failing_after(*, seconds: int):
    """A worker hung on its renderers fails the test rather than the whole run: they are killed, then it fails."""
    hung = threading.Event()

    def kill_the_renderers():
        hung.set()
        for child in multiprocessing.active_children():
            child.kill()

    watchdog = threading.Timer(seconds, kill_the_renderers)
    watchdog.start()
    try:
        yield
    finally:
        watchdog.cancel()
    assert not hung.is_set(), f"the task worker was still waiting for its renderers after {seconds} s"


def test_the_renderers_do_not_keep_the_task_workers_shutdown_handler():
    def graceful_shutdown(signum, frame):
        """db_worker's: it only notes the signal, so a renderer keeping it would never stop."""

    previous = signal.signal(signal.SIGTERM, graceful_shutdown)
    try:
        with render_pool(2, 2) as pool:
            assert pool.apply(signal.getsignal, (signal.SIGTERM,)) == signal.SIG_DFL
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_batch_stopped_while_its_letters_render_frees_the_task_worker(db, monkeypatch):
    from tests.projects.sample_files import signable_pdf_bytes

    signatory()
    approver = regional_approver()
    first = letters_laureate()
    for _ in range(3):
        letters_laureate(call=first.call)
    page = signable_pdf_bytes()

    def slow_render(html):
        # The first letter comes at once; the next one is still rendering when the batch stops.
        time.sleep(0 if first.reference in html else 10)
        return page

    monkeypatch.setattr(rendering, "render_pdf", slow_render)
    worker = task_worker()
    worker.running_task = True  # as while it runs the batch: its handler then only notes a SIGTERM

    def declared_interrupted(summary):
        if summary.outcomes:
            raise BatchInterrupted

    with worker_signals(worker), failing_after(seconds=60), pytest.raises(BatchInterrupted):
        # One letter a chunk: the next ones are rendering when the batch stops and the pool is ended.
        generate_missing_letters(
            call=first.call, by=approver, processes=2, chunk_size=1, on_progress=declared_interrupted
        )


def test_a_batch_whose_worker_died_is_interrupted_at_once_and_its_relaunch_archives_every_letter(db, settings):
    signatory()
    approver = regional_approver()
    produced, missing = letters_laureate(), letters_laureate()
    dead = LetterBatch.objects.create(
        call=produced.call, requested_by=approver, status=BatchStatus.RUNNING, worker=f"{socket.gethostname()}:999999"
    )
    # The killed worker had claimed the batch's task: nobody would ever finish it.
    task = run_letter_batch.enqueue(dead.pk)
    DBTaskResult.objects.filter(pk=task.id).update(status="RUNNING", worker_ids=["killed"])
    settings.TASKS = IMMEDIATE
    generate_letter(application=produced, kind=LetterKind.AWARD, by=approver)  # what the dead worker made
    relaunched, created = start_letter_batch(call=produced.call, department=None, kind="all", by=approver)
    dead.refresh_from_db()
    assert dead.status == BatchStatus.FAILED
    assert DBTaskResult.objects.get(pk=task.id).status == "FAILED"
    assert created
    relaunched.refresh_from_db()
    assert relaunched.status == BatchStatus.DONE
    with relaunched.archive.open("rb") as file, zipfile.ZipFile(io.BytesIO(file.read())) as archive:
        assert sorted(archive.namelist()) == [
            f"011/{produced.reference}-attribution-v1.pdf",
            f"011/{missing.reference}-attribution-v1.pdf",
        ]


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_batch_whose_database_backend_is_terminated_ends_and_the_worker_runs_the_next_task(monkeypatch):
    signatory()
    approver = regional_approver()
    first = letters_laureate()
    letters_laureate()
    cut = LetterBatch.objects.create(call=first.call, requested_by=approver)
    following = LetterBatch.objects.create(call=first.call, requested_by=approver)
    run_letter_batch.enqueue(cut.pk)
    run_letter_batch.enqueue(following.pk)
    real_store, terminated = batches.store_letter, []

    def terminate_the_backend_once(**kwargs):
        if not terminated:
            terminated.append(connection.connection.info.backend_pid)
            db = connection.settings_dict
            with psycopg.connect(
                dbname=db["NAME"], user=db["USER"], host=db["HOST"], port=db["PORT"] or 5432, autocommit=True
            ) as killer:
                killer.execute("SELECT pg_terminate_backend(%s)", [terminated[0]])
        return real_store(**kwargs)

    monkeypatch.setattr(batches, "store_letter", terminate_the_backend_once)
    # Two renderers, whatever this machine's cores: the pool is where the worker used to hang.
    monkeypatch.setattr(batches, "default_processes", lambda: 2)
    worker = task_worker()
    with worker_signals(worker), failing_after(seconds=120):
        worker.run()
    cut.refresh_from_db()
    following.refresh_from_db()
    assert terminated
    assert cut.status == BatchStatus.DONE
    assert cut.failed == 1
    assert any("Connexion à la base de données perdue" in row["message"] for row in cut.report)
    assert following.status == BatchStatus.DONE
    assert DecisionLetter.objects.count() == 2
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()
