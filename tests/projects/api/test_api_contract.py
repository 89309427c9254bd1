"""schemathesis against the generated schema: every operation, with a token of each role and without one.

Runs in-process through the WSGI application (no server), so it is part of `make test`.
"""

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from departments.models import Department
from fipe.wsgi import application
from projects.enums import CallStatus
from projects.models import ApiCall, Call
from tests.departments.factories import (
    administrator,
    caf_instructor,
    committee_secretary,
    ddets_instructor,
    regional_approver,
)
from tests.projects.api.factories import service_account, token_secret
from tests.projects.exchange.factories import funders_with_sirets, laureate, with_commitments_payment_and_letter
from tests.projects.factories import ApplicationFactory, CallFactory

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION_AND_ROLE = 12


@pytest.fixture
def tokens(db, settings):
    settings.API_THROTTLE_RATE = "100000/min"
    approver = regional_approver()
    # The references the schema gives as examples, so that schemathesis reads real objects too.
    published = laureate(by=approver, reference="FIPE-OCC-2023-011-001")
    with_commitments_payment_and_letter(published, by=approver)
    ApplicationFactory(submitted=True, department=Department.objects.get(code="31"))
    funders_with_sirets()
    Call.objects.update(status=CallStatus.RESULTS_PUBLISHED)
    CallFactory(reference="FIPE-OCC-2024")
    roles = {
        "caf-11": (caf_instructor, "11"),
        "ddets-11": (ddets_instructor, "11"),
        "cdsf-11": (committee_secretary, "11"),
        "caf-31": (caf_instructor, "31"),
        "prefecture-76": (regional_approver,),
        "admin": (administrator,),
    }
    secrets = {role: token_secret(service_account(*factory)) for role, factory in roles.items()}
    return {"anonymous": {}, **{role: {"Authorization": f"Bearer {secret}"} for role, secret in secrets.items()}}


@pytest.fixture
def connection_kept_between_requests():
    """As Django's test client does: a request's end must not close the test's connection (and its transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def answers_as_described(schema, operation, headers):
    """A hypothesis test of `operation` sent with `headers`: the schema's examples first, then generated cases."""

    @settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_ROLE,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(*schema.get_strategies_from_examples(operation), operation.as_strategy()))
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return check


def test_every_operation_answers_as_the_schema_says_for_every_role(tokens, connection_kept_between_requests):
    cache.clear()
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 7
    for operation in operations:
        for headers in tokens.values():
            answers_as_described(schema, operation, headers)()
    read = set(ApiCall.objects.filter(status=200).values_list("path", flat=True))
    assert "/api/v1/applications/FIPE-OCC-2023-011-001/" in read
    assert "/api/v1/calls/FIPE-OCC-2023/scdl/" in read
