"""Demo step of the applicant's space: an open call with its required documents, one applicant with
a draft, one whose file awaits more information, and the laureate of the ancienne gare, who finds
their decision letter in their space.

To sign in as one of them, ask for a link with their address on « Déposer ou suivre un dossier »:
in development the e-mail, link included, is printed by the server.
"""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from departments.models import Department, Region
from fipe.pdf import render_pdf
from projects.applicants.exchanges import request_information
from projects.applicants.models import InformationRequest, RequiredDocument
from projects.applicants.services import attach_required_document, save_draft
from projects.demo.applications import demo_application
from projects.demo.data import DEMO_APPLICATIONS, illustrative_siret
from projects.enums import CallStatus, Category, LegalForm, Status
from projects.models import Applicant, Call

OPEN_CALL = "FIPE-OCC-2027"
REQUIRED_DOCUMENTS = [
    ("Budget prévisionnel", "Tableur ou PDF, par année du programme."),
    ("Statuts ou délibération", "Statuts pour une association, délibération pour une collectivité."),
    ("RIB", "Au nom de l’organisme."),
]
DRAFT_APPLICANT = {
    "legal_name": "Commune d’Espéraza",
    "legal_form": LegalForm.COMMUNE,
    "siret": illustrative_siret(90),
    "address": "Place de la mairie",
    "postal_code": "11260",
    "commune": "Espéraza",
    "contact_name": "Inès Barthe",
    "contact_email": "mairie@esperaza.example",
    "contact_phone": "04 68 00 00 00",
}
DRAFT_TITLE = "Micro-crèche de la haute vallée de l’Aude"
AWAITING_TITLE = "Jardin d’éveil dans la Bastide"
LAUREATE_TITLE = "ancienne gare"


def open_call() -> Call:
    """A call open today, so that filing online can be tried; its dates follow the day the demo is loaded."""
    today = timezone.localdate()
    call, _created = Call.objects.get_or_create(
        reference=OPEN_CALL,
        defaults={
            "title": "Fonds d’innovation pour la petite enfance — Occitanie 2027",
            "region": Region.objects.get(code="76"),
            "opens_on": today - datetime.timedelta(days=14),
            "closes_on": today + datetime.timedelta(days=60),
            "first_year": 2027,
            "last_year": 2029,
            "envelope": Decimal("2400000"),
            "status": CallStatus.OPEN,
        },
    )
    for order, (label, help_text) in enumerate(REQUIRED_DOCUMENTS, start=1):
        RequiredDocument.objects.get_or_create(
            call=call, label=label, defaults={"help_text": help_text, "order": order}
        )
    return call


def demo_pdf(title: str) -> bytes:
    return render_pdf(f"<h1>{title}</h1><p>Document illustratif généré pour la démonstration de FIPE.</p>")


def load_applicant_space(stdout) -> None:
    call = open_call()
    today = timezone.localdate()
    email = DRAFT_APPLICANT["contact_email"]
    applicant, _created = Applicant.objects.get_or_create(siret=DRAFT_APPLICANT["siret"], defaults=DRAFT_APPLICANT)
    if not call.applications.filter(title=DRAFT_TITLE).exists():
        draft = save_draft(
            email=email,
            call=call,
            applicant=applicant,
            department=Department.objects.get(code="11"),
            amounts_by_year={2027: Decimal("40000"), 2028: Decimal("30000")},
            today=today,
            commune="Espéraza",
            title=DRAFT_TITLE,
            summary="Une micro-crèche de 10 places pour les familles de la haute vallée.",
            category=Category.NEW_PLACES,
            qpv=False,
            target_public="Enfants de moins de 3 ans",
            total_budget=Decimal("180000"),
        )
        budget = call.required_documents.get(label="Budget prévisionnel")
        attach_required_document(
            application=draft,
            requirement=budget,
            uploaded_file=ContentFile(demo_pdf("Budget prévisionnel"), name="budget-previsionnel.pdf"),
            email=email,
        )
    awaiting = demo_application(next(entry for entry in DEMO_APPLICATIONS if entry["title"] == AWAITING_TITLE))
    if awaiting.status == Status.IN_REVIEW and not InformationRequest.objects.filter(application=awaiting).exists():
        request_information(
            application=awaiting,
            by=get_user_model().objects.get(username="caf-11"),
            message="Merci de nous transmettre le plan de financement signé et l’accord du propriétaire du terrain.",
            pieces="Plan de financement signé\nAccord du propriétaire",
            deadline=today + datetime.timedelta(days=10),
            today=today,
        )
    laureate = demo_application(next(entry for entry in DEMO_APPLICATIONS if LAUREATE_TITLE in entry["title"]))
    stdout.write(
        f"Espace porteur : brouillon de {email}, compléments attendus de {awaiting.applicant.contact_email}, "
        f"décision de {laureate.applicant.contact_email}."
    )
