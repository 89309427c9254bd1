import io
from decimal import Decimal

from pypdf import PdfReader

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
