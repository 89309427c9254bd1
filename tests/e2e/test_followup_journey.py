"""Browser journey of the follow-up: a Caf instructor accepts a yearly report and the year's balance becomes payable."""

from playwright.sync_api import expect

from projects.demo.applications import demo_application
from projects.demo.data import DEMO_APPLICATIONS
from tests.e2e.conftest import sign_in


def test_an_instructor_accepts_a_report_and_the_balance_becomes_payable(page, site, shot):
    entry = next(entry for entry in DEMO_APPLICATIONS if "Bulle de répit" in entry["title"])
    reference = demo_application(entry).reference  # Aude, notified; its 2023 report waits for review
    sign_in(page, site, "caf-11")
    page.goto(f"{site}/dossiers/{reference}/suivi/")
    balance = page.get_by_role("row", name="Solde État 2023")
    expect(balance).to_contain_text("En attente")
    expect(balance).to_contain_text("Attend : compte rendu 2023 accepté.")
    # The DSFR draws the radio over its label: the user clicks the label.
    page.locator("label", has_text="Accepter le compte rendu").click()
    expect(page.get_by_label("Accepter le compte rendu")).to_be_checked()
    page.get_by_role("button", name="Enregistrer l’examen").click()
    expect(page.get_by_text("Examen du compte rendu 2023 enregistré.")).to_be_visible()
    balance = page.get_by_role("row", name="Solde État 2023")
    expect(balance).to_contain_text("Versable")
    expect(balance).to_contain_text("Condition remplie : compte rendu 2023 accepté.")
    shot("followup-balance-payable")
