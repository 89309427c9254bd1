from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope, user_can, visible_departments
from tests.departments.factories import (
    UserFactory,
    administrator,
    caf_instructor,
    committee_secretary,
    department,
    regional_approver,
)


def test_caf_instructor_sees_their_department_only(db):
    user = caf_instructor("11")
    assert list(visible_departments(user).values_list("code", flat=True)) == ["11"]


def test_caf_instructor_reviews_as_caf_in_their_department(db):
    user = caf_instructor("11")
    scope = get_scope(user)
    assert scope.can(Action.REVIEW, department("11"))
    assert not scope.can(Action.REVIEW, department("31"))
    assert scope.organisation_kinds(Action.REVIEW, department("11")) == {"caf"}


def test_instructor_may_neither_approve_nor_run_a_committee(db):
    user = caf_instructor("11")
    assert not user_can(user, Action.APPROVE, department("11"))
    assert not user_can(user, Action.RUN_COMMITTEE, department("11"))


def test_committee_secretary_runs_the_committee_of_their_department_only(db):
    user = committee_secretary("31")
    assert user_can(user, Action.RUN_COMMITTEE, department("31"))
    assert not user_can(user, Action.RUN_COMMITTEE, department("11"))
    assert not user_can(user, Action.REVIEW, department("31"))


def test_regional_approver_sees_the_thirteen_occitanie_departments(db):
    user = regional_approver()
    codes = set(visible_departments(user).values_list("code", flat=True))
    assert len(codes) == 13
    assert codes == set(Department.objects.filter(region__code="76").values_list("code", flat=True))
    assert user_can(user, Action.APPROVE, department("82"))
    assert not user_can(user, Action.APPROVE, department("75"))


def test_administrator_sees_every_department(db):
    assert visible_departments(administrator()).count() == 101


def test_user_without_membership_sees_nothing(db):
    user = UserFactory()
    assert visible_departments(user).count() == 0
    assert not user_can(user, Action.VIEW, department("11"))


def test_inactive_user_sees_nothing(db):
    user = caf_instructor("11", is_active=False)
    assert visible_departments(user).count() == 0


def test_scope_is_computed_once_per_user_object(db, django_assert_num_queries):
    user = regional_approver()
    aude = department("11")
    with django_assert_num_queries(2):
        get_scope(user)
    with django_assert_num_queries(0):
        assert get_scope(user).can(Action.VIEW, aude)
