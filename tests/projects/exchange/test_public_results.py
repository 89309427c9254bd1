import io
from decimal import Decimal

import docx
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from departments.enums import OrganisationKind, Role
from departments.models import Organisation
from projects.demo.data import FUNDER_SIRETS
from projects.enums import CallStatus
from projects.exceptions import DomainError, PermissionRefused
from projects.exchange.results import call_results, press_release, publish_results, with_article
from projects.models import Call
from tests.departments.factories import administrator, member, regional_approver
from tests.projects.exchange.factories import laureate
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory


@pytest.fixture
def approver(db):
    return regional_approver()


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def laureates(call, approver):
    made = [
        laureate(
            by=approver,
            department_code="11",
            title="Micro-crèche dans l’ancienne gare",
            commune="Lézignan-Corbières",
            applicant=ApplicantFactory(legal_name="Communauté de communes de la région Lézignanaise"),
            amounts_by_year={2023: Decimal("100000"), 2024: Decimal("80000")},
        ),
        laureate(
            by=approver,
            department_code="11",
            title="Bulle de répit pour les parents",
            commune="Castelnaudary",
            applicant=ApplicantFactory(legal_name="Ville de Castelnaudary"),
            amounts_by_year={2023: Decimal("95000")},
        ),
        laureate(
            by=approver,
            department_code="31",
            title="Prévention des troubles du langage",
            commune="Toulouse",
            applicant=ApplicantFactory(
                legal_name="Ville de Toulouse",
                contact_name="Zoé Confidentielle",
                contact_email="zoe.confidentielle@example.org",
                contact_phone="05 99 99 99 99",
                address="17 rue Secrète",
            ),
        ),
    ]
    made[2].notify(by=approver)
    ApplicationFactory(rejected=True, title="Projet rejeté")
    return made


def public_url(call):
    return reverse("projects:public_results", args=[call.reference])


# The service ------------------------------------------------------------------------------------


def test_the_regional_approver_publishes_the_results(call, laureates, approver):
    published = publish_results(call=call, by=approver)
    call.refresh_from_db()
    assert call.status == CallStatus.RESULTS_PUBLISHED == published.status
    assert call.results_published_at is not None


@pytest.mark.parametrize(
    "who",
    [
        lambda: administrator(),
        lambda: member(Role.APPROVER, OrganisationKind.PREFECTURE, "11"),
    ],
    ids=["administrator", "departmental approver"],
)
def test_only_an_approver_of_the_whole_region_publishes(call, laureates, who):
    with pytest.raises(PermissionRefused, match="Seul le valideur de la région"):
        publish_results(call=call, by=who())
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN


def test_publication_waits_for_the_pending_proposals(call, laureates, approver):
    ApplicationFactory(proposed=True)
    with pytest.raises(DomainError, match="1 dossier proposé par un CDSF attend encore la décision régionale"):
        publish_results(call=call, by=approver)


def test_a_call_without_laureate_has_no_results_to_publish(call, approver):
    with pytest.raises(DomainError, match="Aucun lauréat"):
        publish_results(call=call, by=approver)


def test_results_are_not_published_while_the_call_still_receives_files(call, laureates, approver):
    Call.objects.filter(pk=call.pk).update(closes_on=timezone.localdate())
    call.refresh_from_db()
    with pytest.raises(DomainError, match="reçoit des dossiers jusqu’au"):
        publish_results(call=call, by=approver)


def test_the_exports_page_offers_no_publication_while_the_call_still_receives_files(client, call, approver):
    Call.objects.filter(pk=call.pk).update(closes_on=timezone.localdate())
    client.force_login(approver)
    response = client.get(reverse("projects:exports"))
    assert response.status_code == 200
    assert "se publieront une fois l’appel clos" in response.text
    assert "Je confirme la publication" not in response.text


def test_results_are_published_once(call, laureates, approver):
    publish_results(call=call, by=approver)
    with pytest.raises(DomainError, match="déjà publiés"):
        publish_results(call=call, by=approver)


# The public page --------------------------------------------------------------------------------


def test_the_public_page_does_not_exist_before_publication(client, call, laureates):
    response = client.get(public_url(call))
    assert response.status_code == 404
    assert "Micro-crèche" not in response.text


def test_the_public_page_lists_the_laureates_by_department_with_the_totals(client, call, laureates, approver):
    publish_results(call=call, by=approver)
    response = client.get(public_url(call))
    assert response.status_code == 200
    text = response.text
    assert "Aude (11) — 2 projets retenus" in text
    assert "Haute-Garonne (31) — 1 projet retenu" in text
    assert text.index("Micro-crèche dans l’ancienne gare") < text.index("Prévention des troubles du langage")
    assert "Lézignan-Corbières" in text and "180\u00a0000,00\u00a0€" in text
    assert "305\u00a0000,00\u00a0€" in text
    assert "2 sur 13" in text
    assert ">3</p>" in text
    assert "Projet rejeté" not in text


def test_the_public_page_sets_no_cookie(client, call, laureates, approver):
    """It has no form: nothing asks for the CSRF token, so visitors get no cookie."""
    publish_results(call=call, by=approver)
    assert not client.get(public_url(call)).cookies


def test_the_public_page_shows_no_personal_data(client, call, laureates, approver):
    publish_results(call=call, by=approver)
    text = client.get(public_url(call)).text
    for applicant in [application.applicant for application in laureates]:
        personal = [applicant.contact_name, applicant.contact_email, applicant.contact_phone, applicant.address]
        for value in filter(None, personal):
            assert value not in text
    assert "Zoé Confidentielle" not in text and "rue Secrète" not in text


def test_the_public_page_takes_a_constant_number_of_queries(client, call, approver, django_assert_num_queries):
    laureate(by=approver)
    publish_results(call=call, by=approver)
    with django_assert_num_queries(3):
        client.get(public_url(call))
    call.status = CallStatus.OPEN
    call.save()
    for code in ("31", "34", "66", "81"):
        laureate(by=approver, department_code=code)
    publish_results(call=call, by=approver)
    with django_assert_num_queries(3):
        client.get(public_url(call))


def test_the_exports_page_publishes_after_confirmation(client, call, laureates, approver):
    client.force_login(approver)
    url = reverse("projects:publish_results", args=[call.reference])
    response = client.post(url, follow=True)
    assert "Cochez la case de confirmation" in response.text
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    response = client.post(url, {"confirm": "1"}, follow=True)
    call.refresh_from_db()
    assert call.status == CallStatus.RESULTS_PUBLISHED
    assert "sont publiés" in response.text
    assert public_url(call) in response.text


def test_the_exports_page_shows_a_refusal_as_a_message(client, call, laureates, approver):
    ApplicationFactory(proposed=True)
    client.force_login(approver)
    response = client.post(reverse("projects:publish_results", args=[call.reference]), {"confirm": "1"}, follow=True)
    assert "attend encore la décision régionale" in response.text


# The press release ------------------------------------------------------------------------------


def test_the_press_release_has_the_totals_the_coverage_and_one_paragraph_per_department(call, laureates):
    release = press_release(call_results(call))
    # French typography: narrow no-break spaces before « : » and inside « », thousands grouped with them.
    assert release.title == "Fonds d’innovation pour la petite enfance\u202f: 3 projets lauréats en Occitanie"
    totals, coverage, aude, haute_garonne = release.paragraphs
    assert "En Occitanie, 3 projets ont été retenus, pour un montant total de 305\u202f000\u00a0€" in totals
    assert "sur la période 2023-2025" in totals
    assert "cofinancés à parts égales par l’État et la Caisse nationale des allocations familiales (Cnaf)" in totals
    assert coverage == "Les lauréats sont issus de 2 des 13 départements de la région."
    assert aude.startswith("Dans le département de l’Aude, 2 projets sont soutenus, pour 275\u202f000\u00a0€\u202f:")
    assert "«\u202fBulle de répit pour les parents\u202f» à Castelnaudary, porté par la Ville de Castelnaudary" in aude
    assert haute_garonne == (
        "Dans le département de la Haute-Garonne, 1 projet est soutenu, pour 30\u202f000\u00a0€\u202f: "
        "«\u202fPrévention des troubles du langage\u202f» à Toulouse, porté par la Ville de Toulouse."
    )


def test_the_press_release_names_an_uneven_co_funding(approver):
    call = CallFactory(state_share=Decimal("0.6"))
    laureate(by=approver, call=call)
    totals = press_release(call_results(call)).paragraphs[0]
    assert "cofinancés à 60\u00a0% par l’État et à 40\u00a0% par la Caisse nationale" in totals
    assert "1 projet a été retenu" in totals


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ville de Pamiers", "la Ville de Pamiers"),
        ("Association Le Nid", "l’Association Le Nid"),
        ("CCAS de Béziers", "le CCAS de Béziers"),
        ("Crèches & Co", "Crèches & Co"),
    ],
)
def test_organisations_are_named_with_their_article(name, expected):
    assert with_article(name) == expected


def test_the_approver_reads_the_press_release_and_downloads_it_as_docx(client, call, laureates, approver):
    client.force_login(approver)
    page = client.get(reverse("projects:press_release", args=[call.reference]))
    assert page.status_code == 200
    assert "En Occitanie, 3 projets ont été retenus" in page.text
    response = client.get(reverse("projects:press_release_docx", args=[call.reference]))
    assert response["Content-Disposition"] == 'attachment; filename="FIPE-OCC-2023-communique-de-presse.docx"'
    document = docx.Document(io.BytesIO(response.content))
    texts = [paragraph.text for paragraph in document.paragraphs]
    assert "Fonds d’innovation pour la petite enfance\u202f: 3 projets lauréats en Occitanie" in texts
    assert any(text.startswith("Dans le département de l’Aude, 2 projets") for text in texts)


def test_the_press_release_is_for_the_regional_approver_only(client, call, laureates):
    client.force_login(administrator())
    assert client.get(reverse("projects:press_release", args=[call.reference])).status_code == 403
    assert client.get(reverse("projects:press_release_docx", args=[call.reference])).status_code == 403


# The demo step ----------------------------------------------------------------------------------


def test_the_demo_sets_the_funders_sirets_and_leaves_the_results_unpublished(db, settings, quick_pdfs):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo")
    assert Organisation.objects.get(kind=OrganisationKind.CNAF).siret == FUNDER_SIRETS["cnaf"]
    prefecture = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76")
    assert prefecture.siret == FUNDER_SIRETS["regional_prefecture"]
    assert not Call.objects.filter(status=CallStatus.RESULTS_PUBLISHED).exists()


def test_the_press_release_page_takes_a_constant_number_of_queries(client, call, approver, django_assert_num_queries):
    laureate(by=approver)
    client.force_login(approver)
    url = reverse("projects:press_release", args=[call.reference])
    client.get(url)
    with django_assert_num_queries(7):
        client.get(url)
    for code in ("31", "34", "66", "81"):
        laureate(by=approver, department_code=code)
    with django_assert_num_queries(7):
        client.get(url)
