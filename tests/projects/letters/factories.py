"""Situations for the letter tests: a signatory, laureates and rejected applications made by the real services."""

import re
from decimal import Decimal
from io import BytesIO

from pypdf import PdfReader

from departments.enums import OrganisationKind
from projects.awards.services import reject_application
from projects.models import Application, Signatory
from tests.departments.factories import organisation, regional_approver
from tests.projects.factories import ApplicationFactory, award_for

REJECTION_REASON = "Le projet ne crée pas de places nouvelles dans un territoire qui en manque."


def signatory(**fields) -> Signatory:
    """The active signatory of the Occitanie regional prefecture."""
    values = {"first_name": "Camille", "last_name": "Fontanel", "capacity": "Le préfet de la région Occitanie"}
    values.update(fields)
    return Signatory.objects.create(organisation=organisation(OrganisationKind.REGIONAL_PREFECTURE), **values)


def laureate(*, amounts_by_year: dict[int, Decimal] | None = None, by=None, **application_fields) -> Application:
    """A laureate approved through approve_laureate (10,000 € per programme year unless told), as requested."""
    application = ApplicationFactory(proposed=True, requested=amounts_by_year, **application_fields)
    award_for(application, by=by or regional_approver(), amounts_by_year=amounts_by_year)
    application.refresh_from_db()
    return application


def rejected(*, reason: str = REJECTION_REASON, by=None, **application_fields) -> Application:
    """An application the regional prefecture rejected, with its reason in the history."""
    application = ApplicationFactory(proposed=True, **application_fields)
    reject_application(application=application, by=by or regional_approver(), reason=reason)
    application.refresh_from_db()
    return application


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF on one line: whitespace collapsed, words split at a line-end hyphen rejoined."""
    text = " ".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text.replace("\xa0", " ").replace("\u202f", " "))
    return re.sub(r"(\w)- (\w)", r"\1-\2", text)


def letter_text(letter) -> str:
    with letter.file.open("rb") as file:
        return pdf_text(file.read())
