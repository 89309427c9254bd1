import factory
from django.contrib.auth import get_user_model

from departments.enums import OrganisationKind, Role
from departments.models import Department, Membership, Organisation


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Camille"
    last_name = factory.Sequence(lambda n: f"Durand{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct horse battery")


def organisation(kind: OrganisationKind, department_code: str | None = None) -> Organisation:
    """One of the reference organisations loaded by the data migration."""
    if kind == OrganisationKind.REGIONAL_PREFECTURE:
        return Organisation.objects.get(kind=kind, region__code="76")
    if kind == OrganisationKind.CNAF:
        return Organisation.objects.get(kind=kind)
    return Organisation.objects.get(kind=kind, department__code=department_code)


def department(code: str) -> Department:
    return Department.objects.get(code=code)


def member(role: Role, kind: OrganisationKind, department_code: str | None = None, **user_fields):
    """A user holding one role in one reference organisation."""
    user = UserFactory(**user_fields)
    Membership.objects.create(user=user, organisation=organisation(kind, department_code), role=role)
    return user


def caf_instructor(department_code: str = "11", **kwargs):
    return member(Role.INSTRUCTOR, OrganisationKind.CAF, department_code, **kwargs)


def ddets_instructor(department_code: str = "11", **kwargs):
    return member(Role.INSTRUCTOR, OrganisationKind.DDETS, department_code, **kwargs)


def committee_secretary(department_code: str = "11", **kwargs):
    return member(Role.COMMITTEE_SECRETARY, OrganisationKind.PREFECTURE, department_code, **kwargs)


def regional_approver(**kwargs):
    return member(Role.APPROVER, OrganisationKind.REGIONAL_PREFECTURE, **kwargs)


def administrator(**kwargs):
    return member(Role.ADMIN, OrganisationKind.REGIONAL_PREFECTURE, is_staff=True, **kwargs)
