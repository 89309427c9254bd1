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


@pytest.mark.django_db(transaction=True)  # inside a transaction nothing is kept in the cache
def test_the_floor_of_a_page_kept_in_the_cache_reads_the_same_entries(settings, floors_installed):
    settings.FIPE_FRAGMENT_CACHE = True
    ApplicationFactory.create_batch(3, submitted=True)
    client = Client()
    client.force_login(regional_approver())
    client.get("/dossiers/")  # kept for this visitor
    floor_url = floors.record("kept-list", client, "/dossiers/")
    reads = [item[1] for item in floors._recordings["kept-list"].querysets if item[0] == "cache"]
    assert any(":fragment:application-list:" in key for key in reads)
    assert all(key.startswith("fipe:") for key in reads)  # not the layout's cache, which holds no data
    floor = client.get(floor_url)
    assert floor.status_code == 200
    # The list kept in the cache is the floor's cell, as the page shows it.
    assert floor.content.count(b"/dossiers/FIPE-") >= 3
