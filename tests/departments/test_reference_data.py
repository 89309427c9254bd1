from departments.enums import OrganisationKind
from departments.models import Department, Organisation, Region

OCCITANIE = {"09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"}


def test_every_region_is_loaded(db):
    assert Region.objects.count() == 18


def test_every_department_is_loaded_with_corsica_and_overseas(db):
    assert Department.objects.count() == 101
    assert set(
        Department.objects.filter(code__in=["2A", "2B", "971", "972", "973", "974", "976"]).values_list(
            "code", flat=True
        )
    ) == {"2A", "2B", "971", "972", "973", "974", "976"}


def test_occitanie_has_its_thirteen_departments(db):
    codes = set(Department.objects.filter(region__code="76").values_list("code", flat=True))
    assert codes == OCCITANIE


def test_each_occitanie_department_has_its_caf_ddets_and_prefecture(db):
    for code in OCCITANIE:
        kinds = set(Organisation.objects.filter(department__code=code).values_list("kind", flat=True))
        assert kinds == {OrganisationKind.CAF, OrganisationKind.DDETS, OrganisationKind.PREFECTURE}, code


def test_regional_prefecture_and_cnaf_exist(db):
    assert (
        Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE).name == "Préfecture de la région Occitanie"
    )
    assert Organisation.objects.filter(kind=OrganisationKind.CNAF).count() == 1


def test_body_names_use_the_right_french_article(db):
    assert Organisation.objects.get(kind=OrganisationKind.CAF, department__code="31").name == "Caf de la Haute-Garonne"
    assert Organisation.objects.get(kind=OrganisationKind.DDETS, department__code="11").name == "DDETS de l’Aude"
    assert (
        Organisation.objects.get(kind=OrganisationKind.PREFECTURE, department__code="30").name == "Préfecture du Gard"
    )
