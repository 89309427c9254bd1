import re

import pytest
from django.urls import reverse

from projects.enums import Status
from reviews.committee.forms import MAX_MEMBERS
from reviews.committee.services import close_meeting
from reviews.enums import MeetingStatus, Opinion, ProposalDecision, ReviewerKind
from reviews.instruction.services import declare_conflict
from reviews.models import CommitteeMeeting, CommitteeProposal, ConflictDeclaration, ProposalDraft, Review
from tests.departments.factories import (
    caf_instructor,
    committee_secretary,
    ddets_instructor,
    department,
    regional_approver,
)
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.reviews.factories import declared_caf_instructor
from tests.reviews.situations import meeting, propose, review, reviewed_application


def declare_url(application):
    return reverse("reviews:declare", kwargs={"reference": application.reference})


def review_url(application, kind=ReviewerKind.CAF):
    return reverse("reviews:review", kwargs={"reference": application.reference, "kind": kind})


def review_data(application, action="submit", score="4", **overrides):
    data = {f"score_{criterion.code}": score for criterion in application.call.criteria.all()}
    data.update({f"amount_{year}": "10 000" for year in application.call.programme_years})
    data.update(opinion=Opinion.FAVOURABLE, comment="", action=action)
    data.update(overrides)
    return data


# Instruction ---------------------------------------------------------------


def test_until_declared_the_instructor_sees_the_summary_and_the_declaration_form(client, db):
    application = ApplicationFactory(submitted=True, summary="Une ludothèque mobile pour le Limouxin.")
    client.force_login(caf_instructor("11"))
    response = client.get(declare_url(application))
    assert response.status_code == 200
    assert "Une ludothèque mobile pour le Limouxin." in response.text
    assert "Avez-vous un conflit d’intérêts avec ce dossier ?" in response.text
    assert client.get(review_url(application))["Location"] == declare_url(application)


def test_declaring_no_conflict_leads_to_the_review_form(client, db):
    application = ApplicationFactory(submitted=True)
    instructor = caf_instructor("11")
    client.force_login(instructor)
    response = client.post(declare_url(application), {"has_conflict": "no", "note": ""})
    assert response["Location"] == review_url(application)
    assert not ConflictDeclaration.objects.get(user=instructor).has_conflict
    page = client.get(review_url(application))
    assert "Transmettre l’avis" in page.text
    assert "C1 — Territoire et public" in page.text


def test_a_conflict_without_a_note_is_refused_on_the_form(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(caf_instructor("11"))
    response = client.post(declare_url(application), {"has_conflict": "yes", "note": ""})
    assert response.status_code == 200
    assert "Précisez la nature du conflit d’intérêts" in response.text
    assert not ConflictDeclaration.objects.exists()


def test_a_declared_conflict_blocks_the_review_page(client, db):
    application = ApplicationFactory(submitted=True)
    instructor = caf_instructor("11")
    declare_conflict(application=application, user=instructor, has_conflict=True, note="Je suis adjointe au maire.")
    client.force_login(instructor)
    response = client.get(review_url(application))
    assert response.status_code == 403
    assert "Vous ne pouvez pas instruire ce dossier" in response.text


@pytest.mark.parametrize(
    ("user", "kind", "review_status", "declare_status"),
    [
        (lambda: ddets_instructor("11"), ReviewerKind.CAF, 403, 200),
        (lambda: caf_instructor("11"), ReviewerKind.DDETS, 403, 200),
        (lambda: committee_secretary("11"), ReviewerKind.CAF, 403, 403),
        (lambda: caf_instructor("31"), ReviewerKind.CAF, 404, 404),
    ],
)
def test_the_review_page_is_for_the_instructors_of_the_matching_body_and_department(
    client, db, user, kind, review_status, declare_status
):
    application = ApplicationFactory(submitted=True)
    client.force_login(user())
    assert client.get(review_url(application, kind)).status_code == review_status
    assert client.get(declare_url(application)).status_code == declare_status


def test_submitting_the_review_on_the_page(client, db):
    application = ApplicationFactory(submitted=True)
    instructor = caf_instructor("11")
    declare_conflict(application=application, user=instructor, has_conflict=False)
    client.force_login(instructor)
    response = client.post(review_url(application), review_data(application))
    assert response["Location"] == review_url(application)
    written = Review.objects.get()
    assert (written.kind, written.total, written.is_submitted) == (ReviewerKind.CAF, 80, True)
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    page = client.get(review_url(application))
    assert "il ne peut plus être modifié" in page.text
    assert "Transmettre l’avis" not in page.text


def test_submitting_the_review_a_second_time_says_it_is_already_submitted(client, db):
    application = ApplicationFactory(submitted=True)
    instructor = caf_instructor("11")
    declare_conflict(application=application, user=instructor, has_conflict=False)
    client.force_login(instructor)
    client.post(review_url(application), review_data(application))
    submitted_at = Review.objects.get().submitted_at
    response = client.post(review_url(application), review_data(application, comment="Autre avis."), follow=True)
    assert response.redirect_chain == [(review_url(application), 302)]
    assert "L’avis de la Caf est déjà transmis : il ne peut plus être modifié." in response.text
    assert Review.objects.values_list("submitted_at", "comment").get() == (submitted_at, "")


def test_the_review_page_names_the_fields_to_correct_and_saves_nothing(client, db):
    application = ApplicationFactory(submitted=True)
    instructor = caf_instructor("11")
    declare_conflict(application=application, user=instructor, has_conflict=False)
    client.force_login(instructor)
    response = client.post(review_url(application), review_data(application, score_C3=""))
    assert response.status_code == 200
    assert "Notez ce critère avant de transmettre l’avis." in response.text
    response = client.post(review_url(application), review_data(application, amount_2024="10 000,01"))
    assert response.status_code == 200
    assert "Le montant recommandé pour 2024 (10\xa0000,01\xa0€) dépasse le montant demandé" in response.text
    assert not Review.objects.exists()


def test_saving_a_draft_on_the_page(client, db):
    application = ApplicationFactory(submitted=True)
    instructor = ddets_instructor("11")
    declare_conflict(application=application, user=instructor, has_conflict=False)
    client.force_login(instructor)
    data = review_data(application, action="draft", score_C2="", opinion="")
    response = client.post(review_url(application, ReviewerKind.DDETS), data)
    assert response.status_code == 302
    draft = Review.objects.get()
    assert not draft.is_submitted
    page = client.get(review_url(application, ReviewerKind.DDETS))
    assert 'name="amount_2025" value="10000,00"' in page.text
    assert re.search(r'name="score_C1" value="4"[^>]*checked', page.text)
    assert not re.search(r'name="score_C2"[^>]*checked', page.text)


def test_the_review_page_needs_a_constant_number_of_queries(client, db, django_assert_max_num_queries):
    application = reviewed_application("11")
    instructor = application.reviews.get(kind=ReviewerKind.CAF).author
    client.force_login(instructor)
    # The tenth query finds the next file waiting for the instructor (« Dossier suivant »).
    with django_assert_max_num_queries(11):
        assert client.get(review_url(application)).status_code == 200


def test_the_secretary_reopens_a_review_on_the_page(client, db):
    application = reviewed_application("11")
    secretary = committee_secretary("11")
    client.force_login(secretary)
    url = reverse("reviews:reopen", kwargs={"reference": application.reference, "kind": ReviewerKind.DDETS})
    assert client.post(url, {"reason": ""}).status_code == 200
    response = client.post(url, {"reason": "Montants à revoir."})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.IN_REVIEW
    client.force_login(caf_instructor("11"))
    assert client.get(url).status_code == 403


# Committee -----------------------------------------------------------------


def test_the_committee_entry_of_the_menu_is_shown_to_secretaries_only(client, db):
    client.force_login(committee_secretary("11"))
    assert "Comités (CDSF)" in client.get(reverse("home")).text
    client.force_login(caf_instructor("11"))
    assert "Comités (CDSF)" not in client.get(reverse("home")).text


def test_the_meeting_pages_refuse_instructors_and_hide_other_departments(client, db):
    opened = meeting("11")
    detail = reverse("reviews:meeting_detail", kwargs={"pk": opened.pk})
    client.force_login(caf_instructor("11"))
    assert client.get(reverse("reviews:meeting_list")).status_code == 403
    assert client.get(detail).status_code == 403
    client.force_login(committee_secretary("31"))
    assert client.get(reverse("reviews:meeting_list")).status_code == 200
    for name in ("meeting_detail", "meeting_members", "meeting_close", "minutes"):
        assert client.get(reverse(f"reviews:{name}", kwargs={"pk": opened.pk})).status_code == 404


def test_the_secretary_creates_a_meeting_then_records_its_members(client, db):
    call = CallFactory()
    client.force_login(committee_secretary("11"))
    response = client.post(
        reverse("reviews:meeting_create"),
        {"call": call.pk, "department": department("11").pk, "date": "2023-11-20", "place": "Préfecture, Carcassonne"},
    )
    created = CommitteeMeeting.objects.get()
    members_url = reverse("reviews:meeting_members", kwargs={"pk": created.pk})
    assert response["Location"] == members_url
    empty = {"members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0"}
    response = client.post(members_url, empty)
    assert "Indiquez au moins un membre présent." in response.text
    assert "<title>Erreur : Membres présents" in response.text
    application = reviewed_application("11")
    data = {
        "members-TOTAL_FORMS": "2",
        "members-INITIAL_FORMS": "0",
        "members-0-name": "Sophie Marty",
        "members-0-organisation": "Préfecture de l’Aude",
        "members-0-capacity": "Secrétaire générale",
        "members-0-conflicts": [str(application.pk)],
    }
    assert client.post(members_url, data).status_code == 302
    member = created.members.get()
    assert (member.name, list(member.declared_conflicts.all())) == ("Sophie Marty", [application])


def test_a_forged_number_of_member_rows_is_refused_without_building_them(client, db):
    opened = meeting("11")
    client.force_login(opened.secretary)
    data = {"members-TOTAL_FORMS": "99999999", "members-INITIAL_FORMS": "0", "members-0-name": "Sophie Marty"}
    response = client.post(reverse("reviews:meeting_members", kwargs={"pk": opened.pk}), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == MAX_MEMBERS
    assert formset.non_form_errors() == ["Veuillez soumettre au plus 60 formulaires."]
    assert list(opened.members.values_list("name", flat=True)) == ["Membre Numéro1"]


def test_a_meeting_of_another_department_cannot_be_created(client, db):
    client.force_login(committee_secretary("31"))
    response = client.post(
        reverse("reviews:meeting_create"),
        {"call": CallFactory().pk, "department": department("11").pk, "date": "2023-11-20", "place": "Ici"},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.text
    assert not CommitteeMeeting.objects.exists()


def test_recording_a_proposal_on_the_page(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    client.force_login(opened.secretary)
    url = reverse("reviews:proposal", kwargs={"pk": opened.pk, "reference": application.reference})
    data = {"decision": ProposalDecision.PROPOSED, "rank": "1", "reasons": "Projet solide."}
    data.update({"amount_2023": "10 000,01", "amount_2024": "5 000", "amount_2025": ""})
    response = client.post(url, data)
    assert response.status_code == 200
    # Every error at once: the form's own (a year left empty) and the rules' (above the request).
    assert "Indiquez le montant proposé pour 2025 (0 si aucun)." in response.text
    assert "dépasse le montant demandé cette année-là" in response.text
    data["amount_2025"] = "0"
    response = client.post(url, data)
    assert "dépasse le montant demandé cette année-là" in response.text
    assert "Rien n’a été enregistré" in response.text
    assert not CommitteeProposal.objects.exists()
    data["amount_2023"] = "10 000"
    assert client.post(url, data)["Location"] == reverse("reviews:meeting_detail", kwargs={"pk": opened.pk})
    assert CommitteeProposal.objects.get().proposed_total == 15000


def test_the_proposal_form_reports_every_error_at_once(client, db):
    first, application = reviewed_application("11"), reviewed_application("11")
    opened = meeting("11")
    propose(opened, first, rank=1)
    client.force_login(opened.secretary)
    url = reverse("reviews:proposal", kwargs={"pk": opened.pk, "reference": application.reference})
    data = {"decision": ProposalDecision.PROPOSED, "rank": "1", "reasons": ""}
    data.update({"amount_2023": "10 000,01", "amount_2024": "abc", "amount_2025": "0"})
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"rank", "reasons", "amount_2023", "amount_2024"}
    assert f"déjà attribué au dossier {first.reference}" in errors["rank"][0]
    assert "dépasse le montant demandé" in errors["amount_2023"][0]
    assert CommitteeProposal.objects.count() == 1


def proposal_url(opened, application):
    return reverse("reviews:proposal", kwargs={"pk": opened.pk, "reference": application.reference})


# A rule may require these fields (to transmit, for a proposed file): the DSFR's « (Optionnel) » never
# labels them, even on a form the rule does not bind (a draft, a file not proposed).
OPTIONAL_MARK = r"\s*\(Optionnel\)"


def test_a_review_draft_never_labels_optional_what_transmitting_requires(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(declared_caf_instructor(application))
    data = review_data(application, action="draft", opinion="", amount_2023="abc")
    page = client.post(review_url(application), data).text
    assert "« abc » n’est pas un montant" in page
    assert not re.search(rf"(Avis|C\d — [^<]+|Montant recommandé \d{{4}} \(€\)){OPTIONAL_MARK}", page)


def test_a_file_not_proposed_never_labels_optional_what_a_proposal_requires(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    client.force_login(opened.secretary)
    page = client.post(proposal_url(opened, application), {"decision": ProposalDecision.NOT_PROPOSED}).text
    assert "Rien n’a été enregistré" in page
    assert not re.search(rf"(Rang|Montant proposé \d{{4}} \(€\)){OPTIONAL_MARK}", page)


def test_the_proposal_page_gives_the_file_its_ordinal_rank(client, db):
    best, second = reviewed_application("11", caf_score=5, ddets_score=5), reviewed_application("11")
    opened = meeting("11", call=best.call)
    client.force_login(opened.secretary)
    assert "Classement par note moyenne : 1er —" in client.get(proposal_url(opened, best)).text
    assert "Classement par note moyenne : 2e —" in client.get(proposal_url(opened, second)).text


def test_an_unfinished_proposal_is_kept_as_a_draft_until_it_is_recorded(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    client.force_login(opened.secretary)
    url = proposal_url(opened, application)
    typed = {"decision": ProposalDecision.PROPOSED, "rank": "", "reasons": "À compléter après la séance."}
    typed.update({"amount_2023": "10 000", "amount_2024": "", "amount_2025": ""})
    response = client.post(url, {**typed, "action": "draft"}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert "Brouillon enregistré : ce n’est pas une proposition" in response.text
    assert not CommitteeProposal.objects.exists()
    page = client.get(url).text
    assert "Brouillon enregistré le" in page
    assert "À compléter après la séance." in page and 'value="10 000"' in page
    typed.update({"rank": "1", "amount_2024": "0", "amount_2025": "0"})
    assert client.post(url, typed).status_code == 302
    assert CommitteeProposal.objects.get().proposed_total == 10000
    assert not ProposalDraft.objects.exists()


def test_a_draft_is_refused_when_empty_or_on_a_closed_meeting_and_nothing_is_kept(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    client.force_login(opened.secretary)
    url = proposal_url(opened, application)
    response = client.post(url, {"reasons": " ", "action": "draft"})
    assert "Le formulaire est vide : il n’y a rien à garder en brouillon." in response.text
    CommitteeMeeting.objects.filter(pk=opened.pk).update(status=MeetingStatus.CLOSED)
    response = client.post(url, {"reasons": "Motifs\x00 tapés", "action": "draft"})
    assert "est close : elle ne peut plus être modifiée" in response.text
    assert not ProposalDraft.objects.exists()


def test_a_rank_beyond_any_agenda_is_refused_on_its_field(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    client.force_login(opened.secretary)
    url = reverse("reviews:proposal", kwargs={"pk": opened.pk, "reference": application.reference})
    data = {"decision": ProposalDecision.PROPOSED, "rank": "9" * 20, "reasons": "Projet solide."}
    data.update({"amount_2023": "10 000", "amount_2024": "0", "amount_2025": "0"})
    response = client.post(url, data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"rank"}
    assert not CommitteeProposal.objects.exists()


def test_deleting_a_proposal_twice_says_it_is_gone(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    propose(opened, application)
    client.force_login(opened.secretary)
    url = reverse("reviews:proposal_delete", kwargs={"pk": opened.pk, "reference": application.reference})
    client.post(url)
    response = client.post(url, follow=True)
    assert response.redirect_chain == [(reverse("reviews:meeting_detail", kwargs={"pk": opened.pk}), 302)]
    assert f"Le dossier {application.reference} n’a pas de proposition à supprimer." in response.text
    assert not CommitteeProposal.objects.exists()


def test_the_proposal_page_of_a_file_not_yet_reviewed_says_so(client, db):
    application = ApplicationFactory(in_review=True)
    opened = meeting("11")
    client.force_login(opened.secretary)
    url = reverse("reviews:proposal", kwargs={"pk": opened.pk, "reference": application.reference})
    assert "n’est pas instruit" in client.get(url).text
    data = {"decision": ProposalDecision.NOT_PROPOSED, "reasons": "Hors critères."}
    response = client.post(url, data)
    assert "n’est pas instruit" in response.text
    assert not CommitteeProposal.objects.exists()


def test_closing_without_members_shows_the_reason_and_changes_nothing(client, db):
    application = reviewed_application("11")
    opened = meeting("11", members=0)
    propose(opened, application)
    client.force_login(opened.secretary)
    response = client.post(reverse("reviews:meeting_close", kwargs={"pk": opened.pk}), follow=True)
    assert "Enregistrez les membres présents avant de clore la séance." in response.text
    opened.refresh_from_db()
    assert opened.status == MeetingStatus.OPEN


def test_closing_on_the_page_then_downloading_the_minutes(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    propose(opened, application)
    client.force_login(opened.secretary)
    response = client.post(reverse("reviews:meeting_close", kwargs={"pk": opened.pk}), follow=True)
    assert "Séance close" in response.text
    assert "Télécharger le procès-verbal" in response.text
    application.refresh_from_db()
    assert application.status == Status.PROPOSED
    minutes_url = reverse("reviews:minutes", kwargs={"pk": opened.pk})
    client.force_login(declared_caf_instructor(application))
    download = client.get(minutes_url)
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    client.force_login(caf_instructor("31"))
    assert client.get(minutes_url).status_code == 404


def test_minutes_missing_on_disk_answer_404(client, db):
    opened = meeting("11")
    application = reviewed_application("11")
    propose(opened, application)
    close_meeting(meeting=opened, by=opened.secretary)
    opened.refresh_from_db()
    opened.minutes.storage.delete(opened.minutes.name)
    client.force_login(declared_caf_instructor(application))
    assert client.get(reverse("reviews:minutes", kwargs={"pk": opened.pk})).status_code == 404


@pytest.mark.parametrize("files", [1, 5])
def test_the_meeting_page_needs_a_constant_number_of_queries(client, db, django_assert_max_num_queries, files):
    caf, ddets = caf_instructor("11"), ddets_instructor("11")
    applications = [reviewed_application("11", caf=caf, ddets=ddets) for _ in range(files)]
    opened = meeting("11", members=3)
    for rank, application in enumerate(applications, start=1):
        propose(opened, application, rank=rank)
    declare_conflict(application=applications[0], user=caf_instructor("11"), has_conflict=True, note="Lien familial.")
    client.force_login(opened.secretary)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("reviews:meeting_detail", kwargs={"pk": opened.pk}))
    assert response.text.count("Modifier la proposition") == files


@pytest.mark.parametrize("meetings", [1, 4])
def test_the_meeting_list_needs_a_constant_number_of_queries(client, db, django_assert_max_num_queries, meetings):
    secretary = committee_secretary("11")
    for number in range(meetings):
        opened = meeting("11", secretary=secretary, call=CallFactory(reference=f"FIPE-OCC-20{number + 30}"))
        propose(opened, reviewed_application("11", call=opened.call))
        if number:
            close_meeting(meeting=opened, by=secretary)
    client.force_login(secretary)
    with django_assert_max_num_queries(4):
        response = client.get(reverse("reviews:meeting_list"))
    assert response.text.count("Préfecture</td>") == meetings


def test_the_regional_approver_reads_the_minutes_but_not_the_meeting_pages(client, db):
    application = reviewed_application("11")
    opened = meeting("11")
    propose(opened, application)
    close_meeting(meeting=opened, by=opened.secretary)
    client.force_login(regional_approver())
    assert client.get(reverse("reviews:minutes", kwargs={"pk": opened.pk})).status_code == 200
    assert client.get(reverse("reviews:meeting_detail", kwargs={"pk": opened.pk})).status_code == 403


def test_a_review_page_of_a_reviewed_file_shows_both_reviews(client, db):
    application = ApplicationFactory(submitted=True)
    caf = caf_instructor("11")
    review(application, caf, score=5)
    review(application, ddets_instructor("11"), score=2, opinion=Opinion.UNFAVOURABLE)
    client.force_login(caf)
    page = client.get(review_url(application)).text
    assert "100,0 / 100" in page and "40,0 / 100" in page
    assert "Écart de 60,0 points" in page


def test_the_review_page_leads_to_the_next_file_waiting_for_the_instructor(client, db):
    current = ApplicationFactory(submitted=True, reference="FIPE-OCC-2023-011-001")
    waiting = ApplicationFactory(submitted=True, reference="FIPE-OCC-2023-011-002")
    ApplicationFactory(reference="FIPE-OCC-2023-011-003")  # a draft: nothing to instruct
    instructor = caf_instructor("11")
    declare_conflict(application=current, user=instructor, has_conflict=False)
    client.force_login(instructor)
    url = reverse("reviews:review", kwargs={"reference": current.reference, "kind": ReviewerKind.CAF})
    response = client.get(url)
    assert f"Dossier suivant : {waiting.reference}" in response.text
    declare_conflict(application=waiting, user=instructor, has_conflict=True, note="Élu de la commune.")
    response = client.get(url)
    assert "Aucun autre dossier n’attend votre déclaration ou votre avis." in response.text
