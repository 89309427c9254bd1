"""Demo step of the reviews: Caf and DDETS reviews, then one closed CDSF meeting per department.

Driven by each demo application's `target`: `in_review` gets the Caf review only; `reviewed`
and beyond get both reviews; the committee proposes the future laureates (with the amounts
they are awarded) and does not propose the files to be rejected. Files at `reviewed` wait
for the next meeting. Everything goes through the services of reviews.instruction and
reviews.committee, as a user would.
The people below are ILLUSTRATIVE, invented for the demo.
"""

import datetime
from decimal import Decimal
from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from departments.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, organisation_for
from departments.enums import OrganisationKind, Role
from departments.models import Department, Membership
from projects.demo.applications import demo_application, demo_call
from projects.demo.data import DEMO_APPLICATIONS
from projects.enums import REVIEWABLE_STATUSES, Status
from reviews.committee.services import MemberEntry, close_meeting, create_meeting, record_members, record_proposal
from reviews.enums import MeetingStatus, Opinion, ProposalDecision, ReviewerKind
from reviews.instruction.services import declare_conflict, give_default_criteria, save_review
from reviews.models import CommitteeMeeting, Review

CAF_ONLY_TARGETS = {Status.IN_REVIEW}
PROPOSED_TARGETS = {Status.PROPOSED, Status.LAUREATE, Status.NOTIFIED}
NOT_PROPOSED_TARGETS = {Status.NOT_PROPOSED, Status.REJECTED}
BOTH_REVIEWS_TARGETS = {Status.REVIEWED} | PROPOSED_TARGETS | NOT_PROPOSED_TARGETS

# The demo file on which the Caf and the DDETS disagree, to show the committee's warning.
DIVERGENT_TITLE = "Parcours de professionnalisation personnalisé des professionnels de la petite enfance"
# A committee member with a conflict of interest: (department, member index, title of the file).
MEMBER_CONFLICT = ("31", 3, "Prévention des troubles du langage chez les 0–3 ans")

ACCOUNT_PREFIXES = {OrganisationKind.CAF: "caf", OrganisationKind.DDETS: "ddets", OrganisationKind.PREFECTURE: "cdsf"}
FIRST_NAMES = ["Agnès", "Bastien", "Cécile", "Denis", "Élodie", "Francis", "Gaëlle", "Hugo", "Isabelle", "Julien"]
LAST_NAMES = ["Alibert", "Bonnet", "Cazals", "Delmas", "Escande", "Fournier", "Guiraud", "Hébrard", "Izard", "Jammes"]

COMMENTS = {
    Opinion.FAVOURABLE: "Projet pertinent au regard des besoins du territoire, budget cohérent.",
    Opinion.RESERVED: "Intérêt réel, mais le plan de financement des années 2 et 3 reste à consolider.",
    Opinion.UNFAVOURABLE: "Le projet ne répond pas aux critères d’innovation du FIPE et son coût est élevé.",
}


def _person(seed: int) -> tuple[str, str]:
    return FIRST_NAMES[seed % len(FIRST_NAMES)], LAST_NAMES[(seed * 3 + 1) % len(LAST_NAMES)]


@cache
def _password_hash() -> str:
    # Hashing is deliberately slow (about a second): hash the demo password once for all the extra accounts.
    return make_password(DEMO_PASSWORD)


def demo_user(kind: OrganisationKind, department_code: str, role: Role):
    """The demo account of the body in the department (caf-11…), created for departments not in DEMO_ACCOUNTS."""
    username = f"{ACCOUNT_PREFIXES[kind]}-{department_code}"
    if username in DEMO_ACCOUNTS:
        return get_user_model().objects.get(username=username)
    first_name, last_name = _person(int(department_code) + len(username))
    user, _created = get_user_model().objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@fipe.example",
            "password": _password_hash(),
        },
    )
    Membership.objects.get_or_create(user=user, organisation=organisation_for(kind, department_code), role=role)
    return user


def _review_content(number: int, entry: dict, kind: ReviewerKind, criteria) -> dict:
    """Scores, opinion and recommended amounts that fit the file's fate, varied a little per file."""
    target = entry["target"]
    divergent = entry["title"] == DIVERGENT_TITLE and kind == ReviewerKind.DDETS
    if target in PROPOSED_TARGETS and not divergent:
        base, opinion = 4, Opinion.FAVOURABLE
    elif target in NOT_PROPOSED_TARGETS:
        base, opinion = 2, Opinion.UNFAVOURABLE if kind == ReviewerKind.CAF else Opinion.RESERVED
    else:
        base, opinion = 3, Opinion.RESERVED if divergent or kind == ReviewerKind.DDETS else Opinion.FAVOURABLE
    offset = 0 if kind == ReviewerKind.CAF else 1
    scores = {
        criterion.code: max(0, min(criterion.max_score, base - 1 + (number + index + offset) % 3))
        for index, criterion in enumerate(criteria)
    }
    if divergent:
        scores = dict.fromkeys(scores, 2)
    if opinion == Opinion.UNFAVOURABLE:
        amounts = {year: Decimal("0") for year in entry["requested"]}
    elif target in PROPOSED_TARGETS:
        amounts = entry["awarded"]
    else:
        amounts = entry["requested"]
    return {"scores": scores, "opinion": opinion, "amounts_by_year": amounts, "comment": COMMENTS[opinion]}


def _load_reviews(call) -> int:
    criteria = list(call.criteria.all())
    saved = 0
    for number, entry in enumerate(DEMO_APPLICATIONS, start=1):
        target = entry["target"]
        if target in CAF_ONLY_TARGETS:
            kinds = [ReviewerKind.CAF]
        elif target in BOTH_REVIEWS_TARGETS:
            kinds = [ReviewerKind.CAF, ReviewerKind.DDETS]
        else:
            continue
        application = demo_application(entry)
        for kind in kinds:
            if application.status not in REVIEWABLE_STATUSES:
                break
            if Review.objects.submitted().filter(application=application, kind=kind).exists():
                continue
            author = demo_user(OrganisationKind(kind.value), entry["department"], Role.INSTRUCTOR)
            declare_conflict(application=application, user=author, has_conflict=False)
            save_review(
                application=application,
                author=author,
                kind=kind,
                submit=True,
                **_review_content(number, entry, kind, criteria),
            )
            saved += 1
    return saved


def _members(department: Department, conflicts_by_index: dict[int, tuple]) -> list[MemberEntry]:
    seed = int(department.code)
    people = [_person(seed + offset) for offset in range(4)]
    rows = [
        (
            organisation_for(OrganisationKind.PREFECTURE, department.code).name,
            "Secrétaire générale, présidente par délégation du préfet",
        ),
        (organisation_for(OrganisationKind.CAF, department.code).name, "Directrice"),
        (organisation_for(OrganisationKind.DDETS, department.code).name, "Directeur adjoint"),
        (f"Conseil départemental — {department.name}", "Vice-présidente chargée de l’enfance et de la famille"),
    ]
    return [
        MemberEntry(
            name=f"{first} {last}",
            organisation=organisation,
            capacity=capacity,
            conflicts=conflicts_by_index.get(index, ()),
        )
        for index, ((first, last), (organisation, capacity)) in enumerate(zip(people, rows, strict=True))
    ]


def _hold_meeting(call, department: Department, entries: list[dict], day: int) -> None:
    secretary = demo_user(OrganisationKind.PREFECTURE, department.code, Role.COMMITTEE_SECRETARY)
    meeting = CommitteeMeeting.objects.filter(call=call, department=department, status=MeetingStatus.OPEN).first()
    if meeting is None:
        meeting = create_meeting(
            call=call,
            department=department,
            date=datetime.date(2023, 11, 6) + datetime.timedelta(days=day),
            place=f"{organisation_for(OrganisationKind.PREFECTURE, department.code).name}, salle du conseil",
            by=secretary,
        )
    conflicts = {}
    code, index, title = MEMBER_CONFLICT
    if department.code == code:
        conflicts[index] = (demo_application(next(entry for entry in entries if entry["title"] == title)),)
    record_members(meeting=meeting, by=secretary, members=_members(department, conflicts))
    fate = {demo_application(entry).pk: entry for entry in entries}
    rank = 0
    # The committee ranks its proposals in the order of the average weighted scores.
    for application in meeting.agenda():
        entry = fate.get(application.pk)
        if entry is None:
            continue
        if entry["target"] in PROPOSED_TARGETS:
            rank += 1
            record_proposal(
                meeting=meeting,
                application=application,
                by=secretary,
                decision=ProposalDecision.PROPOSED,
                rank=rank,
                amounts_by_year=entry["awarded"],
                reasons="Projet innovant et bien ancré dans le territoire ; avis favorables de la Caf et de la DDETS.",
            )
        else:
            record_proposal(
                meeting=meeting,
                application=application,
                by=secretary,
                decision=ProposalDecision.NOT_PROPOSED,
                rank=None,
                amounts_by_year={},
                reasons="Projet insuffisamment innovant au regard des priorités du FIPE et d’un coût élevé.",
            )
    close_meeting(meeting=meeting, by=secretary)


def load_reviews_and_committees(stdout) -> None:
    call = demo_call()
    give_default_criteria(call=call)
    saved = _load_reviews(call)
    decided = [entry for entry in DEMO_APPLICATIONS if entry["target"] in PROPOSED_TARGETS | NOT_PROPOSED_TARGETS]
    codes = sorted({entry["department"] for entry in decided})
    held = 0
    for day, code in enumerate(codes):
        department = Department.objects.get(code=code)
        if CommitteeMeeting.objects.filter(call=call, department=department, status=MeetingStatus.CLOSED).exists():
            continue
        _hold_meeting(call, department, [entry for entry in decided if entry["department"] == code], day)
        held += 1
    stdout.write(
        f"Instruction : {saved} avis transmis ; CDSF : {held} séances closes "
        f"({CommitteeMeeting.objects.filter(call=call).count()} en tout)."
    )
