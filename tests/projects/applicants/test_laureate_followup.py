"""The laureate's follow-up in their space: the convention and its signed copy, the yearly reports."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from projects.applicants.followup import file_laureate_report, return_signed_copy
from projects.exceptions import PermissionRefused
from projects.followup.models import Convention, ConventionVersion, ReportStatus, ReportVersion, YearlyReport
from projects.followup.services import review_report
from projects.notifications.models import Message
from tests.departments.factories import caf_instructor, regional_approver
from tests.projects.applicants.factories import file_of, signed_in_applicant
from tests.projects.followup.factories import filed_report, laureate_under_terms
from tests.projects.sample_files import pdf_bytes

pytestmark = pytest.mark.django_db

MINE = "mairie@lezignan.example"
THEIRS = "ccas@tournefeuille.example"


@pytest.fixture
def approver(db):
    """The regional prefecture's approver, who approves the laureates and sends their conventions."""
    return regional_approver()


def laureate_of(email: str, approver, **fields):
    """A notified laureate whose contact is `email` (10,000 € a year, 2023 to 2025)."""
    application = laureate_under_terms(by=approver, notified=True, **fields)
    application.applicant.contact_email = email
    application.applicant.save(update_fields=["contact_email"])
    return application


def sent_convention(application, *, by) -> Convention:
    """A convention sent to the laureate, its one version stored as the tracking pages leave it."""
    convention = Convention.objects.create(award=application.award, updated_by=by, sent_at=timezone.now())
    version = ConventionVersion(convention=convention, version=1, sha256="0" * 64, generated_by=by)
    version.file.save("convention.pdf", ContentFile(pdf_bytes()), save=False)
    version.save()
    return convention


def a_pdf(content=None):
    return SimpleUploadedFile("signee.pdf", content or pdf_bytes(), content_type="application/pdf")


def report_post(year=2023, **changes) -> dict:
    data = {
        "year": str(year),
        "expenses-64-planned": "8 000",
        "expenses-64-actual": "7 500,50",
        "income-74-fipe-planned": "10 000",
        "income-74-fipe-actual": "10 000",
        "subsidy_used": "9 000",
        "gaps_explanation": "Un recrutement décalé.",
        "indicator-children": "12",
        "indicator-families": "9",
        "comment": "",
    }
    return {**data, **changes}


def file_url(application):
    return reverse("projects:applicant_file", kwargs={"pk": application.pk})


def report_url(application):
    return reverse("projects:applicant_report", kwargs={"pk": application.pk})


def signed_copy_url(application):
    return reverse("projects:applicant_signed_copy", kwargs={"pk": application.pk})


# The file page -------------------------------------------------------------------------------


def test_a_laureate_file_shows_its_followup_with_the_convention_and_the_reports(approver, django_assert_num_queries):
    application = laureate_of(MINE, approver)
    sent_convention(application, by=approver)
    client = signed_in_applicant(MINE)
    with django_assert_num_queries(14):
        response = client.get(file_url(application))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Suivi de la subvention" in page and "Envoyée, en attente de signature" in page
    assert reverse("projects:applicant_convention", kwargs={"pk": application.pk}) in page
    assert signed_copy_url(application) in page
    assert "Déposer le compte rendu 2023" in page and "Déposer le compte rendu 2025" in page


def test_a_file_that_is_not_a_laureate_shows_no_followup(approver):
    application = file_of(MINE, submitted=True)
    page = signed_in_applicant(MINE).get(file_url(application)).content.decode()
    assert "Suivi de la subvention" not in page


def test_the_laureate_downloads_the_convention_once_sent_only(approver):
    application = laureate_of(MINE, approver)
    convention = sent_convention(application, by=approver)
    url = reverse("projects:applicant_convention", kwargs={"pk": application.pk})
    client = signed_in_applicant(MINE)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == pdf_bytes()
    Convention.objects.filter(pk=convention.pk).update(sent_at=None)
    assert client.get(url).status_code == 404


# Scope -------------------------------------------------------------------------------------------


def test_another_applicants_convention_and_reports_answer_404(approver):
    theirs = laureate_of(THEIRS, approver)
    sent_convention(theirs, by=approver)
    client = signed_in_applicant(MINE)
    assert client.get(reverse("projects:applicant_convention", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.get(signed_copy_url(theirs)).status_code == 404
    assert client.get(report_url(theirs)).status_code == 404
    assert client.post(report_url(theirs), report_post()).status_code == 404
    assert client.post(signed_copy_url(theirs), {"signed_copy": a_pdf()}).status_code == 404
    assert not YearlyReport.objects.exists() and not Convention.objects.get().signed_received_at


def test_a_file_that_is_not_a_laureate_refuses_the_followup_posts(approver):
    application = file_of(MINE, submitted=True)
    client = signed_in_applicant(MINE)
    assert client.post(report_url(application), report_post()).status_code == 404
    assert client.post(signed_copy_url(application), {"signed_copy": a_pdf()}).status_code == 404


def test_the_services_refuse_an_address_that_does_not_hold_the_file(approver):
    application = laureate_of(THEIRS, approver)
    convention = sent_convention(application, by=approver)
    with pytest.raises(PermissionRefused):
        return_signed_copy(application=application, email=MINE, uploaded=a_pdf())
    with pytest.raises(PermissionRefused):
        file_laureate_report(application=application, email=MINE, year=2023, **filing())
    convention.refresh_from_db()
    assert not convention.signed_received_at and not YearlyReport.objects.exists()


# The signed copy -------------------------------------------------------------------------------


def test_the_laureate_uploads_the_signed_copy_recorded_under_their_address(approver):
    application = laureate_of(MINE, approver)
    convention = sent_convention(application, by=approver)
    response = signed_in_applicant(MINE).post(signed_copy_url(application), {"signed_copy": a_pdf()})
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.stage == "returned" and convention.signed_copy_by_applicant == MINE
    assert convention.updated_by == approver


def test_a_signed_copy_that_is_not_a_pdf_is_refused_on_its_field(approver, django_assert_num_queries):
    application = laureate_of(MINE, approver)
    convention = sent_convention(application, by=approver)
    client = signed_in_applicant(MINE)
    with django_assert_num_queries(7):
        response = client.post(signed_copy_url(application), {"signed_copy": a_pdf(b"#!/bin/sh\necho\n")})
    assert response.status_code == 400
    assert "n’est pas un fichier PDF" in response.context["form"].errors["signed_copy"][0]
    convention.refresh_from_db()
    assert not convention.signed_copy and convention.signed_received_at is None


def test_a_signed_copy_is_refused_before_the_convention_is_sent(approver):
    application = laureate_of(MINE, approver)
    convention = sent_convention(application, by=approver)
    Convention.objects.filter(pk=convention.pk).update(sent_at=None)
    response = signed_in_applicant(MINE).post(signed_copy_url(application), {"signed_copy": a_pdf()}, follow=True)
    assert "pas encore été envoyée" in response.content.decode()
    convention.refresh_from_db()
    assert convention.signed_received_at is None


# Reports ---------------------------------------------------------------------------------------


def filing(**changes) -> dict:
    return {
        "financial": {"expenses": {"64": {"planned": "8000", "actual": "7500"}}},
        "subsidy_used": "9000",
        "gaps_explanation": "",
        "indicators": {"children": "12"},
        **changes,
    }


def test_the_laureate_files_a_report_through_the_followup_service(approver, django_assert_num_queries):
    application = laureate_of(MINE, approver)
    client = signed_in_applicant(MINE)
    with django_assert_num_queries(6):
        assert client.get(f"{report_url(application)}?annee=2023").status_code == 200
    response = client.post(report_url(application), report_post())
    assert response.status_code == 302
    version = ReportVersion.objects.get()
    assert version.filed_by is None and version.filed_by_applicant == MINE
    assert version.report.status == ReportStatus.FILED and str(version.subsidy_used) == "9000.00"
    assert version.financial["expenses"]["64"] == {"planned": "8000.00", "actual": "7500.50"}
    assert version.indicators == {"children": 12, "families": 9}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("expenses-64-actual", "-10"),
        ("expenses-64-actual", "beaucoup"),
        ("subsidy_used", "-1"),
        ("indicator-children", "-3"),
        ("indicator-families", "douze"),
        ("year", "2031"),
    ],
)
def test_a_bad_figure_or_year_is_refused_on_its_field_and_nothing_saved(approver, field, value):
    application = laureate_of(MINE, approver)
    response = signed_in_applicant(MINE).post(report_url(application), report_post(**{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not YearlyReport.objects.exists() and not ReportVersion.objects.exists()


def test_the_service_refuses_a_year_outside_the_programme_on_its_field(approver):
    application = laureate_of(MINE, approver)
    with pytest.raises(ValidationError) as refusal:
        file_laureate_report(application=application, email=MINE, year=2030, **filing())
    assert "year" in refusal.value.message_dict
    assert not YearlyReport.objects.exists()


def test_a_report_awaiting_review_is_not_filed_again_by_the_laureate(approver):
    application = laureate_of(MINE, approver)
    filed_report(application, year=2023)
    response = signed_in_applicant(MINE).post(report_url(application), report_post(2023))
    assert response.status_code == 400 and response.context["form"].errors["year"]
    assert ReportVersion.objects.count() == 1


def test_a_report_sent_back_for_corrections_is_filed_again_then_reviewed(approver):
    application = laureate_of(MINE, approver)
    instructor = caf_instructor(application.department.code)
    report = filed_report(application, year=2023, by=instructor)
    review_report(report=report, by=instructor, accept=False, message="Détaillez les charges de personnel.")
    client = signed_in_applicant(MINE)
    page = client.get(f"{report_url(application)}?annee=2023").content.decode()
    assert "Détaillez les charges de personnel." in page and 'name="subsidy_used" value="5000,00"' in page
    assert client.post(report_url(application), report_post(2023)).status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.FILED and report.versions.count() == 2
    review_report(report=report, by=instructor, accept=True)
    report.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED


def test_the_report_page_sends_back_when_no_report_is_to_be_filed(approver):
    application = laureate_of(MINE, approver)
    YearlyReport.objects.bulk_create(
        YearlyReport(award=application.award, year=year, status=ReportStatus.ACCEPTED) for year in (2023, 2024, 2025)
    )
    response = signed_in_applicant(MINE).get(report_url(application))
    assert response.status_code == 302 and response.url.endswith("#suivi")


def test_due_dates_show_on_the_file_page(approver):
    application = laureate_of(MINE, approver)
    page = signed_in_applicant(MINE).get(file_url(application)).content.decode()
    assert datetime.date(2024, 6, 30).strftime("%d/%m/%Y") in page


def test_the_instructors_see_what_the_laureate_filed_and_returned(approver):
    application = laureate_of(MINE, approver, amounts={year: Decimal("30000") for year in (2023, 2024, 2025)})
    sent_convention(application, by=approver)
    return_signed_copy(application=application, email=MINE, uploaded=a_pdf())
    file_laureate_report(application=application, email=MINE, year=2023, **filing())
    client = Client()
    client.force_login(approver)
    page = client.get(reverse("projects:followup_detail", args=[application.reference])).content.decode()
    assert "déposé par le porteur, mairie@lezignan.example, dans son espace" in page
    assert "mairie@lezignan.example (porteur de projet)" in page


def test_the_instructors_are_told_of_a_report_and_the_approvers_of_a_signed_copy(approver):
    application = laureate_of(MINE, approver)
    instructor = caf_instructor(application.department.code)
    sent_convention(application, by=approver)
    return_signed_copy(application=application, email=MINE, uploaded=a_pdf())
    file_laureate_report(application=application, email=MINE, year=2024, **filing())
    told = {message.event: message for message in Message.objects.all()}
    assert told["laureate_signed_copy_returned"].recipient == approver.email
    assert told["laureate_report_filed"].recipient == instructor.email
    assert "compte rendu 2024" in told["laureate_report_filed"].body_text
