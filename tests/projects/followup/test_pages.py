"""The follow-up pages: the « Suivi » tab and page, filing and reviewing a report, recoveries, signed copies."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.enums import OrganisationKind
from projects.followup.conventions import generate_convention, mark_convention_sent
from projects.followup.models import Convention, Recovery, ReportStatus, ReportVersion, YearlyReport
from projects.followup.schedule import PAYABLE, WAITING, line_state
from tests.departments.factories import caf_instructor, organisation
from tests.projects.awards.factories import other_region_approver, pay_line
from tests.projects.followup.factories import filed_report, laureate_under_terms, line_of
from tests.projects.letters.factories import signatory
from tests.projects.sample_files import pdf_bytes
from tests.reviews.factories import declared_caf_instructor


@pytest.fixture
def application(approver):
    return laureate_under_terms(by=approver, notified=True)


def detail_url(application):
    return reverse("projects:followup_detail", args=[application.reference])


def report_data(**overrides):
    data = {
        "year": "2023",
        "subsidy_used": "4 500,00",
        "expenses-64-planned": "10 000",
        "expenses-64-actual": "9 000",
        "income-74-fipe-planned": "5 000",
        "income-74-fipe-actual": "5 000",
        "gaps_explanation": "Un recrutement décalé de deux mois.",
        "indicator-children": "24",
        "indicator-families": "18",
        "comment": "",
    }
    data.update(overrides)
    return data


def test_the_followup_list_leads_each_call_of_the_region_to_its_dashboard(client, application, approver):
    client.force_login(approver)
    response = client.get(reverse("projects:followup_calls"))
    assert response.status_code == 200
    assert "<h1>Suivi des lauréats</h1>" in response.text
    assert reverse("projects:followup_dashboard", args=[application.call.reference]) in response.text
    client.force_login(other_region_approver())
    assert application.call.reference not in client.get(reverse("projects:followup_calls")).text


def test_the_followup_tab_shows_schedule_reports_and_conditions(
    client, application, approver, django_assert_num_queries
):
    client.force_login(approver)
    url = reverse("projects:application_detail", args=[application.reference]) + "?onglet=suivi"
    response = client.get(url)
    assert response.status_code == 200
    text = response.text
    assert "Échéancier des versements" in text
    assert "Avance État 2023" in text and "Solde État 2023" in text
    assert "Attend : compte rendu 2023 accepté." in text
    assert "Compte rendu 2023 — attendu le 30 juin 2024" in text
    with django_assert_num_queries(9):
        assert client.get(detail_url(application)).status_code == 200


def test_an_instructor_files_a_report_for_the_laureate(client, application):
    client.force_login(declared_caf_instructor(application))
    url = reverse("projects:report_file", args=[application.reference])
    assert client.get(url + "?annee=2023").status_code == 200
    response = client.post(url, report_data())
    assert response.status_code == 302
    version = ReportVersion.objects.get()
    assert version.subsidy_used == Decimal("4500.00")
    assert version.financial["expenses"]["64"] == {"planned": "10000.00", "actual": "9000.00"}
    assert version.indicators == {"children": 24, "families": 18}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("subsidy_used", "-5"),
        ("subsidy_used", "beaucoup"),
        ("expenses-64-actual", "-1"),
        ("income-70-planned", "douze"),
        ("indicator-children", "-3"),
        ("indicator-families", "dix"),
        ("year", "2026"),
    ],
)
def test_bad_report_figures_are_refused_on_their_field(client, application, field, value):
    client.force_login(declared_caf_instructor(application))
    response = client.post(reverse("projects:report_file", args=[application.reference]), report_data(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not YearlyReport.objects.exists()


def test_accepting_the_report_makes_the_balance_payable(client, application, approver):
    line = line_of(application)
    pay_line(line, by=approver, amount=Decimal("2500"))
    filed_report(application)
    assert [item.state for item in line_state(line)[0]] == ["paid", WAITING]
    client.force_login(declared_caf_instructor(application))
    response = client.post(
        reverse("projects:report_review", args=[application.reference, 2023]),
        {"review2023-decision": "accept", "review2023-message": ""},
    )
    assert response.status_code == 302
    assert YearlyReport.objects.get().status == ReportStatus.ACCEPTED
    assert [item.state for item in line_state(line)[0]] == ["paid", PAYABLE]


def test_corrections_without_a_message_are_refused(client, application):
    filed_report(application)
    client.force_login(declared_caf_instructor(application))
    response = client.post(
        reverse("projects:report_review", args=[application.reference, 2023]),
        {"review2023-decision": "corrections", "review2023-message": ""},
        follow=True,
    )
    assert "Dites au porteur ce qu’il doit corriger." in response.text
    assert YearlyReport.objects.get().status == ReportStatus.FILED


def test_a_recovery_above_what_was_paid_is_refused_on_its_field(client, application, approver):
    line = line_of(application)
    pay_line(line, by=approver, amount=Decimal("2500"))
    client.force_login(declared_caf_instructor(application))
    url = reverse("projects:recovery_create", args=[application.reference])
    response = client.post(url, {"line": line.pk, "amount": "2 500,01", "reason": "Non utilisé."})
    assert response.status_code == 400
    assert "dépasse ce qui a été versé" in response.context["followup_recovery_form"].errors["amount"][0]
    assert not Recovery.objects.exists()
    assert client.post(url, {"line": line.pk, "amount": "500", "reason": "Non utilisé."}).status_code == 302
    assert Recovery.objects.get().amount == Decimal("500.00")


def test_a_recovery_posted_on_another_awards_line_is_refused_on_its_field(client, application, approver):
    pay_line(line_of(application), by=approver, amount=Decimal("2500"))
    foreign = line_of(laureate_under_terms(by=approver, notified=True))
    pay_line(foreign, by=approver, amount=Decimal("2500"))
    client.force_login(declared_caf_instructor(application))
    url = reverse("projects:recovery_create", args=[application.reference])
    response = client.post(url, {"line": foreign.pk, "amount": "500", "reason": "Non utilisé."})
    assert response.status_code == 400
    assert response.context["followup_recovery_form"].errors["line"]
    assert not Recovery.objects.exists()


def test_a_signed_copy_that_is_not_a_pdf_is_refused_on_its_field(client, approver, quick_pdfs):
    signatory()
    organisation(OrganisationKind.CAF, "11")
    application = laureate_under_terms(by=approver, amounts={2023: Decimal("30000")})
    generate_convention(award=application.award, by=approver)
    mark_convention_sent(convention=Convention.objects.get(), by=approver)
    client.force_login(approver)
    url = reverse("projects:convention_signed_copy", args=[application.reference])
    fake = SimpleUploadedFile("signee.pdf", b"GIF89a pas un pdf", content_type="application/pdf")
    response = client.post(url, {"signed_copy": fake})
    assert response.status_code == 400
    assert response.context["followup_signed_copy_form"].errors["signed_copy"]
    assert not Convention.objects.get().signed_copy
    real = SimpleUploadedFile("signee.pdf", pdf_bytes(), content_type="application/pdf")
    assert client.post(url, {"signed_copy": real}).status_code == 302
    assert Convention.objects.get().signed_received_at is not None


def test_a_recovery_shows_on_the_line_and_in_the_award_decisions_export(client, application, approver):
    from projects.exchange.exports import award_rows, awards_of, headers_for
    from projects.followup.services import record_recovery

    line = line_of(application)
    pay_line(line, by=approver, amount=Decimal("2500"))
    record_recovery(line=line, by=caf_instructor("11"), amount="750", reason="Non utilisé.")
    client.force_login(approver)
    response = client.get(reverse("projects:award_detail", args=[application.reference]))
    assert response.status_code == 200
    assert "750,00\u00a0€" in response.text
    years = application.call.programme_years
    assert headers_for(years)[-1] == "À reverser (€)"
    assert [row[-1] for row in award_rows(awards_of(call=application.call), years)] == [Decimal("750.00")]
