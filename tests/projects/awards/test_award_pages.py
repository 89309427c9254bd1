from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.awards.views import award_tab_context
from projects.enums import Funder, Status
from projects.models import Award, FundingLine, Payment, YearEnvelope
from reviews.enums import Opinion
from tests.departments.factories import caf_instructor, committee_secretary, regional_approver
from tests.projects.awards.factories import (
    laureate,
    not_proposed_application,
    other_region_approver,
    pay_line,
    proposed_application,
)
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.reviews.factories import declared_caf_instructor


@pytest.fixture
def approver(db):
    return regional_approver()


@pytest.fixture
def call(db):
    return CallFactory()


def approval_url(call):
    return reverse("projects:approval", args=[call.reference])


def row_data(application, amounts=("10000,00", "10000,00", "10000,00"), selected=True) -> dict:
    prefix = f"p{application.pk}"
    data = {f"{prefix}-amount_{year}": amount for year, amount in zip((2023, 2024, 2025), amounts, strict=True)}
    if selected:
        data[f"{prefix}-selected"] = "on"
    return data


def check_then_confirm(client, call, data: dict, **extra):
    """Ask for the confirmation step, then confirm what it shows, as the page's two forms do."""
    step = client.post(approval_url(call), data)
    assert step.status_code == 200
    assert "Confirmer la sélection" in step.text
    assert not Award.objects.exists() or extra.get("awards_before")
    confirmed = {key: value for key, value in data.items() if key not in ("approve_one", "action")}
    confirmed = {key: value for key, value in confirmed.items() if not key.endswith("-selected")}
    confirmed |= {f"p{pk}-selected": "on" for pk in step.context["chosen_ids"]}
    confirmed |= {"action": "confirm", "token": step.context["token"]}
    return client.post(approval_url(call), confirmed, follow=True)


# Approval screen ---------------------------------------------------------------------


def test_approval_screen_needs_a_login(client, call):
    response = client.get(approval_url(call))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("make_user", [caf_instructor, committee_secretary])
def test_approval_screen_is_refused_to_departmental_staff(client, call, make_user):
    client.force_login(make_user())
    assert client.get(approval_url(call)).status_code == 403


def test_approval_screen_of_another_region_answers_404(client, call):
    client.force_login(other_region_approver())
    assert client.get(approval_url(call)).status_code == 404
    assert client.get(reverse("projects:approval", args=["FIPE-INCONNU"])).status_code == 404


def test_approval_screen_lists_the_proposals_ranked_with_opinions_and_envelopes(client, call, approver):
    second = proposed_application(call=call, department="11", rank=2, opinions=(Opinion.RESERVED, Opinion.FAVOURABLE))
    first = proposed_application(call=call, department="11", rank=1, amounts={2023: Decimal("12345.60")})
    gard = proposed_application(call=call, department="30", rank=1)
    rejected_by_committee = not_proposed_application(call=call)
    ApplicationFactory(call=call, reviewed=True)  # not proposed yet: not on the screen
    client.force_login(approver)
    response = client.get(approval_url(call))
    assert response.status_code == 200
    assert [row.application for row in response.context["rows"]] == [first, second, gard]
    text = response.text
    assert "Favorable avec réserves" in text
    assert 'value="12345,60"' in text  # the proposed amount prefills the amount kept
    assert "2\u00a0395\u00a0000,00\u00a0€" in text  # the call's envelope
    assert rejected_by_committee.reference in text
    assert "Projet insuffisamment abouti." in text
    assert "<script>" not in text


def test_approval_screen_runs_the_same_number_of_queries_with_few_and_many_proposals(client, call, approver):
    proposed_application(call=call)
    client.force_login(approver)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(approval_url(call)).status_code == 200
        return len(queries)

    few = count()
    for code in ("11", "30", "31", "34"):
        for _index in range(3):
            proposed_application(call=call, department=code)
        not_proposed_application(call=call, department=code)
    assert count() == few
    assert few <= 16


def test_approving_one_proposal_with_adjusted_amounts(client, call, approver):
    application = proposed_application(call=call)
    other = proposed_application(call=call)
    client.force_login(approver)
    data = {
        **row_data(application, ("8000,50", "6 000", "0"), selected=False),
        **row_data(other),
        "approve_one": str(application.pk),
    }
    response = check_then_confirm(client, call, data)
    assert response.redirect_chain[-1][0] == approval_url(call)
    award = Award.objects.get()
    assert award.application == application
    assert {a.year: a.amount for a in award.amounts.all()} == {2023: Decimal("8000.50"), 2024: Decimal("6000")}
    assert "1 dossier retenu comme lauréat" in response.text
    other.refresh_from_db()
    assert other.status == Status.PROPOSED


def test_approving_a_selection(client, call, approver):
    applications = [proposed_application(call=call, department=code) for code in ("11", "30", "31")]
    client.force_login(approver)
    data = {"action": "check"}
    for application in applications[:2]:
        data.update(row_data(application))
    data.update(row_data(applications[2], selected=False))
    response = check_then_confirm(client, call, data)
    assert "2 dossiers retenus comme lauréats" in response.text
    assert set(Award.objects.values_list("application", flat=True)) == {a.pk for a in applications[:2]}


def test_a_selection_beyond_the_envelope_is_refused_whole_and_says_which(client, approver):
    call = CallFactory(envelope=Decimal("50000"))
    first, second = proposed_application(call=call), proposed_application(call=call)
    client.force_login(approver)
    step = client.post(approval_url(call), {"action": "check", **row_data(first), **row_data(second)})
    assert "Dépassement" in step.text and "data-confirm-selection" not in step.text
    # Posted anyway (a forged confirmation): the service refuses the whole selection.
    response = client.post(
        approval_url(call),
        {"action": "confirm", "token": step.context["token"], **row_data(first), **row_data(second)},
    )
    assert response.status_code == 200
    assert not Award.objects.exists()
    assert "Aucun dossier n’a été retenu" in response.text
    assert f"Enveloppe de l’appel dépassée pour le dossier {second.reference}" in response.text
    assert "<title>Erreur : Validation des lauréats" in response.text
    # The figures show the selection that was refused.
    assert response.context["selection_total"] == Decimal("60000")
    assert any(row.exceeded for row in response.context["envelopes"])


def test_a_bad_amount_in_the_selection_is_shown_on_its_field_and_nothing_is_approved(client, call, approver):
    application = proposed_application(call=call)
    client.force_login(approver)
    response = client.post(approval_url(call), {"action": "approve", **row_data(application, ("-5", "1", "abc"))})
    assert response.status_code == 200
    assert "Le montant ne peut pas être négatif." in response.text
    assert "« abc » n’est pas un montant : écrivez par exemple 12 345,67." in response.text
    assert 'aria-invalid="true"' in response.text
    assert not Award.objects.exists()


def test_recalculating_shows_the_selection_without_approving(client, call, approver):
    application = proposed_application(call=call)
    client.force_login(approver)
    response = client.post(approval_url(call), {"action": "preview", **row_data(application, ("1000", "0", "0"))})
    assert response.status_code == 200
    assert response.context["selection_total"] == Decimal("1000")
    assert not Award.objects.exists()


def test_approving_an_empty_selection_says_so(client, call, approver):
    application = proposed_application(call=call)
    client.force_login(approver)
    response = client.post(approval_url(call), {"action": "approve", **row_data(application, selected=False)})
    assert "Sélectionnez au moins un dossier à retenir." in response.text
    assert not Award.objects.exists()


def test_approving_a_proposal_no_longer_waiting_says_so(client, call, approver):
    application = laureate(by=approver, call=call)
    client.force_login(approver)
    response = client.post(approval_url(call), {"approve_one": str(application.pk)})
    assert f"{application.reference}</strong> : ce dossier n’est pas en attente de validation." in response.text
    assert Award.objects.count() == 1


# Rejection ----------------------------------------------------------------------------


def reject_url(application):
    return reverse("projects:approval_reject", args=[application.call.reference, application.reference])


def test_rejecting_needs_a_reason(client, call, approver):
    application = proposed_application(call=call)
    client.force_login(approver)
    response = client.post(reject_url(application), {"reason": "   "})
    assert response.status_code == 200
    assert "Indiquez le motif du rejet." in response.text or "Ce champ est obligatoire." in response.text
    application.refresh_from_db()
    assert application.status == Status.PROPOSED


@pytest.mark.parametrize("make", [proposed_application, not_proposed_application])
def test_rejecting_with_a_reason(client, call, approver, make):
    application = make(call=call)
    client.force_login(approver)
    assert client.get(reject_url(application)).status_code == 200
    response = client.post(reject_url(application), {"reason": "Hors du champ du fonds."}, follow=True)
    assert response.redirect_chain[-1][0] == approval_url(call)
    assert f"Le dossier {application.reference} est rejeté." in response.text
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert application.status_changes.get().comment == "Hors du champ du fonds."


def test_a_laureate_cannot_be_rejected_from_the_page(client, call, approver):
    application = laureate(by=approver, call=call)
    client.force_login(approver)
    response = client.get(reject_url(application), follow=True)
    assert "ne peut plus être rejeté (statut « Lauréat »)" in response.text


def test_rejection_page_scope(client, call):
    application = proposed_application(call=call, department="11")
    client.force_login(caf_instructor("11"))
    assert client.post(reject_url(application), {"reason": "Non."}).status_code == 403
    client.force_login(caf_instructor("30"))
    assert client.get(reject_url(application)).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.PROPOSED


# Award, funding lines, payments --------------------------------------------------------


def award_url(application):
    return reverse("projects:award_detail", args=[application.reference])


def test_award_page_shows_the_lines_with_scheduled_paid_and_remaining(client, approver):
    application = laureate(by=approver)
    line = application.award.lines.get(funder=Funder.CNAF, year=2023)
    pay_line(line, by=approver, amount=Decimal("1234.56"))
    client.force_login(approver)
    response = client.get(award_url(application))
    assert response.status_code == 200
    text = response.text
    assert "Cnaf 2023" in text
    assert "1\u00a0234,56\u00a0€" in text and "3\u00a0765,44\u00a0€" in text  # paid, remaining on the line
    assert "Enregistrer un versement" in text
    # 30,000 € over three years, 10,000 € a year: the annual threshold is not reached, no convention.
    assert "une convention" not in text


def test_award_page_is_read_only_for_departmental_staff_and_hidden_from_other_departments(client, approver):
    application = laureate(by=approver, department="11")
    client.force_login(declared_caf_instructor(application))
    response = client.get(award_url(application))
    assert response.status_code == 200
    assert "Enregistrer un versement" not in response.text
    assert 'name="line' not in response.text
    client.force_login(caf_instructor("30"))
    assert client.get(award_url(application)).status_code == 404


def test_award_page_of_an_application_without_award_answers_404(client, approver):
    client.force_login(approver)
    assert client.get(award_url(proposed_application())).status_code == 404


def test_recording_a_payment_from_the_page(client, approver):
    application = laureate(by=approver)
    line = application.award.lines.get(funder=Funder.STATE, year=2023)
    client.force_login(approver)
    response = client.post(
        reverse("projects:award_payment", args=[application.reference]),
        {"line": line.pk, "paid_on": "2024-02-15", "amount": "2 500,00", "reference": "DP-7", "next": "/ailleurs/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/ailleurs/"
    payment = Payment.objects.get()
    assert (payment.line, payment.amount, payment.reference) == (line, Decimal("2500.00"), "DP-7")


def test_an_overpayment_from_the_page_shows_the_refusal_and_records_nothing(client, approver):
    application = laureate(by=approver)
    line = application.award.lines.get(funder=Funder.STATE, year=2023)
    client.force_login(approver)
    response = client.post(
        reverse("projects:award_payment", args=[application.reference]),
        {"line": line.pk, "paid_on": "2024-02-15", "amount": "5000,01", "next": "https://example.com/"},
    )
    assert response.status_code == 400
    assert "Versement refusé : 5\u00a0000,01\u00a0€ dépasse le reste à verser" in response.text
    assert not Payment.objects.exists()
    # An outside address is never used to send the user back.
    assert 'value="https://example.com/"' not in response.text


def test_a_payment_form_without_its_fields_names_them(client, approver):
    application = laureate(by=approver)
    client.force_login(approver)
    response = client.post(reverse("projects:award_payment", args=[application.reference]), {"amount": "beaucoup"})
    assert response.status_code == 400
    assert "« beaucoup » n’est pas un montant : écrivez par exemple 12 345,67." in response.text
    assert "Ce champ est obligatoire." in response.text


def test_a_payment_dated_in_the_future_is_refused_on_its_date(client, approver):
    application = laureate(by=approver)
    line = application.award.lines.get(funder=Funder.STATE, year=2023)
    client.force_login(approver)
    response = client.post(
        reverse("projects:award_payment", args=[application.reference]),
        {"line": line.pk, "paid_on": "2999-01-01", "amount": "100"},
    )
    assert response.status_code == 400
    assert set(response.context["award_payment_form"].errors) == {"paid_on"}
    assert not Payment.objects.exists()


def test_setting_a_commitment_number_from_the_page(client, approver):
    application = laureate(by=approver)
    line = application.award.lines.get(funder=Funder.STATE, year=2024)
    url = reverse("projects:award_commitment", args=[application.reference, line.pk])
    client.force_login(approver)
    response = client.post(url, {f"line{line.pk}-number": "2103456789"})
    assert response.status_code == 302
    assert response["Location"] == award_url(application)
    line.refresh_from_db()
    assert line.commitment_number == "2103456789"
    response = client.post(url, {f"line{line.pk}-number": "12"})
    assert response.status_code == 400
    assert "compte 10 chiffres" in response.text
    line.refresh_from_db()
    assert line.commitment_number == "2103456789"


def test_each_commitment_number_field_is_named_after_its_funding_line(client, approver):
    application = laureate(by=approver)
    client.force_login(approver)
    text = client.get(award_url(application)).text
    for line in application.award.lines.all():
        assert f'for="id_line{line.pk}-number">Numéro d’engagement — {line.label}</label>' in text
        assert f'Enregistrer<span class="fr-sr-only"> Numéro d’engagement — {line.label}</span>' in text
    assert 'placeholder="Engagement juridique Chorus, 10 chiffres"' in text
    assert 'placeholder="Référence Caf"' in text


def test_payments_and_commitments_are_refused_to_departmental_staff(client, approver):
    application = laureate(by=approver, department="11")
    line = application.award.lines.first()
    client.force_login(caf_instructor("11"))
    assert (
        client.post(
            reverse("projects:award_commitment", args=[application.reference, line.pk]),
            {f"line{line.pk}-number": "2103456789"},
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("projects:award_payment", args=[application.reference]),
            {"line": line.pk, "paid_on": "2024-02-15", "amount": "1"},
        ).status_code
        == 403
    )
    assert not Payment.objects.exists()
    assert not FundingLine.objects.exclude(commitment_number="").exists()


def test_a_line_of_another_award_answers_404(client, approver):
    application, other = laureate(by=approver), laureate(by=approver)
    client.force_login(approver)
    url = reverse("projects:award_commitment", args=[application.reference, other.award.lines.first().pk])
    assert client.post(url, {"number": "2103456789"}).status_code == 404


def test_award_tab_context_runs_a_fixed_number_of_queries(approver, django_assert_num_queries):
    application = laureate(by=approver)
    for line in FundingLine.objects.filter(award__application=application):
        pay_line(line, by=approver, amount=Decimal("1"))
        pay_line(line, by=approver, amount=Decimal("2"))
    approver = type(approver).objects.get(pk=approver.pk)
    with django_assert_num_queries(6):  # memberships, award, lines, payments, amounts + the scope's departments
        context = award_tab_context(application, approver)
    assert len(context["award_lines"]) == 6
    assert len(context["award_payments"]) == 12
    assert context["award_paid"] == Decimal("18")
    assert context["award_payment_form"] is not None


def test_award_tab_context_without_award(db):
    assert award_tab_context(proposed_application(), regional_approver()) == {"award": None}


# Lists and menu -------------------------------------------------------------------------


def test_menu_shows_the_approval_screen_to_the_approver_only(client, call, approver):
    client.force_login(approver)
    text = client.get(reverse("home")).text
    assert reverse("projects:approval_calls") in text and reverse("projects:funding_calls") in text
    client.force_login(caf_instructor("11"))
    text = client.get(reverse("home")).text
    assert reverse("projects:approval_calls") not in text and reverse("projects:funding_calls") in text


def test_call_lists(client, call, approver):
    proposed_application(call=call)
    client.force_login(approver)
    response = client.get(reverse("projects:approval_calls"))
    assert "1 proposition en attente" in response.text
    assert approval_url(call) in response.text
    assert (
        reverse("projects:funding_dashboard", args=[call.reference])
        in client.get(reverse("projects:funding_calls")).text
    )
    client.force_login(caf_instructor("11"))
    assert client.get(reverse("projects:approval_calls")).status_code == 403
    client.force_login(other_region_approver())
    assert call.reference not in client.get(reverse("projects:funding_calls")).text


# Confirmation step and forged posts ------------------------------------------------------


def test_checking_a_selection_shows_its_totals_per_funder_and_year_and_commits_nothing(client, call, approver):
    application = proposed_application(call=call)
    client.force_login(approver)
    response = client.post(approval_url(call), {"action": "check", **row_data(application, ("1000,01", "0", "0"))})
    assert response.status_code == 200
    assert not Award.objects.exists()
    totals = {row.year: (row.state, row.cnaf) for row in response.context["by_year"]}
    assert totals[2023] == (Decimal("500.01"), Decimal("500.00"))
    assert totals[None] == (Decimal("500.01"), Decimal("500.00"))
    assert "Totaux de la sélection par financeur et par année" in response.text
    assert "Année 2024" in response.text
    assert "Confirmer et retenir 1 dossier" in response.text


def test_a_selection_changed_between_check_and_confirmation_is_refused(client, call, approver):
    application = proposed_application(call=call)
    client.force_login(approver)
    step = client.post(approval_url(call), {"action": "check", **row_data(application)})
    changed = {**row_data(application, ("12000,00", "10000,00", "10000,00")), "token": step.context["token"]}
    response = client.post(approval_url(call), {**changed, "action": "confirm"})
    assert response.status_code == 200
    assert f"<strong>{application.reference}</strong> : la sélection a changé" in response.text
    assert not Award.objects.exists()


def test_a_confirmation_names_only_the_files_changed_since_the_check(client, call, approver):
    kept, changed, added = (proposed_application(call=call) for _index in range(3))
    client.force_login(approver)
    step = client.post(approval_url(call), {"action": "check", **row_data(kept), **row_data(changed)})
    data = {**row_data(kept), **row_data(changed, ("9000,00", "10000,00", "10000,00")), **row_data(added)}
    response = client.post(approval_url(call), {**data, "token": step.context["token"], "action": "confirm"})
    named = sorted([changed.reference, added.reference])
    assert f"<strong>{', '.join(named)}</strong> : la sélection a changé" in response.text
    assert kept.reference not in response.context["failures"][0][0]
    assert not Award.objects.exists()


def test_a_confirmation_with_a_forged_token_is_refused(client, call, approver):
    application = proposed_application(call=call)
    client.force_login(approver)
    response = client.post(approval_url(call), {"action": "confirm", "token": "forged", **row_data(application)})
    assert "la sélection a changé" in response.text
    assert not Award.objects.exists()


def test_a_confirmation_naming_an_unknown_or_foreign_application_is_refused_by_name(client, call, approver):
    application = proposed_application(call=call)
    elsewhere = laureate(by=approver, call=call)
    client.force_login(approver)
    step = client.post(approval_url(call), {"action": "check", **row_data(application)})
    data = {**row_data(application), "token": step.context["token"], "action": "confirm"}
    data |= {"p999999-selected": "on", f"p{elsewhere.pk}-selected": "on"}
    response = client.post(approval_url(call), data)
    assert response.status_code == 200
    assert "<strong>n° 999999</strong> : ce dossier n’est pas en attente de validation." in response.text
    assert f"<strong>{elsewhere.reference}</strong> : ce dossier n’est pas en attente" in response.text
    assert Award.objects.count() == 1


def test_a_year_over_its_envelope_is_refused_at_confirmation_and_named(client, call, approver):
    YearEnvelope.objects.create(call=call, year=2024, amount=Decimal("5000"))
    application = proposed_application(call=call)
    client.force_login(approver)
    step = client.post(approval_url(call), {"action": "check", **row_data(application)})
    assert step.context["exceeded"]
    assert "data-confirm-selection" not in step.text
    data = {**row_data(application), "token": step.context["token"], "action": "confirm"}
    response = client.post(approval_url(call), data)
    assert f"Enveloppe de l’année 2024 dépassée pour le dossier {application.reference}" in response.text
    assert not Award.objects.exists()


def test_changing_the_selection_comes_back_to_the_screen_as_it_was_typed(client, call, approver):
    application = proposed_application(call=call)
    other = proposed_application(call=call)
    client.force_login(approver)
    data = {**row_data(application, ("1234,00", "0", "0")), **row_data(other, selected=False)}
    step = client.post(approval_url(call), {"action": "check", **data})
    assert 'value="1234,00"' in step.text
    back = client.post(approval_url(call), {"action": "edit", **data})
    assert back.status_code == 200
    assert "Propositions en attente de validation" in back.text
    assert 'value="1234,00"' in back.text
    assert not Award.objects.exists()
