import datetime
import io
import re
from decimal import Decimal

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pypdf import PdfReader

from fipe.pdf import PDF_BASE_URL, StaticOnlyFetcher
from projects.enums import Status
from projects.exceptions import DomainError
from projects.letters.pki import issue_demo_certificate
from projects.models import IssuedDocument, Signatory
from reviews.committee.services import MemberEntry, close_meeting, record_members
from reviews.instruction.services import declare_conflict
from tests.departments.factories import caf_instructor
from tests.projects.factories import ApplicantFactory
from tests.reviews.situations import meeting, not_propose, propose, reviewed_application


def pdf_text(meeting) -> str:
    with meeting.minutes.open("rb") as stored:
        reader = PdfReader(io.BytesIO(stored.read()))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def test_the_minutes_list_the_members_and_the_ranked_proposals(db):
    second = reviewed_application("11", applicant=ApplicantFactory(legal_name="Commune de Bram"))
    first = reviewed_application("11", applicant=ApplicantFactory(legal_name="Ville de Limoux"))
    refused = reviewed_application("11", applicant=ApplicantFactory(legal_name="Association Les Lucioles"))
    postponed = reviewed_application("11")
    declare_conflict(
        application=refused, user=caf_instructor("11", first_name="Lucie", last_name="Garrigues"),
        has_conflict=True, note="Trésorière de l’association.",
    )  # fmt: skip
    opened = meeting("11", members=0)
    record_members(
        meeting=opened,
        by=opened.secretary,
        members=[
            MemberEntry("Sophie Marty", "Préfecture de l’Aude", "Secrétaire générale"),
            MemberEntry("Jean Bosc", "Caf de l’Aude", "Directeur", (first,)),
        ],
    )
    propose(opened, first, rank=1, amounts={2023: Decimal("8000"), 2024: Decimal("6000"), 2025: Decimal("6000")})
    propose(opened, second, rank=2)
    not_propose(opened, refused, reasons="Projet hors des priorités du FIPE.")
    text = pdf_text(close_meeting(meeting=opened, by=opened.secretary))

    assert "Procès-verbal de la séance du Comité départemental des services aux familles" in text
    for expected in ("Sophie Marty", "Préfecture de l’Aude", "Secrétaire générale", "Jean Bosc", "Directeur"):
        assert expected in text
    assert f"Jean Bosc a déclaré un conflit d’intérêts sur le dossier {first.reference}" in text
    instructor_line = "Lucie Garrigues, instructeur ou instructrice, a déclaré un conflit d’intérêts sur le dossier"
    assert f"{instructor_line} {refused.reference}" in text
    ranked_list = text[text.index("Propositions du comité, par rang") :]
    order = [ranked_list.index(application.reference) for application in (first, second, refused)]
    assert order == sorted(order)
    assert "Ville de Limoux" in ranked_list
    assert "20 000,00 €" in ranked_list.replace("\xa0", " ")
    assert "Projet hors des priorités du FIPE." in ranked_list
    assert f"Dossiers instruits reportés à une prochaine séance {postponed.reference}" in text


def minutes_pdf(meeting) -> bytes:
    with meeting.minutes.open("rb") as stored:
        return stored.read()


def test_the_minutes_are_pdfa_in_marianne_and_signed_by_the_president(db):
    opened = meeting("31")
    propose(opened, reviewed_application("31"), rank=1)
    closed = close_meeting(meeting=opened, by=opened.secretary)
    reader = PdfReader(io.BytesIO(minutes_pdf(closed)))
    fonts = {font.get_object()["/BaseFont"] for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert any("Marianne" in name for name in fonts)
    xml = reader.xmp_metadata.stream.get_data().decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)3', xml) and re.search(r'pdfaid:conformance(="|>)B', xml)
    text = pdf_text(closed)
    assert "PRÉFET DE LA HAUTE-GARONNE" in text
    assert "Le président du comité" in text and "Étienne Aubrac" in text
    assert "Le secrétariat du comité" in text
    signature = PdfFileReader(io.BytesIO(minutes_pdf(closed))).embedded_signatures[0]
    status = validate_pdf_signature(signature, skip_diff=True)
    assert status.intact and status.valid
    assert status.signing_cert.subject.native["common_name"] == "Étienne Aubrac"
    assert IssuedDocument.objects.get(sha256=closed.minutes_sha256).kind == "minutes"


@pytest.mark.parametrize("count", [6, 9, 12])
def test_no_page_of_the_minutes_is_without_a_table_row(db, count):
    opened = meeting("31")
    for rank in range(1, count + 1):
        propose(opened, reviewed_application("31"), rank=rank, reasons="Motif détaillé du comité. " * 12)
    closed = close_meeting(meeting=opened, by=opened.secretary)
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(minutes_pdf(closed))).pages]
    assert len(pages) > 1
    for page in pages:
        assert re.search(rf"{closed.call.reference}-\d{{3}}-\d{{3}}", page)  # at least one file's row on every page
    assert "Total des montants proposés" in pages[-1]


def test_without_a_departmental_signatory_the_meeting_stays_open(db):
    opened = meeting("31")
    propose(opened, reviewed_application("31"), rank=1)
    Signatory.objects.filter(organisation__department__code="31").update(is_active=False)
    with pytest.raises(DomainError, match="Aucun signataire en fonction"):
        close_meeting(meeting=opened, by=opened.secretary)
    opened.refresh_from_db()
    assert opened.is_open and not opened.minutes and not IssuedDocument.objects.exists()


def test_a_300_character_word_in_the_reasons_wraps_inside_its_column(db):
    opened = meeting("31")
    propose(opened, reviewed_application("31"), rank=1, reasons="Motif" + "z" * 295)
    closed = close_meeting(meeting=opened, by=opened.secretary)
    lines = [
        line
        for page in PdfReader(io.BytesIO(minutes_pdf(closed))).pages
        for line in page.extract_text().splitlines()
        if "zzzz" in line
    ]
    assert len(lines) >= 5
    assert sum(line.count("z") for line in lines) == 295


def test_the_minutes_read_nothing_but_our_static_files(db, monkeypatch):
    fetched = []
    real_fetch = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    opened = meeting("31")
    propose(opened, reviewed_application("31"), rank=1)
    close_meeting(meeting=opened, by=opened.secretary)
    # Their stylesheet and fonts came through the fetcher that refuses file:// and the network.
    assert any(url.endswith(".css") for url in fetched)
    assert all(url.startswith((f"{PDF_BASE_URL}static/", "data:")) for url in fetched)


def test_a_president_whose_certificate_expired_leaves_the_meeting_open(db, settings):
    opened = meeting("31")
    application = reviewed_application("31")
    propose(opened, application, rank=1)
    president = Signatory.objects.get(organisation__department__code="31", is_active=True)
    issue_demo_certificate(president, not_before=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), valid_days=365)
    with pytest.raises(DomainError) as refused:
        close_meeting(meeting=opened, by=opened.secretary)
    message = str(refused.value.message)
    assert "Étienne Aubrac" in message and "a expiré le 31/12/2020" in message
    opened.refresh_from_db()
    application.refresh_from_db()
    assert opened.is_open and not opened.minutes and application.status == Status.REVIEWED
    assert not IssuedDocument.objects.exists() and not any(settings.MEDIA_ROOT.rglob("*.pdf"))
