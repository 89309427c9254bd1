import re

import pytest
from django.urls import reverse

from departments.enums import OrganisationKind, Role
from departments.models import Department
from projects.enums import LetterKind, Status
from projects.exceptions import DomainError
from projects.letters.pipeline import generate_letter, mark_letter_sent, mark_letters_sent
from projects.letters.views import letters_tab_context
from projects.models import DecisionLetter
from projects.notifications.models import Message, MessageStatus
from tests.departments.factories import caf_instructor, member, regional_approver
from tests.projects.applicants.factories import signed_in_applicant
from tests.projects.letters.factories import laureate, letter_text, rejected, signatory
from tests.reviews.factories import declared_caf_instructor


def url(name, **kwargs):
    return reverse(f"projects:{name}", kwargs=kwargs)


@pytest.fixture
def approver(db):
    return regional_approver()


@pytest.fixture
def letter(approver):
    signatory()
    return generate_letter(application=laureate(), kind=LetterKind.AWARD, by=approver)


def test_preview_shows_the_letter_in_the_browser(client, approver):
    signatory()
    application = laureate()
    client.force_login(approver)
    response = client.get(url("letter_preview", reference=application.reference, kind=LetterKind.AWARD))
    assert response.status_code == 200
    assert "30\u202f000,00\xa0€" in response.text
    assert "trente mille euros" in response.text
    assert "Objet\u202f:" in response.text and "«\u202fFonds" in response.text  # as the PDF prints them
    assert "Aperçu" in response.text
    assert not DecisionLetter.objects.exists()


def test_an_instructor_of_the_department_may_preview(client, db):
    signatory()
    application = laureate()
    client.force_login(declared_caf_instructor(application))
    response = client.get(url("letter_preview", reference=application.reference, kind=LetterKind.AWARD))
    assert response.status_code == 200


def test_preview_of_another_departments_application_answers_404(client, db):
    signatory()
    application = laureate()
    client.force_login(caf_instructor("31"))
    response = client.get(url("letter_preview", reference=application.reference, kind=LetterKind.AWARD))
    assert response.status_code == 404


def test_preview_of_a_letter_the_status_does_not_call_for_says_why(client, approver):
    signatory()
    application = laureate()
    client.force_login(approver)
    response = client.get(url("letter_preview", reference=application.reference, kind=LetterKind.REFUSAL), follow=True)
    assert "n’est pas rejeté" in response.text


def test_download_sends_the_pdf_as_an_attachment(client, letter):
    client.force_login(declared_caf_instructor(letter.application))
    response = client.get(url("letter_download", reference=letter.application.reference, pk=letter.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{letter.application.reference}-attribution-v1.pdf"'
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_download_from_another_department_answers_404(client, letter):
    client.force_login(caf_instructor("31"))
    response = client.get(url("letter_download", reference=letter.application.reference, pk=letter.pk))
    assert response.status_code == 404


def test_download_of_a_letter_through_another_applications_reference_answers_404(client, letter):
    other = laureate()
    client.force_login(declared_caf_instructor(other))
    response = client.get(url("letter_download", reference=other.reference, pk=letter.pk))
    assert response.status_code == 404


def test_generate_stores_a_version_and_says_so(client, approver):
    signatory()
    application = laureate()
    client.force_login(approver)
    response = client.post(url("letter_generate", reference=application.reference, kind=LetterKind.AWARD), follow=True)
    letter = DecisionLetter.objects.get(application=application)
    assert "Lettre d’attribution version 1 produite" in response.text
    assert letter.sha256[:12] in response.text


def test_an_instructor_generating_a_letter_gets_403(client, db):
    signatory()
    application = laureate()
    client.force_login(caf_instructor("11"))
    response = client.post(url("letter_generate", reference=application.reference, kind=LetterKind.AWARD))
    assert response.status_code == 403
    assert not DecisionLetter.objects.exists()


def test_generating_for_another_department_answers_404(client, db):
    signatory()
    application = laureate()
    client.force_login(member(Role.APPROVER, OrganisationKind.PREFECTURE, "31"))
    response = client.post(url("letter_generate", reference=application.reference, kind=LetterKind.AWARD))
    assert response.status_code == 404


def test_generation_refused_by_a_rule_is_reported_on_the_page(client, approver):
    application = laureate()
    client.force_login(approver)
    response = client.post(url("letter_generate", reference=application.reference, kind=LetterKind.AWARD), follow=True)
    assert "Aucun signataire en fonction" in response.text


def test_generate_needs_a_post(client, approver):
    application = laureate()
    client.force_login(approver)
    response = client.get(url("letter_generate", reference=application.reference, kind=LetterKind.AWARD))
    assert response.status_code == 405


def test_mark_sent_notifies_the_laureate(client, letter, approver):
    client.force_login(approver)
    response = client.post(url("letter_mark_sent", reference=letter.application.reference, pk=letter.pk), follow=True)
    letter.refresh_from_db()
    letter.application.refresh_from_db()
    assert letter.application.status == Status.NOTIFIED
    assert letter.sent_at is not None
    assert "le lauréat est notifié" in response.text


def test_envoyer_records_the_email_to_the_contact_and_the_tab_shows_it(client, letter, approver):
    client.force_login(approver)
    response = client.post(url("letter_mark_sent", reference=letter.application.reference, pk=letter.pk), follow=True)
    assert response.status_code == 200
    [mail] = Message.objects.filter(event="letter_sent")
    assert (mail.recipient, mail.status, mail.about) == ("jeanne.martin@example.org", MessageStatus.QUEUED, letter)
    assert mail.attachments.get().mimetype == "application/pdf"
    assert "Courriel à jeanne.martin@example.org : en attente d’envoi" in response.text


def test_envoyer_says_so_when_the_letter_is_too_large_to_attach(client, letter, approver, settings):
    settings.NOTIFICATION_ATTACHMENT_MAX_BYTES = 10
    client.force_login(approver)
    response = client.post(url("letter_mark_sent", reference=letter.application.reference, pk=letter.pk), follow=True)
    assert "avec un lien de téléchargement (le PDF est trop lourd pour être joint)" in response.text
    assert not Message.objects.get(event="letter_sent").attachments.exists()


def test_an_instructor_marking_a_letter_sent_gets_403(client, letter):
    client.force_login(caf_instructor("11"))
    response = client.post(url("letter_mark_sent", reference=letter.application.reference, pk=letter.pk))
    assert response.status_code == 403


def test_the_letters_page_lists_versions_and_actions(client, letter, approver):
    client.force_login(approver)
    response = client.get(url("application_letters", reference=letter.application.reference))
    assert response.status_code == 200
    assert "Ce dossier appelle une lettre d’attribution." in response.text
    assert "v1" in response.text
    assert "Produire une nouvelle version" in response.text
    assert "Envoyer la version 1 au porteur" in response.text
    assert url("letter_download", reference=letter.application.reference, pk=letter.pk) in response.text


def test_an_instructor_sees_the_letters_without_the_actions(client, letter):
    client.force_login(declared_caf_instructor(letter.application))
    response = client.get(url("application_letters", reference=letter.application.reference))
    assert "Télécharger la v1" in response.text
    assert "Produire une nouvelle version" not in response.text
    assert "Envoyer la version" not in response.text


def test_the_letters_page_of_another_department_answers_404(client, letter):
    client.force_login(caf_instructor("31"))
    response = client.get(url("application_letters", reference=letter.application.reference))
    assert response.status_code == 404


@pytest.mark.parametrize("versions", [1, 6])
def test_the_letters_tab_context_takes_constant_queries(db, django_assert_max_num_queries, versions):
    signatory()
    approver = regional_approver()
    application = laureate()
    for _ in range(versions):
        generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    user = regional_approver()
    with django_assert_max_num_queries(3):
        context = letters_tab_context(application, user)
    assert len(context["letters_tab"]["letters"]) == versions
    assert context["letters_tab"]["can_generate"]


@pytest.mark.parametrize("versions", [1, 5])
def test_the_letters_page_takes_constant_queries(client, db, django_assert_max_num_queries, versions):
    signatory()
    approver = regional_approver()
    application = laureate()
    for _ in range(versions):
        generate_letter(application=application, kind=LetterKind.AWARD, by=approver)
    client.force_login(approver)
    with django_assert_max_num_queries(10):
        response = client.get(url("application_letters", reference=application.reference))
    assert response.text.count("Télécharger la v") == versions


def test_the_letters_home_counts_what_remains_to_do(client, approver):
    signatory()
    generate_letter(application=laureate(), kind=LetterKind.AWARD, by=approver)
    laureate()
    rejected()
    client.force_login(approver)
    response = client.get(url("letters"))
    assert response.status_code == 200
    cells = [int(value) for value in re.findall(r'<td class="fipe-amount">(\d+)</td>', response.text)]
    assert cells == [2, 1, 1, 0, 1]


def test_the_letters_home_is_refused_to_instructors(client, db):
    client.force_login(caf_instructor("11"))
    assert client.get(url("letters")).status_code == 403


@pytest.mark.parametrize("count", [1, 8])
def test_the_call_letters_page_takes_constant_queries(client, approver, django_assert_max_num_queries, count):
    applications = [laureate() for _ in range(count)]
    client.force_login(approver)
    with django_assert_max_num_queries(12):
        response = client.get(url("call_letters", call_reference=applications[0].call.reference))
    assert response.text.count("Lettre d’attribution à produire") == count


def test_the_call_letters_page_lists_only_the_departments_in_scope(client, db):
    laureate()
    in_31 = laureate(department=Department.objects.get(code="31"), reference="FIPE-OCC-2023-031-001")
    client.force_login(member(Role.APPROVER, OrganisationKind.PREFECTURE, "31"))
    response = client.get(url("call_letters", call_reference=in_31.call.reference))
    assert in_31.reference in response.text
    assert "FIPE-OCC-2023-011" not in response.text


def test_the_nav_shows_letters_to_those_who_issue_them(client, approver):
    client.force_login(approver)
    assert url("letters") in client.get(reverse("home")).text
    client.force_login(caf_instructor("11"))
    assert url("letters") not in client.get(reverse("home")).text


@pytest.mark.parametrize("model", ["signatory", "decisionletter", "letterbatch"])
def test_the_admin_lists_signatories_letters_and_batches(admin_client, letter, model):
    assert admin_client.get(f"/admin/projects/{model}/").status_code == 200


def test_who_follows_the_case_is_edited_in_the_admin_and_printed_on_the_next_letter(admin_client, approver):
    person = signatory()
    change = f"/admin/projects/signatory/{person.pk}/change/"
    posted = {
        "organisation": person.organisation_id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "capacity": person.capacity,
        "is_active": "on",
        "service": "Pôle cohésion sociale",
        "case_officer": "Inès Roux",
        "phone": "05 61 00 00 00",
        "email": "ines.roux@occitanie.gouv.fr",
        "key_source": person.key_source,
        "key_name": person.key_name,
    }
    assert admin_client.post(change, posted).status_code == 302
    text = letter_text(generate_letter(application=laureate(), kind=LetterKind.AWARD, by=approver))
    assert "Affaire suivie par Pôle cohésion sociale Inès Roux Tél. 05 61 00 00 00 ines.roux@occitanie.gouv.fr" in text


def test_letters_are_read_only_in_the_admin(admin_client, letter):
    assert admin_client.get("/admin/projects/decisionletter/add/").status_code == 403
    page = admin_client.get(f"/admin/projects/decisionletter/{letter.pk}/change/")
    assert page.status_code == 200
    assert letter.sha256 in page.text
    assert 'name="_save"' not in page.text


def test_a_letter_missing_on_disk_answers_404(client, letter):
    letter.file.storage.delete(letter.file.name)
    client.force_login(declared_caf_instructor(letter.application))
    response = client.get(url("letter_download", reference=letter.application.reference, pk=letter.pk))
    assert response.status_code == 404


# Letters marked as sent in bulk ------------------------------------------------------------


def sent_letters(approver, count):
    signatory()
    return [generate_letter(application=laureate(), kind=LetterKind.AWARD, by=approver) for _ in range(count)]


def test_a_selection_of_letters_is_marked_sent_at_once(client, approver):
    first, second, third = sent_letters(approver, 3)
    client.force_login(approver)
    page = client.get(url("call_letters", call_reference=first.application.call.reference))
    assert page.text.count('name="letters"') == 3
    assert "Envoyer les 3 lettres de l’appel à leurs porteurs" in page.text
    response = client.post(
        url("call_letters_mark_sent", call_reference=first.application.call.reference),
        {"letters": [first.pk, third.pk]},
        follow=True,
    )
    assert "2 lettres envoyées à leurs porteurs : 2 lauréats sont notifiés." in response.text
    assert set(DecisionLetter.objects.filter(sent_at__isnull=False).values_list("pk", flat=True)) == {
        first.pk,
        third.pk,
    }
    second.application.refresh_from_db()
    assert second.application.status == Status.LAUREATE
    first.application.refresh_from_db()
    assert first.application.status == Status.NOTIFIED


def test_every_letter_of_a_call_is_marked_sent_at_once(client, approver):
    letters = sent_letters(approver, 2)
    client.force_login(approver)
    call = letters[0].application.call
    response = client.post(url("call_letters_mark_sent", call_reference=call.reference), {"all": "1"}, follow=True)
    assert "2 lettres envoyées à leurs porteurs" in response.text
    assert not DecisionLetter.objects.filter(sent_at__isnull=True).exists()


def test_a_selection_with_a_letter_already_sent_marks_none(client, approver):
    first, second = sent_letters(approver, 2)
    mark_letter_sent(letter=first, by=approver)
    client.force_login(approver)
    response = client.post(
        url("call_letters_mark_sent", call_reference=first.application.call.reference),
        {"letters": [second.pk, first.pk]},
        follow=True,
    )
    assert f"déjà envoyées (n° {first.pk})" in response.text
    assert DecisionLetter.objects.get(pk=second.pk).sent_at is None


def test_a_refusal_inside_the_bulk_undoes_the_letters_before_it(approver):
    first, second = sent_letters(approver, 2)
    DecisionLetter.objects.filter(pk=second.pk).update(kind=LetterKind.REFUSAL)
    second.refresh_from_db()
    with pytest.raises(
        DomainError, match=f"{second.application.reference} : Cette lettre de refus .* n’est plus rejeté"
    ):
        mark_letters_sent(letters=[first, second], by=approver)
    assert not DecisionLetter.objects.filter(sent_at__isnull=False).exists()
    first.application.refresh_from_db()
    assert first.application.status == Status.LAUREATE


def test_an_instructor_cannot_mark_letters_sent_in_bulk(client, approver):
    (letter,) = sent_letters(approver, 1)
    client.force_login(caf_instructor("11"))
    response = client.post(
        url("call_letters_mark_sent", call_reference=letter.application.call.reference), {"all": "1"}
    )
    assert response.status_code == 403
    assert DecisionLetter.objects.get().sent_at is None


# Refusal letters ------------------------------------------------------------------------------


@pytest.fixture
def refusal(approver):
    signatory()
    return generate_letter(application=rejected(), kind=LetterKind.REFUSAL, by=approver)


def test_the_tab_offers_to_send_the_refusal_letter_of_a_rejected_file(client, refusal, approver):
    client.force_login(approver)
    response = client.get(url("application_letters", reference=refusal.application.reference))
    assert response.status_code == 200
    assert "Envoyer la version 1 au porteur" in response.text
    assert url("letter_mark_sent", reference=refusal.application.reference, pk=refusal.pk) in response.text


def test_envoyer_a_refusal_letter_says_the_file_stays_rejected(client, refusal, approver):
    client.force_login(approver)
    response = client.post(url("letter_mark_sent", reference=refusal.application.reference, pk=refusal.pk), follow=True)
    assert (
        "Lettre envoyée par courriel à jeanne.martin@example.org, PDF joint : le dossier reste rejeté" in response.text
    )
    assert "le lauréat est notifié" not in response.text
    assert "Envoyer la version 1 au porteur" not in response.text


def test_the_calls_bulk_send_includes_the_refusal_letters(client, refusal, approver):
    award = generate_letter(application=laureate(), kind=LetterKind.AWARD, by=approver)
    call = refusal.application.call
    client.force_login(approver)
    page = client.get(url("call_letters", call_reference=call.reference))
    assert page.text.count('name="letters"') == 2
    response = client.post(url("call_letters_mark_sent", call_reference=call.reference), {"all": "1"}, follow=True)
    assert "2 lettres envoyées à leurs porteurs : 1 lauréat est notifié." in response.text
    assert not DecisionLetter.objects.filter(pk__in=[award.pk, refusal.pk], sent_at__isnull=True).exists()
    refusal.application.refresh_from_db()
    assert refusal.application.status == Status.REJECTED


def test_a_bulk_send_of_refusal_letters_notifies_no_laureate(client, refusal, approver):
    client.force_login(approver)
    response = client.post(
        url("call_letters_mark_sent", call_reference=refusal.application.call.reference),
        {"letters": [refusal.pk]},
        follow=True,
    )
    assert "1 lettre envoyée à son porteur." in response.text
    assert "notifié." not in response.text


def test_the_letters_home_counts_a_refusal_letter_to_send(client, refusal, approver):
    generate_letter(application=refusal.application, kind=LetterKind.REFUSAL, by=approver)
    client.force_login(approver)
    response = client.get(url("letters"))
    cells = [int(value) for value in re.findall(r'<td class="fipe-amount">(\d+)</td>', response.text)]
    assert cells == [0, 0, 1, 0, 0]


def notified_with_a_corrected_letter(approver):
    """A laureate notified by its first letter, whose letter was then corrected and not sent yet."""
    signatory()
    application = laureate()
    mark_letter_sent(letter=generate_letter(application=application, kind=LetterKind.AWARD, by=approver), by=approver)
    return generate_letter(application=application, kind=LetterKind.AWARD, by=approver)


def test_only_the_latest_unsent_version_of_the_letter_the_status_calls_for_is_to_send(approver):
    corrected = notified_with_a_corrected_letter(approver)
    regenerated = sent_letters(approver, 1)[0]
    newest = generate_letter(application=regenerated.application, kind=LetterKind.AWARD, by=approver)
    withdrawn = sent_letters(approver, 1)[0]
    withdrawn.application.status = Status.WITHDRAWN
    withdrawn.application.save(update_fields=["status"])
    assert set(DecisionLetter.objects.to_send()) == {corrected, newest}


def test_a_letter_corrected_after_the_laureate_was_notified_is_sent_with_the_others(client, approver):
    corrected = notified_with_a_corrected_letter(approver)
    call = corrected.application.call
    client.force_login(approver)
    home = client.get(url("letters"))
    assert [int(value) for value in re.findall(r'<td class="fipe-amount">(\d+)</td>', home.text)] == [1, 0, 1, 1, 0]
    page = client.get(url("call_letters", call_reference=call.reference))
    assert page.text.count('name="letters"') == 1
    response = client.post(url("call_letters_mark_sent", call_reference=call.reference), {"all": "1"}, follow=True)
    assert "1 lettre envoyée à son porteur." in response.text
    assert "lauréat est notifié" not in response.text
    corrected.refresh_from_db()
    assert corrected.sent_at is not None
    assert corrected.application.status_changes.filter(to_status=Status.NOTIFIED).count() == 1


def test_the_applicant_reads_the_refusal_once_its_letter_is_sent(refusal, approver):
    applicant = signed_in_applicant(refusal.application.applicant.contact_email)
    page = url("applicant_file", pk=refusal.application.pk)
    before = applicant.get(page).text
    assert "Non retenu" not in before and "En cours d’examen" in before
    mark_letter_sent(letter=refusal, by=approver)
    after = applicant.get(page)
    assert after.status_code == 200
    assert "Non retenu" in after.text
    assert url("applicant_letter", pk=refusal.application.pk, letter=refusal.pk) in after.text
