"""Demo step of the applications capability: the FIPE Occitanie 2023 call and its applications."""

import datetime

from django.contrib.auth import get_user_model

from departments.models import Department, Region
from projects.demo_data import CALL, DEMO_APPLICATIONS
from projects.enums import CallStatus, Status
from projects.models import Applicant, Application, Call
from projects.services import create_application

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
