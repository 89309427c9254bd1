"""Demo step of the applications capability: the FIPE Occitanie 2023 call and its applications."""

import datetime
import io

import docx
import openpyxl
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile

from departments.models import Department, Region
from projects.demo.data import CALL, DEMO_APPLICATIONS
from projects.enums import CallStatus, Status
from projects.models import Applicant, Application, Call
from projects.services import attach_file, create_application

APPLICATION_FIELDS = ["commune", "title", "summary", "category", "qpv", "target_public", "total_budget"]


def demo_call() -> Call:
    return Call.objects.get(reference=CALL["reference"])


def demo_application(entry: dict) -> Application:
    return Application.objects.get(call__reference=CALL["reference"], title=entry["title"])


def load_call_and_applications(stdout) -> None:
    region = Region.objects.get(code="76")
    call, _created = Call.objects.get_or_create(
        reference=CALL["reference"],
        defaults={
            "title": CALL["title"],
            "region": region,
            "opens_on": datetime.date.fromisoformat(CALL["opens_on"]),
            "closes_on": datetime.date.fromisoformat(CALL["closes_on"]),
            "first_year": CALL["first_year"],
            "last_year": CALL["last_year"],
            "envelope": CALL["envelope"],
            "state_share": CALL["state_share"],
            "state_budget_reference": CALL["state_budget_reference"],
            "cnaf_budget_reference": CALL["cnaf_budget_reference"],
            "status": CallStatus.OPEN,
        },
    )
    # Files received by the services are keyed in by the regional prefecture's administrator.
    admin = get_user_model().objects.get(username="admin")
    created = 0
    for entry in DEMO_APPLICATIONS:
        if Application.objects.filter(call=call, title=entry["title"]).exists():
            continue
        applicant, _ = Applicant.objects.get_or_create(siret=entry["applicant"]["siret"], defaults=entry["applicant"])
        application = create_application(
            call=call,
            applicant=applicant,
            department=Department.objects.get(code=entry["department"]),
            by=admin,
            amounts_by_year=entry["requested"],
            **{field: entry[field] for field in APPLICATION_FIELDS},
        )
        if entry["target"] != Status.DRAFT:
            application.submit(by=admin)
        if entry["target"] == Status.WITHDRAWN:
            application.withdraw(by=admin, comment="Le porteur a renoncé au projet faute de local disponible.")
        created += 1
    stdout.write(f"Appel {call.reference} : {created} dossiers créés ({call.applications.count()} en tout).")


# The departments of the demo instructors: their files get documents to open.
ATTACHMENT_DEPARTMENTS = {"11", "30", "31"}
ILLUSTRATIVE = "Document illustratif généré pour la démonstration de FIPE."


def presentation_note(application: Application) -> bytes:
    document = docx.Document()
    document.add_heading(application.title, level=1)
    document.add_paragraph(f"Porteur : {application.applicant.legal_name} — {application.commune}")
    document.add_paragraph(application.summary)
    document.add_paragraph(ILLUSTRATIVE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def provisional_budget(application: Application) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Budget"
    sheet.append(["Année", "Montant demandé au FIPE (€)"])
    for year, amount in sorted(application.requested_by_year().items()):
        sheet.append([year, amount])
    sheet.append(["Total", application.requested_total])
    sheet.append(["Budget total du projet", application.total_budget])
    sheet.append([ILLUSTRATIVE])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


DEMO_DOCUMENTS = [
    ("Note de présentation.docx", "Note de présentation du projet", presentation_note),
    ("Budget prévisionnel.xlsx", "Budget prévisionnel", provisional_budget),
]


def load_attachments(stdout) -> None:
    """A presentation note and a budget, generated in code, for the files of the demo departments."""
    admin = get_user_model().objects.get(username="admin")
    created = 0
    for entry in DEMO_APPLICATIONS:
        if entry["department"] not in ATTACHMENT_DEPARTMENTS:
            continue
        application = demo_application(entry)
        existing = set(application.attachments.values_list("original_name", flat=True))
        for name, description, build in DEMO_DOCUMENTS:
            if name in existing:
                continue
            attach_file(
                application=application,
                uploaded_file=ContentFile(build(application), name=name),
                by=admin,
                description=description,
            )
            created += 1
    stdout.write(f"Pièces jointes de démonstration : {created} ajoutées.")
