"""The letter as a prefecture signs it: the State's bloc-marque, French typography, Marianne, PDF/A-3b,
any word wrapped, no reversed text, no empty boxes."""

import base64
import datetime
import html
import os
import re
import subprocess
from decimal import Decimal
from io import BytesIO
from urllib.parse import unquote

from django.contrib.staticfiles import finders
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from fipe import brand
from projects.enums import LetterKind
from projects.letters.pipeline import generate_letter
from tests.departments.factories import regional_approver
from tests.projects.factories import ApplicantFactory
from tests.projects.letters.factories import laureate, rejected, signatory

FIRST_OF_DECEMBER = datetime.datetime(2026, 12, 1, 10, 0, tzinfo=datetime.UTC)


def stored(letter) -> bytes:
    with letter.file.open("rb") as file:
        return file.read()


def award_letter_pdf(monkeypatch, **applicant_fields) -> bytes:
    """The award letter of a laureate whose contact is Anne Lefèvre, generated on 1 December 2026."""
    monkeypatch.setattr(timezone, "now", lambda: FIRST_OF_DECEMBER)
    signatory()
    applicant = ApplicantFactory(**{"contact_name": "Anne Lefèvre", **applicant_fields})
    return stored(
        generate_letter(application=laureate(applicant=applicant), kind=LetterKind.AWARD, by=regional_approver())
    )


def page_lines(pdf: bytes) -> list[str]:
    return [line for page in PdfReader(BytesIO(pdf)).pages for line in page.extract_text().splitlines()]


def test_award_letter_has_place_and_date_and_who_follows_the_case(db, monkeypatch):
    text = " ".join(page_lines(award_letter_pdf(monkeypatch)))
    assert "Toulouse, le 1er décembre 2026" in text
    assert "Affaire suivie par" in text
    assert "Louis Barthe" in text and "05 34 45 34 45" in text and "fipe@occitanie.gouv.fr" in text


def test_award_letter_elides_before_a_vowel_and_never_starts_a_line_with_a_closing_quote(db, monkeypatch):
    lines = page_lines(award_letter_pdf(monkeypatch))
    assert "À l’attention d’Anne Lefèvre" in " ".join(lines)
    assert not [line for line in lines if line.lstrip().startswith("»")]
    assert not [line for line in lines if line.rstrip().endswith("«")]


def svg_paths(data_uri: str) -> list[str]:
    return re.findall(r"d='([^']{20,})'", base64.b64decode(data_uri.split(",", 1)[1]).decode())


def test_the_bloc_marque_is_django_dsfrs_own_artwork():
    """The Marianne and the devise are the paths of the logo django-dsfr ships, not a copy nor a download."""
    path = finders.find(brand.DSFR_STYLESHEET)
    assert f"{os.sep}dsfr{os.sep}static{os.sep}" in path  # the package's static files
    with open(path, encoding="utf-8") as stylesheet:
        artwork = unquote(stylesheet.read())
    marianne, devise = svg_paths(brand.marianne_uri()), svg_paths(brand.devise_uri())
    assert marianne and devise and all(shape in artwork for shape in marianne + devise)


def test_first_page_carries_the_marianne_in_its_top_left_corner(db, monkeypatch, tmp_path):
    (tmp_path / "letter.pdf").write_bytes(award_letter_pdf(monkeypatch))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", tmp_path / "letter.pdf", tmp_path / "page"], check=True
    )
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("RGB")
    corner = page.crop((0, 0, page.width // 4, page.height // 8))
    pixels = [(x, y, corner.getpixel((x, y))) for x in range(corner.width) for y in range(corner.height)]

    def near(rgb, target):
        return sum(abs(a - b) for a, b in zip(rgb, target, strict=True)) < 60

    blue = [(x, y) for x, y, rgb in pixels if near(rgb, (0x00, 0x00, 0x91))]  # bleu France
    red = [(x, y) for x, y, rgb in pixels if near(rgb, (0xE1, 0x00, 0x0F))]  # rouge Marianne
    assert len(blue) > 20 and len(red) > 20
    # The Marianne's white profile is drawn over the blue and red ground: not two bare rectangles.
    left, top = min(x for x, _ in blue + red), min(y for _, y in blue + red)
    right, bottom = max(x for x, _ in blue + red), max(y for _, y in blue + red)
    white = [1 for x, y, rgb in pixels if left <= x <= right and top <= y <= bottom and min(rgb) > 200]
    assert len(white) > 50


def test_the_amounts_table_starts_under_its_caption_and_ends_with_its_totals(db, monkeypatch):
    """The table may break between rows, never leaving its caption or its totals on a page without a row."""
    years = {2023: Decimal("95800"), 2024: Decimal("71850"), 2025: Decimal("71850")}
    monkeypatch.setattr(timezone, "now", lambda: FIRST_OF_DECEMBER)
    signatory()
    applicant = ApplicantFactory(contact_name="Anne Lefèvre")
    letter = generate_letter(
        application=laureate(applicant=applicant, amounts_by_year=years), kind=LetterKind.AWARD, by=regional_approver()
    )
    pages = [page.extract_text() for page in PdfReader(BytesIO(stored(letter))).pages]
    for marker in ("Répartition de la subvention", "Total de la subvention"):
        page = next(page for page in pages if marker in page)
        assert "FNAS" in page, marker  # a funding row shares the page


def first_page_words(pdf: bytes, folder) -> tuple[float, dict[str, tuple[float, float]]]:
    """The page's width and where each word first shows on page 1 (left, top, in points), as poppler reads them."""
    (folder / "letter.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftotext", "-bbox", "-f", "1", "-l", "1", folder / "letter.pdf", folder / "words.html"], check=True
    )
    page = (folder / "words.html").read_text()
    width = float(re.search(r'<page width="([\d.]+)"', page).group(1))
    words = {}
    for left, top, word in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', page):
        words.setdefault(html.unescape(word), (float(left), float(top)))
    return width, words


def test_the_cnaf_and_the_caf_are_named_as_co_funders_in_the_right_column_of_the_header(db, monkeypatch, tmp_path):
    width, words = first_page_words(award_letter_pdf(monkeypatch), tmp_path)
    header = [words[word] for word in ("COFINANCEMENT", "nationale", "allocations", "l’Aude")]
    assert all(left > width / 2 and top < 110 for left, top in header)
    assert words["PRÉFET"][0] < width / 4 and words["PRÉFET"][1] < 110  # the bloc-marque on the left


def test_letter_uses_marianne_and_stays_pdfa_3b_once_signed(db, monkeypatch):
    reader = PdfReader(BytesIO(award_letter_pdf(monkeypatch)))
    fonts = {font.get_object()["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("Marianne" in name for name in fonts)
    xml = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xml) and re.search(r'pdfaid:conformance(="|>)B', xml)
    assert reader.trailer["/Root"]["/AcroForm"]["/Fields"]  # and it was signed afterwards


def test_a_300_character_word_wraps_inside_the_page(db):
    signatory()
    word = "Motif" + "x" * 295
    letter = generate_letter(
        application=rejected(reason=f"Refusé : {word}."), kind=LetterKind.REFUSAL, by=regional_approver()
    )
    lines = [line for line in page_lines(stored(letter)) if "xxxxxxxx" in line]
    assert len(lines) >= 3  # broken at the margin, not run off the page in one line
    assert "".join(line.strip() for line in lines).count("x") == 295  # and nothing lost


def test_a_255_character_name_wraps_and_bidi_overrides_are_dropped(db, monkeypatch):
    name = "Association" + "y" * 244
    lines = page_lines(
        award_letter_pdf(monkeypatch, legal_name=name, address="\u202e12 rue des Lilas", commune="Toulouse")
    )
    assert sum(line.count("y") for line in lines if "yyyyyy" in line) >= 244
    assert any("12 rue des Lilas" in line for line in lines)
    assert not any("\u202e" in line for line in lines)


def test_a_character_no_font_draws_is_replaced_visibly(db, monkeypatch):
    text = " ".join(page_lines(award_letter_pdf(monkeypatch, contact_name="Zoé 漢字 Ελένη")))
    assert "Ελένη" in text  # Greek is drawn (DejaVu Sans covers it)
    assert "Zoé \ufffd\ufffd Ελένη" in text
