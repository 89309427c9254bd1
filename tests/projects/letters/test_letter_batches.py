import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from departments.enums import OrganisationKind, Role
from departments.models import Department
from projects.enums import BatchStatus, LetterKind
from projects.letters import batches, pipeline, rendering
from projects.letters.batches import generate_missing_letters
from projects.letters.documents import new_verification_code
from projects.letters.tasks import run_letter_batch
from projects.models import DecisionLetter, LetterBatch, Signatory
from projects.notifications.models import Message
from tests.departments.factories import caf_instructor, member, regional_approver
from tests.projects.factories import CallFactory
from tests.projects.letters.factories import laureate, rejected, signatory

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def approver(db):
    signatory()
    return regional_approver()


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def call_letters_url(call) -> str:
    return reverse("projects:call_letters", kwargs={"call_reference": call.reference})


def departmental_issuer():
    """A prefecture approver of the Haute-Garonne alone: issues letters for one department of the region."""
    return member(Role.APPROVER, OrganisationKind.PREFECTURE, "31")


def batch_url(name, batch):
    return reverse(f"projects:{name}", kwargs={"pk": batch.pk})


def stale_batch(**fields) -> LetterBatch:
    """A running batch whose worker died eleven minutes ago."""
    batch = LetterBatch.objects.create(status=BatchStatus.RUNNING, **fields)
    LetterBatch.objects.filter(pk=batch.pk).update(updated_at=timezone.now() - timedelta(minutes=11))
    return batch


def test_the_background_task_generates_the_batch_and_records_progress(approver, immediate_tasks):
    first, second, refused = laureate(), laureate(), rejected()
    batch = LetterBatch.objects.create(call=first.call, requested_by=approver)
    run_letter_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert (batch.total, batch.done, batch.skipped, batch.failed) == (3, 3, 0, 0)
    assert batch.finished_at is not None
    with batch.archive.open("rb") as file, zipfile.ZipFile(io.BytesIO(file.read())) as archive:
        assert sorted(archive.namelist()) == [
            f"011/{first.reference}-attribution-v1.pdf",
            f"011/{second.reference}-attribution-v1.pdf",
            f"011/{refused.reference}-refus-v1.pdf",
        ]
    assert [(row["reference"], row["outcome"]) for row in batch.report] == [
        (first.reference, "generated"),
        (second.reference, "generated"),
        (refused.reference, "generated"),
    ]


def test_a_batch_that_cannot_start_is_marked_failed_with_the_reason(db, immediate_tasks):
    approver = regional_approver()
    application = laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver)
    run_letter_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "Aucun signataire en fonction" in batch.report[0]["message"]
    assert not DecisionLetter.objects.exists()


def test_a_failed_batch_tells_whoever_started_it_and_why(db, immediate_tasks):
    approver = regional_approver()
    application = laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver)
    run_letter_batch.enqueue(batch.pk)
    [message] = Message.objects.filter(event="batch_finished")
    assert (message.recipient, message.about) == (approver.email, batch)
    assert message.subject == f"FIPE — Lot de courriers {application.call.reference} en échec"
    assert "a échoué" in message.body_text and "Motif : Aucun signataire en fonction" in message.body_text
    assert "Aucun signataire en fonction" in message.body_html


def test_a_batch_whose_signatory_cannot_sign_stores_nothing_and_says_who(db, immediate_tasks, settings):
    person = signatory()
    (settings.SIGNING_KEYS_DIR / f"{person.key_name}.pass").write_text("faux")
    application = laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=regional_approver())
    run_letter_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert "Signature impossible pour Camille Fontanel" in batch.report[-1]["message"]
    assert not DecisionLetter.objects.exists() and not any(settings.MEDIA_ROOT.rglob("*.pdf"))


def test_the_page_starts_a_batch_and_shows_its_report(client, approver, immediate_tasks):
    application = laureate()
    client.force_login(approver)
    response = client.post(
        reverse("projects:call_letters", kwargs={"call_reference": application.call.reference}),
        {"department": "", "kind": "all"},
        follow=True,
    )
    batch = LetterBatch.objects.get()
    assert response.redirect_chain[-1][0] == batch_url("letter_batch", batch)
    assert batch.requested_by == approver
    assert "Terminé" in response.text
    assert "Télécharger l’archive ZIP (1 courrier)" in response.text
    assert f"{application.reference}-attribution-v1.pdf" in response.text
    assert "letter-batch.js" in response.text


# Committed for real: the worker checks its connection between tasks, as it does in production.
@pytest.mark.django_db(transaction=True)
def test_the_page_enqueues_the_batch_for_the_worker_which_survives_the_browser(client, approver):
    application = laureate()
    client.force_login(approver)
    client.post(
        reverse("projects:call_letters", kwargs={"call_reference": application.call.reference}),
        {"department": "", "kind": "award"},
    )
    batch = LetterBatch.objects.get()
    assert batch.status == BatchStatus.PENDING
    assert DBTaskResult.objects.filter(task_path="projects.letters.tasks.run_letter_batch").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DONE
    assert batch.done == 1


def test_the_progress_endpoint_answers_json(client, approver):
    application = laureate()
    batch = LetterBatch.objects.create(
        call=application.call, requested_by=approver, status=BatchStatus.RUNNING, total=4, done=1, skipped=1
    )
    client.force_login(approver)
    progress = client.get(batch_url("letter_batch_progress", batch)).json()
    assert progress == {
        "status": "running",
        "status_label": "En cours",
        "total": 4,
        "done": 1,
        "failed": 0,
        "skipped": 1,
        "processed": 2,
        "percent": 50,
        "finished": False,
        "summary": "2 courriers traités sur 4 : 1 produit, 1 déjà présent, 0 en échec.",
        "note": "Le lot se poursuit en arrière-plan : vous pouvez fermer cette page et y revenir depuis les "
        "courriers de l’appel.",
    }


def test_the_batch_page_says_what_a_pending_batch_waits_for_in_french_plurals(client, approver):
    application = laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver, total=1)
    client.force_login(approver)
    response = client.get(batch_url("letter_batch", batch))
    assert "0 courrier traité sur 1 : 0 produit, 0 déjà présent, 0 en échec." in response.text
    assert "manage.py db_worker" in response.text
    assert "(s)" not in response.text
    LetterBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.RUNNING)
    response = client.get(batch_url("letter_batch", batch))
    assert "manage.py db_worker" not in response.text
    assert "Le lot se poursuit en arrière-plan" in response.text


def test_a_running_batch_page_polls_without_inline_script(client, approver):
    application = laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver, status=BatchStatus.RUNNING)
    client.force_login(approver)
    response = client.get(batch_url("letter_batch", batch))
    assert 'data-polling="on"' in response.text
    assert "<script>" not in response.text
    assert "Actualiser" in response.text


def test_the_archive_downloads_as_a_zip(client, approver, immediate_tasks):
    application = laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver)
    run_letter_batch.enqueue(batch.pk)
    client.force_login(approver)
    response = client.get(batch_url("letter_batch_archive", batch))
    assert response["Content-Disposition"] == f'attachment; filename="FIPE-OCC-2023-courriers-lot-{batch.pk}.zip"'
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as archive:
        assert archive.namelist() == [f"011/{application.reference}-attribution-v1.pdf"]


def test_an_archive_missing_on_disk_answers_404(client, approver, immediate_tasks):
    batch = LetterBatch.objects.create(call=laureate().call, requested_by=approver)
    run_letter_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    batch.archive.storage.delete(batch.archive.name)
    client.force_login(approver)
    assert client.get(batch_url("letter_batch_archive", batch)).status_code == 404


def test_a_whole_call_batch_is_hidden_from_a_departmental_issuer(client, approver):
    batch = LetterBatch.objects.create(call=CallFactory(), requested_by=approver)
    client.force_login(departmental_issuer())
    for name in ("letter_batch", "letter_batch_progress", "letter_batch_archive"):
        assert client.get(batch_url(name, batch)).status_code == 404


def test_another_departments_batch_answers_404(client, approver):
    batch = LetterBatch.objects.create(
        call=CallFactory(), department=Department.objects.get(code="11"), requested_by=approver
    )
    client.force_login(departmental_issuer())
    assert client.get(batch_url("letter_batch", batch)).status_code == 404


def test_instructors_cannot_start_a_batch(client, db):
    call = CallFactory()
    client.force_login(caf_instructor("11"))
    response = client.post(call_letters_url(call), {"kind": "all"})
    assert response.status_code == 403
    assert not LetterBatch.objects.exists()


def test_a_department_outside_the_scope_is_refused_by_the_form(client, db):
    call = CallFactory()
    client.force_login(departmental_issuer())
    eleven = Department.objects.get(code="11")
    response = client.post(
        call_letters_url(call),
        {"department": eleven.pk, "kind": "all"},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.text
    assert not LetterBatch.objects.exists()


def test_a_departmental_issuer_must_choose_their_department(client, db):
    call = CallFactory()
    client.force_login(departmental_issuer())
    url = call_letters_url(call)
    assert "Tous vos départements de l’appel" not in client.get(url).text
    response = client.post(url, {"department": "", "kind": "all"})
    assert response.status_code == 200
    assert response.context["form"].errors["department"] == ["Ce champ est obligatoire."]
    assert not LetterBatch.objects.exists()


def test_a_departmental_issuers_batch_covers_their_department_and_shows_to_them(client, db):
    call = CallFactory()
    client.force_login(departmental_issuer())
    thirty_one = Department.objects.get(code="31")
    response = client.post(
        call_letters_url(call),
        {"department": thirty_one.pk, "kind": "all"},
    )
    batch = LetterBatch.objects.get()
    assert batch.department == thirty_one
    assert client.get(response["Location"]).status_code == 200


def test_a_regional_issuer_may_ask_for_the_whole_call(client, approver):
    call = CallFactory()
    client.force_login(approver)
    url = call_letters_url(call)
    assert "Tous vos départements de l’appel" in client.get(url).text
    client.post(url, {"department": "", "kind": "all"})
    assert LetterBatch.objects.get().department is None


def test_a_letter_produced_meanwhile_is_skipped_by_the_batch(approver, monkeypatch):
    application = laureate()
    real = rendering.render_pdf

    def someone_else_generates_first(html):
        pdf = real(html)
        pipeline.store_letter(
            application=application,
            kind=LetterKind.AWARD,
            signatory=Signatory.objects.get(),
            pdf=pdf,
            code=new_verification_code(),
            by=approver,
        )
        return pdf

    monkeypatch.setattr(rendering, "render_pdf", someone_else_generates_first)
    summary = generate_missing_letters(call=application.call, by=approver, processes=1)
    assert (summary.generated, summary.skipped, summary.failed) == (0, 1, 0)
    assert "produit entre-temps (version 1)" in summary.outcomes[0].message
    assert DecisionLetter.objects.filter(application=application).count() == 1


def test_a_batch_larger_than_a_chunk_generates_every_letter_once(approver):
    applications = [laureate() for _ in range(5)]
    archive = io.BytesIO()
    summary = generate_missing_letters(
        call=applications[0].call, by=approver, archive=archive, processes=2, chunk_size=2
    )
    assert (summary.generated, summary.failed) == (5, 0)
    with zipfile.ZipFile(archive) as zipped:
        assert len(zipped.namelist()) == 5
    assert DecisionLetter.objects.filter(version=1).count() == 5


# Recovery of a batch whose worker died -----------------------------------------------


@pytest.mark.parametrize("status", [BatchStatus.PENDING, BatchStatus.RUNNING])
def test_an_unfinished_batch_that_moved_within_ten_minutes_is_not_stale(approver, status):
    batch = LetterBatch.objects.create(call=CallFactory(), requested_by=approver, status=status)
    assert not batch.is_stale(batch.updated_at + timedelta(minutes=9, seconds=59))


@pytest.mark.parametrize("status", [BatchStatus.PENDING, BatchStatus.RUNNING])
def test_an_unfinished_batch_that_has_not_moved_for_ten_minutes_is_stale(approver, status):
    batch = LetterBatch.objects.create(call=CallFactory(), requested_by=approver, status=status)
    assert batch.is_stale(batch.updated_at + timedelta(minutes=10))


@pytest.mark.parametrize("status", [BatchStatus.DONE, BatchStatus.FAILED])
def test_a_finished_batch_is_never_stale(approver, status):
    batch = LetterBatch.objects.create(call=CallFactory(), requested_by=approver, status=status)
    assert not batch.is_stale(batch.updated_at + timedelta(days=30))


def test_a_stale_batch_is_closed_as_interrupted_and_keeps_its_counts(approver):
    batch = LetterBatch.objects.create(
        call=CallFactory(), requested_by=approver, status=BatchStatus.RUNNING, total=5, done=2
    )
    now = batch.updated_at + timedelta(minutes=10)
    batch.interrupt_if_stale(now=now)
    batch = LetterBatch.objects.get()
    assert (batch.status, batch.finished_at, batch.done) == (BatchStatus.FAILED, now, 2)
    assert batch.report[0]["message"].startswith("Le traitement a été interrompu")


def test_a_batch_that_moved_since_it_was_read_is_not_interrupted(approver):
    batch = LetterBatch.objects.create(call=CallFactory(), requested_by=approver, status=BatchStatus.RUNNING)
    LetterBatch.objects.filter(pk=batch.pk).update(updated_at=batch.updated_at + timedelta(minutes=1))
    batch.interrupt_if_stale(now=batch.updated_at + timedelta(minutes=10))
    assert batch.status == BatchStatus.RUNNING


def test_each_letter_moves_the_batch_heartbeat(approver, immediate_tasks, monkeypatch):
    application = laureate()
    laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver)
    seen = []
    real = rendering.render_pdf

    def record_the_batch(html):
        seen.append(LetterBatch.objects.values_list("done", "updated_at").get())
        return real(html)

    monkeypatch.setattr(batches, "default_processes", lambda: 1)
    monkeypatch.setattr(rendering, "render_pdf", record_the_batch)
    run_letter_batch.enqueue(batch.pk)
    (done_before, moved_before), (done_after, moved_after) = seen
    assert (done_before, done_after) == (0, 1)
    assert moved_after > moved_before


def test_a_batch_declared_interrupted_while_running_stops_at_its_next_letter(approver, immediate_tasks, monkeypatch):
    application = laureate()
    laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver)
    real = rendering.render_pdf

    def the_page_finds_it_stale(html):
        running = LetterBatch.objects.get()
        running.interrupt_if_stale(now=running.updated_at + timedelta(minutes=10))
        return real(html)

    monkeypatch.setattr(batches, "default_processes", lambda: 1)
    monkeypatch.setattr(rendering, "render_pdf", the_page_finds_it_stale)
    run_letter_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.report[0]["message"].startswith("Le traitement a été interrompu")
    assert DecisionLetter.objects.count() == 1


def test_a_batch_interrupted_before_the_worker_took_it_is_not_run(approver, immediate_tasks):
    application = laureate()
    batch = LetterBatch.objects.create(call=application.call, requested_by=approver)
    batch.interrupt_if_stale(now=timezone.now() + timedelta(minutes=10))
    run_letter_batch.enqueue(batch.pk)
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.report[0]["message"].startswith("Le traitement a été interrompu")
    assert not DecisionLetter.objects.exists()


def test_a_stale_batch_page_shows_the_interruption_and_offers_to_relaunch(client, approver):
    application = laureate()
    batch = stale_batch(call=application.call, requested_by=approver, kind=LetterKind.AWARD, total=3, done=1)
    client.force_login(approver)
    response = client.get(batch_url("letter_batch", batch))
    assert "Le traitement a été interrompu" in response.text
    assert 'data-polling="on"' not in response.text
    assert "Relancer le lot" in response.text
    assert '<input type="hidden" name="kind" value="award">' in response.text
    assert LetterBatch.objects.get().status == BatchStatus.FAILED


def test_polling_a_stale_batch_reports_it_finished_where_it_stopped(client, approver):
    application = laureate()
    batch = stale_batch(call=application.call, requested_by=approver, total=4, done=1)
    client.force_login(approver)
    progress = client.get(batch_url("letter_batch_progress", batch)).json()
    assert (progress["status"], progress["finished"], progress["percent"]) == ("failed", True, 25)


def test_the_call_letters_page_lists_a_stale_batch_as_failed(client, approver):
    application = laureate()
    stale_batch(call=application.call, requested_by=approver)
    client.force_login(approver)
    response = client.get(reverse("projects:call_letters", kwargs={"call_reference": application.call.reference}))
    assert "<td>Échec</td>" in response.text
    assert LetterBatch.objects.get().status == BatchStatus.FAILED


def test_relaunching_an_interrupted_batch_produces_only_the_missing_letters(client, approver, immediate_tasks):
    produced_before_the_crash, missing = laureate(), laureate()
    pipeline.generate_letter(application=produced_before_the_crash, kind=LetterKind.AWARD, by=approver)
    stale_batch(call=missing.call, requested_by=approver, total=2, done=1)
    client.force_login(approver)
    client.post(
        reverse("projects:call_letters", kwargs={"call_reference": missing.call.reference}),
        {"department": "", "kind": "all"},
    )
    relaunched = LetterBatch.objects.latest("pk")
    assert (relaunched.status, relaunched.done, relaunched.skipped) == (BatchStatus.DONE, 1, 1)
    assert list(DecisionLetter.objects.order_by("application__reference").values_list("application", "version")) == [
        (produced_before_the_crash.pk, 1),
        (missing.pk, 1),
    ]


def test_requesting_a_batch_already_under_way_shows_it_instead_of_starting_another(client, approver):
    application = laureate()
    under_way = LetterBatch.objects.create(call=application.call, requested_by=approver, status=BatchStatus.RUNNING)
    client.force_login(approver)
    response = client.post(
        reverse("projects:call_letters", kwargs={"call_reference": application.call.reference}),
        {"department": "", "kind": "all"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == batch_url("letter_batch", under_way)
    assert "Ce lot est déjà en cours" in response.text
    assert LetterBatch.objects.get() == under_way


def test_a_stale_batch_never_blocks_a_new_request(client, approver, immediate_tasks):
    application = laureate()
    stale = stale_batch(call=application.call, requested_by=approver)
    client.force_login(approver)
    client.post(
        reverse("projects:call_letters", kwargs={"call_reference": application.call.reference}),
        {"department": "", "kind": "all"},
    )
    stale.refresh_from_db()
    assert stale.status == BatchStatus.FAILED
    assert LetterBatch.objects.exclude(pk=stale.pk).get().status == BatchStatus.DONE
