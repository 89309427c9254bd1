import pytest
from django.template.loader import render_to_string

from projects.models import Application
from reviews.committee.services import MemberEntry, close_meeting, record_members
from reviews.committee.views import committee_tab_context
from reviews.enums import Opinion
from reviews.instruction.services import declare_conflict
from reviews.instruction.views import instruction_tab_context
from tests.departments.factories import caf_instructor, committee_secretary, ddets_instructor, regional_approver
from tests.projects.factories import ApplicationFactory
from tests.reviews.situations import meeting, propose, review, reviewed_application


def instruction_tab(application, user) -> str:
    # The detail page hands over its own object: reload it as it would, without anything cached.
    application = Application.objects.select_related("call", "department").get(pk=application.pk)
    return render_to_string("reviews/instruction/_tab_instruction.html", instruction_tab_context(application, user))


def committee_tab(application, user) -> str:
    application = Application.objects.select_related("call", "department").get(pk=application.pk)
    return render_to_string("reviews/committee/_tab_committee.html", committee_tab_context(application, user))


def test_the_instruction_tab_shows_both_reviews_side_by_side(db):
    application = ApplicationFactory(submitted=True)
    review(application, caf_instructor("11"), score=5)
    review(application, ddets_instructor("11"), score=4)
    html = instruction_tab(application, regional_approver())
    assert "Avis Caf" in html and "Avis DDETS" in html
    assert "100,0 / 100" in html and "80,0 / 100" in html
    assert "5 / 5" in html and "4 / 5" in html
    assert "Points d’attention" not in html


@pytest.mark.parametrize(
    ("caf_score", "ddets_score", "ddets_opinion", "warning"),
    [
        (5, 3, Opinion.FAVOURABLE, "Écart de 40,0 points entre la note de la Caf et celle de la DDETS"),
        (4, 4, Opinion.RESERVED, "Les avis divergent : Caf « Favorable », DDETS « Favorable avec réserves »."),
    ],
)
def test_the_instruction_tab_warns_of_a_gap_or_a_disagreement(db, caf_score, ddets_score, ddets_opinion, warning):
    application = ApplicationFactory(submitted=True)
    review(application, caf_instructor("11"), score=caf_score)
    review(application, ddets_instructor("11"), score=ddets_score, opinion=ddets_opinion)
    html = instruction_tab(application, regional_approver())
    assert "Points d’attention pour le comité" in html
    assert warning in html


def test_a_gap_of_exactly_twenty_points_is_no_warning(db):
    application = ApplicationFactory(submitted=True)
    review(application, caf_instructor("11"), score=5)
    review(application, ddets_instructor("11"), score=4)
    assert "Points d’attention" not in instruction_tab(application, regional_approver())


def test_an_instructor_sees_the_summary_only_until_declared(db):
    application = ApplicationFactory(submitted=True)
    review(application, caf_instructor("11"), score=5)
    ddets = ddets_instructor("11")
    html = instruction_tab(application, ddets)
    assert "Faire ma déclaration" in html
    assert "100,0 / 100" not in html
    declare_conflict(application=application, user=ddets, has_conflict=False)
    html = instruction_tab(application, ddets)
    assert "100,0 / 100" in html
    assert "Rédiger l’avis de la DDETS" in html


def test_an_instructor_who_declared_a_conflict_does_not_see_the_reviews(db):
    application = ApplicationFactory(submitted=True)
    review(application, caf_instructor("11"), score=5)
    ddets = ddets_instructor("11")
    declare_conflict(application=application, user=ddets, has_conflict=True, note="Je suis bénévole du porteur.")
    html = instruction_tab(application, ddets)
    assert "Conflit d’intérêts déclaré" in html
    assert "100,0 / 100" not in html


def test_the_other_body_never_sees_a_draft(db):
    application = ApplicationFactory(submitted=True)
    review(application, caf_instructor("11"), score=5, submit=False)
    ddets = ddets_instructor("11")
    declare_conflict(application=application, user=ddets, has_conflict=False)
    assert "100,0 / 100" not in instruction_tab(application, ddets)
    assert "Brouillon" not in instruction_tab(application, ddets)


def test_the_secretary_gets_the_reopen_links_of_a_reviewed_file(db):
    application = reviewed_application("11")
    html = instruction_tab(application, committee_secretary("11"))
    assert "Rouvrir l’avis de la Caf" in html and "Rouvrir l’avis de la DDETS" in html
    assert "Rouvrir" not in instruction_tab(application, regional_approver())


@pytest.mark.parametrize("other_files", [0, 6])
def test_the_instruction_tab_needs_a_constant_number_of_queries(db, django_assert_max_num_queries, other_files):
    caf, ddets = caf_instructor("11"), ddets_instructor("11")
    for _ in range(other_files):
        reviewed_application("11", caf=caf, ddets=ddets)
    application = reviewed_application("11", caf=caf, ddets=ddets)
    application = Application.objects.select_related("call", "department").get(pk=application.pk)
    with django_assert_max_num_queries(6):
        render_to_string("reviews/instruction/_tab_instruction.html", instruction_tab_context(application, caf))


def test_the_committee_tab_shows_the_proposal_the_minutes_and_the_conflicts(db):
    application = reviewed_application("11")
    opened = meeting("11", members=0)
    record_members(
        meeting=opened,
        by=opened.secretary,
        members=[MemberEntry("Jean Bosc", "Mairie de Limoux", "Adjoint au maire", (application,))],
    )
    propose(opened, application, rank=1)
    close_meeting(meeting=opened, by=opened.secretary)
    instructor = caf_instructor("11", first_name="Lucie", last_name="Garrigues")
    declare_conflict(application=application, user=instructor, has_conflict=True, note="Cousine du président.")
    html = committee_tab(application, regional_approver())
    assert "Proposé" in html and "rang 1" in html
    assert "15\xa0000,00\xa0€" in html
    assert "Télécharger le procès-verbal" in html
    assert "Jean Bosc" in html
    assert "Lucie Garrigues" in html and "Cousine du président." in html


def test_the_committee_tab_offers_the_secretary_to_record_a_proposal(db):
    application = reviewed_application("11")
    opened = meeting("11")
    html = committee_tab(application, opened.secretary)
    assert f"/instruction/comites/{opened.pk}/dossiers/{application.reference}/proposition/" in html
    assert "proposition/" not in committee_tab(application, regional_approver())


@pytest.mark.parametrize("members", [1, 6])
def test_the_committee_tab_needs_a_constant_number_of_queries(db, django_assert_max_num_queries, members):
    application = reviewed_application("11")
    opened = meeting("11", members=0)
    record_members(
        meeting=opened,
        by=opened.secretary,
        members=[MemberEntry(f"Membre {n}", "Organisme", "Qualité", (application,)) for n in range(members)],
    )
    propose(opened, application)
    close_meeting(meeting=opened, by=opened.secretary)
    user = regional_approver()
    application = Application.objects.select_related("call", "department").get(pk=application.pk)
    with django_assert_max_num_queries(7):
        html = render_to_string("reviews/committee/_tab_committee.html", committee_tab_context(application, user))
    assert html.count("membre du CDSF") == members


def test_the_tab_contexts_use_their_own_keys(db):
    application = ApplicationFactory(submitted=True)
    user = regional_approver()
    assert set(instruction_tab_context(application, user)) == {"instruction"}
    assert set(committee_tab_context(application, user)) == {"committee"}
