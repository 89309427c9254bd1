import datetime
import hashlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.enums import Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.models import StatusChange
from reviews.committee.services import MemberEntry, close_meeting, create_meeting, record_members, record_proposal
from reviews.enums import MeetingStatus, ProposalDecision
from reviews.models import CommitteeMeeting, CommitteeMember, CommitteeProposal
from tests.departments.factories import administrator, caf_instructor, committee_secretary, department
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.reviews.situations import meeting, not_propose, propose, review, reviewed_application


def test_the_agenda_ranks_the_reviewed_files_by_average_weighted_score(db):
    middle = reviewed_application("11", caf_score=4, ddets_score=3)  # 80 and 60: 70
    best = reviewed_application("11", caf_score=5, ddets_score=4)  # 100 and 80: 90
    tied = reviewed_application("11", caf_score=3, ddets_score=4)  # 60 and 80: 70, after `middle` by reference
    worst = reviewed_application("11", caf_score=1, ddets_score=2)
    in_review = ApplicationFactory(submitted=True)
    review(in_review, caf_instructor("11"), score=5)
    reviewed_application("31", caf_score=5, ddets_score=5)
    ranked = list(meeting("11").agenda())
    assert ranked == [best, middle, tied, worst]
    assert [file.average_score for file in ranked] == [Decimal("90"), Decimal("70"), Decimal("70"), Decimal("30")]


def test_a_secretary_of_another_department_is_refused(db):
    application = reviewed_application("11")
    opened = meeting("11")
    intruder = committee_secretary("31")
    with pytest.raises(PermissionRefused, match="11 — Aude"):
        create_meeting(
            call=opened.call, department=department("11"), date=datetime.date(2023, 12, 1), place="Ici", by=intruder
        )
    with pytest.raises(PermissionRefused, match="Seul le secrétariat du CDSF du département 11 — Aude"):
        record_proposal(
            meeting=opened,
            application=application,
            by=intruder,
            decision=ProposalDecision.NOT_PROPOSED,
            rank=None,
            amounts_by_year={},
            reasons="…",
        )
    with pytest.raises(PermissionRefused):
        record_members(meeting=opened, by=intruder, members=[MemberEntry("X", "Y", "Z")])
    with pytest.raises(PermissionRefused):
        close_meeting(meeting=opened, by=intruder)
    assert CommitteeMeeting.objects.count() == 1
    assert not CommitteeProposal.objects.exists()
    assert list(opened.members.values_list("name", flat=True)) == ["Membre Numéro1"]


def test_a_meeting_with_no_member_cannot_be_closed(db):
    application = reviewed_application("11")
    opened = meeting("11", members=0)
    propose(opened, application)
    with pytest.raises(DomainError, match="Enregistrez les membres présents"):
        close_meeting(meeting=opened, by=opened.secretary)
    opened.refresh_from_db()
    application.refresh_from_db()
    assert (opened.status, opened.minutes.name, application.status) == (MeetingStatus.OPEN, "", Status.REVIEWED)


def test_a_meeting_without_any_proposal_cannot_be_closed(db):
    reviewed_application("11")
    opened = meeting("11")
    with pytest.raises(DomainError, match="Aucune proposition"):
        close_meeting(meeting=opened, by=opened.secretary)


def test_the_list_of_members_cannot_be_emptied(db):
    opened = meeting("11", members=2)
    with pytest.raises(ValidationError, match="au moins un membre"):
        record_members(meeting=opened, by=opened.secretary, members=[])
    assert opened.members.count() == 2


def test_an_incomplete_member_is_refused_and_the_previous_list_kept(db):
    opened = meeting("11", members=2)
    members = [MemberEntry("Anne Cros", "Caf de l’Aude", "Directrice"), MemberEntry("Paul Roux", "", " ")]
    with pytest.raises(ValidationError, match="Membre n° 2 : indiquez organisme, qualité"):
        record_members(meeting=opened, by=opened.secretary, members=members)
    assert list(opened.members.values_list("name", flat=True)) == ["Membre Numéro1", "Membre Numéro2"]


def test_members_declare_conflicts_only_on_the_files_of_the_meeting(db):
    application = reviewed_application("11")
    elsewhere = reviewed_application("31")
    opened = meeting("11")
    with pytest.raises(ValidationError, match="n’est pas examiné par cette séance"):
        record_members(
            meeting=opened, by=opened.secretary, members=[MemberEntry("Anne Cros", "Mairie", "Élue", (elsewhere,))]
        )
    record_members(
        meeting=opened, by=opened.secretary, members=[MemberEntry("Anne Cros", "Mairie", "Élue", (application,))]
    )
    assert list(CommitteeMember.objects.get().declared_conflicts.all()) == [application]


def test_a_proposal_for_a_file_not_yet_reviewed_is_refused(db):
    application = ApplicationFactory(in_review=True)
    opened = meeting("11")
    with pytest.raises(TransitionNotAllowed, match="n’est pas instruit"):
        propose(opened, application)
    assert not CommitteeProposal.objects.exists()


def test_a_proposed_amount_above_the_amount_requested_is_refused(db):
    application = reviewed_application("11")
    opened = meeting("11")
    amounts = {2023: Decimal("10000.00"), 2024: Decimal("12000.00"), 2025: Decimal("0")}
    with pytest.raises(ValidationError) as refused:
        propose(opened, application, amounts=amounts)
    assert refused.value.message_dict["amount_2024"] == [
        "Le montant proposé pour 2024 (12\xa0000,00\xa0€) dépasse le montant demandé "
        "cette année-là (10\xa0000,00\xa0€)."
    ]
    assert not CommitteeProposal.objects.exists()


def test_a_proposed_amount_too_large_to_count_in_cents_is_refused_on_its_field(db):
    application = reviewed_application("11")
    opened = meeting("11")
    with pytest.raises(ValidationError) as refused:
        propose(opened, application, amounts={2023: Decimal("1e30")})
    assert refused.value.message_dict["amount_2023"] == [
        "Montant 2023 : « 1E+30 » dépasse le montant maximal (999\xa0999\xa0999\xa0999,99\xa0€)."
    ]
    assert not CommitteeProposal.objects.exists()


def test_a_proposal_needs_a_rank_free_in_the_meeting_and_reasons(db):
    first, second = reviewed_application("11"), reviewed_application("11")
    opened = meeting("11")
    propose(opened, first, rank=1)
    with pytest.raises(ValidationError) as refused:
        propose(opened, second, rank=1, reasons="")
    assert set(refused.value.message_dict) == {"rank", "reasons"}
    assert f"déjà attribué au dossier {first.reference}" in refused.value.message_dict["rank"][0]


def test_a_proposal_is_corrected_in_place(db):
    application = reviewed_application("11")
    opened = meeting("11")
    propose(opened, application, rank=1)
    corrected = not_propose(opened, application)
    assert CommitteeProposal.objects.get() == corrected
    assert (corrected.decision, corrected.rank, corrected.proposed_total) == (
        ProposalDecision.NOT_PROPOSED,
        None,
        Decimal("0"),
    )
    assert not corrected.amounts.exists()


def test_a_proposal_for_a_file_of_another_department_is_refused(db):
    elsewhere = reviewed_application("31")
    opened = meeting("11")
    with pytest.raises(DomainError, match="ne relève pas de cette séance"):
        propose(opened, elsewhere)


def test_one_open_meeting_at_a_time_per_call_and_department(db):
    opened = meeting("11")
    with pytest.raises(DomainError, match="déjà ouverte"):
        create_meeting(
            call=opened.call,
            department=department("11"),
            date=datetime.date(2023, 12, 4),
            place="Préfecture",
            by=opened.secretary,
        )
    other_call = CallFactory(reference="FIPE-OCC-2024")
    assert create_meeting(
        call=other_call, department=department("11"), date=datetime.date(2024, 11, 4), place="Ici", by=opened.secretary
    )


def test_closing_applies_every_proposal_and_stores_the_minutes(db):
    first, second, refused, later = (reviewed_application("11") for _ in range(4))
    opened = meeting("11")
    propose(opened, first, rank=2)
    propose(opened, second, rank=1)
    not_propose(opened, refused)
    closed = close_meeting(meeting=opened, by=opened.secretary)
    statuses = {app.pk: app.status for app in type(first).objects.filter(pk__in=[first.pk, second.pk, refused.pk])}
    assert statuses == {first.pk: Status.PROPOSED, second.pk: Status.PROPOSED, refused.pk: Status.NOT_PROPOSED}
    later.refresh_from_db()
    assert later.status == Status.REVIEWED
    assert StatusChange.objects.get(application=refused, to_status=Status.NOT_PROPOSED).comment == (
        "Non proposé par le CDSF du 20/11/2023 : Projet peu innovant."
    )
    closed.refresh_from_db()
    assert (closed.status, closed.closed_by) == (MeetingStatus.CLOSED, opened.secretary)
    with closed.minutes.open("rb") as pdf:
        content = pdf.read()
    assert content.startswith(b"%PDF")
    assert closed.minutes_sha256 == hashlib.sha256(content).hexdigest()


def _nothing_changed(meeting, applications):
    meeting.refresh_from_db()
    assert (meeting.status, meeting.closed_at, meeting.minutes.name, meeting.minutes_sha256) == (
        MeetingStatus.OPEN,
        None,
        "",
        "",
    )
    for application in applications:
        application.refresh_from_db()
        assert application.status == Status.REVIEWED
    assert not StatusChange.objects.filter(to_status__in=[Status.PROPOSED, Status.NOT_PROPOSED]).exists()


def test_closing_is_all_or_nothing_when_a_file_cannot_move(db, settings):
    first, second = reviewed_application("11"), reviewed_application("11")
    opened = meeting("11")
    propose(opened, first, rank=1)
    propose(opened, second, rank=2)
    # The second file is withdrawn after the committee recorded its proposal: closing fails midway.
    second.withdraw(by=administrator(), comment="Le porteur renonce.")
    with pytest.raises(TransitionNotAllowed, match=second.reference):
        close_meeting(meeting=opened, by=opened.secretary)
    _nothing_changed(opened, [first])
    assert not list((settings.MEDIA_ROOT).glob("minutes/**/*.pdf"))


def test_closing_is_all_or_nothing_when_the_minutes_fail(db, monkeypatch, settings):
    first, second = reviewed_application("11"), reviewed_application("11")
    opened = meeting("11")
    propose(opened, first, rank=1)
    not_propose(opened, second)

    def broken(**kwargs):
        raise RuntimeError("WeasyPrint a échoué")

    monkeypatch.setattr("reviews.committee.services.issue_minutes", broken)
    with pytest.raises(RuntimeError):
        close_meeting(meeting=opened, by=opened.secretary)
    _nothing_changed(opened, [first, second])


def test_a_closed_meeting_cannot_be_changed(db):
    application, later = reviewed_application("11"), reviewed_application("11")
    opened = meeting("11")
    propose(opened, application)
    close_meeting(meeting=opened, by=opened.secretary)
    with pytest.raises(DomainError, match="est close"):
        not_propose(opened, later)
    with pytest.raises(DomainError, match="est close"):
        close_meeting(meeting=opened, by=opened.secretary)
