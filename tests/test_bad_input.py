"""Bad input never gives a traceback or a half-saved state.

Every view that takes POST is posted hostile input by a user allowed to use it: an empty body,
each field missing, and per field the wrong types, malformed or out-of-range values, unknown
choices and foreign primary keys, over-long strings, NUL bytes; then the valid form twice over.
The answer must be a page with an error naming the field (200, or 400 on the award page) or a
redirect with a message, never a traceback; when it is an error, nothing was saved. The views
come from the URLconf, as in the permission matrix: a new view that takes POST fails the suite
until it has its case here.

The demo is loaded once, on one xdist worker, in a transaction rolled back at the end; each
test runs in a savepoint of it, and each hostile post in a savepoint of the test.
"""

import dataclasses
import datetime
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import transaction
from django.forms import BaseForm, BaseFormSet
from django.test import Client
from django.urls import reverse

from departments.models import Department
from projects.awards.forms import sign_selection
from projects.awards.services import reject_application
from projects.enums import LetterKind, Status
from projects.followup.models import Convention
from projects.followup.services import file_report
from projects.journal.models import JournalAct, JournalEntry
from projects.letters.pipeline import generate_letter
from projects.models import Applicant, Application, Call, DecisionLetter, DocumentKind, FundingLine, IssuedDocument
from reviews.committee.services import MemberEntry, create_meeting, record_members, record_proposal
from reviews.instruction.services import declare_conflict
from reviews.models import CommitteeMeeting, CommitteeProposal, ConflictDeclaration, Review
from tests.permission_table import EXPECTED, ROLES, by_title, sample_kwargs, url_names
from tests.projects.factories import CallFactory, valid_siret
from tests.projects.sample_files import pdf_bytes

# One worker runs them all, so that the demo is loaded once (see pyproject's --dist loadgroup).
pytestmark = pytest.mark.xdist_group("bad_input")

NUL = "a\x00b"
# The apps whose rows a refused post must leave as they were.
WATCHED_APPS = {"departments", "projects", "reviews", "django_tasks_database"}


def user(username: str):
    return get_user_model().objects.get(username=username)


def signed_in(username: str) -> Client:
    client = Client(raise_request_exception=True)
    if username != "anonymous":
        client.force_login(user(username))
    return client


# The world: the demo, loaded once -----------------------------------------------------------


@pytest.fixture(scope="module")
def demo_world(demo_site, django_db_blocker):
    """The demo of the permission matrix plus a call of another region (the source of foreign keys)."""
    with django_db_blocker.unblock():
        kwargs = sample_kwargs()
        CallFactory(reference="FIPE-HDF-2023", region=Department.objects.get(code="59").region)
    return {**kwargs, "media": demo_site}


@pytest.fixture
def world(demo_world, db, settings):
    settings.DEBUG = True
    # The demo's attachments, letters and minutes are there, and its signatories' keys.
    settings.MEDIA_ROOT = demo_world["media"]
    settings.SIGNING_KEYS_DIR = demo_world["media"] / "signing"
    return demo_world


# What changed: the fingerprint of the watched tables -----------------------------------------


def snapshot() -> dict:
    """Row counts of every watched table, and the columns the views change without adding rows."""
    state = {
        model._meta.label: model.objects.count() for model in apps.get_models() if model._meta.app_label in WATCHED_APPS
    }
    # Signing in, and failing to, writes the journal (acts of their own), as the API log records calls.
    state["projects.JournalEntry"] = JournalEntry.objects.exclude(
        act__in=[JournalAct.SIGN_IN, JournalAct.SIGN_IN_FAILED]
    ).count()
    state.pop("projects.JournalHead", None)
    state.pop("projects.ApiCall", None)
    state["statuses"] = list(Application.objects.order_by("pk").values_list("pk", "status", "title", "total_budget"))
    state["applicants"] = list(Applicant.objects.order_by("pk").values_list("pk", "legal_name", "address"))
    state["calls"] = list(Call.objects.order_by("pk").values_list("pk", "status"))
    state["commitments"] = list(FundingLine.objects.order_by("pk").values_list("pk", "commitment_number"))
    state["reviews"] = list(Review.objects.order_by("pk").values_list("pk", "submitted_at", "opinion", "comment"))
    state["declarations"] = list(ConflictDeclaration.objects.order_by("pk").values_list("pk", "has_conflict"))
    state["meetings"] = list(CommitteeMeeting.objects.order_by("pk").values_list("pk", "status", "place"))
    state["proposals"] = list(CommitteeProposal.objects.order_by("pk").values_list("pk", "decision", "rank"))
    state["letters"] = list(DecisionLetter.objects.order_by("pk").values_list("pk", "sent_at"))
    return state


# Reading an answer -------------------------------------------------------------------------


def _forms_in(value, depth=0):
    """The forms and formsets a page was rendered with, wherever its context holds them."""
    if depth > 4:
        return
    if isinstance(value, BaseForm | BaseFormSet):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _forms_in(item, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _forms_in(item, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _forms_in(getattr(value, item.name), depth + 1)


@dataclasses.dataclass
class Answer:
    status: int
    location: str
    field_errors: set[str]
    other_errors: list[str]
    notices: list[str]

    @property
    def refused(self) -> bool:
        return bool(self.field_errors or self.other_errors)


def read(response) -> Answer:
    field_errors: set[str] = set()
    other_errors: list[str] = []
    contexts = response.context if isinstance(response.context, list) else [response.context]
    seen = set()
    for context in contexts:
        if context is None:
            continue
        flat = context.flatten()
        for form in _forms_in(list(flat.values())):
            if id(form) in seen:
                continue
            seen.add(id(form))
            if isinstance(form, BaseFormSet):
                other_errors.extend(str(error) for error in form.non_form_errors())
                continue
            for name, errors in form.errors.items():
                if name == NON_FIELD_ERRORS:
                    other_errors.extend(errors)
                else:
                    field_errors.add(form.add_prefix(name))
        # The approval screen lists refused applications, the members page its service's refusals.
        other_errors.extend(str(item) for item in flat.get("failures") or [])
        if isinstance(flat.get("errors"), list):
            other_errors.extend(str(item) for item in flat["errors"])
    notices = []
    for message in get_messages(response.wsgi_request):
        (other_errors if message.level >= messages.WARNING else notices).append(str(message))
    return Answer(response.status_code, response.get("Location", ""), field_errors, other_errors, notices)


# Hostile values, by kind of field --------------------------------------------------------------
# Each is (value, must_be_refused). Values that are valid somewhere (a French amount with its
# spaces, a date typed the French way) may be accepted; none may crash.


def text(max_length: int | None, *, required: bool = True) -> list:
    values = [(NUL, True), ("x" * (max_length + 1), True) if max_length else ("x" * 20_000, False)]
    if required:
        values.append(("   ", True))
    return values


AMOUNT = [
    ("douze mille", True),
    ("12,345", True),
    ("-100", True),
    ("1e30", True),
    ("9" * 40, True),
    ("NaN", True),
    ("Infinity", True),
    (NUL, True),
    ("12 500,00", False),
    ("1.234,50", False),
    ("100000000000000000000", False),
]
INTEGER = [("abc", True), ("1.5", True), ("-1", True), ("1e30", True), ("9" * 20, True), (NUL, True)]
DATE = [
    ("abc", True),
    ("2023-02-30", True),
    ("99999-01-01", True),
    (NUL, True),
    ("31/12/2023", False),
    ("2999-01-01", False),
]


def choice(*foreign) -> list:
    """Unknown values, and `foreign`: real keys of objects the user must not pick here."""
    return [("nope", True), ("999999", True), ("9" * 30, True), (NUL, True), *((str(key), True) for key in foreign)]


BOOLEAN = [("maybe", False), (NUL, False)]


# The cases: one per view that takes POST -------------------------------------------------------


@dataclasses.dataclass
class Case:
    role: str
    url: str
    valid: dict
    # field name → hostile values; each is posted in place of the valid value.
    fields: dict[str, list] = dataclasses.field(default_factory=dict)
    # A page without error is a right answer: the approval screen previews a selection.
    quiet_page: bool = False
    # Logging in and out redirect without a message.
    silent_redirect: bool = False
    # Every field may be left empty: an empty body is a valid one (it clears a commitment number).
    optional_body: bool = False


def application_payload(application: Application | None = None) -> dict:
    call = Call.objects.get(reference="FIPE-OCC-2023")
    applicant = application.applicant if application else None
    return {
        "applicant-siret": applicant.siret if applicant else valid_siret(99000001),
        "applicant-legal_name": "Commune de Fontiers-Cabardès",
        "applicant-legal_form": "commune",
        "applicant-rna": "",
        "applicant-address": "1 place de la Mairie",
        "applicant-postal_code": "11390",
        "applicant-commune": "Fontiers-Cabardès",
        "applicant-contact_name": "Jeanne Martin",
        "applicant-contact_email": "jeanne.martin@example.org",
        "applicant-contact_phone": "04 68 00 00 00",
        "call": call.pk,
        "department": Department.objects.get(code="11").pk,
        "title": "Relais petite enfance de la Montagne noire",
        "commune": "Fontiers-Cabardès",
        "category": "new_places",
        "qpv": "",
        "target_public": "Enfants de 0 à 3 ans",
        "summary": "Un relais itinérant.",
        "total_budget": "80 000",
        "amount_2023": "10 000",
        "amount_2024": "10000,00",
        "amount_2025": "",
        "submit_now": "on",
    }


def application_fields(*, editing: bool) -> dict[str, list]:
    paris = Department.objects.get(code="75")
    foreign_call = Call.objects.get(reference="FIPE-HDF-2023")
    fields = {
        "applicant-siret": [*text(20), ("12345678901234", True)],
        "applicant-legal_name": text(255),
        "applicant-legal_form": choice(),
        "applicant-rna": [(NUL, True), ("W12", True)],
        "applicant-address": text(255),
        "applicant-postal_code": [(NUL, True), ("ABCDE", True), ("123456", True)],
        "applicant-contact_email": [(NUL, True), ("pas un courriel", True)],
        "title": text(255),
        "category": choice(),
        "qpv": BOOLEAN,
        "summary": text(None),
        "total_budget": AMOUNT,
        "amount_2023": AMOUNT,
    }
    if not editing:
        fields |= {"call": choice(foreign_call.pk), "department": choice(paris.pk), "submit_now": BOOLEAN}
    return fields


def case_login(world) -> Case:
    return Case(
        "anonymous",
        reverse("login"),
        {"username": "caf-11", "password": "fipe-demo"},
        {"username": text(150), "password": [(NUL, True), ("x" * 5000, True)]},
        silent_redirect=True,
    )


def case_logout(world) -> Case:
    return Case(
        "caf-11",
        reverse("logout"),
        {},
        {"next": [("https://ailleurs.example/", False), (NUL, False)]},
        silent_redirect=True,
    )


def case_application_create(world) -> Case:
    return Case(
        "prefecture-76",
        reverse("projects:application_create"),
        application_payload(),
        application_fields(editing=False),
    )


def case_application_edit(world) -> Case:
    submitted = Application.objects.get(reference=world["application_edit"]["reference"])
    fields = application_fields(editing=True)
    # The call and the department of a file are fixed: whatever is posted for them is ignored.
    fields |= {"call": [("nope", False), (NUL, False)], "department": [(NUL, False)]}
    return Case(
        "prefecture-76",
        reverse("projects:application_edit", kwargs=world["application_edit"]),
        application_payload(submitted),
        fields,
    )


def case_application_transition(world) -> Case:
    return Case(
        "prefecture-76",
        reverse("projects:application_transition", kwargs=world["application_transition"]),
        {"comment": "Retrait demandé par le porteur."},
        {"comment": text(2000)},
    )


def case_approval(world) -> Case:
    proposed = by_title("Éveil au langage")
    not_proposed = Application.objects.filter(status=Status.NOT_PROPOSED).first()
    prefix = f"p{proposed.pk}"
    amounts = {amount.year: amount.amount for amount in proposed.proposal.amounts.all()}
    years = proposed.call.programme_years
    valid = {"action": "confirm", f"{prefix}-selected": "on"}
    valid |= {f"{prefix}-amount_{year}": f"{amounts.get(year, Decimal('0')):.2f}" for year in years}
    # The confirmation carries the selection its step showed, signed for the approver.
    selection = [(proposed, {year: amounts.get(year, Decimal("0")) for year in years})]
    valid["token"] = lambda: sign_selection(selection, user=user("prefecture-76"))
    fields = {f"{prefix}-amount_2023": AMOUNT, f"{prefix}-selected": BOOLEAN}
    fields["action"] = [("nope", True), (NUL, True)]
    fields["approve_one"] = [("abc", True), ("999999", True), (str(not_proposed.pk), True), (NUL, True)]
    return Case("prefecture-76", reverse("projects:approval", kwargs=world["approval"]), valid, fields, quiet_page=True)


def case_approval_reject(world) -> Case:
    return Case(
        "prefecture-76",
        reverse("projects:approval_reject", kwargs=world["approval_reject"]),
        {"reason": "Projet hors du champ du fonds."},
        {"reason": text(2000)},
    )


def pdf_upload(name="budget.pdf", content=None):
    return lambda: SimpleUploadedFile(name, pdf_bytes() if content is None else content, "application/pdf")


def case_attachment_upload(world) -> Case:
    return Case(
        "prefecture-76",
        reverse("projects:attachment_upload", kwargs=world["attachment_upload"]),
        {"file": pdf_upload(), "description": "Budget prévisionnel"},
        {
            "file": [
                (pdf_upload(content=b""), True),
                (pdf_upload(content=b"MZ\x90\x00 not a pdf"), True),
                (pdf_upload(name="budget.exe"), True),
                ("pas un fichier", True),
                (pdf_upload(name="../../../etc/budget.pdf"), False),
                (pdf_upload(name="b\x00udget.pdf"), False),
                (pdf_upload(name="x" * 400 + ".pdf"), False),
            ],
            "description": text(255, required=False),
        },
    )


def laureate_line() -> FundingLine:
    """The State line of the laureate of the permission matrix, with something left to pay."""
    lines = FundingLine.objects.with_paid().filter(award__application=by_title("ancienne gare"), funder="state")
    return next(line for line in lines.order_by("year") if line.remaining > 0)


def case_award_commitment(world) -> Case:
    line = laureate_line()
    name = f"line{line.pk}-number"
    return Case(
        "prefecture-76",
        reverse("projects:award_commitment", kwargs={"reference": line.award.application.reference, "line": line.pk}),
        {name: "2103456789"},
        {
            name: [*text(50, required=False), ("abc", True), ("21034567890", True)],
            "next": [("https://ailleurs.example/", False)],
        },
        optional_body=True,
    )


def case_award_payment(world) -> Case:
    line = laureate_line()
    other = FundingLine.objects.exclude(award=line.award).first()
    return Case(
        "prefecture-76",
        reverse("projects:award_payment", kwargs={"reference": line.award.application.reference}),
        {"line": line.pk, "paid_on": "2024-03-01", "amount": "1,00", "reference": "DP-42"},
        {
            "line": choice(other.pk),
            "paid_on": [*DATE[:4], ("2999-01-01", True), ("31/12/2023", False)],
            "amount": AMOUNT,
            "reference": text(100, required=False),
        },
    )


def case_letter_generate(world) -> Case:
    return Case("prefecture-76", reverse("projects:letter_generate", kwargs=world["letter_generate"]), {})


def case_letter_mark_sent(world) -> Case:
    laureate = Application.objects.filter(status=Status.LAUREATE).first()
    letter = generate_letter(application=laureate, kind=LetterKind.AWARD, by=user("prefecture-76"))
    kwargs = {"reference": letter.application.reference, "pk": letter.pk}
    return Case("prefecture-76", reverse("projects:letter_mark_sent", kwargs=kwargs), {})


def case_call_letters(world) -> Case:
    return Case(
        "prefecture-76",
        reverse("projects:call_letters", kwargs=world["call_letters"]),
        {"department": Department.objects.get(code="11").pk, "kind": "all"},
        {"department": choice(Department.objects.get(code="75").pk), "kind": choice()},
    )


def case_publish_results(world) -> Case:
    # The results are published once no proposal waits for the regional decision.
    for waiting in Application.objects.filter(status=Status.PROPOSED):
        reject_application(application=waiting, by=user("prefecture-76"), reason="Enveloppe épuisée.")
    return Case(
        "prefecture-76",
        reverse("projects:publish_results", kwargs=world["publish_results"]),
        {"confirm": "on"},
        {"confirm": [("", True), (NUL, False)]},
    )


def case_declare(world) -> Case:
    return Case(
        "caf-11",
        reverse("reviews:declare", kwargs=world["declare"]),
        {"has_conflict": "no", "note": ""},
        {"has_conflict": choice(), "note": text(None, required=False)},
    )


def case_review(world) -> Case:
    application = Application.objects.get(reference=world["review"]["reference"])
    declare_conflict(application=application, user=user("caf-11"), has_conflict=False)
    requested = application.requested_by_year()
    valid = {f"score_{code}": "4" for code in ("C1", "C2", "C3", "C4")}
    valid |= {f"amount_{year}": f"{requested.get(year, 0):.2f}" for year in application.call.programme_years}
    valid |= {"opinion": "favourable", "comment": "Projet solide.", "action": "submit"}
    return Case(
        "caf-11",
        reverse("reviews:review", kwargs=world["review"]),
        valid,
        {
            "score_C1": [*choice(), ("6", True), ("-1", True), ("1e30", True)],
            "opinion": choice(),
            "amount_2023": AMOUNT,
            "comment": text(None, required=False),
            "action": [("nope", False), (NUL, False)],
        },
        # Without `action=submit` the body is a draft, which may be blank.
        optional_body=True,
    )


def case_reopen(world) -> Case:
    return Case(
        "admin",
        reverse("reviews:reopen", kwargs=world["reopen"]),
        {"reason": "Pièce justificative manquante."},
        {"reason": text(None)},
    )


def case_meeting_create(world) -> Case:
    return Case(
        "cdsf-11",
        reverse("reviews:meeting_create"),
        {
            "call": Call.objects.get(reference="FIPE-OCC-2023").pk,
            "department": Department.objects.get(code="11").pk,
            "date": "2024-01-15",
            "place": "Préfecture de l’Aude",
        },
        {
            "call": choice(Call.objects.get(reference="FIPE-HDF-2023").pk),
            "department": choice(Department.objects.get(code="31").pk),
            "date": DATE,
            "place": text(255),
        },
    )


def open_meeting(*, members: bool = False, proposal: bool = False) -> CommitteeMeeting:
    """An open CDSF meeting of the Haute-Garonne, whose agenda holds the demo's reviewed file."""
    secretary = user("cdsf-31")
    meeting = create_meeting(
        call=Call.objects.get(reference="FIPE-OCC-2023"),
        department=Department.objects.get(code="31"),
        date=datetime.date(2024, 1, 15),
        place="Préfecture de la Haute-Garonne",
        by=secretary,
    )
    if members:
        record_members(meeting=meeting, by=secretary, members=[MemberEntry("Jeanne Martin", "Caf", "présidente")])
    if proposal:
        reviewed = by_title("familles vulnérables")
        record_proposal(
            meeting=meeting,
            application=reviewed,
            by=secretary,
            decision="proposed",
            rank=1,
            amounts_by_year={2023: Decimal("1000")},
            reasons="Projet solide.",
        )
    return meeting


def case_meeting_members(world) -> Case:
    meeting = open_meeting()
    reviewed = by_title("familles vulnérables")
    foreign = by_title("Ludothèque")
    valid = {
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "1000",
        "members-0-name": "Jeanne Martin",
        "members-0-organisation": "Caf de la Haute-Garonne",
        "members-0-capacity": "présidente",
        "members-0-conflicts": [reviewed.pk],
    }
    # INITIAL_FORMS counts the rows shown filled in; the list is replaced whole, so any number will do.
    initial = [("abc", True), (NUL, True), ("-1", False), ("99999999", False)]
    return Case(
        "cdsf-31",
        reverse("reviews:meeting_members", kwargs={"pk": meeting.pk}),
        valid,
        {
            "members-TOTAL_FORMS": [("abc", True), ("-1", True), ("99999999", True), (NUL, True)],
            "members-INITIAL_FORMS": initial,
            "members-0-name": text(150),
            "members-0-organisation": text(200),
            "members-0-capacity": text(200),
            "members-0-conflicts": choice(foreign.pk),
            "members-0-DELETE": BOOLEAN,
        },
    )


def case_proposal(world) -> Case:
    meeting = open_meeting()
    reviewed = by_title("familles vulnérables")
    return Case(
        "cdsf-31",
        reverse("reviews:proposal", kwargs={"pk": meeting.pk, "reference": reviewed.reference}),
        {
            "decision": "proposed",
            "rank": "1",
            "amount_2023": "1 000",
            "amount_2024": "0",
            "amount_2025": "0",
            "reasons": "Projet solide.",
        },
        {
            "decision": choice(),
            "rank": [*INTEGER, ("40000", True), ("0", True)],
            "amount_2023": AMOUNT,
            "reasons": text(None),
        },
    )


def case_proposal_delete(world) -> Case:
    meeting = open_meeting(proposal=True)
    reviewed = by_title("familles vulnérables")
    return Case(
        "cdsf-31", reverse("reviews:proposal_delete", kwargs={"pk": meeting.pk, "reference": reviewed.reference}), {}
    )


def case_meeting_close(world) -> Case:
    meeting = open_meeting(members=True, proposal=True)
    return Case("cdsf-31", reverse("reviews:meeting_close", kwargs={"pk": meeting.pk}), {})


# Follow-up of the laureates ------------------------------------------------------------------


def case_report_file(world) -> Case:
    return Case(
        "caf-11",
        reverse("projects:report_file", kwargs=world["report_file"]),
        {
            "year": "2024",
            "subsidy_used": "12 000,00",
            "expenses-64-planned": "30 000",
            "expenses-64-actual": "28 000",
            "indicator-children": "20",
            "gaps_explanation": "",
            "comment": "",
        },
        {
            "year": [*choice(), ("2026", True), ("2022", True), ("2023", True)],  # 2023's is already accepted
            "subsidy_used": AMOUNT,
            "expenses-64-actual": AMOUNT,
            "income-74-fipe-planned": AMOUNT,
            "indicator-children": INTEGER,
            "gaps_explanation": text(5000, required=False),
            "comment": text(5000, required=False),
        },
    )


def case_report_review(world) -> Case:
    laureate = by_title("ancienne gare")
    file_report(
        award=laureate.award,
        year=2024,
        by=user("caf-11"),
        financial={},
        subsidy_used="1000",
        indicators={},
    )
    prefix = "review2024"
    return Case(
        "caf-11",
        reverse("projects:report_review", kwargs={"reference": laureate.reference, "year": 2024}),
        {f"{prefix}-decision": "accept", f"{prefix}-message": ""},
        {
            f"{prefix}-decision": choice(),
            f"{prefix}-message": [(NUL, True), ("x" * 5001, True)],
        },
    )


def case_recovery_create(world) -> Case:
    laureate = by_title("ancienne gare")
    line = laureate.award.lines.get(funder="state", year=2023)
    other = FundingLine.objects.exclude(award=laureate.award).first()
    return Case(
        "caf-11",
        reverse("projects:recovery_create", kwargs=world["recovery_create"]),
        {"line": line.pk, "amount": "1,00", "reason": "Subvention 2023 non utilisée."},
        {
            "line": choice(other.pk),
            "amount": [*AMOUNT, ("999 999,00", True), ("0", True)],
            "reason": text(5000),
        },
    )


def convention_to_sign() -> Convention:
    """The convention of a laureate not yet notified: sent, waiting for the signed copy."""
    return Convention.objects.filter(signed_received_at__isnull=True).select_related("award__application").first()


def case_convention_generate(world) -> Case:
    reference = convention_to_sign().award.application.reference
    return Case("prefecture-76", reverse("projects:convention_generate", kwargs={"reference": reference}), {})


def case_convention_step(world) -> Case:
    convention = convention_to_sign()
    Convention.objects.filter(pk=convention.pk).update(sent_at=None)
    kwargs = {"reference": convention.award.application.reference, "step": "envoyee"}
    return Case("prefecture-76", reverse("projects:convention_step", kwargs=kwargs), {})


def case_convention_signed_copy(world) -> Case:
    reference = convention_to_sign().award.application.reference
    return Case(
        "prefecture-76",
        reverse("projects:convention_signed_copy", kwargs={"reference": reference}),
        {"signed_copy": pdf_upload("convention-signee.pdf")},
        {"signed_copy": hostile_signed_copies()},
    )


def hostile_signed_copies() -> list:
    """A signed copy is judged by its content (a PDF, not empty): its name is not checked."""
    return [
        (pdf_upload(content=b""), True),
        (pdf_upload(content=b"MZ\x90\x00 not a pdf"), True),
        (pdf_upload(name="signee.odt", content=b"PK\x03\x04 zip"), True),
        ("pas un fichier", True),
    ]


# letters: the public verification page. A typed reference and code redirect to their answer; an upload that
# is not one of our PDFs is « non reconnu », on the page, whatever it holds.
def verify_upload(content: bytes, name: str = "lettre.pdf"):
    return lambda: SimpleUploadedFile(name, content, content_type="application/pdf")


def case_verify_document(world) -> Case:
    document = IssuedDocument.objects.filter(kind=DocumentKind.AWARD_LETTER).first()
    return Case(
        "anonymous",
        reverse("projects:verify_document"),
        {"reference": document.reference, "code": document.verification_code},
        {
            "document": [
                (verify_upload(b"MZ\x90\x00 not a pdf", "lettre.exe"), False),
                (verify_upload(b"%PDF-1.7\n" + b"\x00" * 64), False),
                (verify_upload(b"%PDF-" + b"A" * (5 * 1024 * 1024)), False),
                (verify_upload(b""), False),
                ("pas un fichier", False),
            ],
            "reference": text(80, required=False),
            "code": [(NUL, False), ("x" * 30, True)],
        },
        quiet_page=True,
        silent_redirect=True,
    )


# Notifications.
def case_notification_preferences(world) -> Case:
    from projects.notifications.enums import STAFF_EVENTS

    valid = {event.value: "immediate" for event in STAFF_EVENTS}
    return Case(
        "caf-11",
        reverse("projects:notification_preferences"),
        valid,
        {event.value: [*choice(), ("jamais", True), ("never", False)] for event in STAFF_EVENTS[:2]},
    )


def case_extend_session(world) -> Case:
    return Case(
        "caf-11",
        reverse("extend_session"),
        {"next": "/dossiers/"},
        {"next": [("https://ailleurs.example/", False), (NUL, False), ("//evil.example", False)]},
        silent_redirect=True,
        optional_body=True,
    )


# Work queues, approval and letters sent in bulk


def case_call_letters_mark_sent(world) -> Case:
    laureate = Application.objects.filter(status=Status.LAUREATE).exclude(letters__kind=LetterKind.AWARD).first()
    letter = generate_letter(application=laureate, kind=LetterKind.AWARD, by=user("prefecture-76"))
    other = DecisionLetter.objects.filter(sent_at__isnull=False).first()
    return Case(
        "prefecture-76",
        reverse("projects:call_letters_mark_sent", kwargs=world["call_letters_mark_sent"]),
        {"letters": str(letter.pk)},
        {"letters": [("abc", True), ("999999", True), (str(other.pk), True), (NUL, True), ("9" * 40, True)]},
    )


POST_CASES: dict[str, Callable[[dict], Case]] = {
    "login": case_login,
    "logout": case_logout,
    "projects:application_create": case_application_create,
    "projects:application_edit": case_application_edit,
    "projects:application_transition": case_application_transition,
    "projects:approval": case_approval,
    "projects:approval_reject": case_approval_reject,
    "projects:attachment_upload": case_attachment_upload,
    "projects:award_commitment": case_award_commitment,
    "projects:award_payment": case_award_payment,
    "projects:letter_generate": case_letter_generate,
    "projects:letter_mark_sent": case_letter_mark_sent,
    "projects:call_letters": case_call_letters,
    "projects:publish_results": case_publish_results,
    "reviews:declare": case_declare,
    "reviews:review": case_review,
    "reviews:reopen": case_reopen,
    "reviews:meeting_create": case_meeting_create,
    "reviews:meeting_members": case_meeting_members,
    "reviews:proposal": case_proposal,
    "reviews:proposal_delete": case_proposal_delete,
    "reviews:meeting_close": case_meeting_close,
    # Follow-up of the laureates
    "projects:report_file": case_report_file,
    "projects:report_review": case_report_review,
    "projects:recovery_create": case_recovery_create,
    "projects:convention_generate": case_convention_generate,
    "projects:convention_step": case_convention_step,
    "projects:convention_signed_copy": case_convention_signed_copy,
    "projects:verify_document": case_verify_document,
    # Notifications.
    "projects:notification_preferences": case_notification_preferences,
    # Work queues, approval and letters sent in bulk
    "projects:call_letters_mark_sent": case_call_letters_mark_sent,
    "extend_session": case_extend_session,
}


# The tests ---------------------------------------------------------------------------------


def test_every_view_that_takes_post_has_a_case(world):
    """A view takes POST unless it answers 405; the admin of each page posts an empty body to find out."""
    takes_post = set()
    for name in url_names():
        # The first role the permission table lets in (a POST-only view answers 405 to everyone's GET).
        row = EXPECTED[name]
        role = next((role for role, status in zip(ROLES, row, strict=True) if status == 200), "admin")
        kwargs = world.get(name.split(":")[-1], {})
        with transaction.atomic():
            status = signed_in(role).post(reverse(name, kwargs=kwargs), {}).status_code
            transaction.set_rollback(True)
        if status != 405:
            takes_post.add(name)
    assert takes_post == set(POST_CASES)


def payloads(case: Case):
    """(label, field attacked, body, must_be_refused) for every hostile variant of the valid body."""
    yield "empty body", None, {}, bool(case.valid) and not case.optional_body
    for name in case.valid:
        yield f"{name} missing", None, {key: value for key, value in case.valid.items() if key != name}, False
    for name, values in case.fields.items():
        for value, refused in values:
            yield f"{name}={value!r:.40}", name, {**case.valid, name: value}, refused


def materialised(body: dict) -> dict:
    """Uploads are built afresh for each post: a file read once is empty the second time."""
    return {key: value() if callable(value) else value for key, value in body.items()}


def check(
    case: Case, answer: Answer, label: str, before: dict, *, refused: bool, field: str | None = None
) -> list[str]:
    """What is wrong with one answer: an empty list when it is right."""
    problems = []
    if answer.status in (200, 400):
        if not answer.refused and not case.quiet_page:
            problems.append("a page without error")
    elif answer.status == 302:
        target = urlsplit(answer.location)
        if target.scheme or target.netloc:
            problems.append(f"a redirect off the site: {answer.location}")
        if not (answer.other_errors or answer.notices or case.silent_redirect):
            problems.append("a redirect without a message")
    else:
        problems.append(f"status {answer.status}")
    if answer.refused or answer.status in (200, 400):
        if snapshot() != before:
            problems.append("refused, yet something was saved")
        if refused and field and answer.field_errors and field not in answer.field_errors:
            problems.append(f"the error names {sorted(answer.field_errors)}, not the field")
    elif refused:
        problems.append("accepted")
    return [f"{label}: {problem}" for problem in problems]


@pytest.mark.parametrize("name", sorted(POST_CASES))
def test_hostile_posts_get_an_error_and_change_nothing(world, name):
    case = POST_CASES[name](world)
    before = snapshot()
    problems = []
    for label, field, body, refused in payloads(case):
        # A client per post: no message of the previous answer left in its cookies.
        client = signed_in(case.role)
        with transaction.atomic():
            answer = read(client.post(case.url, materialised(body)))
            problems += check(case, answer, label, before, refused=refused, field=field)
            transaction.set_rollback(True)
    assert not problems, problems


@pytest.mark.parametrize("name", sorted(POST_CASES))
def test_the_valid_post_twice_succeeds_then_gets_a_message(world, name):
    """The valid body is accepted (so the hostile variants are refused for their own fault), and a
    second submission of it, a double click, answers with a message or the same success."""
    case = POST_CASES[name](world)
    client = signed_in(case.role)
    first = read(client.post(case.url, materialised(case.valid)))
    assert first.status == 302 and not first.other_errors, first
    before = snapshot()
    client = signed_in(case.role)
    second = read(client.post(case.url, materialised(case.valid)))
    assert check(case, second, "second post", before, refused=False) == []


# Query strings of the lists, filters and tabs ---------------------------------------------------

GARBAGE_QUERIES = [
    "page=abc",
    "page=999999",
    "page=-1",
    "page=" + "9" * 40,
    "sort=nope",
    "sort=%00",
    "department=xyz",
    "department=999999",
    "department=" + "9" * 40,
    "call=999999",
    "call=%00",
    "status=nope",
    "category=%00",
    "qpv=peut-etre",
    "q=%00",
    "q=" + "x" * 5000,
    "commune=%00",
    "amount_min=1e30",
    "amount_max=NaN",
    "amount_min=-5",
    "onglet=<script>alert(1)</script>",
    "onglet=%00",
    "appel=%00",
    "appel=999999",
    "page=1&page=2&sort=status&sort=nope",
    "work=nope",
    "work=%00",
]
# The pages that read their query string, each with a user who may open it.
GET_PAGES = [
    ("caf-11", "projects:application_list"),
    ("prefecture-76", "projects:application_list"),
    ("caf-11", "projects:application_detail"),
    ("prefecture-76", "projects:application_create"),
    ("prefecture-76", "projects:call_letters"),
    ("prefecture-76", "projects:approval"),
    ("cdsf-11", "reviews:meeting_list"),
]


@pytest.mark.parametrize(("role", "name"), GET_PAGES)
def test_garbage_in_a_query_string_still_shows_the_page(world, role, name):
    client = signed_in(role)
    url = reverse(name, kwargs=world.get(name.split(":")[-1], {}))
    wrong = {}
    for query in GARBAGE_QUERIES:
        response = client.get(f"{url}?{query}")
        if response.status_code != 200 or b"<script>alert" in response.content:
            wrong[query] = response.status_code
    assert not wrong, "\n".join(f"{k} → {v}" for k, v in wrong.items())


# A NUL byte or an endless number in the address itself: the page does not exist.
GARBAGE_PATHS = [
    "/dossiers/a%00b/",
    "/dossiers/a%00b/modifier/",
    "/appels/a%00b/",
    "/subventions/a%00b/",
    "/instruction/dossiers/a%00b/declaration/",
    "/instruction/comites/" + "9" * 40 + "/",
    "/courriers/lots/" + "9" * 40 + "/",
    "/dossiers/FIPE-OCC-2023-011-001/courriers/" + "9" * 40 + "/pdf/",
    "/dossiers/FIPE-OCC-2023-011-001/pieces-jointes/" + "9" * 40 + "/",
    # The API (projects/exchange/api): a JSON 404.
    "/api/v1/applications/a%00b/",
    "/api/v1/calls/a%00b/scdl/",
    "/api/v1/calls/" + "9" * 40 + "/decisions/",
]


@pytest.mark.parametrize("path", GARBAGE_PATHS)
def test_garbage_in_the_address_answers_404(world, path):
    assert signed_in("admin").get(path).status_code == 404


# Management commands ---------------------------------------------------------------------------


def run(*args) -> tuple[int, str]:
    """Run a command: its exit status and stderr as `manage.py` would give them.

    Through call_command rather than manage.py's entry point, which closes the test's connection.
    """
    err = io.StringIO()
    try:
        call_command(*args, stdout=io.StringIO(), stderr=err)
    except CommandError as error:
        # manage.py prints this one line and exits with the error's status.
        return error.returncode, f"{err.getvalue()}CommandError: {error}\n"
    except Exception as error:  # what manage.py would show as a traceback
        return 1, f"Traceback: {error!r}"
    return 0, err.getvalue()


def malformed_files(folder) -> dict[str, str]:
    """Files that are not what their name says, or say it badly."""
    files = {
        "garbage.xlsx": b"PK\x03\x04 not a zip",
        "garbage.ods": b"PK\x03\x04 not a zip",
        "binary.csv": bytes(range(256)),
        "latin1.csv": "Intitulé;Département\nCrèche;11\n".encode("cp1252") + b"\x81\x8d\x8f",
        "empty.csv": b"",
        "huge-cell.csv": b"Intitul\xc3\xa9\n" + b"x" * 200_000 + b"\n",
        "no-extension": b"a;b\n",
        "odd-header.csv": b"Montant 2023;;Montant 2023\n1e30;x;-5\n",
        "bad-ods.ods": bad_ods(),
    }
    paths = {}
    for name, content in files.items():
        path = folder / name
        path.write_bytes(content)
        paths[name] = str(path)
    return paths


def bad_ods() -> bytes:
    """A spreadsheet whose cells carry impossible typed values."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.table import Table, TableCell, TableRow

    document = OpenDocumentSpreadsheet()
    table = Table(name="Dossiers")
    row = TableRow()
    row.addElement(TableCell(valuetype="float", value="douze"))
    row.addElement(TableCell(valuetype="date", datevalue="2023-02-30"))
    row.addElement(TableCell(numbercolumnsrepeated="beaucoup"))
    table.addElement(row)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


def command_cases(folder) -> list[tuple]:
    files = malformed_files(folder)
    missing = str(folder / "absent.csv")
    nowhere = str(folder / "absent" / "out.csv")
    cases = [
        ("import_applications",),
        ("import_applications", missing, "--call", "FIPE-OCC-2023"),
        ("import_applications", str(folder), "--call", "FIPE-OCC-2023"),
        ("import_applications", files["empty.csv"]),
        ("import_applications", files["empty.csv"], "--call", "NOPE"),
        ("import_applications", files["empty.csv"], "--call", "FIPE-OCC-2023", "--user", "personne"),
        ("import_applications", "--template", str(folder / "modele.txt")),
        ("import_applications", "--template", nowhere),
        ("import_applications", "--export", str(folder / "out.csv")),
        ("import_applications", "--export", str(folder / "out.csv"), "--call", "NOPE"),
        ("export_awards", "--call", "NOPE", "--output", str(folder / "x.csv")),
        ("export_awards", "--call", "FIPE-OCC-2023", "--output", nowhere),
        ("export_awards", "--call", "FIPE-OCC-2023", "--output", str(folder)),
        ("export_awards", "--call", "FIPE-OCC-2023", "--format", "pdf", "--output", str(folder / "x.pdf")),
        ("export_awards",),
        ("export_scdl", "--call", "NOPE", "--output", str(folder / "x.csv")),
        ("export_scdl", "--call", "FIPE-OCC-2023", "--funder", "mairie", "--output", str(folder / "x.csv")),
        ("export_scdl", "--call", "FIPE-OCC-2023", "--output", nowhere),
        ("generate_letters", "--call", "NOPE", "--output", str(folder / "x.zip")),
        ("generate_letters", "--call", "FIPE-OCC-2023", "--department", "xyz", "--output", str(folder / "x.zip")),
        ("generate_letters", "--call", "FIPE-OCC-2023", "--department", "75", "--output", str(folder / "x.zip")),
        ("generate_letters", "--call", "FIPE-OCC-2023", "--kind", "nope", "--output", str(folder / "x.zip")),
        ("generate_letters", "--call", "FIPE-OCC-2023", "--processes", "0", "--output", str(folder / "x.zip")),
        ("generate_letters", "--call", "FIPE-OCC-2023", "--processes", "abc", "--output", str(folder / "x.zip")),
        ("generate_letters", "--call", "FIPE-OCC-2023", "--user", "personne", "--output", str(folder / "x.zip")),
        ("generate_letters", "--call", "FIPE-OCC-2023", "--output", nowhere),
        (
            "generate_letters",
            "--call",
            "FIPE-OCC-2023",
            "--department",
            "11",
            "--user",
            "admin",
            "--output",
            str(folder),
        ),
        ("load_demo", "--nope"),
    ]
    cases += [("import_applications", path, "--call", "FIPE-OCC-2023") for path in files.values()]
    return cases


def test_commands_given_bad_arguments_or_files_exit_with_one_line(world, tmp_path, settings):
    """A bad argument, a missing or malformed file: exit status non-zero, one line on stderr, no traceback.

    An import that finds problems lists them, one line per row and column, before its summary."""
    settings.DEBUG = False
    wrong = {}
    for args in command_cases(tmp_path):
        before = snapshot()
        with transaction.atomic():
            status, err = run(*args)
            transaction.set_rollback(True)
        lines = err.strip().splitlines()
        # An import's report lists its problems one line each, then the summary.
        if args[0] == "import_applications" and len(lines) > 1:
            one_line = lines[-1].startswith("CommandError:") and all(
                line.startswith(("Ligne", "Fichier")) for line in lines[:-1]
            )
        else:
            one_line = len(lines) == 1 and lines[0].startswith("CommandError:")
        if status == 0 or "Traceback" in err or not lines or not one_line or snapshot() != before:
            wrong[" ".join(args)] = (status, err[-300:])
    assert not wrong, "\n".join(f"{k} → {v}" for k, v in wrong.items())


# — The applicant's space ————————————————————————————————————————————————————————————————————
# Applicants are not users: a case's role may be an e-mail address, whose browser holds an
# applicant's session, as a used sign-in link leaves it.

_staff_signed_in = signed_in


def signed_in(username: str) -> Client:
    if "@" not in username:
        return _staff_signed_in(username)
    from projects.applicants.views import APPLICANT_SESSION_KEY

    client = Client(raise_request_exception=True)
    session = client.session
    session[APPLICANT_SESSION_KEY] = username
    session.save()
    return client


def online_draft():
    from projects.applicants.demo import DRAFT_TITLE

    return Application.objects.get(title=DRAFT_TITLE)


def online_project(draft) -> dict:
    applicant = draft.applicant
    return {
        "applicant-siret": applicant.siret,
        "applicant-legal_name": applicant.legal_name,
        "applicant-legal_form": applicant.legal_form,
        "applicant-rna": "",
        "applicant-address": applicant.address,
        "applicant-postal_code": applicant.postal_code,
        "applicant-commune": applicant.commune,
        "applicant-contact_name": applicant.contact_name,
        "applicant-contact_phone": "",
        "department": Department.objects.get(code="11").pk,
        "title": "Micro-crèche de la haute vallée de l’Aude",
        "commune": "Espéraza",
        "category": "new_places",
        "qpv": "",
        "target_public": "",
        "summary": "Dix places.",
        "total_budget": "180 000",
        "amount_2027": "40 000",
        "amount_2028": "",
        "amount_2029": "",
    }


def online_project_fields() -> dict[str, list]:
    paris = Department.objects.get(code="75")
    other = siret_followed_by_another_address()
    return {
        "applicant-siret": [*text(20), ("12345678901234", True), (other, True)],
        "applicant-legal_name": text(255),
        "applicant-legal_form": choice(),
        "applicant-postal_code": [(NUL, True), ("ABCDE", True)],
        "applicant-contact_name": text(150),
        "department": choice(paris.pk),
        "title": text(255),
        "category": choice(),
        "qpv": BOOLEAN,
        "summary": text(None),
        "total_budget": AMOUNT,
        "amount_2027": AMOUNT,
        "amount_2023": [("10 000", False)],
    }


def siret_followed_by_another_address() -> str:
    """The SIRET of an organisation another address follows: not the draft owner's to change."""
    return Applicant.objects.exclude(contact_email="mairie@esperaza.example").values_list("siret", flat=True).first()


def hostile_files() -> list:
    return [
        (lambda: SimpleUploadedFile("rib.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf"), True),
        (lambda: SimpleUploadedFile("rib.exe", pdf_bytes(), "application/pdf"), True),
        (lambda: SimpleUploadedFile("vide.pdf", b"", "application/pdf"), True),
        ("pas un fichier", True),
    ]


def a_pdf():
    return SimpleUploadedFile("piece.pdf", pdf_bytes(), "application/pdf")


def case_applicant_sign_in(world) -> Case:
    return Case(
        "anonymous",
        reverse("projects:applicant_sign_in"),
        {"email": "mairie@esperaza.example"},
        {"email": [(NUL, True), ("pas un courriel", True), ("x" * 300 + "@example.org", True)]},
        silent_redirect=True,
    )


def case_applicant_sign_in_link(world) -> Case:
    from projects.applicants.services import send_sign_in_link

    tokens = []
    send_sign_in_link(email="mairie@esperaza.example", ip=None, link_url=tokens.append)
    return Case("anonymous", reverse("projects:applicant_sign_in_link", kwargs={"token": tokens[0]}), {})


def case_applicant_sign_out(world) -> Case:
    return Case("mairie@esperaza.example", reverse("projects:applicant_sign_out"), {})


def case_applicant_file_new(world) -> Case:
    from projects.applicants.demo import OPEN_CALL

    draft = online_draft()
    return Case(
        "mairie@esperaza.example",
        reverse("projects:applicant_file_new", kwargs={"reference": OPEN_CALL}),
        online_project(draft),
        online_project_fields(),
    )


def case_applicant_draft_edit(world) -> Case:
    draft = online_draft()
    return Case(
        "mairie@esperaza.example",
        reverse("projects:applicant_draft_edit", kwargs={"pk": draft.pk}),
        online_project(draft),
        online_project_fields(),
    )


def case_applicant_documents(world) -> Case:
    draft = online_draft()
    foreign = Call.objects.get(reference="FIPE-HDF-2023")
    from projects.applicants.models import RequiredDocument

    elsewhere = RequiredDocument.objects.create(call=foreign, label="Statuts")
    return Case(
        "mairie@esperaza.example",
        reverse("projects:applicant_documents", kwargs={"pk": draft.pk}),
        {"requirement": draft.call.required_documents.get(label="RIB").pk, "file": a_pdf},
        {"requirement": choice(elsewhere.pk), "file": hostile_files()},
    )


def case_applicant_submit(world) -> Case:
    from projects.applicants.services import attach_required_document

    draft = online_draft()
    for requirement in draft.call.required_documents.exclude(attachments__application=draft):
        attach_required_document(
            application=draft, requirement=requirement, uploaded_file=a_pdf(), email="mairie@esperaza.example"
        )
    return Case("mairie@esperaza.example", reverse("projects:applicant_submit", kwargs={"pk": draft.pk}), {})


def case_applicant_withdraw(world) -> Case:
    draft = online_draft()
    return Case(
        "mairie@esperaza.example",
        reverse("projects:applicant_withdraw", kwargs={"pk": draft.pk}),
        {"comment": "Projet abandonné."},
        {"comment": text(2000)},
    )


def case_applicant_invite(world) -> Case:
    laureate = by_title("ancienne gare")
    return Case(
        "contact1@porteur.example",
        reverse("projects:applicant_invite", kwargs={"pk": laureate.pk}),
        {"email": "dgs@lezignan.example"},
        {"email": [(NUL, True), ("pas un courriel", True), ("contact1@porteur.example", True)]},
    )


def case_applicant_answer(world) -> Case:
    from projects.applicants.models import InformationRequest

    request = InformationRequest.objects.get(application=by_title("Jardin d’éveil"))
    return Case(
        "contact22@porteur.example",
        reverse("projects:applicant_answer", kwargs={"pk": request.application_id, "request_pk": request.pk}),
        {"answer": "Voici le plan de financement.", "files": a_pdf},
        # A text where the files go is no file at all: the answer is accepted without one.
        {"answer": text(5000), "files": [*hostile_files()[:-1], ("pas un fichier", False)]},
    )


def case_applicant_message(world) -> Case:
    laureate = by_title("ancienne gare")
    return Case(
        "contact1@porteur.example",
        reverse("projects:applicant_message", kwargs={"pk": laureate.pk}),
        {"body": "Bonjour, la convention est signée."},
        {"body": text(5000)},
    )


def case_information_request_create(world) -> Case:
    in_review = by_title("Motricité libre")
    return Case(
        "caf-31",
        reverse("projects:information_request_create", kwargs={"reference": in_review.reference}),
        {"message": "Merci d’envoyer le RIB.", "pieces": "RIB", "deadline": "2999-01-01"},
        {"message": text(5000), "pieces": text(2000, required=False), "deadline": [*DATE, ("2000-01-01", True)]},
    )


def case_staff_message(world) -> Case:
    in_review = by_title("Motricité libre")
    return Case(
        "caf-31",
        reverse("projects:staff_message", kwargs={"reference": in_review.reference}),
        {"body": "Bonjour, où en est le local ?", "internal": ""},
        {"body": text(5000), "internal": BOOLEAN},
    )


def laureate_in_their_space() -> Application:
    """The demo's laureate of the ancienne gare, whose contact is the applicant-laureate of the permission table."""
    return by_title("ancienne gare")


def case_applicant_signed_copy(world) -> Case:
    laureate = laureate_in_their_space()
    # Its convention sent back to be signed again: waiting for the copy the laureate uploads.
    Convention.objects.filter(award__application=laureate).update(
        signed_received_at=None, countersigned_at=None, signed_copy=""
    )
    return Case(
        laureate.applicant.contact_email,
        reverse("projects:applicant_signed_copy", kwargs={"pk": laureate.pk}),
        {"signed_copy": pdf_upload("convention-signee.pdf")},
        {"signed_copy": hostile_signed_copies()},
    )


def case_applicant_report(world) -> Case:
    laureate = laureate_in_their_space()
    return Case(
        laureate.applicant.contact_email,
        reverse("projects:applicant_report", kwargs={"pk": laureate.pk}),
        {
            "year": "2024",
            "subsidy_used": "12 000,00",
            "expenses-64-planned": "30 000",
            "expenses-64-actual": "28 000",
            "indicator-children": "20",
            "gaps_explanation": "",
            "comment": "",
        },
        {
            "year": [*choice(), ("2026", True), ("2022", True), ("2023", True)],  # 2023's is already accepted
            "subsidy_used": AMOUNT,
            "expenses-64-actual": AMOUNT,
            "income-74-fipe-planned": AMOUNT,
            "indicator-children": INTEGER,
            "gaps_explanation": text(5000, required=False),
            "comment": text(5000, required=False),
        },
    )


APPLICANT_POST_CASES: dict[str, Callable[[dict], Case]] = {
    "projects:applicant_sign_in": case_applicant_sign_in,
    "projects:applicant_sign_in_link": case_applicant_sign_in_link,
    "projects:applicant_sign_out": case_applicant_sign_out,
    "projects:applicant_file_new": case_applicant_file_new,
    "projects:applicant_draft_edit": case_applicant_draft_edit,
    "projects:applicant_documents": case_applicant_documents,
    "projects:applicant_submit": case_applicant_submit,
    "projects:applicant_withdraw": case_applicant_withdraw,
    "projects:applicant_invite": case_applicant_invite,
    "projects:applicant_answer": case_applicant_answer,
    "projects:applicant_message": case_applicant_message,
    "projects:applicant_signed_copy": case_applicant_signed_copy,
    "projects:applicant_report": case_applicant_report,
    "projects:information_request_create": case_information_request_create,
    "projects:staff_message": case_staff_message,
}
POST_CASES.update(APPLICANT_POST_CASES)


# The tests above were parametrized before this block added its cases: the same tests, for these.
@pytest.mark.parametrize("name", sorted(APPLICANT_POST_CASES))
def test_hostile_posts_to_the_applicants_space_get_an_error_and_change_nothing(world, name):
    test_hostile_posts_get_an_error_and_change_nothing(world, name)


@pytest.mark.parametrize("name", sorted(APPLICANT_POST_CASES))
def test_the_valid_post_to_the_applicants_space_twice_succeeds_then_gets_a_message(world, name):
    test_the_valid_post_twice_succeeds_then_gets_a_message(world, name)


# The admin's import screens (django-import-export) and background imports ---------------------------


def admin_import_cases(folder) -> dict[str, dict]:
    """Hostile posts to the upload step: every malformed file, a bomb, no file, a call that is not open."""
    from tests.projects.exchange.test_import_limits import repeated_rows_bomb

    call = Call.objects.get(reference="FIPE-OCC-2023")
    cases = {
        name: {"call": call.pk, "import_file": SimpleUploadedFile(Path(path).name, Path(path).read_bytes())}
        for name, path in malformed_files(folder).items()
    }
    cases["ods bomb"] = {"call": call.pk, "import_file": SimpleUploadedFile("bombe.ods", repeated_rows_bomb())}
    cases["no file"] = {"call": call.pk}
    cases["unknown call"] = {"call": "999999", "import_file": SimpleUploadedFile("d.csv", b"a;b\n")}
    cases["forged format"] = {"call": call.pk, "format": "7", "import_file": SimpleUploadedFile("d.csv", b"a;b\n")}
    return cases


def test_admin_import_refuses_hostile_uploads_with_a_form_error_and_saves_nothing(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    url = reverse("admin:projects_application_import")
    wrong = {}
    folder = tmp_path / "files"
    folder.mkdir()
    for label, body in admin_import_cases(folder).items():
        before = snapshot()
        response = signed_in("admin").post(url, body)
        refused = response.status_code == 200 and "confirm_form" not in response.context
        shown = 'class="errorlist' in response.text or 'class="errornote"' in response.text
        if not (refused and shown) or snapshot() != before:
            wrong[label] = response.status_code
    assert not wrong


def test_admin_import_confirmation_refuses_forged_file_names(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    call = Call.objects.get(reference="FIPE-OCC-2023")
    url = reverse("admin:projects_application_process_import")
    before = snapshot()
    for name, fmt in (("../../../etc/passwd", "0"), ("nope", "2"), ("", "0"), ("nope", "9"), ("nope", "x")):
        body = {"call": call.pk, "import_file_name": name, "original_file_name": "d.csv", "format": fmt}
        response = signed_in("admin").post(url, body)
        # The form again, or back to the upload with « Le fichier vérifié n’est plus disponible ».
        assert response.status_code in (200, 302), (name, fmt)
    assert signed_in("admin").get(url).status_code == 405
    assert snapshot() == before


def test_admin_import_pages_are_for_importers_and_jobs_for_their_sender(world, tmp_path, settings):
    from projects.exchange.jobs import start_import_job

    settings.MEDIA_ROOT = tmp_path
    call = Call.objects.get(reference="FIPE-OCC-2023")
    job = start_import_job(call=call, by=user("admin"), content=b"a;b\n", filename="d.csv")
    job_url = reverse("admin:projects_application_import_job", args=[job.pk])
    for role in ("caf-11", "prefecture-76"):
        assert signed_in(role).get(reverse("admin:projects_application_import")).status_code in (302, 403)
        assert signed_in(role).get(job_url).status_code in (302, 403, 404)
    # A job not yet checked cannot be confirmed: a message, nothing enqueued for import.
    response = signed_in("admin").post(job_url, follow=True)
    assert "n’est pas prêt à être confirmé" in response.text
    assert signed_in("admin").get(reverse("admin:projects_application_import_job", args=[job.pk + 99])).status_code == (
        404
    )


# letters: /verifier/ answers « non reconnu » to what is not one of our PDFs, never a server error.


@pytest.mark.parametrize(
    "content",
    [b"MZ\x90\x00 not a pdf", b"%PDF-1.7\n%%EOF", b"%PDF-" + b"\xff" * 2048, b"%PDF-" + b"A" * (5 * 1024 * 1024)],
    ids=["not a PDF", "malformed", "garbage", "huge"],
)
def test_the_verification_page_calls_a_foreign_upload_not_recognised(world, content):
    answer = Client(raise_request_exception=True).post(
        reverse("projects:verify_document"), {"document": verify_upload(content)()}
    )
    assert answer.status_code == 200
    assert "Document non reconnu" in answer.content.decode()
