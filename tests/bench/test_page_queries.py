"""Every page `make bench` measures answers 200 with the same queries at 100 and at 10,000 applications.

The bench's own data (bench/national.py: 10,000 applications with their reviews, proposals,
awards and payments, and a call of 100 applications), loaded once for the module in a
transaction rolled back at its end.
"""

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.bench_pages import api_pages, declare_everything, pages
from bench.national import bench_users, populate, populate_small
from tests.conftest import check_deferred_constraints

pytestmark = pytest.mark.xdist_group("bench-national")
QUERY_BUDGET = 15


HOME_ROLES = ["instructor", "secretary", "approver", "admin"]


@pytest.fixture(scope="module")
def national(django_db_setup, django_db_blocker):
    """(the national data, the call of 100 applications, each role's home page queries with only those 100)."""
    with django_db_blocker.unblock(), transaction.atomic():
        small = populate_small()
        users = bench_users()
        home_at_100 = {role: queries_of(signed_in(users[role]), "/") for role in HOME_ROLES}
        made = populate()
        check_deferred_constraints()
        yield made, small, home_at_100
        transaction.set_rollback(True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured)


@pytest.mark.parametrize("role", ["approver", "instructor"])
def test_each_page_runs_the_same_queries_at_100_and_10000_applications(db, national, role, django_assert_num_queries):
    made, small, _ = national
    user = made["users"][role]
    if role == "instructor":
        declare_everything(user)
    client = signed_in(user)
    big = pages(made["calls_by_region"]["76"])[role] + api_pages(client, made["calls_by_region"]["76"])
    few = pages(small)[role] + api_pages(client, small)
    for (label, url), (_, small_url) in zip(big, few, strict=True):
        expected = queries_of(client, small_url)
        assert expected < QUERY_BUDGET, label
        with django_assert_num_queries(expected):
            response = client.get(url)
        assert response.status_code == 200, label


@pytest.mark.parametrize("role", HOME_ROLES)
def test_each_home_page_runs_the_same_queries_at_100_and_10000_applications(
    db, national, role, django_assert_num_queries
):
    made, _, home_at_100 = national
    client = signed_in(made["users"][role])
    assert home_at_100[role] < QUERY_BUDGET
    with django_assert_num_queries(home_at_100[role]):
        assert client.get("/").status_code == 200
