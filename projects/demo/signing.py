"""Demo step of the signature: a demonstration certification authority, the signatories of the regional
prefecture (award and refusal letters) and of each departmental prefecture (CDSF minutes), each with
a certificate of that authority, and the cities the documents are dated from.

It runs before the committees (order 40), whose minutes are signed when they close. The keys go to
SIGNING_KEYS_DIR; the documents they sign say « Signature de démonstration ».
"""

from departments.enums import OrganisationKind
from departments.models import Organisation
from projects.letters.pki import issue_demo_certificate
from projects.letters.signing import key_file
from projects.models import Signatory

# ILLUSTRATIVE: invented names, services and numbers, not the real prefects' nor their staff's.
DEMO_SIGNATORY = {
    "first_name": "Mathilde",
    "last_name": "Servant",
    "capacity": (
        "Pour le préfet de la région Occitanie et par délégation, la secrétaire générale pour les affaires régionales"
    ),
}
DEMO_SERVICE = {
    "service": "Secrétariat général pour les affaires régionales — Pôle cohésion sociale",
    "case_officer": "Julien Castel",
    "phone": "05 34 45 00 00",
    "email": "fipe@occitanie.gouv.invalid",
}
# The prefecture's city of each Occitanie department (chef-lieu).
PREFECTURE_CITIES = {
    "09": "Foix",
    "11": "Carcassonne",
    "12": "Rodez",
    "30": "Nîmes",
    "31": "Toulouse",
    "32": "Auch",
    "34": "Montpellier",
    "46": "Cahors",
    "48": "Mende",
    "65": "Tarbes",
    "66": "Perpignan",
    "81": "Albi",
    "82": "Montauban",
}
DEPARTMENTAL_SIGNATORY = {"first_name": "Bernard", "last_name": "Roques"}


def with_certificate(signatory: Signatory) -> Signatory:
    """The signatory, given a demo certificate unless their key is already in SIGNING_KEYS_DIR."""
    if not signatory.key_name or not key_file(signatory.key_name).is_file():
        issue_demo_certificate(signatory)
    return signatory


def regional_signatory(region_id: int) -> Signatory:
    """The regional prefecture's demo signatory, in Toulouse, with her service and her certificate."""
    prefecture = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region_id=region_id)
    if not prefecture.city:
        prefecture.city = "Toulouse"
        prefecture.save(update_fields=["city"])
    signatory, _ = Signatory.objects.get_or_create(
        organisation=prefecture,
        last_name=DEMO_SIGNATORY["last_name"],
        defaults={**DEMO_SIGNATORY, **DEMO_SERVICE},
    )
    return with_certificate(signatory)


def load_signatories(stdout) -> None:
    occitanie = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76").region_id
    regional_signatory(occitanie)
    count = 0
    for prefecture in Organisation.objects.filter(
        kind=OrganisationKind.PREFECTURE, department__code__in=PREFECTURE_CITIES
    ).select_related("department"):
        if not prefecture.city:
            prefecture.city = PREFECTURE_CITIES[prefecture.department.code]
            prefecture.save(update_fields=["city"])
        of = prefecture.name.removeprefix("Préfecture ")
        signatory, _ = Signatory.objects.get_or_create(
            organisation=prefecture,
            last_name=DEPARTMENTAL_SIGNATORY["last_name"],
            defaults={
                **DEPARTMENTAL_SIGNATORY,
                "capacity": f"Pour le préfet {of} et par délégation, le secrétaire général",
                "service": "Direction de la citoyenneté et de la légalité",
            },
        )
        with_certificate(signatory)
        count += 1
    stdout.write(
        f"Signature : autorité de certification de démonstration, 1 signataire régional et {count} départementaux."
    )
