import pytest
from django.core.exceptions import ValidationError

from reviews.models import Criterion
from tests.departments.factories import UserFactory
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.reviews.factories import ReviewFactory


def test_a_new_call_gets_the_default_fipe_grid(db):
    call = CallFactory(reference="FIPE-OCC-2024")
    grid = list(call.criteria.values_list("code", "weight", "max_score"))
    assert grid == [("C1", 1, 5), ("C2", 1, 5), ("C3", 1, 5), ("C4", 1, 5)]
    assert call.criteria.get(code="C3").label == "Innovation et potentiel d’accélération"


def test_weights_are_editable_until_the_first_review_of_the_call(db):
    call = CallFactory()
    criterion = call.criteria.get(code="C1")
    criterion.weight = 2
    criterion.full_clean()
    criterion.save()
    ReviewFactory(application=ApplicationFactory(call=call, in_review=True))
    criterion.weight = 3
    with pytest.raises(ValidationError) as refused:
        criterion.full_clean()
    assert "weight" in refused.value.message_dict


def test_no_criterion_can_be_added_once_the_call_has_a_review(db):
    call = CallFactory()
    ReviewFactory(application=ApplicationFactory(call=call, in_review=True))
    with pytest.raises(ValidationError, match="on ne peut plus ajouter de critère"):
        Criterion(call=call, code="C5", label="Sobriété", weight=1, max_score=5).full_clean()


def test_the_admin_changes_a_weight_before_the_first_review_but_not_after(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    call = CallFactory()
    criterion = call.criteria.get(code="C1")
    url = f"/admin/reviews/criterion/{criterion.pk}/change/"
    data = {"code": "C1", "label": criterion.label, "weight": 2, "max_score": 5}
    assert client.post(url, data).status_code == 302
    criterion.refresh_from_db()
    assert criterion.weight == 2
    ReviewFactory(application=ApplicationFactory(call=call, in_review=True))
    assert client.post(url, {**data, "weight": 4}).status_code == 302
    criterion.refresh_from_db()
    assert criterion.weight == 2
