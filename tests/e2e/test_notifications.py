"""Browser journey of the e-mail notifications: a letter sent from its tab reaches a real SMTP server."""

from playwright.sync_api import expect

from projects.enums import Status
from projects.models import Application, Message
from projects.notifications.models import MessageStatus
from tests.e2e.conftest import serious_violations, sign_in
from tests.projects.notifications.conftest import smtp_server  # noqa: F401 (the SMTP server fixture)

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def test_prefecture_sends_a_letter_and_the_outbox_shows_it_sent(page, site, shot, settings, smtp_server):  # noqa: F811
    # The worker's part runs in the server's thread, as soon as the letter's transaction commits.
    settings.TASKS = IMMEDIATE
    # A laureate whose award letter nobody has produced yet (the demo leaves several).
    laureate = Application.objects.filter(status=Status.LAUREATE, letters__isnull=True).order_by("reference").first()
    contact = laureate.applicant.contact_email
    assert laureate.status == Status.LAUREATE and contact
    sign_in(page, site, "prefecture-76")
    page.goto(f"{site}/dossiers/{laureate.reference}/?onglet=courriers")
    panel = page.get_by_role("region", name="Courriers")
    panel.get_by_role("button", name="Produire le PDF").click()
    expect(page.get_by_text(f"Par courriel à {contact}, PDF joint.")).to_be_visible()
    page.get_by_role("button", name="Envoyer la version 1 au porteur").click()
    expect(page.get_by_text(f"Lettre envoyée par courriel à {contact}")).to_be_visible()
    page.goto(f"{site}/dossiers/{laureate.reference}/?onglet=courriers")
    expect(page.get_by_text(f"Courriel à {contact} : envoyé")).to_be_visible()
    shot("journey-mail-01-letter-sent")
    assert serious_violations(page) == []
    [received] = [item for item in smtp_server.received if item["to"] == [contact]]
    assert f"{laureate.reference}-ATT" in received["message"]["Subject"]

    # The administrator's outbox lists it as sent.
    page.get_by_role("button", name="Se déconnecter").click()
    sign_in(page, site, "admin")
    page.goto(f"{site}/admin/projects/message/?status__exact=sent&event=letter_sent")
    expect(page.locator("#result_list")).to_contain_text(contact)
    expect(page.locator("#result_list")).to_contain_text("Envoyé")
    shot("journey-mail-02-outbox")
    assert Message.objects.get(recipient=contact, event="letter_sent").status == MessageStatus.SENT
