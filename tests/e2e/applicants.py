"""Signing in to the applicant's space in the browser, as an applicant does: by the link e-mailed."""

from playwright.sync_api import expect

from tests.mail import sent_mail


def applicant_sign_in(page, site: str, email: str) -> None:
    """Ask for a link, open the one the e-mail carries, confirm: the page shows « Mes dossiers »."""
    sent = len(sent_mail())
    page.goto(f"{site}/espace-porteur/connexion/")
    page.get_by_label("Votre adresse électronique").fill(email)
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Consultez votre messagerie")
    message = next(message for message in sent_mail()[sent:] if message.to == [email])
    link = next(line.strip() for line in message.body.splitlines() if "/espace-porteur/connexion/" in line)
    page.goto(link)
    page.get_by_role("button", name="Me connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes dossiers")
