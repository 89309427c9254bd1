import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from departments.models import Department
from projects.enums import Category, LegalForm, Status
from projects.exchange.imports import columns_for, write_applications, write_template
from projects.exchange.reading import read_table
from projects.exchange.resources import import_applications
from projects.exchange.spreadsheets import write_table
from projects.models import Applicant, Application, ReferenceCounter, RequestedAmount, StatusChange
from tests.departments.factories import administrator, caf_instructor
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory, valid_siret


@pytest.fixture
def call(db):
    return CallFactory()


@pytest.fixture
def admin_user(db):
    return administrator()


def example(call, **changes) -> dict:
    """One good row, keyed by header."""
    row = {
        "Raison sociale du porteur": "Ville de Castelnaudary",
        "Forme juridique": "Commune",
        "SIRET": valid_siret(5000),
        "RNA": "",
        "Adresse": "Place de la République",
        "Code postal": "11400",
        "Commune du porteur": "Castelnaudary",
        "Nom du contact": "Jeanne Martin",
        "Courriel du contact": "jeanne.martin@example.org",
        "Téléphone du contact": "04 68 00 00 00",
        "Code du département": "11",
        "Commune du projet": "Castelnaudary",
        "Intitulé du projet": "Relais petite enfance itinérant",
        "Résumé": "Un relais qui va au-devant des familles.",
        "Catégorie": "Répit parental",
        "QPV (oui/non)": "non",
        "Public visé": "Familles du Lauragais",
        "Budget total du projet (€)": "120 000,00",
        "Montant demandé 2023 (€)": "12 345,67",
        "Montant demandé 2024 (€)": "20000.50",
        "Montant demandé 2025 (€)": "",
    }
    row.update(changes)
    return row


def table(*rows: dict, drop: tuple = ()) -> list[list]:
    headers = [header for header in rows[0] if header not in drop]
    return [headers, *[[row[header] for header in headers] for row in rows]]


def counts():
    return (
        Applicant.objects.count(),
        Application.objects.count(),
        RequestedAmount.objects.count(),
        StatusChange.objects.count(),
        ReferenceCounter.objects.count(),
    )


def test_good_rows_create_submitted_applications_with_french_amounts(call, admin_user):
    report = import_applications(call=call, by=admin_user, rows=table(example(call)))
    assert report.ok and report.saved, [str(problem) for problem in report.problems]
    application = Application.objects.get()
    assert application.reference == "FIPE-OCC-2023-011-001"
    assert application.status == Status.SUBMITTED
    assert application.category == Category.PARENT_RESPITE
    assert application.requested_by_year() == {2023: Decimal("12345.67"), 2024: Decimal("20000.50")}
    assert application.requested_total == Decimal("32346.17")
    assert application.applicant.legal_form == LegalForm.COMMUNE
    assert list(application.status_changes.values_list("from_status", "to_status")) == [
        ("", Status.DRAFT),
        (Status.DRAFT, Status.SUBMITTED),
    ]
    assert report.planned[0].reference == "FIPE-OCC-2023-011-001"


def test_bad_file_is_refused_with_one_message_per_problem_and_nothing_saved(call, admin_user):
    before = counts()
    rows = table(
        example(call, SIRET="12345678900000"),
        example(call, **{"Code du département": "99", "SIRET": valid_siret(5001)}),
        example(call, **{"Montant demandé 2024 (€)": "12,3,4", "SIRET": valid_siret(5002)}),
        example(call, **{"SIRET": valid_siret(5003), "Intitulé du projet": "Un bon dossier"}),
        drop=("Résumé",),
    )
    report = import_applications(call=call, by=admin_user, rows=rows)
    assert not report.saved
    assert [(problem.line, problem.column) for problem in report.problems] == [
        (1, "Résumé"),
        (2, "SIRET"),
        (3, "Code du département"),
        (4, "Montant demandé 2024 (€)"),
    ]
    messages = [str(problem) for problem in report.problems]
    assert messages[0] == "Ligne 1, colonne « Résumé » : Colonne manquante."
    assert "« 12345678900000 » n’est pas un numéro SIRET valide" in messages[1]
    assert "Département inconnu « 99 »" in messages[2]
    assert "« 12,3,4 » n’est pas un montant" in messages[3]
    assert counts() == before


def test_department_outside_the_call_region_is_refused(call, admin_user):
    report = import_applications(call=call, by=admin_user, rows=table(example(call, **{"Code du département": "75"})))
    assert [str(problem) for problem in report.problems] == [
        "Ligne 2, colonne « Code du département » : Le département 75 — Paris n’appartient pas à la région "
        "Occitanie de l’appel à projets."
    ]


def test_unknown_labels_and_values_are_named(call, admin_user):
    row = example(
        call,
        **{
            "Catégorie": "Crèche",
            "Forme juridique": "SARL",
            "QPV (oui/non)": "peut-être",
            "Courriel du contact": "pas-un-courriel",
            "Budget total du projet (€)": "0",
        },
    )
    report = import_applications(call=call, by=admin_user, rows=table(row))
    problems = {problem.column: problem.message for problem in report.problems}
    assert problems["Catégorie"].startswith("Catégorie inconnue « Crèche ». Valeurs possibles : Création de places")
    assert problems["Forme juridique"].startswith("Forme juridique inconnue « SARL »")
    assert problems["QPV (oui/non)"] == "Indiquez « oui » ou « non » (et non « peut-être »)."
    assert problems["Courriel du contact"] == "Saisissez une adresse de courriel valide."
    assert problems["Budget total du projet (€)"] == "Le montant doit être supérieur à zéro."


def test_labels_are_matched_without_accents_or_case_and_codes_regain_their_zeros(call, admin_user):
    row = example(
        call,
        **{
            "Catégorie": "REPIT PARENTAL",
            "Forme juridique": "association",
            "RNA": "w091000123",
            "QPV (oui/non)": "Oui",
            "Code du département": Decimal("9"),
            "Code postal": Decimal("9100"),
        },
    )
    report = import_applications(call=call, by=admin_user, rows=table(row))
    assert report.saved, [str(problem) for problem in report.problems]
    application = Application.objects.select_related("applicant", "department").get()
    assert (application.department.code, application.applicant.postal_code) == ("09", "09100")
    assert (application.applicant.rna, application.qpv) == ("W091000123", True)


def test_an_association_without_rna_is_refused(call, admin_user):
    report = import_applications(
        call=call, by=admin_user, rows=table(example(call, **{"Forme juridique": "Association"}))
    )
    assert [(problem.column, problem.message) for problem in report.problems] == [
        ("RNA", "Une association doit indiquer son numéro RNA.")
    ]


def test_requested_amount_above_the_budget_or_nothing_requested_is_refused(call, admin_user):
    too_much = example(call, **{"Budget total du projet (€)": "1000"})
    nothing = example(
        call,
        **{
            "SIRET": valid_siret(5004),
            "Montant demandé 2023 (€)": "",
            "Montant demandé 2024 (€)": "0",
        },
    )
    report = import_applications(call=call, by=admin_user, rows=table(too_much, nothing))
    assert [(problem.line, problem.column) for problem in report.problems] == [
        (2, "Budget total du projet (€)"),
        (3, "Montant demandé 2023 (€)"),
    ]


def test_unknown_and_repeated_columns_are_reported(call, admin_user):
    rows = table(example(call))
    rows[0] = [*rows[0], "Remarques", "SIRET"]
    rows[1] = [*rows[1], "à rappeler", valid_siret(5005)]
    report = import_applications(call=call, by=admin_user, rows=rows)
    assert [str(problem) for problem in report.problems] == [
        "Ligne 1, colonne « Remarques » : Colonne inconnue : supprimez-la ou renommez-la comme dans le modèle de "
        "fichier.",
        "Ligne 1, colonne « SIRET » : Cette colonne figure deux fois.",
    ]


def test_optional_columns_may_be_left_out(call, admin_user):
    rows = table(example(call), drop=("Téléphone du contact", "Public visé"))
    report = import_applications(call=call, by=admin_user, rows=rows)
    assert report.saved
    assert Application.objects.get().target_public == ""


def test_the_same_application_twice_in_a_file_is_refused(call, admin_user):
    report = import_applications(call=call, by=admin_user, rows=table(example(call), example(call)))
    assert [(problem.line, problem.column) for problem in report.problems] == [(3, "Intitulé du projet")]
    assert "ligne 2" in report.problems[0].message


def test_one_applicant_described_differently_on_two_rows_is_refused(call, admin_user):
    second = example(call, **{"Intitulé du projet": "Autre projet", "Adresse": "Autre adresse"})
    report = import_applications(call=call, by=admin_user, rows=table(example(call), second))
    assert [(problem.line, problem.column) for problem in report.problems] == [(3, "Adresse")]


def test_applicant_is_matched_by_siret_and_updated(call, admin_user):
    applicant = ApplicantFactory(siret=valid_siret(5000), legal_name="Ancien nom")
    report = import_applications(call=call, by=admin_user, rows=table(example(call)))
    assert report.saved
    applicant.refresh_from_db()
    assert applicant.legal_name == "Ville de Castelnaudary"
    assert Applicant.objects.count() == 1
    assert (report.applicants_created, report.applicants_updated) == (0, 1)
    assert Application.objects.get().applicant == applicant


def test_reimporting_a_file_changes_nothing_and_a_correction_updates_a_submitted_application(call, admin_user):
    import_applications(call=call, by=admin_user, rows=table(example(call)))
    again = import_applications(call=call, by=admin_user, rows=table(example(call)))
    assert again.saved and [row.action for row in again.planned] == ["unchanged"]
    corrected = import_applications(
        call=call, by=admin_user, rows=table(example(call, **{"Montant demandé 2025 (€)": "1 000"}))
    )
    assert [row.action for row in corrected.planned] == ["update"]
    application = Application.objects.get()
    assert application.requested_by_year()[2025] == Decimal("1000.00")
    assert application.reference == "FIPE-OCC-2023-011-001"


def test_an_application_under_review_cannot_be_changed_by_an_import(call, admin_user):
    import_applications(call=call, by=admin_user, rows=table(example(call)))
    Application.objects.update(status=Status.IN_REVIEW)
    report = import_applications(
        call=call, by=admin_user, rows=table(example(call, **{"Montant demandé 2025 (€)": "1 000"}))
    )
    assert [str(problem) for problem in report.problems] == [
        "Ligne 2, colonne « Intitulé du projet » : Le dossier FIPE-OCC-2023-011-001 est au statut « En instruction » : "
        "il ne peut plus être modifié par un import."
    ]


def test_dry_run_previews_and_saves_nothing(call, admin_user):
    before = counts()
    report = import_applications(call=call, by=admin_user, rows=table(example(call)), dry_run=True)
    assert report.ok and not report.saved
    assert [(row.line, row.action, row.applicant_action, row.department) for row in report.planned] == [
        (2, "create", "create", "11")
    ]
    assert report.summary().startswith("Simulation : 1 dossier serait créé")
    assert counts() == before


def test_a_user_who_may_not_manage_the_department_is_refused(call):
    report = import_applications(call=call, by=caf_instructor("11"), rows=table(example(call)))
    assert [problem.column for problem in report.problems] == ["Code du département"]
    assert not Application.objects.exists()


def test_a_closed_call_accepts_no_import(admin_user):
    call = CallFactory(closed=True)
    report = import_applications(call=call, by=admin_user, rows=table(example(call)))
    assert [str(problem) for problem in report.problems] == [
        f"Fichier : L’appel à projets {call} est clos : il n’accepte plus de dossier."
    ]


@pytest.mark.parametrize(
    ("content", "name"),
    [
        ("\ufeffSIRET;Code du département\n".encode(), "dossiers.csv"),
        (b"SIRET,Code du d\xe9partement\n", "dossiers.csv"),
    ],
)
def test_csv_with_or_without_bom_semicolon_or_comma_is_read(content, name):
    assert read_table(content, name) == [["SIRET", "Code du département"]]


def test_a_file_of_another_type_is_refused(call, admin_user):
    report = import_applications(call=call, by=admin_user, file=io.BytesIO(b"%PDF-1.7"), filename="dossiers.pdf")
    assert [str(problem) for problem in report.problems] == [
        "Fichier : Format de fichier non pris en charge : « dossiers.pdf ». Utilisez un fichier .csv, .xlsx ou .ods."
    ]
    report = import_applications(call=call, by=admin_user, file=io.BytesIO(b"not a zip"), filename="dossiers.xlsx")
    assert "n’est pas un classeur XLSX" in report.problems[0].message


def test_ods_cells_repeated_by_libreoffice_keep_their_columns():
    document = OpenDocumentSpreadsheet()
    sheet = Table(name="Dossiers")
    row = TableRow()
    for value, repeat in (("A", 1), ("", 2), ("D", 1)):
        cell = TableCell(numbercolumnsrepeated=repeat) if repeat > 1 else TableCell(valuetype="string")
        if value:
            cell.addElement(P(text=value))
        row.addElement(cell)
    row.addElement(TableCell(valuetype="float", value="12345.5"))
    sheet.addElement(row)
    document.spreadsheet.addElement(sheet)
    buffer = io.BytesIO()
    document.write(buffer)
    assert read_table(buffer.getvalue(), "f.ods") == [["A", "", "", "D", Decimal("12345.5")]]


def filled_template(call, fmt: str) -> bytes:
    """The template with its example row made a real one: another applicant's SIRET."""
    rows = read_table(write_template(call, fmt), f"modele.{fmt}")
    rows[1][rows[0].index("SIRET")] = valid_siret(7000)
    return write_table(rows[0], rows[1:], fmt=fmt, title="Dossiers")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_the_template_example_row_is_refused_with_a_message(call, admin_user, fmt):
    before = counts()
    content = write_template(call, fmt)
    report = import_applications(call=call, by=admin_user, file=io.BytesIO(content), filename=f"modele.{fmt}")
    assert [str(problem) for problem in report.problems] == [
        "Ligne 2, colonne « SIRET » : Cette ligne est l’exemple du modèle de fichier : remplacez-la par vos "
        "dossiers ou supprimez-la."
    ]
    assert counts() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_the_template_imports_once_its_example_is_replaced(call, admin_user, fmt):
    content = filled_template(call, fmt)
    report = import_applications(call=call, by=admin_user, file=io.BytesIO(content), filename=f"modele.{fmt}")
    assert report.saved, [str(problem) for problem in report.problems]
    application = Application.objects.select_related("department").get()
    assert application.department.code == "09"
    assert application.requested_total == Decimal("100000.00")


def snapshot() -> list[tuple]:
    """What an application is, apart from its workflow: the fields the import format carries."""
    rows = []
    for application in Application.objects.select_related("applicant", "department").prefetch_related(
        "requested_amounts"
    ):
        applicant = application.applicant
        rows.append(
            (
                application.reference,
                application.department.code,
                application.commune,
                application.title,
                application.summary,
                application.category,
                application.qpv,
                application.target_public,
                application.total_budget,
                application.requested_total,
                tuple(sorted(application.requested_by_year().items())),
                applicant.legal_name,
                applicant.legal_form,
                applicant.siret,
                applicant.rna,
                applicant.address,
                applicant.postal_code,
                applicant.commune,
                applicant.contact_name,
                applicant.contact_email,
                applicant.contact_phone,
            )
        )
    return sorted(rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_round_trip_export_then_import_into_an_empty_database(call, admin_user, fmt):
    shared = ApplicantFactory(association=True, rna="W313012345", contact_phone="05 61 00 00 00", postal_code="09100")
    made = [
        ApplicationFactory(call=call, applicant=shared, requested={2023: Decimal("1234.56"), 2025: Decimal("10")}),
        ApplicationFactory(
            call=call,
            applicant=shared,
            department=Department.objects.get(code="31"),
            qpv=True,
            category=Category.SCHOOL_BRIDGE,
            summary="Deux lignes ;\nun point-virgule, une virgule et des « guillemets ».",
        ),
        ApplicationFactory(call=call, department=Department.objects.get(code="09"), total_budget=Decimal("99999.99")),
    ]
    # References as the import allocates them: in the order of the file, per department.
    references = {"11": 0, "31": 0, "09": 0}
    for application in sorted(made, key=lambda application: application.pk):
        references[application.department.code] += 1
        number = references[application.department.code]
        application.reference = f"FIPE-OCC-2023-{application.department.padded_code}-{number:03d}"
        application.save(update_fields=["reference"])
    before = snapshot()
    content = write_applications(call, fmt)

    StatusChange.objects.all().delete()
    RequestedAmount.objects.all().delete()
    Application.objects.all().delete()
    Applicant.objects.all().delete()
    ReferenceCounter.objects.all().delete()
    report = import_applications(call=call, by=admin_user, file=io.BytesIO(content), filename=f"dossiers.{fmt}")

    assert report.saved, [str(problem) for problem in report.problems]
    assert snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_text_that_looks_like_a_formula_is_kept_as_text_and_comes_back_unchanged(call, admin_user, fmt):
    application = ApplicationFactory(
        call=call, title='=HYPERLINK("http://example.org")', summary="  Deux  espaces\tet une tabulation."
    )
    content = write_applications(call, fmt)
    if fmt == "csv":
        assert "'=HYPERLINK" in content.decode("utf-8-sig")
    rows = read_table(content, f"f.{fmt}")
    assert rows[1][rows[0].index("Intitulé du projet")] == application.title
    assert rows[1][rows[0].index("Résumé")] == application.summary


def test_exported_spreadsheets_open_and_keep_codes_as_text(call):
    ApplicationFactory(call=call, applicant=ApplicantFactory(postal_code="09100"))
    sheet = openpyxl.load_workbook(io.BytesIO(write_applications(call, "xlsx"))).active
    headers = [cell.value for cell in sheet[1]]
    assert headers == [column.header for column in columns_for(call)]
    values = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
    assert values["Code postal"] == "09100"
    assert values["Budget total du projet (€)"] == 80000
    ods = read_table(write_applications(call, "ods"), "f.ods")
    assert ods[0] == headers and ods[1][headers.index("Code postal")] == "09100"


# The command ------------------------------------------------------------------------------------


def test_command_imports_a_file_and_names_the_user_in_the_history(call, tmp_path, capsys):
    admin_user = administrator(username="operateur")
    path = tmp_path / "dossiers.csv"
    path.write_bytes(filled_template(call, "csv"))
    call_command("import_applications", str(path), "--call", call.reference, "--user", "operateur")
    assert "Import réussi : 1 dossier créé et déposé" in capsys.readouterr().out
    assert StatusChange.objects.filter(by=admin_user).count() == 2


def test_command_dry_run_prints_the_preview(call, tmp_path, capsys):
    administrator(username="operateur")
    path = tmp_path / "dossiers.xlsx"
    path.write_bytes(filled_template(call, "xlsx"))
    call_command("import_applications", str(path), "--call", call.reference, "--user", "operateur", "--dry-run")
    out = capsys.readouterr().out
    assert "Ligne 2 : Création" in out and "Simulation" in out
    assert not Application.objects.exists()


def test_command_exits_non_zero_with_the_report(call, tmp_path, capsys):
    administrator(username="operateur")
    path = tmp_path / "dossiers.csv"
    path.write_text("SIRET;Code du département\n123;99\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Import refusé : 19 problème"):
        call_command("import_applications", str(path), "--call", call.reference, "--user", "operateur")
    err = capsys.readouterr().err
    assert "Ligne 2, colonne « SIRET »" in err and "Ligne 2, colonne « Code du département »" in err
    assert not Application.objects.exists()


def test_command_defaults_to_the_first_superuser_and_says_when_there_is_none(call, tmp_path):
    path = tmp_path / "dossiers.csv"
    path.write_bytes(filled_template(call, "csv"))
    with pytest.raises(CommandError, match="Aucun super-utilisateur"):
        call_command("import_applications", str(path), "--call", call.reference)


def test_command_refuses_an_unknown_call(call, tmp_path):
    with pytest.raises(
        CommandError, match="Appel à projets inconnu : « FIPE-XXX » \\(appels existants : FIPE-OCC-2023\\)"
    ):
        call_command("import_applications", str(tmp_path / "x.csv"), "--call", "FIPE-XXX")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_command_writes_the_template_by_extension(call, tmp_path, fmt):
    path = tmp_path / f"modele.{fmt}"
    call_command("import_applications", "--template", str(path))
    rows = read_table(path.read_bytes(), path.name)
    assert rows[0] == [column.header for column in columns_for(call)]
    assert len(rows) == 2


def test_command_exports_the_applications_in_the_import_format(call, tmp_path):
    ApplicationFactory(call=call)
    path = tmp_path / "dossiers.ods"
    call_command("import_applications", "--export", str(path), "--call", call.reference)
    assert len(read_table(path.read_bytes(), path.name)) == 2


# The admin --------------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    user = administrator(is_superuser=True)
    client.force_login(user)
    return client


def upload(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_admin_import_previews_then_imports_on_confirmation(call, admin_client):
    url = reverse("admin:projects_application_import")
    preview = admin_client.post(url, {"call": call.pk, "import_file": upload(filled_template(call, "xlsx"), "d.xlsx")})
    assert preview.status_code == 200
    assert "Simulation : 1 dossier serait créé" in preview.text
    assert "Micro-crèche à horaires atypiques" in preview.text
    assert not Application.objects.exists()

    confirm = preview.context["confirm_form"]
    data = {name: confirm[name].value() for name in confirm.fields}
    response = admin_client.post(reverse("admin:projects_application_process_import"), data)
    assert response.status_code == 302
    assert Application.objects.get().status == Status.SUBMITTED


def test_admin_import_with_a_bad_row_names_it_offers_no_confirmation_and_saves_nothing(call, admin_client):
    before = counts()
    rows = table(example(call), example(call, **{"SIRET": valid_siret(5001), "Code du département": "99"}))
    content = write_table(rows[0], rows[1:], fmt="csv", title="Dossiers")
    response = admin_client.post(
        reverse("admin:projects_application_import"), {"call": call.pk, "import_file": upload(content, "d.csv")}
    )
    assert response.status_code == 200
    assert "Import refusé : 1 problème à corriger" in response.text
    assert "<td>3</td><td>Code du département</td><td>Département inconnu « 99 » (code INSEE attendu).</td>" in (
        response.text
    )
    assert "confirm_form" not in response.context
    # The library's own result marks the row invalid, its message keyed by the column.
    invalid = response.context["result"].invalid_rows
    assert [(row.number, row.field_specific_errors) for row in invalid] == [
        (2, {"Code du département": ["Département inconnu « 99 » (code INSEE attendu)."]})
    ]
    assert counts() == before


def test_admin_import_shows_every_problem(call, admin_client):
    response = admin_client.post(
        reverse("admin:projects_application_import"),
        {"call": call.pk, "import_file": upload(b"SIRET;Code du d\xc3\xa9partement\n123;99\n", "dossiers.csv")},
    )
    assert "Import refusé : 19 problèmes à corriger" in response.text
    assert "Département inconnu « 99 »" in response.text
    assert "confirm_form" not in response.context


def test_admin_confirmation_checks_the_file_again_and_saves_nothing_when_it_no_longer_passes(call, admin_client):
    preview = admin_client.post(
        reverse("admin:projects_application_import"),
        {"call": call.pk, "import_file": upload(filled_template(call, "csv"), "d.csv")},
    )
    confirm = preview.context["confirm_form"]
    data = {name: confirm[name].value() for name in confirm.fields}
    call.status = "closed"
    call.save(update_fields=["status"])
    response = admin_client.post(reverse("admin:projects_application_process_import"), data)
    assert response.status_code == 200
    assert not Application.objects.exists()


def test_admin_import_refuses_another_kind_of_file_in_french(call, admin_client):
    response = admin_client.post(
        reverse("admin:projects_application_import"), {"call": call.pk, "import_file": upload(b"%PDF", "d.pdf")}
    )
    assert "Format de fichier non pris en charge : « d.pdf »" in response.text
    response = admin_client.post(
        reverse("admin:projects_application_import"), {"call": call.pk, "import_file": upload(b"zz", "d.xlsx")}
    )
    assert "n’est pas un classeur XLSX" in response.text


@pytest.mark.parametrize("fmt", ["csv", "ods"])
def test_command_and_admin_share_the_resource_and_give_the_same_report(call, admin_client, tmp_path, fmt):
    administrator(username="operateur")
    rows = table(
        example(call),
        example(call, **{"SIRET": valid_siret(5001), "Code du département": "99", "QPV (oui/non)": "bof"}),
        example(call, **{"SIRET": valid_siret(5002), "Montant demandé 2024 (€)": "12,3,4"}),
    )
    content = write_table(rows[0], rows[1:], fmt=fmt, title="Dossiers")
    path = tmp_path / f"dossiers.{fmt}"
    path.write_bytes(content)
    with pytest.raises(CommandError) as refused:
        call_command("import_applications", str(path), "--call", call.reference, "--user", "operateur")
    response = admin_client.post(
        reverse("admin:projects_application_import"), {"call": call.pk, "import_file": upload(content, path.name)}
    )
    report = response.context["result"].report
    assert str(refused.value) == report.summary()
    assert [str(problem) for problem in report.problems] == [
        "Ligne 3, colonne « Code du département » : Département inconnu « 99 » (code INSEE attendu).",
        "Ligne 3, colonne « QPV (oui/non) » : Indiquez « oui » ou « non » (et non « bof »).",
        "Ligne 4, colonne « Montant demandé 2024 (€) » : Montant 2024 : « 12,3,4 » n’est pas un montant.",
    ]
    assert not Application.objects.exists()


def test_admin_changelist_links_to_the_import_and_the_template_downloads(call, admin_client):
    assert (
        reverse("admin:projects_application_import")
        in admin_client.get(reverse("admin:projects_application_changelist")).text
    )
    response = admin_client.get(
        reverse("admin:projects_application_import_template"), {"call": call.pk, "format": "ods"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="modele-import-dossiers-FIPE-OCC-2023.ods"'
    assert read_table(response.content, "m.ods")[0][0] == "Raison sociale du porteur"


def test_admin_action_exports_the_selection_in_the_import_format(call, admin_client):
    application = ApplicationFactory(call=call)
    response = admin_client.post(
        reverse("admin:projects_application_changelist"),
        {"action": "export_applications_xlsx", "_selected_action": [application.pk]},
    )
    rows = read_table(response.content, "d.xlsx")
    assert rows[1][rows[0].index("Intitulé du projet")] == application.title


def test_admin_upload_page_lists_the_columns_and_says_when_no_call_accepts_files(admin_client, db):
    url = reverse("admin:projects_application_import")
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "Aucun appel à projets n’accepte de dossier" in response.text
    call = CallFactory()
    response = admin_client.get(url)
    assert "Aucun appel à projets n’accepte de dossier" not in response.text
    assert [column.header for column in columns_for(call)] == response.context["fields_list"][0][1]
