"""The applicant's space in Chromium: filing online, the request for more information round trip."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from departments.models import Department
from projects.applicants.demo import OPEN_CALL
from projects.applicants.exchanges import send_information_reminders
from projects.applicants.models import InformationRequest
from projects.demo.data import illustrative_siret
from projects.enums import Status
from projects.models import Application, Call
from reviews.instruction.services import declare_conflict
from tests.e2e.applicants import applicant_sign_in
from tests.e2e.conftest import SCREENSHOTS, serious_violations, sign_in
from tests.e2e.test_every_page import form_problems, pick, press_button, type_into
from tests.mail import sent_mail
from tests.permission_table import by_title
from tests.projects.sample_files import pdf_bytes

EMAIL = "mairie@quillan.example"


@pytest.fixture(autouse=True)
def fail_fast(page):
    page.set_default_timeout(10_000)


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"applicant-{name}.png"), full_page=True)


def upload_piece(page, label: str, path) -> None:
    page.get_by_label("Pièce", exact=True).select_option(label=label)
    page.get_by_label("Fichier").set_input_files(path)
    page.get_by_role("button", name="Enregistrer la pièce").click()
    expect(page.get_by_text(f"Pièce « {label} » enregistrée.")).to_be_visible()


def test_an_applicant_files_online_and_the_instructors_receive_it(page, site, new_context, tmp_path):
    piece = tmp_path / "piece.pdf"
    piece.write_bytes(pdf_bytes())
    applicant_sign_in(page, site, EMAIL)
    page.get_by_role("link", name=f"Déposer un dossier ({OPEN_CALL})").click()
    page.get_by_label("SIRET").fill(illustrative_siret(777))
    page.get_by_label("Raison sociale").fill("Commune de Quillan")
    page.get_by_label("Forme juridique").select_option(label="Commune")
    page.get_by_label("Adresse", exact=True).fill("Place de la mairie")
    page.get_by_label("Code postal").fill("11500")
    page.get_by_label("Commune", exact=True).fill("Quillan")
    page.get_by_label("Nom du contact").fill("Lucie Bonnet")
    page.get_by_label("Département").select_option(value=str(Department.objects.get(code="11").pk))
    page.get_by_label("Intitulé du projet").fill("Relais petite enfance de la haute vallée")
    page.get_by_label("Commune du projet").fill("Quillan")
    page.get_by_label("Catégorie").select_option(label="Formation des professionnels")
    page.get_by_label("Résumé").fill("Des formations pour les assistantes maternelles de la haute vallée.")
    page.get_by_label("Budget total du projet (€)").fill("90 000")
    page.get_by_label("Montant demandé pour 2027 (€)").fill("20 000")
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_text("Brouillon enregistré.")).to_be_visible()
    draft = Application.objects.get(title="Relais petite enfance de la haute vallée")
    assert draft.reference is None and draft.status == Status.DRAFT

    upload_piece(page, "Budget prévisionnel", piece)
    page.get_by_role("link", name="Continuer vers le récapitulatif").click()
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.get_by_text("Pièces manquantes : Statuts ou délibération, RIB.")).to_be_visible()
    assert Application.objects.get(pk=draft.pk).status == Status.DRAFT
    shoot(page, "missing-piece")

    page.get_by_role("link", name="2. Pièces").click()
    upload_piece(page, "Statuts ou délibération", piece)
    upload_piece(page, "RIB", piece)
    page.get_by_role("link", name="Continuer vers le récapitulatif").click()
    page.get_by_role("button", name="Déposer", exact=True).click()
    expect(page.get_by_text("Votre dossier est déposé sous la référence")).to_be_visible()
    shoot(page, "filed")
    assert not serious_violations(page)
    filed = Application.objects.get(pk=draft.pk)
    assert filed.status == Status.SUBMITTED and filed.reference.startswith(f"{OPEN_CALL}-011-")
    assert filed.status_changes.filter(to_status=Status.SUBMITTED, by_applicant=EMAIL).exists()

    answer = page.request.get(f"{site}/espace-porteur/dossiers/{filed.pk}/accuse-de-reception.pdf")
    assert answer.status == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.body())).pages)
    for expected in ("Accusé de réception", filed.reference, "Commune de Quillan", "réputée rejetée", "DDETS"):
        assert expected in text, expected
    (receipt,) = [message for message in sent_mail() if filed.reference in message.subject]
    assert receipt.to == [EMAIL] and receipt.attachments[0][2] == "application/pdf"

    instructor = new_context().new_page()
    sign_in(instructor, site, "caf-11")
    instructor.goto(f"{site}/dossiers/?q=haute+vallée")
    expect(instructor.get_by_role("link", name=filed.reference)).to_be_visible()


def test_filing_after_the_closing_date_is_refused(page, site):
    call = Call.objects.get(reference=OPEN_CALL)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Call.objects.filter(pk=call.pk).update(opens_on=yesterday - datetime.timedelta(days=30), closes_on=yesterday)
    applicant_sign_in(page, site, EMAIL)
    expect(page.get_by_text(f"Déposer un dossier ({OPEN_CALL})")).to_have_count(0)
    page.goto(f"{site}/espace-porteur/appels/{OPEN_CALL}/deposer/")
    expect(page.get_by_text(f"clos depuis le {yesterday:%d/%m/%Y}")).to_be_visible()


def test_a_request_for_information_goes_and_comes_back(page, site, new_context, tmp_path):
    in_review = by_title("Motricité libre")  # Haute-Garonne
    caf_31 = get_user_model().objects.get(username="caf-31")
    declare_conflict(application=in_review, user=caf_31, has_conflict=False)
    instructor = new_context().new_page()
    instructor.set_default_timeout(10_000)
    sign_in(instructor, site, caf_31.username)
    instructor.goto(f"{site}/dossiers/{in_review.reference}/?onglet=echanges")
    instructor.get_by_role("link", name="Demander des compléments").click()
    instructor.get_by_label("Message au porteur de projet").fill("Merci d’envoyer le devis des aménagements.")
    instructor.get_by_label("Pièces demandées").fill("Devis")
    deadline = timezone.localdate() + datetime.timedelta(days=7)
    instructor.get_by_label("À fournir avant le").fill(deadline.isoformat())
    instructor.get_by_role("button", name="Envoyer la demande").click()
    expect(instructor.get_by_text("Demande de compléments envoyée au porteur de projet.")).to_be_visible()
    assert Application.objects.get(pk=in_review.pk).status == Status.AWAITING_INFORMATION
    request = InformationRequest.objects.get(application=in_review)

    assert send_information_reminders(today=deadline - datetime.timedelta(days=2)) == 1
    email = in_review.applicant.contact_email
    assert any(message.to == [email] and "Rappel" in message.subject for message in sent_mail())

    piece = tmp_path / "devis.pdf"
    piece.write_bytes(pdf_bytes())
    applicant_sign_in(page, site, email)
    page.get_by_role("link", name=in_review.title).click()
    page.get_by_role("link", name="Répondre").click()
    page.get_by_label("Votre réponse").fill("Voici le devis signé.")
    page.get_by_label("Pièces jointes").set_input_files(piece)
    page.get_by_role("button", name="Envoyer ma réponse").click()
    expect(page.get_by_text("Votre réponse est transmise aux instructeurs.")).to_be_visible()
    assert not serious_violations(page)

    rows = list(in_review.status_changes.order_by("at", "pk").values_list("from_status", "to_status", "by_applicant"))
    assert rows[-2:] == [
        (Status.IN_REVIEW, Status.AWAITING_INFORMATION, ""),
        (Status.AWAITING_INFORMATION, Status.IN_REVIEW, email),
    ]
    request.refresh_from_db()
    assert request.answered_at is not None and request.reminded_at is not None
    # The instructor's home leads to the file the applicant answered, then to the answer.
    instructor.goto(f"{site}/")
    instructor.get_by_role(
        "link", name="Dossiers en instruction où le porteur a répondu à une demande de compléments"
    ).click()
    instructor.get_by_role("link", name=in_review.reference).click()
    instructor.get_by_role("navigation", name="Volets du dossier").get_by_role("link", name="Échanges").click()
    expect(instructor.get_by_text("Voici le devis signé.")).to_be_visible()
    expect(instructor.get_by_role("link", name="devis.pdf")).to_be_visible()
    assert not serious_violations(instructor)
    instructor.goto(f"{site}/dossiers/{in_review.reference}/?onglet=historique")
    expect(instructor.get_by_text(f"{email} (porteur de projet)")).to_be_visible()


def test_an_applicant_uses_every_form_of_their_space_with_the_keyboard(page, site):
    """Sign-in, answer to a request, message, co-contact, filing form, withdrawal: each one walked with Tab
    and Shift+Tab, submitted blank to see how its errors are told, then filled and sent from the keyboard."""
    awaiting = by_title("Jardin d’éveil")
    email = awaiting.applicant.contact_email
    request = InformationRequest.objects.get(application=awaiting)
    space = f"{site}/espace-porteur"

    sent = len(sent_mail())
    problems = form_problems(
        page,
        f"{space}/connexion/",
        submit="Recevoir un lien de connexion",
        fill=lambda page: type_into(page, "Votre adresse électronique", email),
        done="Consultez votre messagerie",
    )
    message = next(message for message in sent_mail()[sent:] if message.to == [email])
    page.goto(next(line.strip() for line in message.body.splitlines() if "/espace-porteur/connexion/" in line))
    press_button(page, "Me connecter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers")

    for url, submit, label, text, done in [
        (
            f"{space}/dossiers/{awaiting.pk}/complements/{request.pk}/",
            "Envoyer ma réponse",
            "Votre réponse",
            "Le plan de financement suit par courrier.",
            "Votre réponse est transmise aux instructeurs.",
        ),
        (f"{space}/dossiers/{awaiting.pk}/", "Envoyer le message", "Message", "Merci.", "Message envoyé."),
        (
            f"{space}/dossiers/{awaiting.pk}/co-contact/",
            "Envoyer l’invitation",
            "Adresse électronique du co-contact",
            "directrice@carcassonne.example",
            "Invitation envoyée.",
        ),
    ]:
        problems += form_problems(
            page,
            url,
            submit=submit,
            fill=lambda page, label=label, text=text: type_into(page, label, text, exact=True),
            done=done,
        )

    def project(page):
        pick(page, "Département", "11")
        type_into(page, "Intitulé du projet", "Ludothèque itinérante de la Bastide")
        type_into(page, "Commune du projet", "Carcassonne")
        pick(page, "Catégorie", "Formation des professionnels")
        type_into(page, "Résumé", "Une ludothèque qui passe dans les quartiers.")
        type_into(page, "Budget total du projet (€)", "60 000")
        type_into(page, "Montant demandé pour 2027 (€)", "20 000")

    problems += form_problems(
        page,
        f"{space}/appels/{OPEN_CALL}/deposer/",
        submit="Enregistrer et continuer",
        fill=project,
        done="Brouillon enregistré.",
    )
    problems += form_problems(
        page,
        f"{space}/dossiers/{awaiting.pk}/retirer/",
        submit="Retirer le dossier",
        fill=lambda page: type_into(page, "Motif", "Le projet est reporté."),
        done="Votre dossier est retiré.",
    )
    assert not problems, "\n".join(problems)
    assert Application.objects.get(pk=awaiting.pk).status == Status.WITHDRAWN
