import re
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from departments.models import Region
from projects.enums import Category, Status
from projects.models import Application, Attachment, FundingLine, StatusChange
from reviews.models import ConflictDeclaration
from tests.departments.factories import (
    UserFactory,
    administrator,
    caf_instructor,
    committee_secretary,
    department,
    regional_approver,
)
from tests.projects.awards.factories import laureate, pay_line
from tests.projects.factories import ApplicantFactory, ApplicationFactory, CallFactory, log_status, valid_siret
from tests.projects.form_data import application_form_data
from tests.reviews.factories import declared_caf_instructor

LIST_URL = reverse("projects:application_list")


def detail_url(application, **query):
    url = reverse("projects:application_detail", kwargs={"reference": application.reference})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def transition_url(application, name):
    return reverse("projects:application_transition", kwargs={"reference": application.reference, "name": name})


def listed(response) -> list[str]:
    return [application.reference for application in response.context["page_obj"]]


def tab_context(response, tab_id) -> dict:
    """The context of the tab the page shows, which must be `tab_id`."""
    assert response.context["panel"].id == tab_id
    return response.context["panel"].context


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# — Scope ————————————————————————————————————————————————————————————————————————————


@pytest.mark.parametrize(
    "url_name", ["application_list", "application_create", "call_list"], ids=["list", "create", "calls"]
)
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, url_name):
    response = client.get(reverse(f"projects:{url_name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_instructor_lists_only_their_department(client, db):
    mine = ApplicationFactory(submitted=True)
    other = ApplicationFactory(submitted=True, department=department("31"))
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL)
    assert listed(response) == [mine.reference]
    assert other.reference not in response.text


def test_regional_approver_lists_the_whole_region(client, db):
    aude = ApplicationFactory(submitted=True)
    haute_garonne = ApplicationFactory(submitted=True, department=department("31"))
    client.force_login(regional_approver())
    assert set(listed(client.get(LIST_URL))) == {aude.reference, haute_garonne.reference}


def test_user_without_membership_lists_nothing(client, db):
    ApplicationFactory(submitted=True)
    client.force_login(UserFactory())
    response = client.get(LIST_URL)
    assert listed(response) == []
    assert "Aucun dossier" in response.text


def test_another_departments_application_answers_404(client, db):
    application = ApplicationFactory(submitted=True, department=department("31"))
    client.force_login(caf_instructor("11"))
    response = client.get(detail_url(application))
    assert response.status_code == 404
    assert application.title not in response.text


@pytest.mark.parametrize("name", ["submit", "start_review", "withdraw"])
def test_another_departments_application_refuses_its_moves_with_404(client, db, name):
    application = ApplicationFactory(submitted=True, department=department("31"))
    client.force_login(caf_instructor("11"))
    assert client.post(transition_url(application, name), {"comment": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_department_filter_offers_only_the_visible_departments(client, db):
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL)
    choices = [label for value, label in response.context["filter"].form.fields["department"].choices if value]
    assert choices == ["11 — Aude"]


def test_filtering_on_a_department_outside_the_scope_shows_nothing_of_it(client, db):
    ApplicationFactory(submitted=True, department=department("31"))
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL, {"department": department("31").pk})
    assert listed(response) == []
    assert response.context["filter"].form.errors["department"]


# — Filters, sorts, pages, counts ————————————————————————————————————————————————————


@pytest.fixture
def three_applications(db):
    return [
        ApplicationFactory(
            submitted=True,
            title="Micro-crèche dans l’ancienne gare",
            commune="Lézignan-Corbières",
            category=Category.NEW_PLACES,
            requested={2023: Decimal("80000"), 2024: Decimal("60000")},
            applicant=ApplicantFactory(legal_name="Communauté de communes Lézignanaise", siret=valid_siret(11100001)),
        ),
        ApplicationFactory(
            in_review=True,
            title="Bulle de répit pour les parents",
            commune="Castelnaudary",
            category=Category.PARENT_RESPITE,
            qpv=True,
            requested={2023: Decimal("40000")},
            applicant=ApplicantFactory(legal_name="Castelnaudary Lauragais Audois", siret=valid_siret(11100002)),
        ),
        ApplicationFactory(
            title="Ludothèque itinérante",
            commune="Limoux",
            category=Category.LANGUAGE,
            requested={2024: Decimal("12000")},
            applicant=ApplicantFactory(legal_name="Ville de Limoux", siret=valid_siret(11100003)),
        ),
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "submitted"}, [0]),
        ({"category": "parent_respite"}, [1]),
        ({"qpv": "oui"}, [1]),
        ({"qpv": "non"}, [0, 2]),
        ({"commune": "castel"}, [1]),
        ({"amount_min": "40 000"}, [0, 1]),
        ({"amount_max": "40 000,00"}, [1, 2]),
        ({"amount_min": "20000", "amount_max": "100000"}, [1]),
        ({"q": "ludothèque"}, [2]),
        ({"q": "lézignanaise"}, [0]),
        ({"q": "repit"}, []),
        ({"q": "répit parents"}, [1]),
        ({"q": valid_siret(11100002)[:9]}, [1]),
    ],
    ids=lambda value: str(value),
)
def test_list_filters(client, three_applications, query, expected):
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL, query)
    assert sorted(listed(response)) == sorted(three_applications[i].reference for i in expected)


def test_search_on_the_reference(client, three_applications):
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL, {"q": three_applications[2].reference})
    assert listed(response) == [three_applications[2].reference]


def test_filter_on_the_department_and_the_call(client, three_applications):
    other_call = CallFactory(reference="FIPE-OCC-2024", title="FIPE 2024")
    in_other_call = ApplicationFactory(submitted=True, call=other_call)
    client.force_login(regional_approver())
    assert listed(client.get(LIST_URL, {"call": "FIPE-OCC-2024"})) == [in_other_call.reference]
    assert len(listed(client.get(LIST_URL, {"department": department("11").pk}))) == 4


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("-amount", [0, 1, 2]),
        ("amount", [2, 1, 0]),
        ("status", [2, 0, 1]),
        ("-status", [1, 0, 2]),
        ("reference", [0, 1, 2]),
        ("-reference", [2, 1, 0]),
    ],
)
def test_list_sorts(client, three_applications, sort, expected):
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL, {"sort": sort})
    assert listed(response) == [three_applications[i].reference for i in expected]


def test_sort_by_date_puts_drafts_last(client, three_applications):
    first, second, draft = three_applications
    Application.objects.filter(pk=first.pk).update(submitted_at="2023-09-01T10:00:00+02:00")
    Application.objects.filter(pk=second.pk).update(submitted_at="2023-09-15T10:00:00+02:00")
    client.force_login(caf_instructor("11"))
    assert listed(client.get(LIST_URL, {"sort": "date"})) == [first.reference, second.reference, draft.reference]
    assert listed(client.get(LIST_URL, {"sort": "-date"})) == [second.reference, first.reference, draft.reference]


def test_counts_per_status_follow_the_other_filters(client, three_applications):
    ApplicationFactory(submitted=True, department=department("31"), category=Category.NEW_PLACES)
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL, {"category": "new_places", "status": "in_review"})
    counts = {row["status"]: row["count"] for row in response.context["status_rows"]}
    assert counts[Status.SUBMITTED] == 1
    assert counts[Status.IN_REVIEW] == 0
    assert sum(counts.values()) == 1
    assert listed(response) == []


def test_counts_per_status_add_up_to_the_scope(client, three_applications):
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL)
    assert response.context["status_total"] == {"count": 3, "requested": Decimal("192000.00")}
    assert "Déposé : 1" in response.text
    assert "En instruction : 1" in response.text
    assert "Brouillon : 1" in response.text


def test_list_pages_by_fifty_and_keeps_the_filters_in_the_links(client, db):
    ApplicationFactory.create_batch(51, submitted=True)
    client.force_login(caf_instructor("11"))
    first = client.get(LIST_URL, {"status": "submitted"})
    second = client.get(LIST_URL, {"status": "submitted", "page": 2})
    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 1
    assert "fr-pagination" in first.text
    assert "status=submitted&amp;page=2" in first.text


def test_an_invalid_filter_is_shown_on_its_field(client, three_applications):
    client.force_login(caf_instructor("11"))
    response = client.get(LIST_URL, {"amount_min": "beaucoup"})
    assert response.status_code == 200
    assert response.context["filter"].form.errors["amount_min"]


@pytest.mark.parametrize("count", [5, 200])
def test_list_runs_a_constant_number_of_queries(client, db, django_assert_max_num_queries, count):
    ApplicationFactory.create_batch(count, submitted=True)
    client.force_login(regional_approver())
    query = {"department": department("11").pk, "call": "FIPE-OCC-2023", "sort": "-amount", "q": "projet"}
    # User, scope (2), the two filter choices validated then listed (4), count, status counts, page.
    with django_assert_max_num_queries(10):
        response = client.get(LIST_URL, query)
    assert len(response.context["page_obj"]) == min(count, 50)


# — Detail page ——————————————————————————————————————————————————————————————————————


def test_undeclared_instructor_sees_the_summary_only(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(caf_instructor("11"))
    response = client.get(detail_url(application))
    assert [panel.id for panel in response.context["tabs"]] == ["resume", "instruction"]
    assert application.applicant.contact_email not in response.text
    assert application.summary in response.text


def test_detail_shows_the_file_the_applicant_the_amounts_and_the_status(client, db):
    application = ApplicationFactory(
        submitted=True,
        applicant=ApplicantFactory(association=True, legal_name="Association Les Lucioles"),
        requested={2023: Decimal("12345.67"), 2025: Decimal("1000")},
    )
    client.force_login(declared_caf_instructor(application))
    response = client.get(detail_url(application))
    assert response.status_code == 200
    text = response.text
    for expected in [
        application.title,
        application.summary,
        "Association Les Lucioles",
        application.applicant.siret,
        "W111000123",
        "12\xa0345,67\u00a0€",
        "13\xa0345,67\u00a0€",
        "Déposé",
        "Dossier reçu",
        "Création de places d’accueil",
    ]:
        assert expected in text
    assert [(year, amount) for year, amount in tab_context(response, "dossier")["requested_rows"]] == [
        (2023, Decimal("12345.67")),
        (2024, None),
        (2025, Decimal("1000.00")),
    ]


def test_detail_links_every_tab_and_shows_the_one_asked(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(declared_caf_instructor(application))
    response = client.get(detail_url(application, onglet="historique"))
    assert [(tab.id, tab.current) for tab in response.context["tabs"]] == [
        ("dossier", False),
        ("pieces-jointes", False),
        ("instruction", False),
        ("comite", False),
        ("subvention", False),
        ("suivi", False),
        ("courriers", False),
        ("echanges", False),
        ("historique", True),
    ]
    assert response.context["panel"].id == "historique"
    assert f'<a class="fipe-tabnav__link" href="{detail_url(application)}">Dossier</a>' in response.text
    assert (
        f'<a class="fipe-tabnav__link" href="{detail_url(application, onglet="historique")}" aria-current="page">'
        "Historique</a>" in response.text
    )
    assert "<title>Historique — " in response.text


def test_an_unknown_tab_shows_the_first_one(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(declared_caf_instructor(application))
    assert client.get(detail_url(application, onglet="nope")).context["panel"].id == "dossier"


def test_only_the_shown_tab_reads_its_data(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(declared_caf_instructor(application))
    response = client.get(detail_url(application))
    assert "status_changes" not in response.context
    assert "Historique des statuts" not in response.text


def test_history_tab_lists_the_status_changes(client, db):
    approver = regional_approver(first_name="Hélène", last_name="Garcia")
    application = ApplicationFactory(submitted=True)
    log_status(application, approver)
    application.withdraw(by=approver, comment="Le porteur renonce faute de local")
    client.force_login(declared_caf_instructor(application))
    response = client.get(detail_url(application, onglet="historique"))
    changes = tab_context(response, "historique")["status_changes"]
    assert [(c.from_status, c.to_status) for c in changes] == [
        (Status.DRAFT, Status.SUBMITTED),
        (Status.SUBMITTED, Status.WITHDRAWN),
    ]
    assert "Le porteur renonce faute de local" in response.text
    assert "Hélène Garcia" in response.text


@pytest.mark.parametrize(
    ("make_user", "status", "offered"),
    [
        (lambda: caf_instructor("11"), Status.SUBMITTED, {"start_review"}),
        (lambda: caf_instructor("11"), Status.DRAFT, set()),
        (regional_approver, Status.DRAFT, {"submit", "withdraw"}),
        (regional_approver, Status.SUBMITTED, {"withdraw"}),
        (regional_approver, Status.PROPOSED, {"withdraw"}),
        (regional_approver, Status.LAUREATE, set()),
        (lambda: committee_secretary("11"), Status.REVIEWED, set()),
    ],
)
def test_detail_offers_the_buttons_the_user_may_use(client, db, make_user, status, offered):
    application = ApplicationFactory(status=status)
    user = make_user()
    ConflictDeclaration.objects.create(user=user, application=application, has_conflict=False)
    client.force_login(user)
    response = client.get(detail_url(application))
    assert {t.name for t in tab_context(response, "dossier")["transitions"]} == offered
    for name in ["submit", "start_review", "withdraw"]:
        assert (transition_url(application, name) in response.text) == (name in offered)


def test_edit_link_only_for_managers_while_editable(client, db):
    draft = ApplicationFactory()
    reviewed = ApplicationFactory(reviewed=True)
    edit = "Modifier le dossier"
    client.force_login(regional_approver())
    assert edit in client.get(detail_url(draft)).text
    assert edit not in client.get(detail_url(reviewed)).text
    client.force_login(caf_instructor("11"))
    assert edit not in client.get(detail_url(draft)).text


# Every tab page reads the user, the scope (2) and the application (with its call, applicant and
# what the shown tab reads with it: the proposal, the award, the requested amounts), then the
# shown tab's own data (the session comes from the cache):
TAB_QUERIES = {
    "dossier": 5,  # the requested amounts
    "pieces-jointes": 5,  # the attachments
    "instruction": 10,  # the requested amounts, declarations, reviews, their scores and amounts, the criteria
    "comite": 7,  # declarations, proposed amounts, the members' conflicts
    "subvention": 7,  # funding lines, payments, the amounts per year
    "courriers": 5,  # the letters
    "historique": 6,  # the status changes, the journal's entries
}


@pytest.mark.parametrize("count", [5, 200])
@pytest.mark.parametrize("tab", ["pieces-jointes", "historique"])
def test_a_tab_runs_a_constant_number_of_queries(client, db, django_assert_num_queries, count, tab):
    ApplicationFactory.create_batch(count, submitted=True)
    application = ApplicationFactory(submitted=True)
    approver = regional_approver()
    for _ in range(count // 10):
        log_status(application, approver)
    Attachment.objects.bulk_create(
        Attachment(
            application=application,
            file=f"attachments/{application.pk}/{n}",
            original_name=f"piece-{n}.pdf",
            content_type="application/pdf",
            size=100,
            sha256="0" * 64,
            uploaded_by=approver,
        )
        for n in range(count // 10)
    )
    client.force_login(approver)
    with django_assert_num_queries(TAB_QUERIES[tab]):
        response = client.get(detail_url(application, onglet=tab))
    rows = tab_context(response, tab)["attachments" if tab == "pieces-jointes" else "status_changes"]
    assert len(rows) == count // 10


@pytest.mark.parametrize("count", [1, 6])
@pytest.mark.parametrize("tab", TAB_QUERIES)
def test_each_tab_of_a_laureate_runs_a_constant_number_of_queries(client, db, django_assert_num_queries, count, tab):
    approver = regional_approver()
    application = laureate(by=approver, department="31")
    for line in FundingLine.objects.filter(award__application=application)[:count]:
        pay_line(line, by=approver, amount=Decimal("1"))
    client.force_login(approver)
    with django_assert_num_queries(TAB_QUERIES[tab]):
        response = client.get(detail_url(application, onglet=tab))
    assert response.context["panel"].id == tab


@pytest.mark.parametrize(
    ("tab", "joined", "left_out"),
    [
        ("dossier", [], ['"projects_award"', '"reviews_committeeproposal"']),
        ("comite", ['"reviews_committeeproposal"', '"reviews_committeemeeting"'], ['"projects_award"']),
        ("subvention", ['"projects_award"'], ['"reviews_committeeproposal"']),
    ],
)
def test_the_detail_page_joins_to_the_file_only_what_the_open_tab_shows(client, db, tab, joined, left_out):
    approver = regional_approver()
    application = laureate(by=approver, department="31")
    client.force_login(approver)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(detail_url(application, onglet=tab))

    assert response.status_code == 200
    [file_query] = [query["sql"] for query in queries if query["sql"].startswith('SELECT "projects_application"."id"')]
    assert all(f"JOIN {table}" in file_query for table in joined)
    assert not any(f"JOIN {table}" in file_query for table in left_out)


def test_the_award_tab_of_a_laureate_lists_its_lines_and_payments(client, db):
    approver = regional_approver()
    application = laureate(by=approver, department="31")
    for line in FundingLine.objects.filter(award__application=application)[:2]:
        pay_line(line, by=approver, amount=Decimal("1"))
    client.force_login(approver)
    award = tab_context(client.get(detail_url(application, onglet="subvention")), "subvention")
    assert len(award["award_payments"]) == 2
    assert len(award["award_lines"]) == 6


def test_the_committee_tab_of_a_laureate_shows_its_proposal(client, db):
    approver = regional_approver()
    application = laureate(by=approver, department="31")
    client.force_login(approver)
    committee = tab_context(client.get(detail_url(application, onglet="comite")), "comite")
    assert committee["committee"]["proposal"] is not None


# — Moves from the pages —————————————————————————————————————————————————————————————


def test_submitting_a_draft_from_the_page(client, db):
    application = ApplicationFactory()
    client.force_login(regional_approver())
    response = client.post(transition_url(application, "submit"))
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert "est maintenant au statut « Déposé »" in messages_of(response)[0]


def test_a_refused_move_shows_the_domain_message_and_changes_nothing(client, db):
    application = ApplicationFactory()
    client.force_login(caf_instructor("11"))
    response = client.post(transition_url(application, "submit"))
    assert response.status_code == 302
    assert messages_of(response) == ["Vous n’avez pas le droit de « Déposer le dossier » pour ce département."]
    application.refresh_from_db()
    assert application.status == Status.DRAFT
    assert not StatusChange.objects.exists()


def test_a_move_from_the_wrong_status_shows_the_domain_message(client, db):
    application = ApplicationFactory(laureate=True)
    client.force_login(regional_approver())
    response = client.post(transition_url(application, "withdraw"), {"comment": "Abandon"})
    assert messages_of(response) == [
        f"Impossible de « Retirer le dossier » : le dossier {application.reference} est au statut « Lauréat »."
    ]
    application.refresh_from_db()
    assert application.status == Status.LAUREATE


def forms_the_browser_checks(html: str) -> list[str]:
    """The opening tags of the forms with a required field that the browser would check by itself."""
    return [
        opening
        for opening, body in re.findall(r"(<form[^>]*>)(.*?)</form>", html, re.DOTALL)
        if " required" in body and "novalidate" not in opening
    ]


def test_the_server_checks_the_required_fields_and_not_the_browser(client, db):
    """The browser's messages are in its own language and vanish: the server's are in French and stay by the field."""
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    pages = [
        transition_url(application, "withdraw"),
        detail_url(application, onglet="pieces-jointes"),
        reverse("projects:exports"),
    ]
    for url in pages:
        response = client.get(url)
        assert " required" in response.text, url
        assert forms_the_browser_checks(response.text) == [], url


def test_a_move_that_needs_no_reason_offers_an_optional_comment(client, db):
    application = ApplicationFactory()
    client.force_login(regional_approver())
    page = client.get(transition_url(application, "submit"))
    assert page.context["form"]["comment"].label == "Commentaire"
    assert "Commentaire" in page.text
    assert "Motif" not in page.text


def test_withdrawing_asks_for_a_reason_on_its_own_page(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    page = client.get(transition_url(application, "withdraw"))
    assert page.status_code == 200
    assert "Motif" in page.text
    response = client.post(transition_url(application, "withdraw"), {"comment": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["comment"]
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED


def test_withdrawing_with_a_reason_writes_it_in_the_history(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    client.post(transition_url(application, "withdraw"), {"comment": "Le porteur renonce au projet"})
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert application.status_changes.get().comment == "Le porteur renonce au projet"


def test_opening_a_move_one_may_not_make_redirects_with_a_message(client, db):
    application = ApplicationFactory(laureate=True)
    client.force_login(regional_approver())
    response = client.get(transition_url(application, "withdraw"))
    assert response.status_code == 302
    assert "Vous ne pouvez pas « Retirer le dossier »" in messages_of(response)[0]


@pytest.mark.parametrize("name", ["approve", "reject", "propose", "notify", "mark_reviewed", "unknown"])
def test_moves_owned_by_other_pages_are_not_reachable_here(client, db, name):
    application = ApplicationFactory(proposed=True)
    client.force_login(UserFactory(is_superuser=True))
    assert client.post(transition_url(application, name), {"comment": "x"}).status_code == 404
    application.refresh_from_db()
    assert application.status == Status.PROPOSED


# — Keying in and editing ————————————————————————————————————————————————————————————


@pytest.mark.parametrize(
    "make_user",
    [lambda: caf_instructor("11"), lambda: committee_secretary("11"), UserFactory],
    ids=["instructor", "secretary", "no_membership"],
)
def test_only_managers_may_key_in(client, db, make_user):
    CallFactory()
    client.force_login(make_user())
    assert client.get(reverse("projects:application_create")).status_code == 403
    assert client.post(reverse("projects:application_create"), {}).status_code == 403


@pytest.mark.parametrize("make_user", [regional_approver, administrator])
def test_managers_key_in_from_the_call_page(client, db, make_user):
    call = CallFactory()
    client.force_login(make_user())
    response = client.get(reverse("projects:application_create"), {"appel": call.reference})
    assert response.status_code == 200
    assert response.context["application_form"]["call"].value() == call.pk


def test_a_call_named_with_a_nul_byte_is_no_call(client, db):
    CallFactory()
    client.force_login(regional_approver())
    assert client.get(reverse("projects:application_create"), {"appel": "FIPE\x00"}).status_code == 200


def test_a_siret_with_a_nul_byte_is_refused_on_its_field(client, db):
    client.force_login(regional_approver())
    data = application_form_data(CallFactory(), department("30"), **{"applicant-siret": "123\x00"})
    response = client.post(reverse("projects:application_create"), data)
    assert response.status_code == 200
    assert "siret" in response.context["applicant_form"].errors
    assert not Application.objects.exists()


def test_an_application_reference_with_a_nul_byte_answers_404(client, db):
    client.force_login(administrator())
    assert client.get("/dossiers/FIPE%00/").status_code == 404


def test_keying_in_records_who_created_and_submitted_it(client, db):
    approver = regional_approver()
    client.force_login(approver)
    client.post(reverse("projects:application_create"), application_form_data(CallFactory(), department("30")))
    application = Application.objects.get()
    assert [(c.from_status, c.to_status, c.by) for c in application.status_changes.all()] == [
        ("", Status.DRAFT, approver),
        (Status.DRAFT, Status.SUBMITTED, approver),
    ]


def test_instructors_may_not_edit(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(caf_instructor("11"))
    assert (
        client.get(reverse("projects:application_edit", kwargs={"reference": application.reference})).status_code == 403
    )


def test_an_application_under_instruction_is_no_longer_editable(client, db):
    application = ApplicationFactory(in_review=True)
    client.force_login(regional_approver())
    url = reverse("projects:application_edit", kwargs={"reference": application.reference})
    assert client.get(url).status_code == 403


def test_editing_replaces_the_amounts(client, db):
    application = ApplicationFactory(submitted=True, department=department("30"))
    client.force_login(regional_approver())
    data = application_form_data(
        application.call, department("30"), amount_2023="5 000", amount_2024="", amount_2025="1"
    )
    response = client.post(reverse("projects:application_edit", kwargs={"reference": application.reference}), data)
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.requested_by_year() == {2023: Decimal("5000.00"), 2025: Decimal("1.00")}
    assert application.requested_total == Decimal("5001.00")
    assert application.status == Status.SUBMITTED


def test_edit_form_shows_the_current_amounts(client, db):
    application = ApplicationFactory(submitted=True)
    client.force_login(regional_approver())
    response = client.get(reverse("projects:application_edit", kwargs={"reference": application.reference}))
    assert response.context["application_form"]["amount_2024"].value() == "10000,00"
    assert "submit_now" not in response.context["application_form"].fields


# — Call page and navigation —————————————————————————————————————————————————————————


def test_call_page_lists_its_key_figures(client, db):
    call = CallFactory()
    ApplicationFactory(submitted=True, requested={2023: Decimal("1000")})
    ApplicationFactory(submitted=True, department=department("31"), requested={2024: Decimal("2000")})
    ApplicationFactory(withdrawn=True, requested={2025: Decimal("500")})
    client.force_login(regional_approver())
    response = client.get(reverse("projects:call_detail", kwargs={"reference": call.reference}))
    text = response.text
    for expected in [
        "2\xa0395\xa0000,00\u00a0€",
        "Part de l’État (50 %)",
        "1\xa0197\xa0500,00\u00a0€",
        "Part de la Cnaf (50 %)",
        "2023, 2024, 2025",
        "9 juin 2023",
        "15 septembre 2023",
        "Ouvert",
        "Programme 304",
        "3\xa0500,00\u00a0€",
    ]:
        assert expected in text
    counts = {row["status"]: row["count"] for row in response.context["status_rows"]}
    assert (counts[Status.SUBMITTED], counts[Status.WITHDRAWN]) == (2, 1)
    assert response.context["status_total"]["requested"] == Decimal("3500.00")


def test_call_page_counts_only_what_the_user_sees(client, db):
    call = CallFactory()
    ApplicationFactory(submitted=True)
    ApplicationFactory(submitted=True, department=department("31"))
    client.force_login(caf_instructor("11"))
    response = client.get(reverse("projects:call_detail", kwargs={"reference": call.reference}))
    assert response.context["status_total"]["count"] == 1
    assert "dans les départements que vous consultez" in response.text


def test_call_of_another_region_answers_404(client, db):
    call = CallFactory(reference="FIPE-IDF-2023", title="FIPE Île-de-France", region=Region.objects.get(code="11"))
    client.force_login(regional_approver())
    assert client.get(reverse("projects:call_detail", kwargs={"reference": call.reference})).status_code == 404
    assert call.reference not in client.get(reverse("projects:call_list")).text


def test_call_list_shows_the_visible_calls(client, db):
    call = CallFactory()
    client.force_login(caf_instructor("11"))
    response = client.get(reverse("projects:call_list"))
    assert list(response.context["calls"]) == [call]


def test_navigation_shows_applications_to_those_who_may_view_them(client, db):
    client.force_login(caf_instructor("11"))
    assert f'href="{LIST_URL}"' in client.get(reverse("home")).text
    client.force_login(UserFactory())
    assert f'href="{LIST_URL}"' not in client.get(reverse("home")).text
