import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from departments.models import Department
from projects.awards.services import approve_laureate, committed_total
from projects.enums import Funder
from projects.models import Award, DepartmentEnvelope
from tests.departments.factories import regional_approver
from tests.projects.awards.factories import (
    in_threads,
    laureate,
    meeting_point,
    pay_line,
    proposed_application,
    years_of,
)
from tests.projects.factories import CallFactory


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", None)


def test_award_admin_shows_amounts_lines_and_payments_read_only(client, superuser):
    approver = regional_approver()
    application = laureate(by=approver)
    pay_line(application.award.lines.get(funder=Funder.STATE, year=2023), by=approver, amount=Decimal("100"))
    client.force_login(superuser)
    assert client.get(reverse("admin:projects_award_changelist")).status_code == 200
    response = client.get(reverse("admin:projects_award_change", args=[application.award.pk]))
    assert response.status_code == 200
    assert "État 2023 — 100,00" in response.text.replace("\u00a0", " ")
    assert 'name="amounts-0-amount"' not in response.text  # amounts are not editable
    assert 'name="lines-0-amount"' not in response.text
    assert client.get(reverse("admin:projects_award_add")).status_code == 403


def test_commitment_number_is_set_in_the_admin_through_the_service(client, superuser):
    application = laureate(by=regional_approver())
    line = application.award.lines.get(funder=Funder.STATE, year=2023)
    client.force_login(superuser)
    url = reverse("admin:projects_fundingline_change", args=[line.pk])
    response = client.post(url, {"commitment_number": "12", **inline_management()})
    assert response.status_code == 200
    assert "compte 10 chiffres" in response.text
    response = client.post(url, {"commitment_number": "2103456789", **inline_management()})
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.commitment_number, line.amount) == ("2103456789", Decimal("5000.00"))


def inline_management():
    return {
        "payments-TOTAL_FORMS": "0",
        "payments-INITIAL_FORMS": "0",
        "payments-MIN_NUM_FORMS": "0",
        "payments-MAX_NUM_FORMS": "0",
    }


def test_department_envelope_below_what_is_committed_is_refused(client, superuser):
    call = CallFactory()
    laureate(by=regional_approver(), call=call, department="11")
    client.force_login(superuser)
    url = reverse("admin:projects_departmentenvelope_add")
    aude = Department.objects.get(code="11")
    response = client.post(url, {"call": call.pk, "department": aude.pk, "amount": "20000"})
    assert response.status_code == 200
    assert "déjà 30" in response.text
    brittany = Department.objects.get(code="35")
    response = client.post(url, {"call": call.pk, "department": brittany.pk, "amount": "20000"})
    assert "Ce département n’appartient pas à la région" in response.text
    response = client.post(url, {"call": call.pk, "department": aude.pk, "amount": "30000"})
    assert response.status_code == 302
    assert DepartmentEnvelope.objects.get().amount == Decimal("30000")


def test_awards_amounts_and_payments_are_named_with_french_amounts(db):
    approver = regional_approver()
    award = laureate(by=approver, amounts={2023: Decimal("12345.5")}).award
    payment = pay_line(award.lines.get(funder=Funder.STATE), by=approver, amount=Decimal("1000"))
    assert str(award) == f"{award.application.reference} — 12\u00a0345,50\u00a0€"
    assert str(award.amounts.get()) == "2023 : 12\u00a0345,50\u00a0€"
    assert str(payment) == f"{award.application.reference} — État 2023 — 1\u00a0000,00\u00a0€ le 01/02/2024"


def call_form_data(call, **overrides) -> dict:
    """The admin's change form of the call as it stands, with `overrides`."""
    data = {
        "reference": call.reference,
        "title": call.title,
        "region": call.region_id,
        "status": call.status,
        "opens_on": call.opens_on.strftime("%d/%m/%Y"),
        "closes_on": call.closes_on.strftime("%d/%m/%Y"),
        "first_year": call.first_year,
        "last_year": call.last_year,
        "results_published_at_0": "",
        "results_published_at_1": "",
        "envelope": str(call.envelope),
        "state_share": str(call.state_share),
        "state_budget_reference": call.state_budget_reference,
        "cnaf_budget_reference": call.cnaf_budget_reference,
        "department_envelopes-TOTAL_FORMS": "0",
        "department_envelopes-INITIAL_FORMS": "0",
        "department_envelopes-MIN_NUM_FORMS": "0",
        "department_envelopes-MAX_NUM_FORMS": "1000",
    }
    return {**data, **overrides}


def test_the_call_envelope_cannot_go_below_what_is_committed(client, superuser):
    call = CallFactory()
    laureate(by=regional_approver(), call=call)
    client.force_login(superuser)
    url = reverse("admin:projects_call_change", args=[call.pk])
    response = client.post(url, call_form_data(call, envelope="29999.99"))
    assert response.status_code == 200
    assert "L’appel a déjà 30\u00a0000,00\u00a0€ engagés : l’enveloppe ne peut pas être inférieure." in response.text
    response = client.post(url, call_form_data(call, envelope="30000"))
    assert response.status_code == 302
    call.refresh_from_db()
    assert call.envelope == Decimal("30000")


def test_the_state_share_is_fixed_once_a_grant_is_split_with_it(client, superuser):
    call = CallFactory()
    client.force_login(superuser)
    url = reverse("admin:projects_call_change", args=[call.pk])
    assert client.post(url, call_form_data(call, state_share="0.6")).status_code == 302
    call.refresh_from_db()
    laureate(by=regional_approver(), call=call)
    response = client.post(url, call_form_data(call, state_share="0.5"))
    assert response.status_code == 200
    assert (
        "Des subventions de cet appel sont déjà réparties entre l’État et la Cnaf selon cette part : "
        "elle ne peut plus changer."
    ) in response.text
    call.refresh_from_db()
    assert call.state_share == Decimal("0.6")
    assert client.post(url, call_form_data(call, title="FIPE Occitanie 2023")).status_code == 302


def lower_envelope_request(call, superuser, where: str):
    """A client and the admin request lowering the call's envelope, or the Aude's, to 30,000 €."""
    client = Client()
    client.force_login(superuser)
    if where == "call":
        url = reverse("admin:projects_call_change", args=[call.pk])
        return lambda: client.post(url, call_form_data(call, envelope="30000"))
    envelope = DepartmentEnvelope.objects.get(call=call, department__code="11")
    url = reverse("admin:projects_departmentenvelope_change", args=[envelope.pk])
    return lambda: client.post(url, {"call": call.pk, "department": envelope.department_id, "amount": "30000"})


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["call", "department"])
def test_an_envelope_lowered_during_an_approval_never_ends_below_what_is_committed(where):
    superuser = get_user_model().objects.create_superuser("root", "root@example.org", None)
    approver = regional_approver()
    call = CallFactory(envelope=Decimal("100000"))
    DepartmentEnvelope.objects.create(call=call, department=Department.objects.get(code="11"), amount=Decimal("100000"))
    laureate(by=approver, call=call)
    application = proposed_application(call=call)
    lower = lower_envelope_request(call, superuser, where)
    # The approval waits before writing, the admin after reading what is committed: without the call's
    # row lock, both go on from what each read, every time.
    meet = meeting_point()
    create, committed = Award.objects.create, committed_total

    def create_when_the_admin_has_read(**fields):
        meet()
        return create(**fields)

    admin_thread = threading.local()

    def committed_then_let_the_approval_write(**kwargs):
        total = committed(**kwargs)
        if getattr(admin_thread, "is_it", False):
            meet()
        return total

    def lower_from_the_admin():
        admin_thread.is_it = True
        return lower()

    with (
        mock.patch.object(Award.objects, "create", create_when_the_admin_has_read),
        mock.patch("projects.awards.services.committed_total", committed_then_let_the_approval_write),
    ):
        approval, response = in_threads(
            lambda: approve_laureate(application=application, by=approver, amounts_by_year=years_of(call, "10000")),
            lower_from_the_admin,
        )
    call.refresh_from_db()
    if where == "call":
        assert committed_total(call=call) <= call.envelope
    else:
        envelope = DepartmentEnvelope.objects.get(call=call)
        assert committed_total(call=call, department=envelope.department) <= envelope.amount
    assert isinstance(approval, Award) != (response.status_code == 302)
