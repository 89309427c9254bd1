"""Every page of the site, as the demo users who may see it, at desktop and phone widths.

The pages come from the URLconf and the permission table (tests/permission_table.py): every GET
page a role may open, the tabs of the application page, and the few pages that the table's
sample objects do not reach (a review form, an open committee meeting, the public results),
opened by setting up what they need. Files (PDF, CSV, ZIP, …) are left out: axe checks HTML.

Each page must have no axe-core violation of serious or critical impact, and must reflow at the
phone width and at 320 px, the width RGAA 10.11 sets: the page does not scroll sideways (a data
table may, inside its own container) and no table squeezes a column to a letter a line. Set E2E_SHOTS=all to
keep a screenshot of every page (e2e-screenshots/every-page/); otherwise only failing pages are shot.

Every page with a form is then used with the keyboard alone (see the second half of the module):
Tab and Shift+Tab reach each field in reading order with a visible focus and no trap, a failed
submission says so in the title and takes the focus to the first field in error or to the message,
and the form can be filled and sent. Each form is shot once its errors show
(e2e-screenshots/keyboard-errors/).
"""

import datetime
import os
import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import resolve, reverse
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from projects.demo.data import illustrative_siret
from projects.enums import CallStatus, Funder, Status
from projects.models import Application, Call, IssuedDocument
from reviews.committee.services import create_meeting
from reviews.instruction.services import declare_conflict
from tests.e2e.conftest import DEMO_PASSWORD, SCREENSHOTS, serious_violations, sign_in
from tests.e2e.keyboard import error_problems, keyboard_problems, tab_to
from tests.permission_table import EXPECTED, ROLES, by_title, sample_kwargs, url_names
from tests.projects.sample_files import pdf_bytes

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}
SHOTS = SCREENSHOTS / "every-page"
KEYBOARD_SHOTS = SCREENSHOTS / "keyboard-errors"
CALL = "FIPE-OCC-2023"
# Roles whose pages others already show: the DDETS instructor sees the Caf instructor's pages with
# « DDETS » for « Caf », the administrator the approver's and the committee secretary's (plus the
# link to the Django admin). They are checked on the pages that those roles cannot open.
STAND_INS = {"ddets-11": ["caf-11"], "admin": ["prefecture-76", "cdsf-11"]}
# The pages with a form to fill (a field, not just a button): each is filled and submitted with the
# keyboard by one of the tests below. The sweep fails when a form page is missing here.
KEYBOARD_CHECKED = {
    "login",
    "projects:application_list",
    "projects:application_create",
    "projects:application_edit",
    "projects:application_transition",
    "projects:application_detail?onglet=pieces-jointes",
    "projects:application_detail?onglet=subvention",
    "projects:award_detail",
    "projects:approval",
    "projects:approval_reject",
    "projects:exports",
    "projects:call_letters",
    "reviews:declare",
    "reviews:review",
    "reviews:reopen",
    "reviews:meeting_create",
    "reviews:meeting_members",
    "reviews:proposal",
    "projects:notification_preferences",
    "projects:verify_document",
    # Follow-up of the laureates
    "projects:followup_dashboard",
    "projects:followup_detail",
    "projects:application_detail?onglet=suivi",
    "projects:report_file",
}
# Cells narrower than two letters' width for a text of more than three: a word would break on every letter.
SQUEEZED_CELLS = """() => [...document.querySelectorAll('#content th, #content td')].filter(cell => {
  const style = getComputedStyle(cell);
  const width = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return cell.textContent.trim().length > 3 && width < 2 * parseFloat(style.fontSize);
}).map(cell => cell.textContent.trim().slice(0, 30))"""
HAS_FIELDS = """() => [...document.querySelectorAll('#content form')].some(form => [...form.elements].some(
  element => !['hidden', 'submit', 'button', 'reset'].includes(element.type) && element.tagName !== 'FIELDSET'))"""


def table_paths(role: str, kwargs: dict) -> list[str]:
    """The paths the permission table lets the role open (200)."""
    if role not in ROLES:
        return []
    column = ROLES.index(role)
    return [
        reverse(name, kwargs=kwargs.get(name.split(":")[-1], {}))
        for name in url_names()
        if EXPECTED[name][column] == 200
    ]


def open_pages_the_table_does_not_reach() -> dict[str, list[str]]:
    """Set up what the pages no role opens with the table's sample objects need; their paths by role."""
    user = get_user_model().objects.get
    submitted = by_title("Ludothèque")  # Aude, submitted
    declare_conflict(application=submitted, user=user(username="caf-11"), has_conflict=False)
    reviewed = by_title("familles vulnérables")  # Haute-Garonne, reviewed: an open meeting can propose it
    meeting = create_meeting(
        call=reviewed.call,
        department=reviewed.department,
        date=datetime.date(2023, 12, 5),
        place="Préfecture de la Haute-Garonne",
        by=user(username="cdsf-31"),
    )
    return {
        # Once the results are published: see publish_results_for_visitors.
        "anonymous": [reverse("projects:public_results", args=[reviewed.call.reference])],
        # The review form, once the Caf instructor has declared no conflict of interest.
        "caf-11": [reverse("reviews:review", kwargs={"reference": submitted.reference, "kind": "caf"})],
        # The file reduced to its summary, until the DDETS instructor declares.
        "ddets-11": [reverse("projects:application_detail", args=[submitted.reference])],
        "cdsf-31": [
            reverse("reviews:meeting_detail", args=[meeting.pk]),
            reverse("reviews:meeting_members", args=[meeting.pk]),
            reverse("reviews:proposal", kwargs={"pk": meeting.pk, "reference": reviewed.reference}),
            reverse("reviews:meeting_close", args=[meeting.pk]),
        ],
    }


def publish_results_for_visitors() -> None:
    """Open the public results of the demo call, for the visitors' sweep."""
    Call.objects.filter(reference=CALL).update(status=CallStatus.RESULTS_PUBLISHED, results_published_at=timezone.now())


def page_key(path: str) -> str:
    """The page a path shows: its URL name, with the tab of the application page."""
    parts = urlsplit(path)
    name = resolve(parts.path).view_name
    return f"{name}?{parts.query}" if parts.query else name


def pages_by_role(kwargs: dict, extra: dict[str, list[str]]) -> dict[str, list[str]]:
    pages = {}
    for role in dict.fromkeys([*ROLES, *extra]):
        shown_by_others = {path for other in STAND_INS.get(role, []) for path in table_paths(other, kwargs)}
        paths = [path for path in table_paths(role, kwargs) if path not in shown_by_others] + extra.get(role, [])
        if paths:
            pages[role] = paths
    return pages


def html_paths(context, site: str, role: str, paths: list[str]) -> list[str]:
    """The paths that answer the role with an HTML page (the others are files to download)."""
    html = []
    for path in paths:
        answer = context.request.get(site + path, max_redirects=0)
        assert answer.status == 200, f"{role} {path}: {answer.status}"
        if answer.headers["content-type"].startswith("text/html"):
            html.append(path)
    return html


def tab_paths(page) -> list[str]:
    """The other tabs of an application page, each at its own address."""
    return page.locator("nav.fipe-tabnav a:not([aria-current])").evaluate_all(
        "links => links.map(link => link.getAttribute('href'))"
    )


def reflow_problems(page) -> list[str]:
    """Whether the whole page is wider than the window, or a table squeezes a column to a few letters a line."""
    excess = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    problems = [f"the page scrolls sideways by {excess} px (RGAA 10.11)"] if excess > 0 else []
    squeezed = page.evaluate(SQUEEZED_CELLS)
    if squeezed:
        problems.append(f"table cells too narrow for their words (RGAA 10.11): {squeezed[:5]}")
    return problems


def slug(path: str) -> str:
    """A file name for the page at `path` (a path, or a whole URL)."""
    parts = urlsplit(path)
    return "_".join(filter(None, [parts.path.strip("/").replace("/", "_"), parts.query.replace("=", "-")])) or "accueil"


def shot(page, role: str, path: str, width: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{role}--{slug(path)}--{width}.png"), full_page=True)


# The roles of the permission table, and the committee secretary whose open meeting the table does not reach.
SWEPT_ROLES = [*ROLES, "cdsf-31"]


@pytest.mark.parametrize("role", SWEPT_ROLES)
def test_every_page_passes_axe_and_reflows_at_desktop_and_phone_widths(new_context, site, role):
    pages = pages_by_role(sample_kwargs(), open_pages_the_table_does_not_reach())
    assert role in pages, f"{role} opens no page of its own"
    every_shot = os.environ.get("E2E_SHOTS") == "all"
    failures = {}
    form_pages = set()
    # One browser context for the role: signed in once, reused for all its pages.
    context = new_context()
    page = context.new_page()
    if role == "anonymous":
        publish_results_for_visitors()
    else:
        sign_in(page, site, role)
    html = html_paths(context, site, role, pages[role])
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        queue = list(html)
        while queue:
            path = queue.pop(0)
            page.goto(site + path)
            found = serious_violations(page)
            found += reflow_problems(page)
            if width == "phone":
                # Only the layout changes at 320 px: resizing is enough, no need to reload.
                page.set_viewport_size({"width": 320, "height": 844})
                found += [f"320: {f}" for f in reflow_problems(page)]
                page.set_viewport_size(size)
            if found:
                failures[f"{role} {width} {path}"] = found
            if found or every_shot:
                shot(page, role, path, width)
            if page.evaluate(HAS_FIELDS):
                form_pages.add(page_key(path))
            for tab in tab_paths(page):
                if tab not in html:
                    html.append(tab)
                    queue.append(tab)
    context.close()
    if form_pages - KEYBOARD_CHECKED:
        failures["forms"] = [f"a form page without its keyboard journey below: {form_pages - KEYBOARD_CHECKED}"]
    assert not failures, "\n".join(f"{page}: {problems}" for page, problems in failures.items())


# — The forms, with the keyboard only ———————————————————————————————————————————————————————
#
# Each form is opened, walked with Tab and Shift+Tab, submitted as it comes (or with a wrong value)
# to see how the errors are told, then filled and submitted again, all from the keyboard.


def press_button(page, name: str) -> None:
    tab_to(page, page.get_by_role("button", name=name, exact=True).first)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def type_into(page, label: "str | re.Pattern", text: str, *, exact: bool = False) -> None:
    tab_to(page, page.get_by_label(label, exact=exact))
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.type(text)


def pick(page, label: str, option: str) -> None:
    """Choose in a drop-down list as a keyboard user does: focus it, then go down to the option."""
    select = page.get_by_label(label, exact=True)
    tab_to(page, select)
    for _ in range(select.locator("option").count()):
        if select.evaluate("(select, option) => select.selectedOptions[0].text.startsWith(option)", option):
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no option {option!r} in {label!r}")


def press_space_on(page, locator) -> None:
    tab_to(page, locator)
    page.keyboard.press("Space")


def choose_file(page, path) -> None:
    """Open the file chooser of the focused file field with Space, and choose `path`.

    Headless Chromium now and then drops the first press on a field that a script has just
    focused (a few times in a hundred): the user presses again.
    """
    for timeout in (2_000, 10_000):
        try:
            with page.expect_file_chooser(timeout=timeout) as chooser:
                page.keyboard.press("Space")
        except PlaywrightTimeoutError:
            continue
        chooser.value.set_files(path)
        return
    raise AssertionError("Space does not open the file chooser")


def form_problems(page, url: str, *, submit: str, fill, done: str, make_wrong=None, blank_is_wrong=True) -> list[str]:
    """The keyboard journey through one form; the problems met, prefixed with the page."""
    page.goto(url)
    problems = keyboard_problems(page)
    if make_wrong is not None or blank_is_wrong:
        page.goto(url)
        if make_wrong is not None:
            make_wrong(page)
        press_button(page, submit)
        problems += error_problems(page)
        # What the user sees once the focus has moved: the window around the field in error.
        KEYBOARD_SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(KEYBOARD_SHOTS / f"{slug(url)}.png"))
    fill(page)
    press_button(page, submit)
    expect(page.get_by_text(done).first).to_be_visible()
    return [f"{urlsplit(url).path}: {problem}" for problem in problems]


def test_visitor_signs_in_with_the_keyboard(page, site):
    def wrong_password(page):
        type_into(page, "Identifiant", "caf-11", exact=True)
        type_into(page, "Mot de passe", "pas-le-bon", exact=True)

    url = f"{site}/connexion/"
    problems = form_problems(
        page, url, submit="Se connecter", fill=wrong_password, done="Identifiant ou mot de passe incorrect"
    )
    # A refusal that concerns no field in particular: its message must take the focus.
    problems += [f"{url} (mot de passe erroné): {problem}" for problem in error_problems(page)]
    type_into(page, "Mot de passe", DEMO_PASSWORD, exact=True)
    press_button(page, "Se connecter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bonjour")
    assert not problems, "\n".join(problems)


def test_instructor_filters_declares_and_reviews_with_the_keyboard(page, site):
    submitted = by_title("Ludothèque")
    sign_in(page, site, "caf-11")

    def amount_min_wrong(page):
        type_into(page, "Montant demandé minimum (€)", "beaucoup")

    def search(page):
        type_into(page, "Montant demandé minimum (€)", "")
        type_into(page, "Recherche", "Ludothèque")

    problems = form_problems(
        page,
        f"{site}/dossiers/",
        submit="Appliquer",
        fill=search,
        done="1 dossier",
        make_wrong=amount_min_wrong,
        blank_is_wrong=False,
    )

    def no_conflict(page):
        press_space_on(page, page.get_by_label("Non, je n’ai aucun lien avec le porteur ni avec le projet"))

    problems += form_problems(
        page,
        f"{site}/instruction/dossiers/{submitted.reference}/declaration/",
        submit="Enregistrer ma déclaration",
        fill=no_conflict,
        done="Déclaration enregistrée",
    )

    def review(page):
        for number, score in enumerate([4, 3, 5, 4], start=1):
            tab_to(page, page.locator(f"input[name=score_C{number}]").first)
            for _ in range(score):
                page.keyboard.press("ArrowRight")
        tab_to(page, page.locator("input[name=opinion]").first)
        page.keyboard.press("Space")
        for year, amount in {2023: "19200", 2024: "14400", 2025: "14400"}.items():
            type_into(page, f"Montant recommandé {year} (€)", amount)
        type_into(page, "Commentaire", "Instruit au clavier.")

    problems += form_problems(
        page,
        f"{site}/instruction/dossiers/{submitted.reference}/avis/caf/",
        submit="Transmettre l’avis",
        fill=review,
        done="Avis de la Caf transmis.",
    )
    assert not problems, "\n".join(problems)


def test_approver_keys_in_decides_and_publishes_with_the_keyboard(page, site, tmp_path):
    submitted = by_title("Ludothèque")
    laureate = by_title("ancienne gare")
    not_proposed = Application.objects.get(call__reference=CALL, status=Status.NOT_PROPOSED)
    sign_in(page, site, "prefecture-76")

    def key_in(page):
        pick(page, "Appel à projets", CALL)
        pick(page, "Département", "31")
        type_into(page, "Intitulé du projet", "Relais petite enfance mobile")
        type_into(page, "Commune du projet", "Muret")
        pick(page, "Catégorie", "Langage")
        type_into(page, "Résumé", "Un relais itinérant pour les assistantes maternelles.")
        type_into(page, "Budget total du projet (€)", "60000")
        type_into(page, "Montant demandé pour 2023 (€)", "20000")
        type_into(page, "SIRET", illustrative_siret(4242))
        type_into(page, "Raison sociale", "Commune de Muret")
        pick(page, "Forme juridique", "Commune")
        type_into(page, "Adresse", "Place de la République")
        type_into(page, "Code postal", "31600")
        type_into(page, "Commune", "Muret", exact=True)

    problems = form_problems(
        page, f"{site}/dossiers/nouveau/", submit="Enregistrer", fill=key_in, done="enregistré au statut"
    )

    def clear_title(page):
        type_into(page, "Intitulé du projet", "")

    def retitle(page):
        type_into(page, "Intitulé du projet", "Ludothèque itinérante du Limouxin")

    problems += form_problems(
        page,
        f"{site}/dossiers/{submitted.reference}/modifier/",
        submit="Enregistrer",
        fill=retitle,
        done="modifié",
        make_wrong=clear_title,
    )

    def reason(page):
        type_into(page, "Motif", "Le porteur a renoncé au projet.")

    problems += form_problems(
        page,
        f"{site}/dossiers/{submitted.reference}/statut/withdraw/",
        submit="Retirer le dossier",
        fill=reason,
        done="maintenant au statut",
    )

    def rejection(page):
        type_into(page, "Motif du rejet", "Projet non proposé par le comité départemental.")

    problems += form_problems(
        page,
        f"{site}/appels/{CALL}/validation/{not_proposed.reference}/rejet/",
        submit="Rejeter le dossier",
        fill=rejection,
        done="est rejeté",
    )

    waiting = list(
        Application.objects.filter(call__reference=CALL, status=Status.PROPOSED).values_list("reference", flat=True)
    )

    def wrong_amount(page):
        type_into(page, f"2023 — {waiting[0]}", "beaucoup")
        press_space_on(page, page.get_by_label(f"Sélectionner le dossier {waiting[0]}"))

    def select_all(page):
        type_into(page, f"2023 — {waiting[0]}", "25000")
        for reference in waiting[1:]:
            press_space_on(page, page.get_by_label(f"Sélectionner le dossier {reference}"))

    problems += form_problems(
        page,
        f"{site}/appels/{CALL}/validation/",
        submit="Vérifier la sélection",
        fill=select_all,
        done="rien n’est encore retenu",
        make_wrong=wrong_amount,
    )
    # The confirmation step commits the selection it shows.
    problems += [f"confirmation: {problem}" for problem in keyboard_problems(page)]
    press_button(page, f"Confirmer et retenir {len(waiting)} dossiers")
    expect(page.get_by_text("retenus comme lauréats").first).to_be_visible()

    def confirm(page):
        press_space_on(page, page.get_by_label("Je confirme la publication"))

    problems += form_problems(
        page, f"{site}/exports/", submit="Publier les résultats", fill=confirm, done="sont publiés"
    )

    def refusal_letters(page):
        pick(page, "Courriers", "Lettres de refus")

    problems += form_problems(
        page,
        f"{site}/courriers/appels/{CALL}/",
        submit="Lancer le lot",
        fill=refusal_letters,
        done="Lot de courriers lancé",
        blank_is_wrong=False,
    )

    note = tmp_path / "compte-rendu.pdf"
    note.write_bytes(pdf_bytes())

    def attach(page):
        tab_to(page, page.get_by_label("Fichier"))
        choose_file(page, note)
        type_into(page, "Description", "Compte rendu de visite")

    problems += form_problems(
        page,
        f"{site}/dossiers/{laureate.reference}/?onglet=pieces-jointes",
        submit="Ajouter la pièce",
        fill=attach,
        done="Pièce « compte-rendu.pdf » ajoutée.",
    )

    line = laureate.award.lines.get(funder=Funder.STATE, year=2024)  # nothing paid on it yet

    def wrong_commitment(page):
        type_into(page, f"Numéro d’engagement — {line.label}", "12")

    def commitment(page):
        type_into(page, f"Numéro d’engagement — {line.label}", "2103409999")

    problems += form_problems(
        page,
        f"{site}/dossiers/{laureate.reference}/?onglet=subvention",
        submit=f"Enregistrer Numéro d’engagement — {line.label}",
        fill=commitment,
        done="Numéro d’engagement de la ligne",
        make_wrong=wrong_commitment,
    )

    def payment(page):
        pick(page, "Ligne de financement", line.label)
        tab_to(page, page.get_by_label("Date du versement"))
        page.keyboard.type("03032024")  # the same date whether the field reads day or month first
        type_into(page, "Montant versé (€)", "1000")

    problems += form_problems(
        page,
        f"{site}/subventions/{laureate.reference}/",
        submit="Enregistrer le versement",
        fill=payment,
        done="Versement de 1 000,00 € enregistré",
    )
    assert not problems, "\n".join(problems)


def test_committee_secretary_holds_a_meeting_with_the_keyboard(page, site):
    reviewed = by_title("familles vulnérables")
    sign_in(page, site, "cdsf-31")

    def meeting(page):
        pick(page, "Appel à projets", "FIPE-OCC-2023")
        tab_to(page, page.get_by_label("Date de la séance"))
        page.keyboard.type("05052023")  # the same date whether the field reads day or month first
        type_into(page, "Lieu", "Préfecture de la Haute-Garonne")

    problems = form_problems(
        page,
        f"{site}/instruction/comites/nouvelle-seance/",
        submit="Créer la séance",
        fill=meeting,
        done="Séance créée",
    )
    members_url = page.url

    def member(page):
        group = page.get_by_role("group", name="Membre n° 1")
        for label, text in (("Nom et prénom", "Claire Dupuy"), ("Organisme", "Préfecture"), ("Qualité", "présidente")):
            tab_to(page, group.get_by_label(label))
            page.keyboard.type(text)

    problems += form_problems(
        page, members_url, submit="Enregistrer la liste", fill=member, done="Liste des membres présents enregistrée."
    )
    meeting_url = page.url

    def proposal(page):
        press_space_on(page, page.get_by_label("Proposé", exact=True))
        type_into(page, "Rang", "1")
        for year, amount in {2023: "25000", 2024: "19000", 2025: "19000"}.items():
            type_into(page, f"Montant proposé {year} (€)", amount)
        type_into(page, "Motifs", "Projet prioritaire du département.")

    problems += form_problems(
        page,
        f"{meeting_url}dossiers/{reviewed.reference}/proposition/",
        submit="Enregistrer la proposition",
        fill=proposal,
        done="Proposition enregistrée",
    )
    assert not problems, "\n".join(problems)


def test_administrator_reopens_a_review_with_the_keyboard(page, site):
    reviewed = by_title("familles vulnérables")
    sign_in(page, site, "admin")

    def reason(page):
        type_into(page, "Motif de la réouverture", "Montants à corriger.")

    problems = form_problems(
        page,
        f"{site}/instruction/dossiers/{reviewed.reference}/avis/caf/rouvrir/",
        submit="Rouvrir l’avis",
        fill=reason,
        done="rouvert",
    )
    assert not problems, "\n".join(problems)


def test_instructor_chooses_her_notifications_with_the_keyboard(page, site):
    sign_in(page, site, "caf-11")

    def never_for_submissions(page):
        # In a group of radio buttons Tab reaches the checked one; the arrows move the choice.
        tab_to(page, page.get_by_role("radio", name="Immédiatement").first)
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")

    problems = form_problems(
        page,
        f"{site}/compte/notifications/",
        submit="Enregistrer mes préférences",
        fill=never_for_submissions,
        done="préférences de notification sont enregistrées",
        blank_is_wrong=False,
    )
    expect(page.get_by_role("radio", name="Jamais").first).to_be_checked()
    assert not problems, "\n".join(problems)


def test_visitor_verifies_a_letter_with_the_keyboard(page, site):
    """Blank, the form asks for the PDF or the reference and code; typed in, the letter is recognised."""
    letter = IssuedDocument.objects.filter(is_public=True).order_by("pk").first()

    def reference_and_code(page):
        type_into(page, re.compile("Référence"), letter.reference)
        type_into(page, re.compile("Code de vérification"), letter.verification_code)

    problems = form_problems(
        page, f"{site}/verifier/", submit="Vérifier", fill=reference_and_code, done="Document authentique"
    )
    expect(page.locator(".fipe-verdict")).to_contain_text(letter.reference)
    assert not problems, "\n".join(problems)


# — The applicant's space ————————————————————————————————————————————————————————————————————
# Applicants sign in with the link e-mailed to them; each of the table's applicants opens every page
# the applicant table gives them, at the same widths. The staff side (the « Échanges » tab, asking
# for information, writing) is in the sweep above, with its keyboard journeys below.

from tests.e2e.applicants import applicant_sign_in  # noqa: E402
from tests.permission_table import APPLICANT_EXPECTED, APPLICANT_ROLES  # noqa: E402

KEYBOARD_CHECKED.update(
    {
        "projects:applicant_sign_in",
        "projects:information_request_create",
        "projects:staff_message",
        "projects:application_detail?onglet=echanges",
    }
)


def page_problems(page, size: dict) -> list[str]:
    found = serious_violations(page) + reflow_problems(page)
    page.set_viewport_size({"width": 320, "height": 844})
    found += [f"320: {problem}" for problem in reflow_problems(page)]
    page.set_viewport_size(size)
    return found


def test_every_applicant_page_passes_axe_and_reflows_at_desktop_and_phone_widths(new_context, site):
    kwargs = sample_kwargs()
    failures = {}
    for column, (role, email) in enumerate(APPLICANT_ROLES.items()):
        context = new_context()
        page = context.new_page()
        applicant_sign_in(page, site, email)
        paths = [
            reverse(name, kwargs=kwargs.get(name.split(":")[-1], {}))
            for name, row in APPLICANT_EXPECTED.items()
            if row[column] == 200
        ]
        html = html_paths(context, site, role, paths)
        for width, size in WIDTHS.items():
            page.set_viewport_size(size)
            for path in html:
                page.goto(site + path)
                found = page_problems(page, size)
                if found:
                    failures[f"{role} {width} {path}"] = found
                    shot(page, role, path, width)
        context.close()
    # The pages of the sign-in itself: a link refused, a link to confirm.
    page = new_context().new_page()
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        for path in ("/espace-porteur/connexion/lien-inconnu/", "/espace-porteur/connexion/lien-envoye/"):
            page.goto(site + path)
            found = page_problems(page, size)
            if found:
                failures[f"anonymous {width} {path}"] = found
    assert not failures, "\n".join(f"{page}: {problems}" for page, problems in failures.items())


def test_visitor_asks_for_a_sign_in_link_with_the_keyboard(page, site):
    def email(page):
        type_into(page, "Votre adresse électronique", "mairie@quillan.example")

    problems = form_problems(
        page,
        f"{site}/espace-porteur/connexion/",
        submit="Recevoir un lien de connexion",
        fill=email,
        done="Consultez votre messagerie",
    )
    assert not problems, "\n".join(problems)


def test_instructor_asks_for_information_and_writes_with_the_keyboard(page, site):
    in_review = by_title("Motricité libre")  # Haute-Garonne, in review
    declare_conflict(application=in_review, user=get_user_model().objects.get(username="caf-31"), has_conflict=False)
    sign_in(page, site, "caf-31")

    def message(page):
        type_into(page, "Message", "Bonjour, où en est le local ?")

    problems = form_problems(
        page,
        f"{site}/dossiers/{in_review.reference}/?onglet=echanges",
        submit="Envoyer",
        fill=message,
        done="Message envoyé.",
    )
    problems += form_problems(
        page,
        f"{site}/dossiers/{in_review.reference}/echanges/ecrire/",
        submit="Envoyer",
        fill=message,
        done="Message envoyé.",
    )

    def request(page):
        type_into(page, "Message au porteur de projet", "Merci d’envoyer le devis.")
        type_into(page, "À fournir avant le", (timezone.localdate() + datetime.timedelta(days=10)).strftime("%d/%m/%Y"))

    problems += form_problems(
        page,
        f"{site}/dossiers/{in_review.reference}/echanges/demander/",
        submit="Envoyer la demande",
        fill=request,
        done="Demande de compléments envoyée",
    )
    assert not problems, "\n".join(problems)


def test_instructor_follows_a_laureate_with_the_keyboard(page, site):
    laureate = by_title("ancienne gare").reference  # Aude: 2023 report accepted, its lines paid
    sign_in(page, site, "caf-11")

    def report(page):
        type_into(page, "Subvention FIPE utilisée (€)", "12 000,00")
        type_into(page, "64 Charges de personnel — réalisé", "25 000")
        type_into(page, "Enfants accueillis ou accompagnés", "22")

    def negative(page):
        type_into(page, "Subvention FIPE utilisée (€)", "-5")

    def recovery(page):
        type_into(page, "Montant à reverser (€)", "100")
        type_into(page, "Motif", "Subvention non utilisée.", exact=True)

    def department(page):
        pick(page, "Département", "11 — Aude")

    problems = form_problems(
        page,
        f"{site}/dossiers/{laureate}/suivi/compte-rendu/?annee=2024",
        submit="Déposer le compte rendu",
        fill=report,
        make_wrong=negative,
        done="Compte rendu 2024 déposé",
    )
    for url in (f"{site}/dossiers/{laureate}/suivi/", f"{site}/dossiers/{laureate}/?onglet=suivi"):
        problems += form_problems(
            page, url, submit="Enregistrer le reversement", fill=recovery, done="Reversement enregistré"
        )
    problems += form_problems(
        page,
        f"{site}/appels/FIPE-OCC-2023/suivi/",
        submit="Afficher",
        fill=department,
        blank_is_wrong=False,
        done="Conventions à signer",
    )
    assert not problems, "\n".join(problems)
