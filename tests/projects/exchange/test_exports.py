import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from odf import opendocument, teletype
from odf.number import CurrencyStyle, CurrencySymbol
from odf.style import Style, TableColumnProperties
from odf.table import Table, TableCell, TableColumn, TableRow

from departments.enums import OrganisationKind, Role
from departments.models import Region
from projects.exchange.exports import awards_of
from projects.exchange.reading import read_table
from projects.exchange.resources import awards_file as write_awards
from projects.models import Award
from tests.departments.factories import administrator, caf_instructor, member, regional_approver
from tests.projects.exchange.factories import laureate, with_commitments_payment_and_letter
from tests.projects.factories import CallFactory


@pytest.fixture
def approver(db):
    return regional_approver()


@pytest.fixture
def call(db):
    return CallFactory()


def csv_rows(content: bytes) -> list[dict]:
    assert content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def test_one_row_per_award_with_amounts_per_year_and_funder_commitments_payments_and_letter(call, approver):
    application = laureate(
        by=approver, amounts_by_year={2023: Decimal("10000.01"), 2024: Decimal("5000")}, department_code="31"
    )
    with_commitments_payment_and_letter(application, by=approver)
    laureate(by=approver, department_code="11")

    rows = csv_rows(write_awards(awards_of(call=call), "csv"))

    assert [row["Référence"] for row in rows] == sorted(Award.objects.values_list("application__reference", flat=True))
    row = next(row for row in rows if row["Référence"] == application.reference)
    assert row["Code du département"] == "31"
    assert row["Département"] == "Haute-Garonne"
    assert row["Porteur"] == application.applicant.legal_name
    assert row["SIRET"] == application.applicant.siret
    assert row["Intitulé du projet"] == application.title
    assert row["Statut"] == "Lauréat"
    assert row["Date de la décision"] == f"{datetime.date.today():%d/%m/%Y}"
    assert (row["État 2023 (€)"], row["Cnaf 2023 (€)"], row["Total 2023 (€)"]) == ("5000,01", "5000,00", "10000,01")
    assert (row["État 2024 (€)"], row["Cnaf 2024 (€)"], row["Total 2024 (€)"]) == ("2500,00", "2500,00", "5000,00")
    assert (row["État 2025 (€)"], row["Cnaf 2025 (€)"], row["Total 2025 (€)"]) == ("0,00", "0,00", "0,00")
    assert (row["Total État (€)"], row["Total Cnaf (€)"], row["Total attribué (€)"]) == (
        "7500,01",
        "7500,00",
        "15000,01",
    )
    assert row["Engagements État"] == f"2023 : EJ-2023-{application.pk} ; 2024 : EJ-2024-{application.pk}"
    assert row["Engagements Cnaf"] == f"2023 : CAF-2023-{application.pk} ; 2024 : CAF-2024-{application.pk}"
    assert (row["Versé État (€)"], row["Versé Cnaf (€)"], row["Total versé (€)"]) == ("1000,00", "0,00", "1000,00")
    assert row["Version du courrier d’attribution"] == "2"
    assert row["SHA-256 du courrier d’attribution"] == "2" * 64


def test_the_three_formats_open_with_the_same_figures(call, approver):
    application = laureate(by=approver)
    with_commitments_payment_and_letter(application, by=approver)
    awards = awards_of(call=call)

    csv_row = csv_rows(write_awards(awards, "csv"))[0]

    sheet = openpyxl.load_workbook(io.BytesIO(write_awards(awards, "xlsx"))).active
    headers = [cell.value for cell in sheet[1]]
    xlsx_row = dict(zip(headers, [cell.value for cell in sheet[2]], strict=True))
    assert headers == list(csv_row)
    assert xlsx_row["Total attribué (€)"] == 30000
    assert sheet.cell(row=2, column=headers.index("Total attribué (€)") + 1).number_format == '#,##0.00 "€"'
    assert xlsx_row["Date de la décision"].date() == datetime.date.today()
    assert xlsx_row["SIRET"] == application.applicant.siret

    document = opendocument.load(io.BytesIO(write_awards(awards, "ods")))
    table = document.spreadsheet.getElementsByType(Table)[0]
    ods_rows = [
        [cell.getAttribute("value") or teletype.extractText(cell) for cell in row.getElementsByType(TableCell)]
        for row in table.getElementsByType(TableRow)
    ]
    ods_row = dict(zip(ods_rows[0], ods_rows[1], strict=True))
    assert ods_rows[0] == headers
    assert Decimal(ods_row["Total attribué (€)"]) == Decimal("30000")
    assert ods_row["Référence"] == csv_row["Référence"] == application.reference


def test_the_export_takes_a_constant_number_of_queries(call, approver, django_assert_num_queries):
    laureate(by=approver)
    with django_assert_num_queries(2):
        write_awards(awards_of(call=call), "xlsx")
    for _ in range(4):
        with_commitments_payment_and_letter(laureate(by=approver, department_code="34"), by=approver)
    with django_assert_num_queries(2):
        write_awards(awards_of(call=call), "xlsx")


def test_a_user_exports_only_the_departments_they_may_export(call, approver):
    laureate(by=approver, department_code="11")
    laureate(by=approver, department_code="31")
    departmental = member(Role.APPROVER, OrganisationKind.PREFECTURE, "11")
    rows = csv_rows(write_awards(awards_of(call=call, user=departmental), "csv"))
    assert [row["Code du département"] for row in rows] == ["11"]


# The page ---------------------------------------------------------------------------------------


def test_exports_page_lists_the_call_with_its_downloads(client, call, approver, django_assert_max_num_queries):
    laureate(by=approver)
    client.force_login(approver)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("projects:exports"))
    assert response.status_code == 200
    assert reverse("projects:export_awards", args=[call.reference, "ods"]) in response.text
    assert reverse("projects:call_open_data", args=[call.reference]) in response.text
    assert "Publier les résultats" in response.text
    assert "1 lauréat dans vos départements (toute la région)" in response.text


def test_exports_page_takes_a_constant_number_of_queries(client, approver, django_assert_num_queries):
    client.force_login(approver)
    CallFactory()
    client.get(reverse("projects:exports"))
    with django_assert_num_queries(6):
        client.get(reverse("projects:exports"))
    for year in (2024, 2025, 2026):
        laureate(by=approver, call=CallFactory(reference=f"FIPE-OCC-{year}"))
    with django_assert_num_queries(6):
        client.get(reverse("projects:exports"))


def test_exports_page_and_downloads_are_refused_without_the_export_right(client, call):
    client.force_login(caf_instructor("11"))
    assert client.get(reverse("projects:exports")).status_code == 403
    assert client.get(reverse("projects:export_awards", args=[call.reference, "csv"])).status_code == 403


def test_download_of_a_call_of_another_region_answers_404(client, db):
    other = CallFactory(reference="FIPE-BRE-2023", region=Region.objects.get(code="53"))
    client.force_login(regional_approver())
    assert client.get(reverse("projects:export_awards", args=[other.reference, "csv"])).status_code == 404
    assert client.get(reverse("projects:export_awards", args=["FIPE-OCC-2023", "pdf"])).status_code == 404


def test_download_is_scoped_to_the_user_departments(client, call, approver):
    laureate(by=approver, department_code="11")
    laureate(by=approver, department_code="31")
    client.force_login(member(Role.APPROVER, OrganisationKind.PREFECTURE, "31"))
    response = client.get(reverse("projects:export_awards", args=[call.reference, "csv"]))
    assert response["Content-Disposition"].startswith('attachment; filename="FIPE-OCC-2023-decisions-')
    assert [row["Code du département"] for row in csv_rows(response.content)] == ["31"]


def test_navigation_shows_the_exports_entry_to_exporters_only(client, approver):
    client.force_login(approver)
    assert reverse("projects:exports") in client.get(reverse("home")).text
    client.force_login(caf_instructor("11"))
    assert reverse("projects:exports") not in client.get(reverse("home")).text


# The command and the admin ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "ods"])
def test_command_exports_the_decisions(call, approver, tmp_path, fmt, capsys):
    laureate(by=approver)
    path = tmp_path / f"decisions.{fmt}"
    call_command("export_awards", "--call", call.reference, "--format", fmt, "--output", str(path))
    assert "1 décision exportée" in capsys.readouterr().out
    rows = read_table(path.read_bytes(), path.name)
    assert rows[1][0] == Award.objects.get().application.reference


def test_admin_action_exports_the_selected_awards(client, call, approver):
    first = laureate(by=approver)
    laureate(by=approver)
    client.force_login(administrator(is_superuser=True))
    response = client.post(
        reverse("admin:projects_award_changelist"),
        {"action": "export_awards_csv", "_selected_action": [first.award.pk]},
    )
    assert [row["Référence"] for row in csv_rows(response.content)] == [first.reference]


def test_admin_call_action_downloads_the_decisions(client, call, approver):
    laureate(by=approver)
    client.force_login(administrator(is_superuser=True))
    response = client.post(
        reverse("admin:projects_call_changelist"), {"action": "download_awards", "_selected_action": [call.pk]}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    # The header, the laureate, the totals row.
    assert sheet.max_row == 3 and sheet.cell(row=3, column=1).value == "Total"


# The workbooks' layout ----------------------------------------------------------------------------


def test_xlsx_export_sizes_columns_formats_euros_and_ends_with_a_totals_row(call, approver):
    first = laureate(by=approver, amounts_by_year={2023: Decimal("10000.01"), 2024: Decimal("5000")})
    second = laureate(by=approver, amounts_by_year={2023: Decimal("123456.78")}, title="Un intitulé " + "long " * 20)
    with_commitments_payment_and_letter(first, by=approver)
    sheet = openpyxl.load_workbook(io.BytesIO(write_awards(awards_of(call=call), "xlsx"))).active
    headers = [cell.value for cell in sheet[1]]
    column = {header: index + 1 for index, header in enumerate(headers)}

    assert sheet.max_row == 4
    totals = {header: sheet.cell(row=4, column=column[header]).value for header in headers}
    assert totals["Référence"] == "Total"
    assert totals["Total attribué (€)"] == pytest.approx(float(first.award.total + second.award.total))
    assert totals["Total 2023 (€)"] == pytest.approx(133456.79)
    assert totals["Versé État (€)"] == 1000
    assert totals["SIRET"] is None and totals["Engagements État"] is None
    assert sheet.cell(row=4, column=column["Total attribué (€)"]).font.b
    for row in (2, 3, 4):
        assert sheet.cell(row=row, column=column["État 2023 (€)"]).number_format == '#,##0.00 "€"'
    assert isinstance(sheet.cell(row=2, column=column["Total attribué (€)"]).value, (int, float))

    def width(header):
        return sheet.column_dimensions[openpyxl.utils.get_column_letter(column[header])].width

    # Each column as wide as its widest cell (text capped), never the default 13 characters.
    assert width("Intitulé du projet") >= 60
    assert width("SHA-256 du courrier d’attribution") >= 60
    assert 10 <= width("Code du département") < width("Intitulé du projet")
    assert width("Total attribué (€)") >= len("123 456,78 €")


def test_ods_export_has_euro_amounts_column_widths_and_a_totals_row(call, approver):
    first = laureate(by=approver)
    second = laureate(by=approver, amounts_by_year={2023: Decimal("500.50")})
    document = opendocument.load(io.BytesIO(write_awards(awards_of(call=call), "ods")))
    table = document.spreadsheet.getElementsByType(Table)[0]
    rows = table.getElementsByType(TableRow)
    headers = [teletype.extractText(cell) for cell in rows[0].getElementsByType(TableCell)]
    assert len(rows) == 4
    totals = rows[3].getElementsByType(TableCell)
    total = totals[headers.index("Total attribué (€)")]
    assert teletype.extractText(totals[0]) == "Total"
    assert total.getAttribute("valuetype") == "currency" and total.getAttribute("currency") == "EUR"
    assert Decimal(total.getAttribute("value")) == first.award.total + second.award.total
    # Shown in euros, as in the XLSX file: the amounts' style is a currency style with the euro sign.
    (euros,) = [
        style
        for style in document.automaticstyles.getElementsByType(CurrencyStyle)
        if style.getAttribute("name") == "N2"
    ]
    assert teletype.extractText(euros.getElementsByType(CurrencySymbol)[0]) == "€"
    assert len(table.getElementsByType(TableColumn)) == len(headers)
    styles = document.automaticstyles.getElementsByType(Style)
    widths = {
        style.getAttribute("name"): style.getElementsByType(TableColumnProperties)[0].getAttribute("columnwidth")
        for style in styles
        if style.getAttribute("family") == "table-column"
    }
    title_width = float(widths[f"co{headers.index('Intitulé du projet')}"].removesuffix("cm"))
    code_width = float(widths[f"co{headers.index('Code du département')}"].removesuffix("cm"))
    assert title_width > code_width > 2


def test_csv_export_has_no_totals_row(call, approver):
    laureate(by=approver)
    assert len(csv_rows(write_awards(awards_of(call=call), "csv"))) == 1


def test_admin_export_screen_downloads_the_decisions_through_the_resource(client, call, approver):
    laureate(by=approver, department_code="11")
    laureate(by=approver, department_code="31")
    client.force_login(administrator(is_superuser=True))
    url = reverse("admin:projects_award_export")
    changelist = client.get(reverse("admin:projects_award_changelist")).text
    assert url in changelist and reverse("projects:exports") in changelist
    assert client.get(url).status_code == 200
    response = client.post(url, {"format": "0", "resource": "0"})
    assert response["Content-Type"].startswith("text/csv")
    assert [row["Code du département"] for row in csv_rows(response.content)] == ["11", "31"]
