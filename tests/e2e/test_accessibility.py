import re

from playwright.sync_api import expect

from projects.enums import Status
from projects.models import Application
from tests.e2e.conftest import serious_violations, sign_in


def test_login_page_has_no_serious_violation(page, site, shot):
    page.goto(f"{site}/connexion/")
    shot("login")
    assert serious_violations(page) == []


def test_home_page_has_no_serious_violation(page, site, shot):
    sign_in(page, site, "caf-11")
    shot("home-caf-11")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bonjour")
    assert serious_violations(page) == []


def test_login_form_works_with_the_keyboard(page, site):
    page.goto(f"{site}/connexion/")
    page.get_by_label("Identifiant", exact=True).focus()
    page.keyboard.type("prefecture-76")
    page.keyboard.press("Tab")
    page.keyboard.type("fipe-demo")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site}/")
    assert "Préfecture de la région Occitanie" in page.content()


def test_a_table_wider_than_a_phone_scrolls_from_the_keyboard(page, site, shot):
    """On a narrow screen the funding lines scroll sideways: their container takes the focus, named after the table."""
    laureate = Application.objects.filter(status=Status.LAUREATE).order_by("reference").first()
    sign_in(page, site, "prefecture-76")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{site}/dossiers/{laureate.reference}/?onglet=subvention")
    region = page.get_by_role("region", name=re.compile("^Lignes de financement"))
    expect(region).to_have_attribute("tabindex", "0")
    region.focus()
    page.keyboard.press("ArrowRight")
    expect(region).not_to_have_js_property("scrollLeft", 0)
    shot("narrow-award-tab")
    assert serious_violations(page) == []
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.get_by_role("region", name=re.compile("^Lignes de financement"))).to_have_count(0)
