"""The layout's parts rendered once per process (templates/base.html) are the same for everyone."""

import pickle

import pytest
from django.core.cache import caches
from django.urls import reverse

from tests.departments.factories import caf_instructor, regional_approver

pytestmark = pytest.mark.django_db


@pytest.fixture
def layout_cache():
    layout = caches["layout"]
    layout.clear()
    yield layout
    layout.clear()


def stored_fragments(layout) -> list[str]:
    return [pickle.loads(value) for value in layout._cache.values()]


def test_the_shared_parts_of_the_layout_hold_nothing_of_the_user_or_the_page(client, layout_cache):
    client.force_login(regional_approver(first_name="Ondine", last_name="Zéphyrin", is_staff=True))

    response = client.get(reverse("projects:application_list"), {"q": "crèche"})

    assert response.status_code == 200
    fragments = stored_fragments(layout_cache)
    # The head, the quick links, the brand, the menu's frame, the footer and the expiry warning's two parts.
    assert len(fragments) == 7
    for fragment in fragments:
        assert "Zéphyrin" not in fragment
        assert "Administration" not in fragment
        assert "csrfmiddlewaretoken" not in fragment
        assert "crèche" not in fragment
        assert "aria-current" not in fragment
        assert "data-seconds-left" not in fragment


def test_each_user_gets_their_own_name_menu_and_token_around_the_shared_parts(client, layout_cache):
    client.force_login(regional_approver(first_name="Ondine", last_name="Zéphyrin"))
    assert client.get(reverse("home")).status_code == 200
    instructor = caf_instructor("11", first_name="Basile", last_name="Quérou")
    client.force_login(instructor)

    response = client.get(reverse("projects:application_list"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Basile Quérou" in html
    assert "Zéphyrin" not in html
    assert "Validation des lauréats" not in html
    assert f'href="{reverse("projects:application_list")}" aria-current="page"' in html
    assert html.count('name="csrfmiddlewaretoken"') >= 2
    assert html.count('<footer class="fr-footer"') == 1
