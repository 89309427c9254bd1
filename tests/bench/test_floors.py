"""A page's floor is a real view, run in the same process, that runs the page's own queries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import floors
from bench.bench_pages import VALUES
from tests.departments.factories import regional_approver
from tests.projects.factories import ApplicationFactory


@pytest.fixture
def floors_installed(settings):
    settings.ROOT_URLCONF = "bench.floors"
    floors.install()
    yield
    floors.uninstall()


def sql_of(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return [VALUES.sub("?", query["sql"]) for query in captured]


def test_the_floor_of_the_application_list_runs_the_same_queries(db, floors_installed):
    ApplicationFactory.create_batch(3, submitted=True)
    client = Client()  # after install(): its middleware chain ends in the recording handler
    client.force_login(regional_approver())
    floor_url = floors.record("list", client, "/dossiers/")
    page, floor = sql_of(client, "/dossiers/"), sql_of(client, floor_url)
    assert len(page) > 3
    assert sorted(floor) == sorted(page)
    assert client.get(floor_url).content.count(b"<tr>") >= 3


def test_an_unknown_floor_is_not_found(db, floors_installed):
    client = Client()
    client.force_login(regional_approver())
    assert client.get("/plancher/inconnu/").status_code == 404
