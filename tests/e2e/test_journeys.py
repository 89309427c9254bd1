"""The journeys of FIPE's users, driven in Chromium against the demo data.

Each journey takes a screenshot at every step (e2e-screenshots/journey-*.png), checks what the
user sees and what changed in the database, and runs axe-core on the main pages it reaches.
"""

import csv
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from projects.demo.data import illustrative_siret
from projects.enums import CallStatus, Status
from projects.exchange.imports import EXAMPLE_SIRET, write_template
from projects.models import Application, Call, FundingLine
from reviews.enums import MeetingStatus, Opinion, ReviewerKind
from reviews.models import CommitteeMeeting, ConflictDeclaration, Review
from tests.e2e.conftest import SCREENSHOTS, serious_violations, sign_in

CALL = "FIPE-OCC-2023"


def application(reference: str) -> Application:
    return Application.objects.get(reference=reference)


@pytest.fixture(autouse=True)
def fail_fast(page):
    # A missing element fails the journey within seconds rather than after the default 30 s.
    page.set_default_timeout(10_000)


def open_from_list(page, title: str) -> None:
    """Follow the reference link on the application list's row of the file with that title."""
    page.get_by_role("row").filter(has_text=title).get_by_role("link").first.click()


def tabs(page):
    return page.get_by_role("navigation", name="Volets du dossier")


def open_tab(page, name: str) -> None:
    """Open a tab of the application page with the keyboard: focus its link and press Enter."""
    link = tabs(page).get_by_role("link", name=name, exact=True)
    link.focus()
    page.keyboard.press("Enter")
    expect(tabs(page).get_by_role("link", name=name, exact=True)).to_have_attribute("aria-current", "page")


def choose(page, control) -> None:
    """Tick a radio button or checkbox where a user clicks it: the DSFR draws the box with its
    label, above the transparent native input, so the click lands on the label (whose text may
    be for screen readers only)."""
    control.scroll_into_view_if_needed()
    box = control.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(control).to_be_checked()


def declare_no_conflict(page) -> None:
    choose(page, page.get_by_label("Non, je n’ai aucun lien avec le porteur ni avec le projet"))
    page.get_by_role("button", name="Enregistrer ma déclaration").click()


def fill_review(page, *, scores: list[int], opinion: str, amounts: dict[int, str], comment: str) -> None:
    for number, score in enumerate(scores, start=1):
        choose(page, page.get_by_role("group", name=re.compile(f"^C{number} — ")).get_by_label(str(score), exact=True))
    choose(page, page.get_by_role("group", name="Avis", exact=True).get_by_label(opinion, exact=True))
    for year, amount in amounts.items():
        page.get_by_label(f"Montant recommandé {year} (€)").fill(amount)
    page.get_by_label("Commentaire").fill(comment)


def test_caf_instructor_declares_and_submits_a_review(page, site, shot):
    reference = "FIPE-OCC-2023-011-003"
    sign_in(page, site, "caf-11")
    page.get_by_role("link", name="Dossiers", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dossiers")
    shot("journey-1-01-application-list")
    assert serious_violations(page) == []

    open_from_list(page, "Ludothèque petite enfance itinérante")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ludothèque petite enfance itinérante")
    # Until the declaration, the instructor sees the summary only.
    expect(tabs(page).get_by_role("link")).to_have_text(["Résumé", "Instruction"])
    open_tab(page, "Instruction")
    shot("journey-1-02-detail-summary-only")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Faire ma déclaration").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Déclaration de conflit d’intérêts")
    shot("journey-1-03-declaration")
    declare_no_conflict(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Avis de la Caf")
    expect(page.get_by_text("Déclaration enregistrée : vous pouvez consulter et instruire le dossier.")).to_be_visible()
    assert (
        ConflictDeclaration.objects.get(user__username="caf-11", application__reference=reference).has_conflict is False
    )
    shot("journey-1-04-review-form")
    assert serious_violations(page) == []

    fill_review(
        page,
        scores=[4, 4, 3, 5],
        opinion="Favorable",
        amounts={2023: "19 200", 2024: "14 400", 2025: "12 000,50"},
        comment="Projet bien ancré dans le Limouxin.",
    )
    shot("journey-1-05-review-filled")
    page.get_by_role("button", name="Transmettre l’avis").click()

    expect(page.get_by_text("Avis de la Caf transmis.")).to_be_visible()
    expect(page.get_by_text(re.compile("Avis transmis le .* : il ne peut plus être modifié"))).to_be_visible()
    shot("journey-1-06-review-submitted")
    review = Review.objects.get(application__reference=reference, kind=ReviewerKind.CAF)
    assert review.is_submitted
    assert review.author.username == "caf-11"
    assert review.opinion == Opinion.FAVOURABLE
    assert {row.criterion.code: row.score for row in review.scores.select_related("criterion")} == {
        "C1": 4,
        "C2": 4,
        "C3": 3,
        "C4": 5,
    }
    assert {row.year: row.amount for row in review.recommended_amounts.all()} == {
        2023: Decimal("19200.00"),
        2024: Decimal("14400.00"),
        2025: Decimal("12000.50"),
    }
    assert review.comment == "Projet bien ancré dans le Limouxin."
    assert application(reference).status == Status.IN_REVIEW


def test_ddets_instructor_submits_the_second_review(page, site, shot):
    reference = "FIPE-OCC-2023-011-005"
    # The demo's applicant space leaves this file awaiting more information: the Caf resumes the review first.
    waiting = application(reference)
    assert waiting.status == Status.AWAITING_INFORMATION
    waiting.information_provided(by=User.objects.get(username="caf-11"), comment="Reprise de l’instruction.")
    assert application(reference).status == Status.IN_REVIEW
    sign_in(page, site, "ddets-11")
    page.goto(f"{site}/dossiers/")
    open_from_list(page, "Jardin d’éveil dans la Bastide")
    open_tab(page, "Instruction")
    shot("journey-2-01-detail-summary-only")
    page.get_by_role("link", name="Faire ma déclaration").click()
    declare_no_conflict(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Avis de la DDETS")
    # The Caf's review, already submitted, is shown beside the form.
    expect(page.get_by_role("columnheader", name="Avis Caf")).to_be_visible()
    shot("journey-2-02-review-form")
    fill_review(
        page,
        scores=[3, 4, 4, 4],
        opinion="Favorable avec réserves",
        amounts={2023: "20 000", 2024: "15 000", 2025: "15 000"},
        comment="Le plan de financement reste à consolider.",
    )
    page.get_by_role("button", name="Transmettre l’avis").click()
    expect(page.get_by_text("Avis de la DDETS transmis.")).to_be_visible()
    shot("journey-2-03-review-submitted")

    assert application(reference).status == Status.REVIEWED
    assert set(
        Review.objects.filter(application__reference=reference, submitted_at__isnull=False).values_list(
            "kind", flat=True
        )
    ) == {ReviewerKind.CAF, ReviewerKind.DDETS}

    page.goto(f"{site}/dossiers/{reference}/")
    expect(page.get_by_text("INSTRUIT").first).to_be_visible()
    open_tab(page, "Instruction")
    panel = page.get_by_role("region", name="Instruction")
    expect(panel.get_by_role("columnheader", name="Avis Caf")).to_be_visible()
    expect(panel.get_by_role("columnheader", name="Avis DDETS")).to_be_visible()
    expect(panel.get_by_text("Le plan de financement reste à consolider.")).to_be_visible()
    expect(panel.get_by_text("Favorable avec réserves").first).to_be_visible()
    shot("journey-2-04-instruction-tab")
    assert serious_violations(page) == []


def test_committee_secretary_records_and_closes_a_meeting(page, site, shot):
    reference = "FIPE-OCC-2023-031-008"
    assert application(reference).status == Status.REVIEWED
    sign_in(page, site, "cdsf-31")
    page.goto(f"{site}/instruction/comites/")
    shot("journey-3-01-meeting-list")
    page.get_by_role("link", name="Nouvelle séance").click()
    page.get_by_label("Appel à projets").select_option(label=str(Call.objects.get(reference=CALL)))
    expect(page.get_by_label("Département")).to_have_value(str(application(reference).department_id))
    page.get_by_label("Date de la séance").fill("2023-12-05")
    page.get_by_label("Lieu").fill("Préfecture de la Haute-Garonne, salle Capitole")
    shot("journey-3-02-meeting-form")
    page.get_by_role("button", name="Créer la séance").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Membres présents")
    meeting = CommitteeMeeting.objects.get(department__code="31", status=MeetingStatus.OPEN)
    members = [
        ("Claire Dupuy", "Préfecture de la Haute-Garonne", "présidente"),
        ("Karim Benali", "Caf de la Haute-Garonne", "directeur"),
    ]
    for number, (name, organisation, capacity) in enumerate(members, start=1):
        group = page.get_by_role("group", name=f"Membre n° {number}")
        group.get_by_label("Nom et prénom").fill(name)
        group.get_by_label("Organisme").fill(organisation)
        group.get_by_label("Qualité").fill(capacity)
    shot("journey-3-03-members")
    page.get_by_role("button", name="Enregistrer la liste").click()

    expect(page.get_by_text("Liste des membres présents enregistrée.")).to_be_visible()
    assert sorted(meeting.members.values_list("name", flat=True)) == ["Claire Dupuy", "Karim Benali"]
    shot("journey-3-04-meeting")
    assert serious_violations(page) == []

    page.get_by_role("link", name=f"Saisir la proposition — {reference}").click()
    choose(page, page.get_by_label("Proposé", exact=True))
    page.get_by_label("Rang").fill("1")
    for year, amount in {2023: "25 000", 2024: "19 000", 2025: "19 000"}.items():
        page.get_by_label(f"Montant proposé {year} (€)").fill(amount)
    page.get_by_label("Motifs").fill("Projet prioritaire pour les familles vulnérables du département.")
    shot("journey-3-05-proposal")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Enregistrer la proposition").click()
    expect(page.get_by_text(f"Proposition enregistrée pour le dossier {reference}.")).to_be_visible()
    proposal = meeting.proposals.get()
    assert proposal.application.reference == reference
    assert proposal.proposed_total == Decimal("63000.00")

    page.get_by_role("link", name="Clore la séance…").click()
    shot("journey-3-06-close")
    page.get_by_role("button", name="Clore la séance et produire le procès-verbal").click()
    expect(page.get_by_text("Séance close : les propositions sont appliquées")).to_be_visible()
    shot("journey-3-07-closed")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CLOSED
    assert application(reference).status == Status.PROPOSED

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Télécharger le procès-verbal")).click()
    assert download.value.suggested_filename == "proces-verbal-cdsf-31-2023-12-05.pdf"
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    response = page.request.get(f"{site}/instruction/comites/{meeting.pk}/proces-verbal.pdf")
    assert response.headers["content-type"] == "application/pdf"


def test_regional_approver_approves_a_laureate(page, site, shot):
    reference = "FIPE-OCC-2023-081-002"
    assert application(reference).status == Status.PROPOSED
    sign_in(page, site, "prefecture-76")
    page.goto(f"{site}/validation/")
    shot("journey-4-01-approval-calls")
    page.get_by_role("link", name=re.compile("Occitanie 2023")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Validation des lauréats")
    expect(page.get_by_text("3 propositions des comités départementaux attendent votre validation")).to_be_visible()
    shot("journey-4-02-approval")
    assert serious_violations(page) == []

    # At 1280 px (and wider) every « Retenir » is on screen without scrolling sideways.
    buttons = page.locator("[data-approve-one]")
    assert buttons.count() == 3
    for width in (1280, 1440, 1920):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for index in range(buttons.count()):
            box = buttons.nth(index).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width, (width, box)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("button", name=f"Retenir {reference}").click()
    # The confirmation step shows the selection and its totals; nothing is committed yet.
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer la sélection")
    expect(page.get_by_role("table", name="Totaux de la sélection par financeur et par année")).to_contain_text(
        "42 500,00 €"
    )
    shot("journey-4-03-confirmation")
    assert serious_violations(page) == []
    assert application(reference).status == Status.PROPOSED
    page.get_by_role("button", name="Confirmer et retenir 1 dossier").click()
    expect(page.get_by_text(f"1 dossier retenu comme lauréat ({reference}), pour 85 000,00 €.")).to_be_visible()
    expect(page.get_by_text("2 propositions des comités départementaux attendent votre validation")).to_be_visible()
    shot("journey-4-04-approved")
    castres = application(reference)
    assert castres.status == Status.LAUREATE
    assert castres.award.total == Decimal("85000.00")
    lines = FundingLine.objects.filter(award__application=castres)
    assert lines.count() == 6  # State and Cnaf, for each of the three years
    assert sum(line.amount for line in lines) == Decimal("85000.00")

    page.goto(f"{site}/dossiers/{reference}/")
    open_tab(page, "Subvention")
    panel = page.get_by_role("region", name="Subvention")
    funding_lines = panel.get_by_role("table", name=re.compile("^Lignes de financement"))
    expect(funding_lines.locator("tbody tr")).to_have_count(6)
    expect(funding_lines.locator("tfoot")).to_contain_text("85 000,00 €")
    shot("journey-4-05-award-tab")

    page.goto(f"{site}/appels/{CALL}/tableau-de-bord/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord des financements")
    expect(page.get_by_role("link", name=reference)).to_be_visible()
    shot("journey-4-05-dashboard")
    assert serious_violations(page) == []


def test_regional_approver_generates_sends_and_downloads_an_award_letter(page, site, shot):
    # A laureate whose award letter nobody has produced yet (the demo leaves several).
    laureate = Application.objects.filter(status=Status.LAUREATE, letters__isnull=True).order_by("reference").first()
    assert laureate.status == Status.LAUREATE
    assert not laureate.letters.exists()
    sign_in(page, site, "prefecture-76")
    page.goto(f"{site}/dossiers/{laureate.reference}/?onglet=courriers")
    panel = page.get_by_role("region", name="Courriers")
    shot("journey-4b-01-letters-tab")
    panel.get_by_role("button", name="Produire le PDF").click()
    expect(page.get_by_role("link", name="Télécharger la v1 (PDF)")).to_be_visible()
    shot("journey-4b-02-generated")
    letter = laureate.letters.get()
    assert (letter.kind, letter.version, len(letter.sha256)) == ("award", 1, 64)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger la v1 (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    page.get_by_role("button", name="Envoyer la version 1 au porteur").click()
    shot("journey-4b-03-sent")
    assert application(laureate.reference).status == Status.NOTIFIED
    assert serious_violations(page) == []


def test_administrator_imports_applications_and_exports_decisions(page, site, shot, tmp_path):
    call = Call.objects.get(reference=CALL)
    template = write_template(call, "csv").decode()
    title = "Micro-crèche à horaires atypiques (exemple à remplacer)"
    assert title in template
    sheet = tmp_path / "dossiers.csv"
    # The template's example row, made a real file: another title, the applicant's own SIRET.
    filled = template.replace(title, "Ludothèque des quatre saisons").replace(EXAMPLE_SIRET, illustrative_siret(4343))
    sheet.write_text(filled, encoding="utf-8")
    before = Application.objects.count()

    sign_in(page, site, "admin")
    page.goto(f"{site}/admin/projects/application/")
    page.get_by_role("link", name="Importer", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Importer")
    page.locator("select#id_call").select_option(str(call.pk))
    shot("journey-5-01-import-page")
    page.get_by_label("Fichier à importer").set_input_files(sheet)
    page.get_by_role("button", name="Vérifier le fichier (rien n’est enregistré)").click()
    expect(page.get_by_role("table", name="Aperçu : ce que l’import fera")).to_contain_text(
        "Ludothèque des quatre saisons"
    )
    expect(page.get_by_text("Simulation : 1 dossier serait créé et déposé")).to_be_visible()
    shot("journey-5-02-import-preview")
    assert Application.objects.count() == before

    page.get_by_role("button", name="Confirmer l’import").click()
    expect(page.get_by_text("Import réussi : 1 dossier créé et déposé, 0 mis à jour")).to_be_visible()
    shot("journey-5-03-imported")
    imported = Application.objects.get(title="Ludothèque des quatre saisons")
    assert Application.objects.count() == before + 1
    assert imported.status == Status.SUBMITTED
    assert imported.requested_by_year() == {
        2023: Decimal("40000.00"),
        2024: Decimal("30000.00"),
        2025: Decimal("30000.00"),
    }

    page.goto(f"{site}/")
    page.get_by_role("link", name="Exports et résultats").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exports et résultats")
    shot("journey-5-04-exports")
    assert serious_violations(page) == []

    with page.expect_download() as download:
        page.get_by_role("region", name=call.title).get_by_role("link", name="Télécharger (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    with open(download.value.path(), encoding="utf-8-sig") as exported:
        rows = list(csv.reader(exported, delimiter=";"))
    laureates = Application.objects.filter(call=call, status__in=[Status.LAUREATE, Status.NOTIFIED]).count()
    assert len(rows) == 1 + laureates
    response = page.request.get(f"{site}/exports/{CALL}/decisions.xlsx")
    assert response.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.body()[:2] == b"PK"

    with page.expect_download() as download:
        page.get_by_role("region", name=call.title).get_by_role("link", name="Télécharger le fichier SCDL").click()
    with open(download.value.path(), encoding="utf-8-sig") as scdl:
        assert scdl.readline().startswith("nomAttribuant,idAttribuant,")
    response = page.request.get(f"{site}/appels/{CALL}/donnees-ouvertes.csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"


def test_public_results_open_once_the_approver_publishes_them(page, browser, site, shot):
    assert page.request.get(f"{site}/resultats/{CALL}/").status == 404
    sign_in(page, site, "prefecture-76")
    page.goto(f"{site}/appels/{CALL}/validation/")
    for reference in ("FIPE-OCC-2023-065-001", "FIPE-OCC-2023-066-002", "FIPE-OCC-2023-081-002"):
        choose(page, page.get_by_label(f"Sélectionner le dossier {reference}"))
    page.get_by_role("button", name="Vérifier la sélection").first.click()
    page.get_by_role("button", name="Confirmer et retenir 3 dossiers").click()
    expect(page.get_by_text("3 dossiers retenus comme lauréats")).to_be_visible()

    page.goto(f"{site}/exports/")
    choose(page, page.get_by_label(re.compile("^Je confirme la publication")))
    page.get_by_role("button", name="Publier les résultats").click()
    expect(page.get_by_text(f"Les résultats de l’appel {CALL} sont publiés")).to_be_visible()
    shot("journey-6-01-published")
    assert Call.objects.get(reference=CALL).status == CallStatus.RESULTS_PUBLISHED

    anonymous = browser.new_context(locale="fr-FR", bypass_csp=True)
    visitor = anonymous.new_page()
    visitor.goto(f"{site}/resultats/{CALL}/")
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("Résultats")
    expect(visitor.get_by_text("Classe passerelle vers l’école maternelle")).to_be_visible()
    visitor.screenshot(path=str(SCREENSHOTS / "journey-6-02-public-results.png"), full_page=True)
    assert serious_violations(visitor) == []
    anonymous.close()


def test_review_form_works_with_the_keyboard_only(page, site, shot):
    reference = "FIPE-OCC-2023-011-004"
    sign_in(page, site, "caf-11")
    page.goto(f"{site}/instruction/dossiers/{reference}/declaration/")
    declare_no_conflict(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Avis de la Caf")

    def tab_to(locator, limit: int = 80) -> None:
        """Press Tab until `locator` has the focus, as a keyboard user moves through the page."""
        for _ in range(limit):
            if locator.evaluate("element => element === document.activeElement"):
                return
            page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {locator}")

    # Into a group of radio buttons with Tab, then the arrow keys choose the value.
    for number, score in enumerate([5, 4, 4, 3], start=1):
        tab_to(page.locator(f"input[name=score_C{number}]").first)
        for _ in range(score):
            page.keyboard.press("ArrowRight")
    tab_to(page.locator("input[name=opinion]").first)
    page.keyboard.press("Space")
    for year, amount in {2023: "28800", 2024: "21600", 2025: "21600"}.items():
        tab_to(page.get_by_label(f"Montant recommandé {year} (€)"))
        page.keyboard.type(amount)
    tab_to(page.get_by_label("Commentaire"))
    page.keyboard.type("Saisi au clavier.")
    tab_to(page.get_by_role("button", name="Transmettre l’avis"))
    shot("keyboard-review-form")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Avis de la Caf transmis.")).to_be_visible()
    review = Review.objects.get(application__reference=reference, kind=ReviewerKind.CAF)
    assert review.is_submitted
    assert review.opinion == Opinion.FAVOURABLE
    assert sorted(review.scores.values_list("score", flat=True)) == [3, 4, 4, 5]
    assert review.comment == "Saisi au clavier."


@pytest.mark.parametrize(
    ("username", "section", "item"),
    [
        ("caf-11", "Instruction", "Dossiers attendant votre déclaration d’intérêts"),
        ("cdsf-31", "Comité départemental (CDSF)", "Dossiers instruits attendant un comité"),
        ("prefecture-76", "Validation des lauréats", "Propositions à valider — 81 Tarn"),
        ("admin", "Appels, imports et exports", "Appels à projets ouverts"),
    ],
)
def test_each_role_finds_its_waiting_work_on_its_home_page(page, site, shot, username, section, item):
    sign_in(page, site, username)
    expect(page.get_by_role("heading", name="Votre travail en attente")).to_be_visible()
    queue = page.get_by_role("region", name=section)
    link = queue.get_by_role("link", name=item)
    expect(link).to_be_visible()
    count = int(link.locator("xpath=following-sibling::p[1]").inner_text())
    shot(f"journey-home-{username}")
    assert serious_violations(page) == []
    link.click()
    if username == "caf-11":
        # The link opens the list under the matching filter, with as many files as the count said.
        expect(page.get_by_label("À faire")).to_have_value("declaration")
        expect(page.locator("table caption")).to_contain_text(f"{count} dossier")


def test_on_a_phone_the_list_filters_fold_behind_filtrer(page, site, shot):
    sign_in(page, site, "caf-11")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/dossiers/")
    button = page.get_by_role("button", name="Filtrer", exact=True)
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("heading", name="Filtrer et trier")).to_be_hidden()
    # The first result is on the first screen, not a screen and a half of filters below.
    first_row = page.locator("table tbody tr").first
    assert first_row.bounding_box()["y"] < 844
    shot("phone-list-folded")
    button.click()
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_label("À faire")).to_be_focused()
    shot("phone-list-filters")
    # On a wider screen the filters are always there, without the button.
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(button).to_be_hidden()
    expect(page.get_by_role("heading", name="Filtrer et trier")).to_be_visible()


def test_the_session_warns_before_it_expires_and_prolonger_renews_it(page, site):
    page.clock.install()
    sign_in(page, site, "caf-11")
    modal = page.get_by_role("dialog", name="Votre session va expirer")
    expect(modal).to_be_hidden()
    # Five minutes before the eight hours are up, the warning opens; « Prolonger » renews the session in place.
    # A jump, not a run: running every animation frame of the DSFR's scripts for eight hours took 80 s.
    page.clock.fast_forward("07:55:30")
    expect(modal).to_be_visible()
    with page.expect_response("**/session/prolonger/") as renewal:
        modal.get_by_role("button", name="Prolonger").click()
    assert renewal.value.json()["seconds_left"] > 7 * 3600
    expect(modal).to_be_hidden()
    assert page.url == f"{site}/"
