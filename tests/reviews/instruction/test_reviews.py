from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from projects.enums import Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.models import StatusChange
from reviews.enums import Opinion, ReviewerKind
from reviews.instruction.services import declare_conflict, reopen_review, save_review
from reviews.models import ConflictDeclaration, Review
from tests.departments.factories import caf_instructor, committee_secretary, ddets_instructor, department
from tests.projects.factories import ApplicationFactory
from tests.reviews.situations import meeting, propose, review, reviewed_application, scores


@pytest.fixture
def application(db):
    return ApplicationFactory(submitted=True)


def write(application, author, *, kind=None, submit=True, **overrides):
    arguments = {
        "scores": scores(application, 4),
        "opinion": Opinion.FAVOURABLE,
        "amounts_by_year": application.requested_by_year(),
        "comment": "",
        **overrides,
    }
    return save_review(application=application, author=author, kind=kind, submit=submit, **arguments)


def declared(application, user):
    declare_conflict(application=application, user=user, has_conflict=False)
    return user


def test_only_a_caf_instructor_of_the_department_writes_the_caf_review(application):
    for outsider in (ddets_instructor("11"), caf_instructor("31"), committee_secretary("11")):
        with pytest.raises(PermissionRefused):
            write(application, outsider, kind=ReviewerKind.CAF)
    assert not Review.objects.exists()
    written = write(application, declared(application, caf_instructor("11")))
    assert written.kind == ReviewerKind.CAF


def test_only_a_ddets_instructor_of_the_department_writes_the_ddets_review(application):
    caf = declared(application, caf_instructor("11"))
    with pytest.raises(PermissionRefused, match="Seuls les instructeurs de la DDETS"):
        write(application, caf, kind=ReviewerKind.DDETS)
    with pytest.raises(PermissionRefused):
        write(application, ddets_instructor("31"), kind=ReviewerKind.DDETS)
    assert write(application, declared(application, ddets_instructor("11"))).kind == ReviewerKind.DDETS


def test_no_review_without_a_conflict_of_interest_declaration(application):
    with pytest.raises(DomainError, match="Déclarez d’abord"):
        write(application, caf_instructor("11"))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not Review.objects.exists()


def test_a_declared_conflict_blocks_the_review(application):
    instructor = caf_instructor("11")
    declare_conflict(application=application, user=instructor, has_conflict=True, note="Je préside l’association.")
    with pytest.raises(PermissionRefused, match="conflit d’intérêts"):
        write(application, instructor, submit=False)
    assert not Review.objects.exists()


def test_a_declared_conflict_cannot_be_withdrawn(application):
    instructor = caf_instructor("11")
    declare_conflict(application=application, user=instructor, has_conflict=True, note="Mon conjoint y travaille.")
    with pytest.raises(DomainError, match="ne peut pas être retiré"):
        declare_conflict(application=application, user=instructor, has_conflict=False)
    assert ConflictDeclaration.objects.get().has_conflict


def test_a_conflict_must_be_explained(application):
    with pytest.raises(ValidationError) as refused:
        declare_conflict(application=application, user=caf_instructor("11"), has_conflict=True, note=" ")
    assert "note" in refused.value.message_dict
    assert not ConflictDeclaration.objects.exists()


@pytest.mark.parametrize("score", [-1, 6, "4,5", True])
def test_a_score_outside_zero_to_the_maximum_is_refused(application, score):
    instructor = declared(application, caf_instructor("11"))
    with pytest.raises(ValidationError) as refused:
        write(application, instructor, scores={**scores(application, 4), "C2": score})
    assert refused.value.message_dict["score_C2"] == ["La note doit être un nombre entier entre 0 et 5."]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not Review.objects.exists()


def test_a_recommended_amount_above_the_amount_requested_that_year_is_refused(application):
    instructor = declared(application, caf_instructor("11"))
    amounts = {**application.requested_by_year(), 2024: Decimal("10000.01")}
    with pytest.raises(ValidationError) as refused:
        write(application, instructor, amounts_by_year=amounts, submit=False)
    assert "dépasse le montant demandé" in refused.value.message_dict["amount_2024"][0]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert not Review.objects.exists()


def test_a_draft_may_be_incomplete_but_a_submitted_review_may_not(application):
    instructor = declared(application, caf_instructor("11"))
    draft = write(application, instructor, scores={"C1": 5}, opinion="", amounts_by_year={}, submit=False)
    assert draft.total == Decimal("25.0")
    assert not draft.is_submitted
    with pytest.raises(ValidationError) as refused:
        write(application, instructor, scores={"C1": 5}, opinion="", amounts_by_year={})
    assert {"score_C2", "opinion", "amount_2023"} <= set(refused.value.message_dict)
    draft.refresh_from_db()
    assert not draft.is_submitted


def test_a_reserved_opinion_must_be_explained(application):
    instructor = declared(application, caf_instructor("11"))
    with pytest.raises(ValidationError) as refused:
        write(application, instructor, opinion=Opinion.RESERVED, comment="")
    assert "comment" in refused.value.message_dict


def test_the_first_review_started_moves_the_file_to_in_review(application):
    instructor = declared(application, caf_instructor("11"))
    write(application, instructor, submit=False)
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    change = StatusChange.objects.get(application=application, to_status=Status.IN_REVIEW)
    assert change.by == instructor


def test_the_file_moves_to_reviewed_when_both_reviews_are_submitted(application):
    review(application, caf_instructor("11"))
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    review(application, ddets_instructor("11"), submit=False)
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    review(application, ddets_instructor("11"))
    application.refresh_from_db()
    assert application.status == Status.REVIEWED
    assert StatusChange.objects.filter(application=application, to_status=Status.REVIEWED).count() == 1


def test_a_submitted_review_is_read_only(application):
    instructor = caf_instructor("11")
    review(application, instructor, score=4)
    with pytest.raises(DomainError, match="ne peut plus être modifié"):
        write(application, instructor, scores=scores(application, 1))
    assert Review.objects.get().total == Decimal("80.0")


def test_the_weighted_total_follows_the_weights_of_the_call(application):
    application.call.criteria.filter(code="C1").update(weight=3)
    instructor = declared(application, caf_instructor("11"))
    written = write(application, instructor, scores={"C1": 5, "C2": 0, "C3": 0, "C4": 0})
    assert written.total == Decimal("50.0")


def test_the_secretary_reopens_a_review_with_the_reason_in_the_history(db):
    caf = caf_instructor("11")
    application = reviewed_application("11", caf=caf)
    submitted = application.reviews.get(kind=ReviewerKind.CAF)
    secretary = committee_secretary("11")
    reopen_review(review=submitted, by=secretary, reason="Le budget a été révisé par le porteur.")
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    change = application.status_changes.last()
    assert (change.from_status, change.to_status, change.by) == (Status.REVIEWED, Status.IN_REVIEW, secretary)
    assert change.comment == "Avis de la Caf rouvert : Le budget a été révisé par le porteur."
    write(application, caf, scores=scores(application, 2), opinion=Opinion.RESERVED, comment="Budget fragile.")
    application.refresh_from_db()
    assert application.status == Status.REVIEWED
    assert application.reviews.get(kind=ReviewerKind.CAF).total == Decimal("40.0")


def test_only_the_secretary_of_the_department_reopens_a_review(db):
    application = reviewed_application("11")
    submitted = application.reviews.get(kind=ReviewerKind.CAF)
    for outsider in (caf_instructor("11"), committee_secretary("31")):
        with pytest.raises(PermissionRefused):
            reopen_review(review=submitted, by=outsider, reason="Erreur.")
    submitted.refresh_from_db()
    assert submitted.is_submitted


def test_reopening_needs_a_reason(db):
    submitted = reviewed_application("11").reviews.get(kind=ReviewerKind.DDETS)
    with pytest.raises(ValidationError):
        reopen_review(review=submitted, by=committee_secretary("11"), reason="  ")
    submitted.refresh_from_db()
    assert submitted.is_submitted


def test_reopening_waits_for_the_committee_proposal_to_be_removed(db):
    application = reviewed_application("11")
    opened = meeting("11")
    propose(opened, application)
    with pytest.raises(DomainError, match="supprimez-la"):
        reopen_review(review=application.reviews.get(kind=ReviewerKind.CAF), by=opened.secretary, reason="Erreur.")
    application.refresh_from_db()
    assert application.status == Status.REVIEWED


def test_a_file_not_yet_submitted_cannot_be_reviewed(db):
    application = ApplicationFactory(department=department("11"))
    with pytest.raises(TransitionNotAllowed):
        declare_conflict(application=application, user=caf_instructor("11"), has_conflict=False)
