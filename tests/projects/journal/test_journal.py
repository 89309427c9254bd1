import datetime
import io
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from departments.enums import OrganisationKind, Role
from departments.models import Membership, Organisation
from projects.awards.services import record_payment, reject_application
from projects.enums import Funder, LetterKind, Status
from projects.exchange.resources import import_applications
from projects.journal.models import GENESIS_HASH, JournalAct, JournalEntry, JournalRefused
from projects.journal.services import find_break, record
from projects.letters.pipeline import mark_letter_sent
from projects.models import Application, DecisionLetter, FundingLine, Signatory
from reviews.committee.services import close_meeting
from tests.departments.factories import UserFactory, administrator, caf_instructor, regional_approver
from tests.projects.awards.factories import in_threads
from tests.projects.exchange.factories import laureate
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.reviews.situations import meeting, propose, review, reviewed_application


def acts_during(action) -> list[str]:
    """The acts the journal recorded while `action` ran, in order."""
    last = JournalEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    action()
    return list(JournalEntry.objects.filter(sequence__gt=last).order_by("sequence").values_list("act", flat=True))


def verify() -> str:
    out = io.StringIO()
    call_command("verify_journal", stdout=out)
    return out.getvalue()


def tamper(sql: str, params=()) -> None:
    """Change the table behind the application's back, as someone with the database's keys could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE projects_journalentry DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE projects_journalentry ENABLE TRIGGER USER")


@pytest.fixture
def five_entries(db):
    user = UserFactory()
    return [record(actor=user, act=JournalAct.EXPORT, data={"n": n, "amount": Decimal("12.50")}) for n in range(5)]


# — The chain ——————————————————————————————————————————————————————————————————————————


def test_each_entry_carries_the_hash_of_the_one_before(five_entries):
    first, second = five_entries[:2]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash
    assert [entry.sequence for entry in five_entries] == [1, 2, 3, 4, 5]


def test_the_hash_covers_the_stored_data_as_read_back(five_entries):
    stored = JournalEntry.objects.get(sequence=3)
    assert stored.data == {"n": 2, "amount": "12.50"}
    assert stored.compute_hash() == stored.hash


def test_an_intact_journal_verifies(five_entries):
    assert "Journal intact : 5 entrées" in verify()


def test_altering_an_entrys_data_names_it(five_entries):
    tamper("UPDATE projects_journalentry SET data = %s WHERE sequence = 3", ['{"n": 2, "amount": "99999.00"}'])
    with pytest.raises(CommandError, match="entrée n° 3 : contenu modifié"):
        verify()


def test_altering_an_entry_and_its_hash_names_the_next_one(five_entries):
    altered = JournalEntry.objects.get(sequence=3)
    altered.data = {"n": 2, "amount": "99999.00"}
    tamper(
        "UPDATE projects_journalentry SET data = %s, hash = %s WHERE sequence = 3",
        [
            '{"n": 2, "amount": "99999.00"}',
            altered.compute_hash(),
        ],
    )
    with pytest.raises(CommandError, match="entrée n° 4 : ne suit pas"):
        verify()


def test_deleting_an_entry_names_it(five_entries):
    tamper("DELETE FROM projects_journalentry WHERE sequence = 2")
    with pytest.raises(CommandError, match="entrée n° 2 : manquante"):
        verify()


def test_deleting_the_last_entry_names_it(five_entries):
    tamper("DELETE FROM projects_journalentry WHERE sequence = 5")
    with pytest.raises(CommandError, match="entrée n° 5 : manquante"):
        verify()


def test_reordering_two_entries_names_the_first_of_them(five_entries):
    tamper("UPDATE projects_journalentry SET sequence = 1000 WHERE sequence = 3")
    tamper("UPDATE projects_journalentry SET sequence = 3 WHERE sequence = 4")
    tamper("UPDATE projects_journalentry SET sequence = 4 WHERE sequence = 1000")
    with pytest.raises(CommandError, match="entrée n° 3 :"):
        verify()


def test_the_model_refuses_changes_and_deletions(five_entries):
    entry = JournalEntry.objects.get(sequence=1)
    entry.data = {"n": 42}
    with pytest.raises(JournalRefused):
        entry.save()
    with pytest.raises(JournalRefused):
        entry.delete()
    with pytest.raises(JournalRefused):
        JournalEntry.objects.filter(sequence=1).update(data={})
    with pytest.raises(JournalRefused):
        JournalEntry.objects.all().delete()
    assert find_break() == (5, None)


@pytest.mark.postgresql
def test_the_table_refuses_update_and_delete_on_postgresql(five_entries):
    for sql in ("UPDATE projects_journalentry SET actor = 'x'", "DELETE FROM projects_journalentry"):
        with pytest.raises(Exception, match="ajout seul"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert find_break() == (5, None)


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_leave_one_unbroken_chain():
    user = UserFactory()
    record(actor=user, act=JournalAct.EXPORT)

    def writer(n):
        def write():
            for index in range(10):
                record(actor=user, act=JournalAct.EXPORT, data={"writer": n, "index": index})

        return write

    results = in_threads(*(writer(n) for n in range(4)))
    assert results == [None] * 4
    assert find_break() == (41, None)


def test_an_act_rolled_back_leaves_no_entry(db):
    user = UserFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(actor=user, act=JournalAct.EXPORT)
        raise RuntimeError
    assert not JournalEntry.objects.exists()
    record(actor=user, act=JournalAct.EXPORT)
    assert find_break() == (1, None)


# — Every act writes one entry ——————————————————————————————————————————————————————————


def test_sign_in_and_failed_sign_in(client, db):
    user = UserFactory(username="marie")
    user.set_password("un-mot-de-passe-long")
    user.save()
    assert acts_during(lambda: client.login(username="marie", password="un-mot-de-passe-long")) == ["sign_in"]
    assert acts_during(lambda: authenticate(username="marie", password="faux")) == ["sign_in_failed"]
    failed = JournalEntry.objects.get(act=JournalAct.SIGN_IN_FAILED)
    assert failed.data == {"username": "marie"}
    assert "faux" not in str(failed.hashed_fields())


def test_a_transition_records_statuses_and_actor(db):
    admin = administrator()
    application = ApplicationFactory()
    assert acts_during(lambda: application.submit(by=admin)) == ["transition"]
    entry = JournalEntry.objects.get(act="transition")
    assert (entry.actor, entry.application_id, entry.object_repr) == (
        admin.username,
        application.pk,
        application.reference,
    )
    assert entry.data == {"from": "draft", "to": "submitted", "comment": ""}


def test_a_bulk_transition_records_one_entry_per_application(db):
    admin = administrator()
    drafts = ApplicationFactory.create_batch(3)
    assert (
        acts_during(lambda: Application.objects.filter(pk__in=[a.pk for a in drafts]).submit(by=admin))
        == ["transition"] * 3
    )
    assert set(JournalEntry.objects.filter(act="transition").values_list("application_id", flat=True)) == {
        a.pk for a in drafts
    }
    assert find_break() == (JournalEntry.objects.count(), None)


def test_conflict_declaration_and_review_submitted(db):
    application = ApplicationFactory(submitted=True)
    instructor = caf_instructor("11")
    acts = acts_during(lambda: review(application, instructor))
    assert acts == ["conflict_declared", "review_submitted", "transition"]
    submitted = JournalEntry.objects.get(act=JournalAct.REVIEW_SUBMITTED)
    assert submitted.data == {"kind": "caf", "opinion": "favourable", "total": "80.0"}


def test_a_review_saved_as_draft_records_no_submission(db):
    application = ApplicationFactory(submitted=True)
    assert "review_submitted" not in acts_during(lambda: review(application, caf_instructor("11"), submit=False))


def test_committee_closed(db):
    application = reviewed_application("11")
    opened = meeting("11")
    propose(opened, application)
    acts = acts_during(lambda: close_meeting(meeting=opened, by=opened.secretary))
    assert acts == ["transition", "committee_closed"]


def test_approval_records_the_amounts(db):
    approver = regional_approver()
    acts = acts_during(lambda: laureate(by=approver))
    assert acts[-1] == "approval"
    entry = JournalEntry.objects.get(act=JournalAct.APPROVAL)
    assert entry.data["total"] == "30000.00"
    assert entry.data["amounts"] == {"2023": "10000.00", "2024": "10000.00", "2025": "10000.00"}
    assert entry.data["to"] == Status.LAUREATE


def test_rejection(db):
    approver = regional_approver()
    application = ApplicationFactory(not_proposed=True)
    assert acts_during(lambda: reject_application(application=application, by=approver, reason="Hors cadre.")) == [
        "rejection"
    ]


def test_payment(db):
    approver = regional_approver()
    application = laureate(by=approver)
    line = FundingLine.objects.get(award__application=application, funder=Funder.STATE, year=2023)
    acts = acts_during(
        lambda: record_payment(line=line, by=approver, paid_on=datetime.date(2024, 1, 2), amount=Decimal("100"))
    )
    assert acts == ["payment"]
    assert JournalEntry.objects.get(act="payment").data["amount"] == "100.00"


def _award_letter(application, approver):
    signatory = Signatory.objects.create(
        organisation=Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76"),
        first_name="Pierre",
        last_name="Durand",
        capacity="Le préfet de région",
    )
    return DecisionLetter.objects.create(
        application=application,
        kind=LetterKind.AWARD,
        version=1,
        file="letters/x.pdf",
        sha256="a" * 64,
        signatory=signatory,
        generated_by=approver,
    )


def test_letter_generated_and_sent(db):
    approver = regional_approver()
    application = laureate(by=approver)
    letter = None

    def generate():
        nonlocal letter
        letter = _award_letter(application, approver)

    assert acts_during(generate) == ["signatory_changed", "letter_generated"]
    assert JournalEntry.objects.get(act="letter_generated").data == {"kind": "award", "version": 1, "sha256": "a" * 64}
    # The e-mail that carries the letter is the outbox's business, tested there.
    with mock.patch("projects.letters.pipeline.events.letter_sent"):
        assert acts_during(lambda: mark_letter_sent(letter=letter, by=approver)) == ["transition", "letter_sent"]


def test_export_from_the_page(client, db):
    approver = regional_approver()
    laureate(by=approver)
    client.force_login(approver)
    url = reverse("projects:export_awards", kwargs={"reference": "FIPE-OCC-2023", "fmt": "csv"})
    assert acts_during(lambda: client.get(url)) == ["export"]
    assert JournalEntry.objects.get(act="export").actor == approver.username


def test_import_records_the_import_and_each_submission(db):
    from tests.projects.exchange.test_imports import example, table

    call = CallFactory()
    admin = administrator()
    acts = acts_during(lambda: import_applications(call=call, by=admin, rows=table(example(call))))
    assert acts == ["transition", "import"]
    assert len(JournalEntry.objects.get(act="import").data["created"]) == 1


def test_membership_changes_name_the_admin_who_made_them(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    user = UserFactory()
    caf = Organisation.objects.get(kind=OrganisationKind.CAF, department__code="11")
    acts = acts_during(
        lambda: client.post(
            reverse("admin:departments_membership_add"),
            {"user": user.pk, "organisation": caf.pk, "role": Role.INSTRUCTOR},
        )
    )
    assert acts == ["membership_added"]
    membership = Membership.objects.get(user=user)
    assert JournalEntry.objects.get(act="membership_added").actor == admin.username
    assert acts_during(lambda: membership.delete()) == ["membership_removed"]


# — Reading it ————————————————————————————————————————————————————————————————————————


def test_the_history_tab_lists_the_files_entries(client, db):
    admin = administrator()
    application = ApplicationFactory()
    application.submit(by=admin)
    record(actor=admin, act=JournalAct.EXPORT)  # not about this file
    client.force_login(admin)
    response = client.get(
        reverse("projects:application_detail", kwargs={"reference": application.reference}), {"onglet": "historique"}
    )
    entries = response.context["panel"].context["journal_entries"]
    assert [entry.act for entry in entries] == ["transition"]
    assert entries[0].hash[:12] in response.content.decode()


def test_the_admin_shows_the_journal_read_only(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    entry = record(actor=admin, act=JournalAct.EXPORT)
    assert client.get(reverse("admin:projects_journalentry_changelist")).status_code == 200
    change = reverse("admin:projects_journalentry_change", args=[entry.pk])
    assert client.get(change).status_code == 200
    client.post(change, {"actor": "someone else"})
    delete = reverse("admin:projects_journalentry_delete", args=[entry.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert find_break() == (JournalEntry.objects.count(), None)


def test_anchor_prints_the_days_last_hash(five_entries):
    out = io.StringIO()
    call_command("journal_anchor", stdout=out)
    assert out.getvalue().strip().endswith(f"n° 5 {five_entries[-1].hash}")


def test_anchor_of_a_day_before_the_journal_says_so(five_entries):
    with pytest.raises(CommandError, match="aucune entrée"):
        call_command("journal_anchor", "--date", "2000-01-01")
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("journal_anchor", "--date", "hier")


def test_anchor_is_timestamped_when_an_authority_is_configured(five_entries, settings, monkeypatch, tmp_path):
    from projects.management.commands import journal_anchor

    class Answer:
        class tst_info:
            gen_time = datetime.datetime(2026, 12, 1, 23, 59, tzinfo=datetime.UTC)

        def time_stamp_token(self):
            return b"DER"

    asked = []
    monkeypatch.setattr(journal_anchor, "timestamp", lambda **kwargs: asked.append(kwargs) or Answer())
    settings.JOURNAL_TSA_URL = "https://tsa.example.org"
    out = io.StringIO()
    call_command("journal_anchor", "--token", str(tmp_path / "anchor.tsr"), stdout=out)
    assert asked == [{"digest_hex": five_entries[-1].hash, "url": "https://tsa.example.org"}]
    assert "horodaté le 2026-12-01T23:59:00+00:00" in out.getvalue()
    assert (tmp_path / "anchor.tsr").read_bytes() == b"DER"
