import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.models import Attachment
from projects.services import attach_file
from projects.uploads import MAX_ATTACHMENT_SIZE, detect_content_type
from tests.departments.factories import administrator, caf_instructor, department, regional_approver
from tests.projects.factories import ApplicationFactory
from tests.projects.sample_files import (
    ACCEPTED,
    docx_bytes,
    odt_bytes,
    pdf_bytes,
    plain_zip_bytes,
    png_bytes,
    upload,
    xlsx_bytes,
)
from tests.reviews.factories import declared_caf_instructor


def upload_url(application):
    return reverse("projects:attachment_upload", kwargs={"reference": application.reference})


def download_url(attachment):
    return reverse(
        "projects:attachment_download",
        kwargs={"reference": attachment.application.reference, "pk": attachment.pk},
    )


def stored_files(settings):
    root = settings.MEDIA_ROOT
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_accepted_kind_is_stored_under_a_generated_name(client, db, settings, name):
    build, content_type = ACCEPTED[name]
    content = build()
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    response = client.post(upload_url(application), {"file": upload(name, content), "description": "Pièce du dossier"})
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.content_type == content_type
    assert attachment.original_name == name
    assert attachment.size == len(content)
    assert attachment.sha256 == hashlib.sha256(content).hexdigest()
    assert attachment.file.name.startswith(f"attachments/{application.pk}/")
    assert name.rsplit(".", 1)[0] not in attachment.file.name
    assert stored_files(settings)[0].read_bytes() == content


REFUSED = {
    "a script renamed .pdf": ("budget.pdf", b"#!/bin/sh\nrm -rf /\n", "n’est pas celui d’un fichier PDF"),
    "html renamed .png": ("plan.png", b"<html><script>alert(1)</script></html>", "n’est pas celui d’un fichier PNG"),
    "a PDF renamed .docx": ("note.docx", pdf_bytes(), "n’est pas celui d’un fichier DOCX"),
    "a DOCX renamed .xlsx": ("budget.xlsx", docx_bytes(), "n’est pas celui d’un fichier XLSX"),
    "an ODT renamed .ods": ("budget.ods", odt_bytes(), "n’est pas celui d’un fichier ODS"),
    "a plain zip renamed .docx": ("note.docx", plain_zip_bytes({"word/x.txt": b"x"}), "fichier DOCX"),
    "a zip declaring another ODF type": (
        "statuts.odt",
        plain_zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.presentation"}),
        "fichier ODT",
    ),
    "a broken zip": ("budget.xlsx", b"PK\x03\x04" + b"\x00" * 200, "fichier XLSX"),
    "an executable": ("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, "seuls les PDF, ODT, DOCX, ODS, XLSX, PNG et JPEG"),
    "a file without extension": ("budget", pdf_bytes(), "n’est pas accepté"),
    "an XLSX renamed .txt": ("budget.txt", xlsx_bytes(), "n’est pas accepté"),
    "an empty file": ("vide.pdf", b"", "est vide"),
}


@pytest.mark.parametrize("case", REFUSED)
def test_refused_upload_shows_the_reason_and_stores_nothing(client, db, settings, case):
    name, content, reason = REFUSED[case]
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    response = client.post(upload_url(application), {"file": upload(name, content, "application/pdf")})
    assert response.status_code == 200
    panel = response.context["panel"]
    assert panel.id == "pieces-jointes"
    assert reason in str(panel.context["upload_form"].errors["file"])
    assert reason in response.text
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_file_above_ten_megabytes_is_refused(client, db, settings):
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    content = pdf_bytes() + b"0" * (MAX_ATTACHMENT_SIZE + 1 - len(pdf_bytes()))
    response = client.post(upload_url(application), {"file": upload("gros.pdf", content)})
    assert response.status_code == 200
    assert "la limite est de 10,0" in response.text
    assert not Attachment.objects.exists()
    assert stored_files(settings) == []


def test_a_file_of_exactly_ten_megabytes_is_accepted(db):
    application = ApplicationFactory(submitted=True)
    content = pdf_bytes() + b"0" * (MAX_ATTACHMENT_SIZE - len(pdf_bytes()))
    attachment = attach_file(application=application, uploaded_file=upload("lourd.pdf", content), by=administrator())
    assert attachment.size == MAX_ATTACHMENT_SIZE


def test_the_service_checks_the_content_too(db):
    with pytest.raises(ValidationError, match="fichier PNG"):
        attach_file(
            application=ApplicationFactory(),
            uploaded_file=upload("plan.png", pdf_bytes()),
            by=administrator(),
        )
    assert not Attachment.objects.exists()


def test_instructors_may_not_upload(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(caf_instructor("11"))
    response = client.post(upload_url(application), {"file": upload("budget.pdf", pdf_bytes())})
    assert response.status_code == 403
    assert not Attachment.objects.exists()


def test_upload_to_another_departments_application_answers_404(client, db):
    application = ApplicationFactory(submitted=True, department=department("31"))
    client.force_login(caf_instructor("11"))
    response = client.post(upload_url(application), {"file": upload("budget.pdf", pdf_bytes())})
    assert response.status_code == 404


def test_upload_needs_a_post(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    assert client.get(upload_url(application)).status_code == 405


@pytest.fixture
def stored_attachment(db):
    application = ApplicationFactory(submitted=True)
    return attach_file(
        application=application,
        uploaded_file=upload("Budget prévisionnel 2023.pdf", pdf_bytes()),
        by=administrator(),
        description="Budget",
    )


def test_undeclared_instructor_cannot_download_attachments(client, stored_attachment):
    client.force_login(caf_instructor("11"))
    url = reverse(
        "projects:attachment_download",
        kwargs={"reference": stored_attachment.application.reference, "pk": stored_attachment.pk},
    )
    assert client.get(url).status_code == 403


def test_download_is_an_attachment_with_nosniff(client, stored_attachment):
    client.force_login(declared_caf_instructor(stored_attachment.application))
    response = client.get(download_url(stored_attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "Budget%20pr%C3%A9visionnel%202023.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_download_from_another_department_answers_404(client, stored_attachment):
    client.force_login(caf_instructor("31"))
    assert client.get(download_url(stored_attachment)).status_code == 404


def test_an_attachment_cannot_be_reached_through_another_application(client, stored_attachment):
    other = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    url = reverse("projects:attachment_download", kwargs={"reference": other.reference, "pk": stored_attachment.pk})
    assert client.get(url).status_code == 404


def test_download_needs_a_signed_in_user(client, stored_attachment):
    response = client.get(download_url(stored_attachment))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_files_are_not_served_from_the_media_url(client, settings, stored_attachment):
    client.force_login(regional_approver())
    response = client.get(f"{settings.MEDIA_URL}{stored_attachment.file.name}")
    assert response.status_code == 404


def test_attachments_tab_lists_the_files_with_their_download_link(client, stored_attachment):
    client.force_login(declared_caf_instructor(stored_attachment.application))
    response = client.get(
        reverse("projects:application_detail", kwargs={"reference": stored_attachment.application.reference}),
        {"onglet": "pieces-jointes"},
    )
    assert "Budget prévisionnel 2023.pdf" in response.text
    assert download_url(stored_attachment) in response.text
    assert "Ajouter la pièce" not in response.text


def test_attachments_tab_offers_the_upload_form_to_managers(client, stored_attachment):
    client.force_login(regional_approver())
    response = client.get(
        reverse("projects:application_detail", kwargs={"reference": stored_attachment.application.reference}),
        {"onglet": "pieces-jointes"},
    )
    assert "Ajouter la pièce" in response.text


def test_detection_reads_the_content_not_the_name(db):
    assert detect_content_type(upload("x.docx", png_bytes())) == "image/png"
    assert detect_content_type(upload("x.pdf", b"just text")) is None


def test_a_file_missing_on_disk_answers_404(client, stored_attachment):
    stored_attachment.file.storage.delete(stored_attachment.file.name)
    client.force_login(regional_approver())
    assert client.get(download_url(stored_attachment)).status_code == 404
