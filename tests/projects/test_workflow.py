"""Every transition × every status × every role: allowed exactly where DESIGN §5 says, refused elsewhere.

The expectations are written out here, not read from projects/workflow.py, so that a change
to the table that the design does not want makes these tests fail.
"""

import pytest
from django.utils import timezone

from projects.enums import PUBLIC_STATUS_LABELS, Status
from projects.exceptions import PermissionRefused, TransitionNotAllowed
from projects.models import Application, StatusChange
from projects.workflow import TRANSITIONS
from reviews.models import ConflictDeclaration
from tests.departments.factories import (
    UserFactory,
    administrator,
    caf_instructor,
    committee_secretary,
    ddets_instructor,
    regional_approver,
)
from tests.projects.factories import ApplicationFactory
from tests.reviews.factories import declared_caf_instructor

S = Status
OPEN = {S.DRAFT, S.SUBMITTED, S.IN_REVIEW, S.REVIEWED, S.PROPOSED, S.NOT_PROPOSED}

# The application is in the Aude (11); every role below is about that department.
ROLES = {
    "caf_instructor": lambda: caf_instructor("11"),
    "ddets_instructor": lambda: ddets_instructor("11"),
    "committee_secretary": lambda: committee_secretary("11"),
    "regional_approver": regional_approver,
    "administrator": administrator,
    "superuser": lambda: UserFactory(is_superuser=True),
    "instructor_of_another_department": lambda: caf_instructor("31"),
    "user_without_membership": UserFactory,
}
APPROVER_AND_STAFF = {"regional_approver", "administrator", "superuser"}
INSTRUCTORS = {"caf_instructor", "ddets_instructor", "superuser"}
SECRETARY = {"committee_secretary", "superuser"}
APPROVER = {"regional_approver", "superuser"}

# transition -> (statuses it leaves from, status it reaches, roles who may make it)
EXPECTED = {
    "submit": ({S.DRAFT}, S.SUBMITTED, APPROVER_AND_STAFF),
    "start_review": ({S.SUBMITTED}, S.IN_REVIEW, INSTRUCTORS),
    "mark_reviewed": ({S.IN_REVIEW}, S.REVIEWED, INSTRUCTORS),
    "reopen_review": ({S.REVIEWED}, S.IN_REVIEW, SECRETARY),
    "propose": ({S.REVIEWED}, S.PROPOSED, SECRETARY),
    "not_propose": ({S.REVIEWED}, S.NOT_PROPOSED, SECRETARY),
    "approve": ({S.PROPOSED}, S.LAUREATE, APPROVER),
    "reject": ({S.PROPOSED, S.NOT_PROPOSED}, S.REJECTED, APPROVER),
    "notify": ({S.LAUREATE}, S.NOTIFIED, APPROVER_AND_STAFF),
    "withdraw": (OPEN, S.WITHDRAWN, APPROVER_AND_STAFF),
}
NEED_A_REASON = {"reopen_review", "reject", "withdraw"}


def test_the_table_has_exactly_the_designed_transitions():
    assert set(TRANSITIONS) == set(EXPECTED)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("name", EXPECTED)
def test_transition_by_role_and_status(db, name, status, role):
    sources, target, roles = EXPECTED[name]
    actor = ROLES[role]()
    application = ApplicationFactory(status=status)
    # Instructing starts with reading the whole file, which needs a « no conflict » declaration.
    ConflictDeclaration.objects.create(user=actor, application=application, has_conflict=False)
    move = getattr(application, name)

    if role in roles and status in sources:
        change = move(by=actor, comment="Motif de la décision")
        application.refresh_from_db()
        assert application.status == target
        assert (change.from_status, change.to_status, change.by, change.comment) == (
            status,
            target,
            actor,
            "Motif de la décision",
        )
        assert list(application.status_changes.all()) == [change]
    else:
        expected_error = PermissionRefused if role not in roles else TransitionNotAllowed
        with pytest.raises(expected_error) as refusal:
            move(by=actor, comment="Motif de la décision")
        assert str(refusal.value)
        application.refresh_from_db()
        assert application.status == status
        assert not application.status_changes.exists()


@pytest.mark.parametrize("name", sorted(NEED_A_REASON))
def test_moves_that_need_a_reason_refuse_a_blank_one(db, name):
    sources, _target, _roles = EXPECTED[name]
    status = sorted(sources)[0]
    application = ApplicationFactory(status=status)
    with pytest.raises(TransitionNotAllowed, match="Indiquez un motif"):
        getattr(application, name)(by=UserFactory(is_superuser=True), comment="   ")
    application.refresh_from_db()
    assert application.status == status
    assert not application.status_changes.exists()


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - NEED_A_REASON))
def test_other_moves_need_no_reason(db, name):
    sources, target, _roles = EXPECTED[name]
    application = ApplicationFactory(status=sorted(sources)[0])
    change = getattr(application, name)(by=UserFactory(is_superuser=True))
    assert (change.to_status, change.comment) == (target, "")


def test_refusal_message_names_the_move_and_the_status(db):
    application = ApplicationFactory(laureate=True)
    with pytest.raises(TransitionNotAllowed) as refusal:
        application.withdraw(by=regional_approver(), comment="Abandon")
    assert str(refusal.value) == (
        f"Impossible de « Retirer le dossier » : le dossier {application.reference} est au statut « Lauréat »."
    )


def test_a_failed_history_row_leaves_the_status_unchanged(db, monkeypatch):
    application = ApplicationFactory(submitted=True)

    def broken_create(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(StatusChange.objects, "create", broken_create)
    with pytest.raises(RuntimeError):
        application.start_review(by=declared_caf_instructor(application))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_a_stale_copy_cannot_move_an_application_twice(db):
    approver = regional_approver()
    application = ApplicationFactory(submitted=True)
    stale = type(application).objects.get(pk=application.pk)
    application.withdraw(by=approver, comment="Abandon du porteur")
    with pytest.raises(TransitionNotAllowed, match="Retiré"):
        stale.withdraw(by=approver, comment="Deuxième clic")
    assert application.status_changes.count() == 1


def test_submitting_records_the_date(db):
    application = ApplicationFactory()
    application.submit(by=regional_approver())
    application.refresh_from_db()
    assert application.submitted_at is not None


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_a_staff_label_and_a_public_label(status):
    assert status.label and str(status.label) != status.value
    assert PUBLIC_STATUS_LABELS[status]


def test_allowed_transitions_lists_what_the_user_may_do_now(db):
    application = ApplicationFactory(submitted=True)
    assert {t.name for t in application.allowed_transitions(declared_caf_instructor(application))} == {"start_review"}
    assert {t.name for t in application.allowed_transitions(regional_approver())} == {"withdraw"}
    assert application.allowed_transitions(caf_instructor("31")) == []


# In bulk: Application.objects.<transition>() ------------------------------------------------


def test_bulk_submit_moves_the_drafts_and_writes_the_history_row_submit_writes(db):
    approver = regional_approver()
    one_by_one = ApplicationFactory()
    expected = one_by_one.submit(by=approver)
    drafts = [ApplicationFactory(), ApplicationFactory()]
    before = timezone.now()

    changes = Application.objects.filter(pk__in=[draft.pk for draft in drafts]).submit(by=approver)

    assert sorted(change.application_id for change in changes) == sorted(draft.pk for draft in drafts)
    for draft in drafts:
        draft.refresh_from_db()
        (change,) = draft.status_changes.all()
        assert (change.from_status, change.to_status, change.by, change.comment) == (
            expected.from_status,
            expected.to_status,
            expected.by,
            expected.comment,
        )
        assert before <= change.at <= timezone.now()
        assert (draft.status, draft.submitted_at, draft.updated_at) == (Status.SUBMITTED, change.at, change.at)


def test_bulk_submit_leaves_applications_that_are_not_drafts_untouched(db):
    others = [ApplicationFactory(status=status) for status in Status if status != Status.DRAFT]
    draft = ApplicationFactory()
    untouched = list(Application.objects.exclude(pk=draft.pk).values_list("pk", "status", "submitted_at", "updated_at"))

    changes = Application.objects.all().submit(by=regional_approver())

    assert [change.application_id for change in changes] == [draft.pk]
    assert list(Application.objects.exclude(pk=draft.pk).values_list("pk", "status", "submitted_at", "updated_at")) == (
        untouched
    )
    assert not StatusChange.objects.filter(application__in=others).exists()


@pytest.mark.parametrize("count", [1, 50])
def test_bulk_submit_takes_as_many_queries_for_one_application_as_for_many(db, django_assert_num_queries, count):
    approver = regional_approver()
    drafts = Application.objects.filter(pk__in=[ApplicationFactory().pk for _ in range(count)])
    # A savepoint around one locking SELECT, one UPDATE and one INSERT of the history rows.
    with django_assert_num_queries(5):
        drafts.submit(by=approver)
    assert StatusChange.objects.filter(to_status=Status.SUBMITTED).count() == count


def test_a_bulk_move_records_the_status_each_application_left_and_asks_for_a_reason_where_needed(db):
    approver = regional_approver()
    submitted, in_review = ApplicationFactory(submitted=True), ApplicationFactory(in_review=True)
    laureate = ApplicationFactory(laureate=True)

    with pytest.raises(TransitionNotAllowed, match="Indiquez un motif"):
        Application.objects.all()._transition("withdraw", by=approver, comment="  ")
    assert not StatusChange.objects.exists()

    changes = Application.objects.all()._transition("withdraw", by=approver, comment=" Appel annulé ")

    assert sorted((change.application_id, change.from_status, change.comment) for change in changes) == sorted(
        [(submitted.pk, Status.SUBMITTED, "Appel annulé"), (in_review.pk, Status.IN_REVIEW, "Appel annulé")]
    )
    assert dict(Application.objects.values_list("pk", "status")) == {
        submitted.pk: Status.WITHDRAWN,
        in_review.pk: Status.WITHDRAWN,
        laureate.pk: Status.LAUREATE,
    }
