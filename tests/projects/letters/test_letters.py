import hashlib
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from pypdf import PdfReader
from weasyprint.urls import FatalURLFetchingError

from fipe.pdf import PDF_BASE_URL, StaticOnlyFetcher
from projects.enums import LetterKind, Status
from projects.exceptions import DomainError, PermissionRefused, TransitionNotAllowed
from projects.journal.models import JournalAct, JournalEntry
from projects.letters import pipeline as letters
from projects.letters import rendering
from projects.letters.pipeline import (
    amount_in_words,
    generate_letter,
    mark_letter_sent,
)
from projects.models import Application, DecisionLetter, StatusChange
from projects.notifications.models import Message
from tests.departments.factories import caf_instructor, regional_approver
from tests.mail import sent_mail
from tests.projects.factories import ApplicantFactory, ApplicationFactory
from tests.projects.letters.factories import laureate, letter_text, rejected, signatory

CONTACT = "direction@creche-du-comminges.example"
YEARS = {2023: Decimal("95800.00"), 2024: Decimal("71850.00"), 2025: Decimal("71850.00")}  # 239,500 € in all


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("239500", "deux cent trente-neuf mille cinq cents euros"),
        ("1", "un euro"),
        ("80", "quatre-vingts euros"),
        ("21", "vingt et un euros"),
        ("71", "soixante et onze euros"),
        ("100", "cent euros"),
        ("200", "deux cents euros"),
        ("280.80", "deux cent quatre-vingts euros et quatre-vingts centimes"),
        ("80000", "quatre-vingt mille euros"),
        ("200000", "deux cent mille euros"),
        ("1000000", "un million d’euros"),
        ("1000000.01", "un million d’euros et un centime"),
        ("1000001.01", "un million un euros et un centime"),
        ("200000000", "deux cents millions d’euros"),
        ("1234.56", "mille deux cent trente-quatre euros et cinquante-six centimes"),
        ("10.01", "dix euros et un centime"),
        ("2000000", "deux millions d’euros"),
        ("2395000", "deux millions trois cent quatre-vingt-quinze mille euros"),
    ],
)
def test_amount_in_words_follows_french_usage(amount, words):
    assert amount_in_words(Decimal(amount)) == words


def test_award_letter_states_the_total_in_figures_and_in_words(db):
    signatory()
    application = laureate(amounts_by_year=YEARS)
    text = letter_text(generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver()))
    assert "239 500,00 € (deux cent trente-neuf mille cinq cents euros)" in text


def test_award_letter_has_one_row_per_year_and_funder_with_budget_references(db):
    signatory()
    application = laureate(amounts_by_year=YEARS)
    text = letter_text(generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver()))
    for year, state, cnaf in [(2023, "47 900,00 €", "47 900,00 €"), (2024, "35 925,00 €", "35 925,00 €")]:
        assert f"{year} État Programme 304 — action 14 — {state}" in text
        assert f"{year} Cnaf FNAS — Fonds publics et territoires — {cnaf}" in text
    assert "Total État 119 750,00 €" in text
    assert "Total Cnaf 119 750,00 €" in text
    assert "Total de la subvention 239 500,00 €" in text


def test_award_letter_names_references_addressee_signatory_and_obligations(db):
    signatory(first_name="Élise", last_name="Carrère", capacity="La préfète de la région Occitanie")
    applicant = ApplicantFactory(legal_name="Ville de Pamiers", address="1 place du Mercadal", postal_code="09100")
    application = laureate(applicant=applicant, reference="FIPE-OCC-2023-011-042")
    text = letter_text(generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver()))
    assert "PRÉFET DE LA RÉGION OCCITANIE" in text
    assert "Caf de l’Aude" in text
    assert "FIPE-OCC-2023-011-042" in text
    assert "FIPE-OCC-2023-011-042-ATT" in text
    assert "Ville de Pamiers" in text
    assert "1 place du Mercadal 09100 Carcassonne" in text
    assert "La préfète de la région Occitanie Élise Carrère" in text
    assert "six mois suivant la fin de chaque exercice" in text
    assert "cofinancement de l’État" in text


def test_award_letter_states_the_recourse(db):
    signatory()
    text = letter_text(generate_letter(application=laureate(), kind=LetterKind.AWARD, by=regional_approver()))
    assert "dans un délai de deux mois à compter de sa notification" in text
    assert "tribunal administratif compétent" in text


def test_award_above_23000_euros_requires_a_convention(db):
    signatory()
    application = laureate(amounts_by_year={2023: Decimal("23000.01")})
    text = letter_text(generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver()))
    assert "signature d’une convention" in text
    assert "loi n° 2000-321" in text
    assert "décret n° 2001-495" in text


@pytest.mark.parametrize("total", ["23000.00", "12000.00"])
def test_award_up_to_23000_euros_mentions_no_convention(db, total):
    signatory()
    application = laureate(amounts_by_year={2024: Decimal(total)})
    text = letter_text(generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver()))
    assert "convention" not in text
    assert "2000-321" not in text


def test_refusal_letter_gives_the_reasons_of_the_rejection_and_the_recourse(db):
    signatory()
    application = rejected(reason="Le budget présenté n’est pas soutenable.")
    text = letter_text(generate_letter(application=application, kind=LetterKind.REFUSAL, by=regional_approver()))
    assert "la subvention demandée ne peut pas vous être attribuée" in text
    assert "Motifs de la décision Le budget présenté n’est pas soutenable." in text
    assert f"{application.reference}-REF" in text
    assert "tribunal administratif compétent" in text


def test_the_stored_sha256_is_that_of_the_file(db):
    signatory()
    letter = generate_letter(application=laureate(), kind=LetterKind.AWARD, by=regional_approver())
    with letter.file.open("rb") as file:
        assert hashlib.sha256(file.read()).hexdigest() == letter.sha256


def test_the_letter_is_a_pdf_a_3b(db):
    signatory()
    letter = generate_letter(application=laureate(), kind=LetterKind.AWARD, by=regional_approver())
    with letter.file.open("rb") as file:
        metadata = PdfReader(file).trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in metadata
    assert b'pdfaid:conformance="B"' in metadata


def test_the_letter_records_who_generated_it_and_the_signatory(db):
    person = signatory()
    approver = regional_approver()
    letter = generate_letter(application=laureate(), kind=LetterKind.AWARD, by=approver)
    assert (letter.generated_by, letter.signatory, letter.version) == (approver, person, 1)
    assert letter.generated_at is not None


def test_regenerating_makes_a_new_version_and_keeps_the_old_one(db):
    signatory()
    application, approver = laureate(), regional_approver()
    first = generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    second = generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name
    assert first.file.storage.exists(first.file.name)
    assert DecisionLetter.objects.filter(application=application).count() == 2


def test_a_signature_image_is_printed_when_the_signatory_has_one(db):
    png = bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
    )
    person = signatory()
    person.signature_image.save("signature.png", ContentFile(png))
    letter = generate_letter(application=laureate(), kind=LetterKind.AWARD, by=regional_approver())
    with letter.file.open("rb") as file:
        assert b"/Subtype /Image" in file.read()


def test_generating_a_letter_does_not_change_the_status(db):
    signatory()
    application = laureate()
    generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver())
    application.refresh_from_db()
    assert application.status == Status.LAUREATE


def test_a_failed_generation_keeps_the_previous_version_and_the_status(db, monkeypatch):
    signatory()
    application, approver = laureate(), regional_approver()
    first = generate_letter(application=application, kind=LetterKind.AWARD, by=approver)

    def broken(html):
        raise OSError("disque plein")

    monkeypatch.setattr(rendering, "render_pdf", broken)
    with pytest.raises(letters.LetterFailed, match="disque plein"):
        generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    application.refresh_from_db()
    assert application.status == Status.LAUREATE
    assert list(DecisionLetter.objects.filter(application=application)) == [first]
    assert first.file.storage.exists(first.file.name)


def test_a_failed_storage_leaves_no_file_behind(db, monkeypatch, settings):
    signatory()
    application, approver = laureate(), regional_approver()

    def failing_save(self, *args, **kwargs):
        raise DomainError("base indisponible")

    monkeypatch.setattr(DecisionLetter, "save", failing_save)
    with pytest.raises(DomainError):
        generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    assert not list((settings.MEDIA_ROOT / "letters").rglob("*.pdf"))


def test_without_an_active_signatory_generation_is_refused_clearly(db):
    signatory(is_active=False)
    application = laureate()
    with pytest.raises(DomainError, match="Aucun signataire en fonction pour la préfecture de la région Occitanie"):
        generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver())
    assert not DecisionLetter.objects.exists()


@pytest.mark.parametrize("status", [Status.PROPOSED, Status.REJECTED, Status.WITHDRAWN])
def test_no_award_letter_before_the_application_is_laureate(db, status):
    signatory()
    application = ApplicationFactory(status=status)
    with pytest.raises(TransitionNotAllowed, match="n’est pas lauréat"):
        generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver())


def test_no_refusal_letter_for_a_laureate(db):
    signatory()
    with pytest.raises(TransitionNotAllowed, match="n’est pas rejeté"):
        generate_letter(application=laureate(), kind=LetterKind.REFUSAL, by=regional_approver())


def test_an_instructor_cannot_generate_a_letter(db):
    signatory()
    with pytest.raises(PermissionRefused):
        generate_letter(application=laureate(), kind=LetterKind.AWARD, by=caf_instructor("11"))


def test_marking_the_award_letter_as_sent_notifies_the_laureate(db):
    signatory()
    application, approver = laureate(), regional_approver()
    letter = mark_letter_sent(
        letter=generate_letter(application=application, kind=LetterKind.AWARD, by=approver), by=approver
    )
    application.refresh_from_db()
    assert application.status == Status.NOTIFIED
    assert letter.sent_at is not None
    change = StatusChange.objects.filter(application=application).last()
    assert (change.from_status, change.to_status, change.by) == (Status.LAUREATE, Status.NOTIFIED, approver)


def test_a_letter_is_marked_as_sent_only_once(db):
    signatory()
    approver = regional_approver()
    letter = generate_letter(application=laureate(), kind=LetterKind.AWARD, by=approver)
    mark_letter_sent(letter=letter, by=approver)
    with pytest.raises(DomainError, match="déjà été envoyée"):
        mark_letter_sent(letter=letter, by=approver)


def test_only_the_latest_version_can_be_marked_as_sent(db):
    signatory()
    application, approver = laureate(), regional_approver()
    first = generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    with pytest.raises(DomainError, match="La version 2"):
        mark_letter_sent(letter=first, by=approver)
    application.refresh_from_db()
    assert application.status == Status.LAUREATE


def test_a_corrected_letter_to_a_notified_laureate_is_recorded_as_sent(db):
    signatory()
    application, approver = laureate(), regional_approver()
    mark_letter_sent(letter=generate_letter(application=application, kind=LetterKind.AWARD, by=approver), by=approver)
    corrected = mark_letter_sent(
        letter=generate_letter(application=application, kind=LetterKind.AWARD, by=approver), by=approver
    )
    application.refresh_from_db()
    assert corrected.sent_at is not None
    assert application.status == Status.NOTIFIED
    assert application.status_changes.filter(to_status=Status.NOTIFIED).count() == 1


def test_the_refusal_letter_of_a_rejected_file_is_emailed_to_its_contact_with_the_pdf(db):
    signatory()
    approver = regional_approver()
    application = rejected(applicant=ApplicantFactory(contact_email=CONTACT))
    letter = mark_letter_sent(
        letter=generate_letter(application=application, kind=LetterKind.REFUSAL, by=approver), by=approver
    )
    [email] = sent_mail()
    reference = f"{application.reference}-REF"
    assert email.to == [CONTACT]
    assert reference in email.subject
    assert "Vous trouverez la décision relative au projet" in email.body
    assert "subvention" not in email.body
    [(name, content, mimetype)] = email.attachments
    with letter.file.open("rb") as stored:
        assert (name, content, mimetype) == (f"{reference}.pdf", stored.read(), "application/pdf")


def test_a_sent_refusal_letter_leaves_its_file_rejected(db):
    signatory()
    application, approver = rejected(), regional_approver()
    history = list(application.status_changes.values_list("pk", flat=True))
    letter = mark_letter_sent(
        letter=generate_letter(application=application, kind=LetterKind.REFUSAL, by=approver), by=approver
    )
    application.refresh_from_db()
    assert letter.sent_at is not None
    assert application.status == Status.REJECTED
    assert list(application.status_changes.values_list("pk", flat=True)) == history


def test_a_sent_refusal_letter_is_journaled(db):
    signatory()
    approver = regional_approver()
    letter = generate_letter(application=rejected(), kind=LetterKind.REFUSAL, by=approver)
    mark_letter_sent(letter=letter, by=approver)
    entry = JournalEntry.objects.get(act=JournalAct.LETTER_SENT)
    assert (entry.actor_id, entry.object_id) == (approver.pk, str(letter.pk))
    assert entry.data == {"version": 1, "sha256": letter.sha256}


def test_the_refusal_letter_of_a_file_no_longer_rejected_is_not_sent(db):
    signatory()
    application, approver = rejected(), regional_approver()
    letter = generate_letter(application=application, kind=LetterKind.REFUSAL, by=approver)
    # An administrator's correction brought the file back before the committee.
    Application.objects.filter(pk=application.pk).update(status=Status.PROPOSED)
    with pytest.raises(
        TransitionNotAllowed, match=r"Cette lettre de refus ne peut pas être envoyée : le dossier n’est"
    ):
        mark_letter_sent(letter=letter, by=approver)
    letter.refresh_from_db()
    assert letter.sent_at is None
    assert not Message.objects.exists()
    assert not JournalEntry.objects.filter(act=JournalAct.LETTER_SENT).exists()


def test_an_instructor_cannot_mark_a_letter_as_sent(db):
    signatory()
    application = laureate()
    letter = generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver())
    with pytest.raises(PermissionRefused):
        mark_letter_sent(letter=letter, by=caf_instructor("11"))
    application.refresh_from_db()
    assert application.status == Status.LAUREATE


def test_a_laureate_without_award_gets_a_clear_error(db):
    signatory()
    application = ApplicationFactory(laureate=True)
    with pytest.raises(DomainError, match="n’a pas de subvention enregistrée"):
        generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver())


def test_letters_read_only_our_static_files():
    fetcher = StaticOnlyFetcher()
    assert fetcher.fetch(f"{PDF_BASE_URL}static/fipe/letters.css").read().startswith(b"/*")
    for url in ["file:///etc/passwd", "https://example.org/logo.png", f"{PDF_BASE_URL}static/fipe/absent.css"]:
        with pytest.raises(FatalURLFetchingError):
            fetcher.fetch(url)


def test_an_award_above_23000_euros_in_total_but_not_in_any_year_mentions_no_convention(db):
    signatory()
    application = laureate(amounts_by_year={2023: Decimal("20000"), 2024: Decimal("20000"), 2025: Decimal("20000")})
    text = letter_text(generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver()))
    assert "convention" not in text


def test_one_year_above_23000_euros_among_several_requires_a_convention(db):
    signatory()
    application = laureate(amounts_by_year={2023: Decimal("1000"), 2024: Decimal("23000.01")})
    text = letter_text(generate_letter(application=application, kind=LetterKind.AWARD, by=regional_approver()))
    assert "pour au moins une année du programme" in text
