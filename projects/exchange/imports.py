"""The applications import's format: its columns, the template to fill in, and the applications written out in it.

One row per application, with its applicant; French headers and French values (labels of
legal forms and categories, « oui »/« non »). What an import checks and saves is in
projects.exchange.import_rules.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from projects.enums import Category, LegalForm
from projects.exchange.spreadsheets import write_table
from projects.models import Applicant, Call

# The template's example row carries a SIRET that checks but belongs to no one: a row with it is refused.
EXAMPLE_SIRET = "88888888000018"
EXAMPLE_TITLE = "Micro-crèche à horaires atypiques (exemple à remplacer)"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    # Optional columns may be left out of the file; the fields they fill are then left as they are.
    required: bool = True
    # Which model field the column fills: ("applicant" | "application", field name), or None for years.
    target: tuple[str, str] | None = None
    text: bool = False  # a code, kept as text in spreadsheets (leading zeros)


def columns_for(call: Call) -> list[Column]:
    """The columns of the import file of `call`, in order: one amount column per programme year."""
    return [
        Column("legal_name", _("Raison sociale du porteur"), target=("applicant", "legal_name")),
        Column("legal_form", _("Forme juridique"), target=("applicant", "legal_form")),
        Column("siret", _("SIRET"), target=("applicant", "siret"), text=True),
        Column("rna", _("RNA"), target=("applicant", "rna")),
        Column("address", _("Adresse"), target=("applicant", "address")),
        Column("postal_code", _("Code postal"), target=("applicant", "postal_code"), text=True),
        Column("applicant_commune", _("Commune du porteur"), target=("applicant", "commune")),
        Column("contact_name", _("Nom du contact"), target=("applicant", "contact_name")),
        Column("contact_email", _("Courriel du contact"), target=("applicant", "contact_email")),
        Column(
            "contact_phone", _("Téléphone du contact"), required=False, target=("applicant", "contact_phone"), text=True
        ),
        Column("department", _("Code du département"), text=True),
        Column("commune", _("Commune du projet"), target=("application", "commune")),
        Column("title", _("Intitulé du projet"), target=("application", "title")),
        Column("summary", _("Résumé"), target=("application", "summary")),
        Column("category", _("Catégorie"), target=("application", "category")),
        Column("qpv", _("QPV (oui/non)"), target=("application", "qpv")),
        Column("target_public", _("Public visé"), required=False, target=("application", "target_public")),
        Column("total_budget", _("Budget total du projet (€)"), target=("application", "total_budget")),
        *[Column(f"year_{year}", _("Montant demandé %(year)s (€)") % {"year": year}) for year in call.programme_years],
    ]


def normalized(text) -> str:
    """A header or label as compared: no accents, case, punctuation or parenthesised note."""
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    text = re.sub(r"\([^)]*\)", " ", text)
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def choice_lookup(choices) -> dict[str, str]:
    """Every accepted spelling of a choice: its label, its label's parts (« CCAS », « CIAS »), its code."""
    lookup = {}
    for value, label in choices:
        lookup[normalized(value)] = value
        lookup[normalized(label)] = value
        for part in str(label).split("/"):
            lookup[normalized(part)] = value
    return lookup


# The template and the applications in the same format ------------------------------------------


def _example_row(call: Call) -> dict[str, object]:
    """The template's example: an import recognises it by its SIRET and title, and refuses it."""
    department = call.region.departments.order_by("code").first()
    postal_code = f"{department.code}000"[:5] if department.code.isdigit() else "20000"
    row = {
        "legal_name": _("Communauté de communes du Pays d’exemple"),
        "legal_form": str(LegalForm.EPCI.label),
        "siret": EXAMPLE_SIRET,
        "rna": "",
        "address": _("1 place de la Mairie"),
        "postal_code": postal_code,
        "applicant_commune": _("Exempleville"),
        "contact_name": _("Camille Martin"),
        "contact_email": "camille.martin@example.org",
        "contact_phone": "05 61 00 00 00",
        "department": department.code,
        "commune": _("Exempleville"),
        "title": EXAMPLE_TITLE,
        "summary": _("Une micro-crèche de 12 places ouverte de 6 h à 21 h pour les parents aux horaires décalés."),
        "category": str(Category.ATYPICAL_HOURS.label),
        "qpv": False,
        "target_public": _("Enfants de moins de 3 ans et leurs familles"),
        "total_budget": Decimal("150000.00"),
    }
    for index, year in enumerate(call.programme_years):
        row[f"year_{year}"] = Decimal("40000.00") if index == 0 else Decimal("30000.00")
    return row


def _applicant_cells(applicant: Applicant) -> dict[str, object]:
    return {
        "legal_name": applicant.legal_name,
        "legal_form": str(LegalForm(applicant.legal_form).label),
        "siret": applicant.siret,
        "rna": applicant.rna,
        "address": applicant.address,
        "postal_code": applicant.postal_code,
        "applicant_commune": applicant.commune,
        "contact_name": applicant.contact_name,
        "contact_email": applicant.contact_email,
        "contact_phone": applicant.contact_phone,
    }


def applications_table(call: Call, applications=None) -> tuple[list[str], list[list]]:
    """The call's applications (or those given) as rows of the import file: what imports them back."""
    columns = columns_for(call)
    if applications is None:
        applications = call.applications.all()
    applications = (
        applications.filter(call=call)
        .select_related("applicant", "department")
        .prefetch_related("requested_amounts")
        .order_by("reference")
    )
    rows = []
    for application in applications:
        cells = _applicant_cells(application.applicant) | {
            "department": application.department.code,
            "commune": application.commune,
            "title": application.title,
            "summary": application.summary,
            "category": str(Category(application.category).label),
            "qpv": application.qpv,
            "target_public": application.target_public,
            "total_budget": application.total_budget,
        }
        requested = application.requested_by_year()
        for year in call.programme_years:
            cells[f"year_{year}"] = requested.get(year, Decimal("0.00"))
        rows.append([cells[column.key] for column in columns])
    return [column.header for column in columns], rows


def write_applications(call: Call, fmt: str, applications=None) -> bytes:
    headers, rows = applications_table(call, applications)
    return write_table(headers, rows, fmt=fmt, title=_("Dossiers"), text_columns=_text_columns(call))


def write_template(call: Call, fmt: str) -> bytes:
    """The import file's headers and one example row, which an import refuses with a message."""
    columns = columns_for(call)
    example = _example_row(call)
    return write_table(
        [column.header for column in columns],
        [[example[column.key] for column in columns]],
        fmt=fmt,
        title=_("Dossiers"),
        text_columns=_text_columns(call),
    )


def _text_columns(call: Call) -> frozenset[int]:
    return frozenset(index for index, column in enumerate(columns_for(call)) if column.text)
