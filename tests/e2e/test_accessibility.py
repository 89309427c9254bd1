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
