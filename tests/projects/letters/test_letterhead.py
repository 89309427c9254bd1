"""The letter as a prefecture signs it: the State's bloc-marque, French typography, Marianne, PDF/A-3b."""

import datetime
import re
import subprocess
from io import BytesIO

from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from fipe.brand import BLUE, RED
from projects.enums import LetterKind
from projects.letters.pipeline import generate_letter
from tests.departments.factories import regional_approver
from tests.projects.factories import ApplicantFactory
from tests.projects.letters.factories import laureate, signatory

FIRST_OF_DECEMBER = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


def award_letter_pdf(monkeypatch, **applicant_fields) -> bytes:
    """The award letter of a laureate whose contact is Anne Lefèvre, generated on 1 December 2026."""
    monkeypatch.setattr(timezone, "now", lambda: FIRST_OF_DECEMBER)
    signatory()
    applicant = ApplicantFactory(contact_name="Anne Lefèvre", **applicant_fields)
    letter = generate_letter(application=laureate(applicant=applicant), kind=LetterKind.AWARD, by=regional_approver())
    with letter.file.open("rb") as file:
        return file.read()


def page_lines(pdf: bytes) -> list[str]:
    return [line for page in PdfReader(BytesIO(pdf)).pages for line in page.extract_text().splitlines()]


def test_award_letter_reads_as_french_prose(db, monkeypatch):
    pdf = award_letter_pdf(monkeypatch)
    open("/tmp/i15/award.pdf", "wb").write(pdf)
    text = " ".join(page_lines(pdf))
    assert "Toulouse, le 1er décembre 2026" in text
    assert "Affaire suivie par" in text
    assert "À l’attention d’Anne Lefèvre" in text
    assert not [line for line in page_lines(pdf) if line.lstrip().startswith("»")]
