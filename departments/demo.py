"""Demo accounts; see the README for the list."""

from django.contrib.auth import get_user_model

from departments.enums import OrganisationKind, Role
from departments.models import Membership, Organisation

DEMO_PASSWORD = "fipe-demo"

# username -> (first name, last name, organisation kind, department code or None, roles)
DEMO_ACCOUNTS = {
    "caf-11": ("Claire", "Aubert", OrganisationKind.CAF, "11", [Role.INSTRUCTOR]),
    "ddets-11": ("Damien", "Rouch", OrganisationKind.DDETS, "11", [Role.INSTRUCTOR]),
    "cdsf-11": ("Sophie", "Marty", OrganisationKind.PREFECTURE, "11", [Role.COMMITTEE_SECRETARY]),
    "caf-31": ("Karim", "Benali", OrganisationKind.CAF, "31", [Role.INSTRUCTOR]),
    "ddets-31": ("Laure", "Fabre", OrganisationKind.DDETS, "31", [Role.INSTRUCTOR]),
    "cdsf-31": ("Paul", "Castan", OrganisationKind.PREFECTURE, "31", [Role.COMMITTEE_SECRETARY]),
    "caf-30": ("Inès", "Roux", OrganisationKind.CAF, "30", [Role.INSTRUCTOR]),
    "ddets-30": ("Marc", "Vidal", OrganisationKind.DDETS, "30", [Role.INSTRUCTOR]),
    "cdsf-30": ("Nadia", "Bourrel", OrganisationKind.PREFECTURE, "30", [Role.COMMITTEE_SECRETARY]),
    "prefecture-76": ("Hélène", "Garcia", OrganisationKind.REGIONAL_PREFECTURE, None, [Role.APPROVER]),
}


def organisation_for(kind: OrganisationKind, department_code: str | None) -> Organisation:
    if kind == OrganisationKind.REGIONAL_PREFECTURE:
        return Organisation.objects.get(kind=kind, region__code="76")
    return Organisation.objects.get(kind=kind, department__code=department_code)


def _account(username: str, *, first_name: str, last_name: str, **extra):
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, "email": f"{username}@fipe.example", **extra},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


def load_accounts(stdout) -> None:
    admin = _account("admin", first_name="Alex", last_name="Admin", is_staff=True, is_superuser=True)
    Membership.objects.get_or_create(
        user=admin, organisation=organisation_for(OrganisationKind.REGIONAL_PREFECTURE, None), role=Role.ADMIN
    )
    for username, (first_name, last_name, kind, department_code, roles) in DEMO_ACCOUNTS.items():
        user = _account(username, first_name=first_name, last_name=last_name)
        for role in roles:
            Membership.objects.get_or_create(user=user, organisation=organisation_for(kind, department_code), role=role)
    stdout.write(f"Comptes de démonstration : admin, {', '.join(DEMO_ACCOUNTS)} (mot de passe {DEMO_PASSWORD}).")
