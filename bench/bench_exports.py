"""Imports and exports at the scale of a national call: 10,000 applications, 10,000 award decisions.

- import of 10,000 rows (CSV, then XLSX into a second call) through the django-import-export
  Resource the admin and the command use: goal under 20 s;
- export of 10,000 award decisions as CSV and XLSX through AwardResource and our formats (XLSX
  with euro formats, column widths and a totals row), against a floor: the export's own data
  (its values_list() query) written as it comes by csv.writer, or by XlsxWriter's write_row
  for XLSX — goal within 2× the floor; the CSV export is also compared, for information,
  with csv.writer over the award rows' nine plain columns alone;
- the ODS export and the SCDL open-data file (20,000 rows: one per laureate and funder).

Everything happens in a throw-away database created for the run and dropped afterwards.
"""

import csv
import datetime
import io
import time
from decimal import Decimal

import xlsxwriter
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from departments.enums import OrganisationKind
from departments.models import Department, Organisation, Region
from projects.enums import Category, Funder, LegalForm, LetterKind, Status
from projects.exchange.exports import BASE_FIELDS, awards_of, export_values
from projects.exchange.imports import columns_for
from projects.exchange.opendata import write_scdl
from projects.exchange.resources import awards_file, import_applications
from projects.exchange.spreadsheets import write_table
from projects.models import Application, Award, AwardAmount, Call, DecisionLetter, FundingLine, Payment, Signatory
from projects.money import split
from tests.projects.factories import valid_siret

ROWS = 10_000
IMPORT_GOAL_SECONDS = 20
EXPORT_GOAL_RATIO = 2
REPEAT = 3
YEARS = [2023, 2024, 2025]


def _call(reference: str) -> Call:
    return Call.objects.create(
        reference=reference,
        title=f"Banc d’essai {reference}",
        region=Region.objects.get(code="76"),
        opens_on=datetime.date(2023, 6, 9),
        closes_on=datetime.date(2023, 9, 29),
        first_year=YEARS[0],
        last_year=YEARS[-1],
        envelope=Decimal("1000000000.00"),
        state_budget_reference="Programme 304",
        cnaf_budget_reference="FNAS",
        status="open",
    )


def _import_file(call: Call, fmt: str) -> bytes:
    """10,000 applications of 10,000 applicants spread over the region's departments."""
    columns = columns_for(call)
    codes = list(Department.objects.filter(region__code="76").order_by("code").values_list("code", flat=True))
    rows = []
    for n in range(ROWS):
        code = codes[n % len(codes)]
        values = {
            "legal_name": f"Commune n° {n}",
            "legal_form": str(LegalForm.COMMUNE.label),
            "siret": valid_siret(30_000_000 + n),
            "rna": "",
            "address": f"{n} place de la Mairie",
            "postal_code": "31000",
            "applicant_commune": f"Commune {n}",
            "contact_name": "Camille Martin",
            "contact_email": f"contact{n}@example.org",
            "contact_phone": "",
            "department": code,
            "commune": f"Commune {n}",
            "title": f"Projet petite enfance n° {n}",
            "summary": "Un projet pour accélérer le service public de la petite enfance.",
            "category": str(Category.NEW_PLACES.label),
            "qpv": n % 5 == 0,
            "target_public": "Enfants de moins de 3 ans",
            "total_budget": Decimal("150000.00"),
            "year_2023": Decimal("40000.00"),
            "year_2024": Decimal("30000.50"),
            "year_2025": Decimal("30000.00"),
        }
        rows.append([values[column.key] for column in columns])
    return write_table([column.header for column in columns], rows, fmt=fmt, title="Dossiers")


def _timed_import(call: Call, user, content: bytes, fmt: str) -> float:
    started = time.perf_counter()
    report = import_applications(call=call, by=user, file=io.BytesIO(content), filename=f"bench.{fmt}")
    elapsed = time.perf_counter() - started
    if not report.saved or report.applications_created != ROWS:
        raise RuntimeError(f"bench import failed: {[str(problem) for problem in report.problems[:5]]}")
    return elapsed


def _make_laureates(call: Call, user) -> None:
    """Awards, funding lines, payments and letters for every application, written in bulk:
    only their volume matters here, and they follow the money rules."""
    applications = list(Application.objects.filter(call=call).values_list("pk", "requested_total"))
    Application.objects.filter(call=call).update(status=Status.LAUREATE)
    now = timezone.now()
    Award.objects.bulk_create(
        [Award(application_id=pk, total=total, approved_by=user, approved_at=now) for pk, total in applications],
        batch_size=1000,
    )
    awards = list(Award.objects.filter(application__call=call).values_list("pk", "application_id"))
    per_year = {2023: Decimal("40000.00"), 2024: Decimal("30000.50"), 2025: Decimal("30000.00")}
    AwardAmount.objects.bulk_create(
        [AwardAmount(award_id=pk, year=year, amount=amount) for pk, _ in awards for year, amount in per_year.items()],
        batch_size=2000,
    )
    lines = []
    for pk, _ in awards:
        for year, amount in per_year.items():
            state, cnaf = split(amount, call.state_share)
            lines.append(
                FundingLine(
                    award_id=pk, funder=Funder.STATE, year=year, amount=state, commitment_number=f"EJ{pk}{year}"
                )
            )
            lines.append(
                FundingLine(award_id=pk, funder=Funder.CNAF, year=year, amount=cnaf, commitment_number=f"C{pk}{year}")
            )
    FundingLine.objects.bulk_create(lines, batch_size=2000)
    first_lines = FundingLine.objects.filter(award__application__call=call, year=2023).values_list("pk", flat=True)
    Payment.objects.bulk_create(
        [
            Payment(line_id=pk, paid_on=datetime.date(2024, 1, 15), amount=Decimal("10000.00"), recorded_by=user)
            for pk in first_lines
        ],
        batch_size=2000,
    )
    signatory = Signatory.objects.create(
        organisation=Organisation.objects.get(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76"),
        first_name="Pierre",
        last_name="Durand",
        capacity="Le préfet de la région Occitanie",
    )
    DecisionLetter.objects.bulk_create(
        [
            DecisionLetter(
                application_id=application_id,
                kind=LetterKind.AWARD,
                version=1,
                file=f"letters/{application_id}.pdf",
                sha256="a" * 64,
                signatory=signatory,
                generated_by=user,
            )
            for _, application_id in awards
        ],
        batch_size=2000,
    )
    Organisation.objects.filter(kind=OrganisationKind.REGIONAL_PREFECTURE, region__code="76").update(
        siret=valid_siret(1300)
    )
    Organisation.objects.filter(kind=OrganisationKind.CNAF).update(siret=valid_siret(1800))


def _csv_floor(rows) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows.iterator(chunk_size=2000))
    return buffer.getvalue().encode()


def _xlsx_floor(rows) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    sheet = workbook.add_worksheet()
    for number, row in enumerate(rows.iterator(chunk_size=2000)):
        sheet.write_row(number, 0, [timezone.make_naive(v) if isinstance(v, datetime.datetime) else v for v in row])
    workbook.close()
    return buffer.getvalue()


def _timed(function, repeat: int = REPEAT) -> tuple[float, float]:
    """(best wall-clock seconds, best CPU seconds) over `repeat` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def _measure() -> list[dict]:
    results = []
    user = get_user_model().objects.create_superuser("bench-exports", "bench@example.org", "bench-password")
    first, second = _call("FIPE-BENCH-2023"), _call("FIPE-BENCH-2024")

    for call, fmt in ((first, "csv"), (second, "xlsx")):
        content = _import_file(call, fmt)
        cpu = time.process_time()
        seconds = _timed_import(call, user, content, fmt)
        results.append(
            {
                "name": f"import of {ROWS} applications ({fmt.upper()})",
                "value": round(seconds, 2),
                "unit": "s",
                "cpu_seconds": round(time.process_time() - cpu, 2),
                "goal": f"< {IMPORT_GOAL_SECONDS} s",
                "ok": seconds < IMPORT_GOAL_SECONDS,
            }
        )

    _make_laureates(first, user)
    awards = awards_of(call=first)
    # The floor: the export's own data (the same values_list() query) written without any work on it.
    data = export_values(awards, YEARS)
    floors = {"csv": _timed(lambda: _csv_floor(data)), "xlsx": _timed(lambda: _xlsx_floor(data))}
    for fmt in ("csv", "xlsx"):
        (seconds, cpu), (floor, floor_cpu) = _timed(lambda fmt=fmt: awards_file(awards, fmt)), floors[fmt]
        ratio = seconds / floor
        results.append(
            {
                "name": f"export of {ROWS} award decisions ({fmt.upper()})",
                "value": round(seconds, 3),
                "unit": "s",
                "floor": round(floor, 3),
                "ratio": ratio,
                "cpu_ratio": round(cpu / floor_cpu, 2),
                "goal": f"≤ {EXPORT_GOAL_RATIO}× floor",
                "ok": ratio <= EXPORT_GOAL_RATIO,
            }
        )
    base_floor, _cpu = _timed(lambda: _csv_floor(awards.order_by("application__reference").values_list(*BASE_FIELDS)))
    csv_seconds = results[-2]["value"]
    results.append(
        {
            "name": "export CSV against csv.writer over the 9 award columns alone (information)",
            "value": csv_seconds,
            "unit": "s",
            "floor": round(base_floor, 3),
            "ratio": csv_seconds / base_floor,
        }
    )
    results.append(
        {
            "name": f"export of {ROWS} award decisions (ODS)",
            "value": round(_timed(lambda: awards_file(awards, "ods"), repeat=1)[0], 3),
            "unit": "s",
        }
    )
    scdl, _cpu = _timed(lambda: write_scdl(first))
    results.append(
        {
            "name": f"SCDL open-data file ({ROWS} laureates × 2 funders)",
            "value": round(scdl, 3),
            "unit": "s",
        }
    )
    return results


def run() -> list[dict]:
    settings_dict = connection.settings_dict
    if settings_dict["ENGINE"].endswith("sqlite3"):
        # A file, as in production, rather than the in-memory database Django tests default to.
        settings_dict.setdefault("TEST", {})["NAME"] = "/tmp/fipe-bench-exports.sqlite3"
    old_name = settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return _measure()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
