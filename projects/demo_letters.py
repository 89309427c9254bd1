"""Demo step of the letters capability: the regional signatory, then the award letters of the
laureates whose target is `notified`, generated and marked as sent through the real services."""

from django.contrib.auth import get_user_model

from departments.enums import OrganisationKind
from departments.models import Organisation
from projects.demo import demo_call
from projects.demo_data import CALL, DEMO_APPLICATIONS
from projects.enums import LetterKind, Status
from projects.letters import generate_letter, mark_letter_sent
from projects.models import Application, AwardLetter, Signatory

# ILLUSTRATIVE: an invented name, not the real prefect's.
DEMO_SIGNATORY = {
    "first_name": "Mathilde",
    "last_name": "Servant",
    "capacity": (
        "Pour le préfet de la région Occitanie et par délégation, la secrétaire générale pour les affaires régionales"
    ),
}


def load_letters(stdout) -> None:
    call = demo_call()
    prefecture = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region_id=call.region_id)
    Signatory.objects.get_or_create(
        organisation=prefecture, last_name=DEMO_SIGNATORY["last_name"], defaults=DEMO_SIGNATORY
    )
    # The regional prefecture's approver issues the letters, as in real life.
    issuer = get_user_model().objects.get(username="prefecture-76")
    titles = [entry["title"] for entry in DEMO_APPLICATIONS if entry["target"] == Status.NOTIFIED]
    notified = waiting = 0
    for application in Application.objects.filter(call__reference=CALL["reference"], title__in=titles):
        if application.status != Status.LAUREATE:
            # Already notified by an earlier run, or not yet approved (that is the awards step's job).
            waiting += application.status != Status.NOTIFIED
            continue
        letter = AwardLetter.objects.filter(application=application, kind=LetterKind.AWARD).order_by("-version").first()
        if letter is None:
            letter = generate_letter(application=application, kind=LetterKind.AWARD, by=issuer)
        mark_letter_sent(letter=letter, by=issuer)
        notified += 1
    stdout.write(
        f"Courriers : {notified} lauréats notifiés avec leur lettre d’attribution"
        + (f", {waiting} pas encore lauréats." if waiting else ".")
    )
