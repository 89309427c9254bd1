import datetime
import hashlib
import io
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from unittest import mock

import pytest
from asn1crypto import cms, tsp
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

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
from tests.projects.letters.factories import time_stamping_authority
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


@pytest.fixture
def authority(monkeypatch):
    """A time-stamping authority (RFC 3161) over HTTP on 127.0.0.1; `answers` holds what it received."""
    stamper = time_stamping_authority()
    answers = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            request = tsp.TimeStampReq.load(self.rfile.read(int(self.headers["Content-Length"])))
            answers.append((self.headers["Content-Type"], request))
            if self.path == "/refuse/":
                self.send_error(503)
                return
            body = stamper.request_tsa_response(request).dump()
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    for name in ("http_proxy", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", answers
    server.shutdown()
    server.server_close()


def test_anchor_is_timestamped_by_the_configured_authority(five_entries, settings, authority, tmp_path):
    url, answers = authority
    settings.JOURNAL_TSA_URL = f"{url}/"
    out = io.StringIO()
    call_command("journal_anchor", "--token", str(tmp_path / "anchor.tsr"), stdout=out)
    assert f"horodaté le {timezone.now():%Y-%m-%d}" in out.getvalue()
    [(content_type, request)] = answers
    assert content_type == "application/timestamp-query"
    imprint = request["message_imprint"]
    digest = hashlib.new(imprint["hash_algorithm"]["algorithm"].native, five_entries[-1].hash.encode()).digest()
    assert imprint["hashed_message"].native == digest
    # The token kept outside is the authority's signature over that same digest.
    token = cms.ContentInfo.load((tmp_path / "anchor.tsr").read_bytes())
    signed = token["content"]["encap_content_info"]["content"].parsed
    assert signed["message_imprint"]["hashed_message"].native == digest


def test_anchor_says_when_the_authority_refuses(five_entries, settings, authority):
    url, _answers = authority
    settings.JOURNAL_TSA_URL = f"{url}/refuse/"
    with pytest.raises(CommandError, match="Horodatage refusé"):
        call_command("journal_anchor", stdout=io.StringIO())


def test_the_applicants_sign_in_link_records_the_sign_in_then_the_refused_reuse(db):
    from projects.applicants.services import SignInRefused, send_sign_in_link, use_sign_in_link

    tokens = []
    send_sign_in_link(email="mairie@lezignan.example", ip=None, link_url=tokens.append)
    assert acts_during(lambda: use_sign_in_link(token=tokens[0])) == ["sign_in"]
    assert JournalEntry.objects.get(act="sign_in").actor == "mairie@lezignan.example"

    def reuse():
        with pytest.raises(SignInRefused):
            use_sign_in_link(token=tokens[0])

    assert acts_during(reuse) == ["sign_in_failed"]
    assert JournalEntry.objects.get(act="sign_in_failed").data == {"applicant_link": "used"}


def test_a_payment_shows_on_its_files_history(db):
    approver = regional_approver()
    application = laureate(by=approver)
    line = FundingLine.objects.get(award__application=application, funder=Funder.STATE, year=2023)
    record_payment(line=line, by=approver, paid_on=datetime.date(2024, 1, 2), amount=Decimal("100"))
    assert "payment" in JournalEntry.objects.for_application(application).values_list("act", flat=True)


def test_an_entry_given_an_existing_number_does_not_overwrite_it(five_entries):
    forged = JournalEntry.objects.get(sequence=2)
    forged._state.adding = True
    forged.data = {"n": 1, "amount": "99999.00"}
    with pytest.raises(IntegrityError), transaction.atomic():
        forged.save()
    assert find_break() == (5, None)


def test_verify_journal_exits_with_status_1(five_entries):
    tamper("DELETE FROM projects_journalentry WHERE sequence = 4")
    with pytest.raises(CommandError) as refused:
        verify()
    assert refused.value.returncode == 1


def test_a_membership_changed_then_removed_in_the_admin(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    caf = Organisation.objects.get(kind=OrganisationKind.CAF, department__code="11")
    membership = Membership.objects.create(user=UserFactory(), organisation=caf, role=Role.INSTRUCTOR)
    change = reverse("admin:departments_membership_change", args=[membership.pk])
    posted = {"user": membership.user_id, "organisation": caf.pk, "role": Role.COMMITTEE_SECRETARY}
    assert acts_during(lambda: client.post(change, posted)) == ["membership_changed"]
    changed = JournalEntry.objects.get(act="membership_changed")
    assert (changed.actor, changed.data["role"]) == (admin.username, Role.COMMITTEE_SECRETARY)
    delete = reverse("admin:departments_membership_delete", args=[membership.pk])
    assert acts_during(lambda: client.post(delete, {"post": "yes"})) == ["membership_removed"]


def test_a_signatory_added_or_changed(db):
    organisation = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76")
    fields = {"first_name": "Pierre", "last_name": "Durand", "capacity": "Le préfet de région"}
    signatory = None

    def add():
        nonlocal signatory
        signatory = Signatory.objects.create(organisation=organisation, **fields)

    assert acts_during(add) == ["signatory_changed"]
    signatory.is_active = False
    assert acts_during(signatory.save) == ["signatory_changed"]
    assert JournalEntry.objects.filter(act="signatory_changed").last().data["is_active"] is False


def test_a_token_created_then_revoked_twice_records_two_entries(db):
    from projects.exchange.api.services import create_token, revoke_token
    from tests.projects.api.factories import service_account

    admin = administrator()
    account = service_account(caf_instructor, "11")
    expires = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    token = None

    def create():
        nonlocal token
        token, _secret = create_token(account=account, name="Production", expires_at=expires, by=admin)

    assert acts_during(create) == ["token_created"]
    assert acts_during(lambda: [revoke_token(token=token, by=admin) for _ in range(2)]) == ["token_revoked"]


def test_deleting_a_service_account_revokes_its_live_tokens_in_the_journal(db):
    from tests.projects.api.factories import service_account, token_secret

    account = service_account(caf_instructor, "11")
    token_secret(account)
    assert acts_during(account.delete) == ["token_revoked"]
    assert JournalEntry.objects.get(act="token_revoked").data == {"name": "test", "deleted": True}


def test_a_signatory_deleted(db):
    organisation = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76")
    signatory = Signatory.objects.create(organisation=organisation, first_name="Ana", last_name="Roux", capacity="X")
    assert acts_during(signatory.delete) == ["signatory_changed"]
    assert JournalEntry.objects.filter(act="signatory_changed").last().data["deleted"] is True


def test_each_export_records_one_entry(client, db):
    from projects.enums import CallStatus
    from projects.models import Call
    from tests.projects.exchange.factories import funders_with_sirets

    approver = regional_approver()
    laureate(by=approver)
    funders_with_sirets()
    client.force_login(approver)
    scdl = reverse("projects:call_open_data", args=["FIPE-OCC-2023"])
    followup = reverse("projects:followup_export", args=["FIPE-OCC-2023", "csv"])
    for url in (scdl, followup):
        assert acts_during(lambda url=url: client.get(url)) == ["export"]
    # The public's download of published data is not an act.
    Call.objects.update(status=CallStatus.RESULTS_PUBLISHED)
    client.logout()
    assert acts_during(lambda: client.get(scdl)) == []


def test_each_admin_export_records_one_entry(client, db):
    approver = regional_approver()
    application = laureate(by=approver)
    client.force_login(administrator(is_superuser=True))
    selection = {"action": "export_applications_xlsx", "_selected_action": [application.pk]}
    exports = [
        lambda: client.post(reverse("admin:projects_application_changelist"), selection),
        lambda: client.post(reverse("admin:projects_award_export"), {"format": "0", "resource": "0"}),
    ]
    for export in exports:
        assert acts_during(export) == ["export"]


def test_a_committee_members_conflict_is_declared_once(db):
    from reviews.committee.services import MemberEntry, record_members

    application = reviewed_application("11")
    opened = meeting("11", members=0)
    members = [MemberEntry("Jean Bosc", "Mairie de Limoux", "Adjoint au maire", (application,))]

    def typed():
        record_members(meeting=opened, by=opened.secretary, members=members)

    assert acts_during(typed) == ["conflict_declared"]
    entry = JournalEntry.objects.filter(act="conflict_declared").last()
    assert (entry.application_id, entry.actor, entry.data["member"]) == (
        application.pk,
        opened.secretary.username,
        "Jean Bosc",
    )
    # The list typed again with the same conflict declares nothing new.
    assert acts_during(typed) == []
