"""Bad input on the keying-in and edition forms: an error on the field concerned, nothing saved."""

from decimal import Decimal

import pytest
from django.urls import reverse

from departments.models import Region
from projects.enums import Status
from projects.forms import ApplicantForm, ApplicationForm
from projects.models import Applicant, Application, ReferenceCounter
from projects.money import AmountField
from tests.departments.factories import administrator, department, regional_approver
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory, valid_siret
from tests.projects.form_data import application_form_data

CREATE_URL = reverse("projects:application_create")


def post_create(client, user, data):
    client.force_login(user)
    return client.post(CREATE_URL, data)


def assert_nothing_saved():
    assert not Application.objects.exists()
    assert not Applicant.objects.exists()
    assert not ReferenceCounter.objects.exists()


def field_errors(response, form_name, field):
    return " ".join(response.context[form_name].errors.get(field, []))


def test_valid_form_creates_the_application_with_its_amounts(client, db):
    call = CallFactory()
    response = post_create(client, regional_approver(), application_form_data(call, department("30")))
    application = Application.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:application_detail", kwargs={"reference": "FIPE-OCC-2023-030-001"})
    assert application.requested_by_year() == {2023: Decimal("40000.00"), 2024: Decimal("30000.50")}
    assert application.requested_total == Decimal("70000.50")
    assert application.total_budget == Decimal("250000.00")
    assert application.qpv is True
    assert application.status == Status.SUBMITTED
    assert application.applicant.rna == "W302000123"


def test_unchecking_submit_keeps_a_draft(client, db):
    post_create(client, regional_approver(), application_form_data(CallFactory(), department("30"), submit_now=None))
    assert Application.objects.get().status == Status.DRAFT


@pytest.mark.parametrize("siret", ["12345678901234", "1234", "abcdefghijklmn", "362 521 879 00035"])
def test_invalid_siret_is_refused_on_its_field(client, db, siret):
    response = post_create(
        client,
        regional_approver(),
        application_form_data(CallFactory(), department("30"), **{"applicant-siret": siret}),
    )
    assert response.status_code == 200
    assert "SIRET" in field_errors(response, "applicant_form", "siret")
    assert_nothing_saved()


def test_siret_typed_with_spaces_is_accepted(client, db):
    siret = valid_siret(31000002)
    spaced = f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"
    post_create(
        client,
        regional_approver(),
        application_form_data(CallFactory(), department("30"), **{"applicant-siret": spaced}),
    )
    assert Applicant.objects.get().siret == siret


@pytest.mark.parametrize("rna", ["302000123", "W30200012", "X302000123"])
def test_invalid_rna_is_refused_on_its_field(client, db, rna):
    response = post_create(
        client, regional_approver(), application_form_data(CallFactory(), department("30"), **{"applicant-rna": rna})
    )
    assert "RNA" in field_errors(response, "applicant_form", "rna")
    assert_nothing_saved()


def test_an_association_must_give_its_rna(client, db):
    response = post_create(
        client, regional_approver(), application_form_data(CallFactory(), department("30"), **{"applicant-rna": ""})
    )
    assert "Une association doit indiquer son numéro RNA" in field_errors(response, "applicant_form", "rna")
    assert_nothing_saved()


@pytest.mark.parametrize("field", ["amount_2023", "total_budget"])
def test_negative_amount_is_refused_on_its_field(client, db, field):
    response = post_create(
        client, regional_approver(), application_form_data(CallFactory(), department("30"), **{field: "-5 000"})
    )
    assert "négatif" in field_errors(response, "application_form", field)
    assert_nothing_saved()


def test_an_amount_that_is_not_a_number_is_refused(client, db):
    response = post_create(
        client, regional_approver(), application_form_data(CallFactory(), department("30"), amount_2023="beaucoup")
    )
    assert "n’est pas un montant" in field_errors(response, "application_form", "amount_2023")
    assert_nothing_saved()


def test_an_amount_for_a_year_outside_the_programme_is_refused(client, db):
    call = CallFactory()
    CallFactory(reference="FIPE-OCC-2024", title="FIPE 2024", first_year=2024, last_year=2026)
    response = post_create(
        client, regional_approver(), application_form_data(call, department("30"), amount_2026="5 000")
    )
    assert "L’année 2026 est hors du programme de l’appel (2023–2025)." in field_errors(
        response, "application_form", "amount_2026"
    )
    assert_nothing_saved()


def test_at_least_one_amount_is_required(client, db):
    response = post_create(
        client,
        regional_approver(),
        application_form_data(CallFactory(), department("30"), amount_2023="", amount_2024="0"),
    )
    assert "au moins une année" in field_errors(response, "application_form", "amount_2023")
    assert_nothing_saved()


def test_the_request_cannot_exceed_the_project_budget(client, db):
    response = post_create(
        client, regional_approver(), application_form_data(CallFactory(), department("30"), total_budget="50 000")
    )
    assert field_errors(response, "application_form", "total_budget") == (
        "Le budget total du projet ne peut être inférieur au montant demandé (70\u00a0000,50\u00a0€)."
    )
    assert_nothing_saved()


def test_a_department_outside_the_calls_region_is_refused(client, db):
    call = CallFactory()
    CallFactory(reference="FIPE-IDF-2023", title="FIPE Île-de-France", region=Region.objects.get(code="11"))
    response = post_create(client, administrator(), application_form_data(call, department("75")))
    assert "n’appartient pas à la région de l’appel (Occitanie)" in field_errors(
        response, "application_form", "department"
    )
    assert_nothing_saved()


def test_a_department_the_user_does_not_manage_is_not_offered(client, db):
    call = CallFactory()
    response = post_create(client, regional_approver(), application_form_data(call, department("75")))
    assert field_errors(response, "application_form", "department")
    assert_nothing_saved()


@pytest.mark.parametrize("trait", ["closed", "published"])
def test_a_closed_call_is_refused_on_its_field(client, db, trait):
    call = CallFactory(**{trait: True})
    response = post_create(client, regional_approver(), application_form_data(call, department("30")))
    assert "est clos" in field_errors(response, "application_form", "call")
    assert_nothing_saved()


def test_a_call_of_another_region_is_not_offered(client, db):
    call = CallFactory(reference="FIPE-IDF-2023", title="FIPE Île-de-France", region=Region.objects.get(code="11"))
    response = post_create(client, regional_approver(), application_form_data(call, department("30")))
    assert field_errors(response, "application_form", "call")
    assert_nothing_saved()


def test_the_same_siret_is_the_same_applicant(client, db):
    call = CallFactory()
    user = regional_approver()
    post_create(client, user, application_form_data(call, department("30")))
    post_create(
        client,
        user,
        application_form_data(
            call, department("30"), title="Deuxième projet", **{"applicant-legal_name": "Les Petits Pas (nouveau nom)"}
        ),
    )
    applicant = Applicant.objects.get()
    assert applicant.legal_name == "Les Petits Pas (nouveau nom)"
    assert applicant.applications.count() == 2


def test_a_new_siret_on_edition_is_a_new_applicant_and_leaves_the_old_one_alone(client, db):
    application = ApplicationFactory(submitted=True, department=department("30"))
    previous = application.applicant
    client.force_login(regional_approver())
    data = application_form_data(application.call, department("30"), **{"applicant-siret": valid_siret(31000003)})
    response = client.post(reverse("projects:application_edit", kwargs={"reference": application.reference}), data)
    assert response.status_code == 302
    application.refresh_from_db()
    previous.refresh_from_db()
    assert application.applicant.siret == valid_siret(31000003)
    assert previous.legal_name != "Association Les Petits Pas"


def test_edition_refused_on_a_field_changes_nothing(client, db):
    application = ApplicationFactory(submitted=True, department=department("30"))
    client.force_login(regional_approver())
    data = application_form_data(application.call, department("30"), amount_2024="-1", title="Nouveau titre")
    response = client.post(reverse("projects:application_edit", kwargs={"reference": application.reference}), data)
    assert "négatif" in field_errors(response, "application_form", "amount_2024")
    application.refresh_from_db()
    assert application.title.startswith("Projet petite enfance")
    assert application.requested_total == Decimal("30000.00")


def test_edition_keeps_the_call_and_the_department(client, db):
    application = ApplicationFactory(submitted=True, department=department("30"))
    client.force_login(regional_approver())
    other_call = CallFactory(reference="FIPE-OCC-2024", title="FIPE 2024")
    data = application_form_data(other_call, department("31"))
    client.post(reverse("projects:application_edit", kwargs={"reference": application.reference}), data)
    application.refresh_from_db()
    assert (application.call.reference, application.department.code) == ("FIPE-OCC-2023", "30")
    assert application.title == "Crèche à vocation d’insertion professionnelle"


@pytest.mark.parametrize(
    ("typed", "value"),
    [("12 345,67", Decimal("12345.67")), ("12345.67", Decimal("12345.67")), ("1\u202f000 €", Decimal("1000.00"))],
)
def test_amounts_are_read_as_french_users_type_them(typed, value):
    assert AmountField().clean(typed) == value


def test_amount_with_more_than_two_decimals_is_refused():
    with pytest.raises(Exception, match="n’est pas un montant"):
        AmountField().clean("10,001")


def test_applicant_form_binds_the_known_applicant_by_siret(db):
    known = ApplicantFactory()
    form = ApplicantForm({"applicant-siret": known.siret}, prefix="applicant", user=administrator())
    assert form.instance == known


def test_application_form_offers_one_amount_field_per_programme_year(db):
    CallFactory()
    form = ApplicationForm(user=regional_approver())
    assert [field.name for field in form.amount_fields()] == ["amount_2023", "amount_2024", "amount_2025"]
