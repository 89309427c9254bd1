"""Business situations of the instruction and the committee, built through the real services."""

import datetime
from decimal import Decimal

from projects.enums import Status
from reviews.committee.services import MemberEntry, create_meeting, record_members, record_proposal
from reviews.enums import Opinion, ProposalDecision
from reviews.instruction.services import declare_conflict, save_review
from tests.departments.factories import caf_instructor, committee_secretary, ddets_instructor, department
from tests.projects.factories import ApplicationFactory, CallFactory
from tests.projects.letters.factories import departmental_signatory

COMMENT = "Avis motivé par l’analyse du dossier."


def scores(application, score) -> dict[str, int]:
    """The same score for every criterion of the application's call."""
    return {criterion.code: score for criterion in application.call.criteria.all()}


def review(application, author, *, score=4, opinion=Opinion.FAVOURABLE, amounts=None, submit=True, kind=None):
    """Declare no conflict, then write (and by default submit) the author's review."""
    declare_conflict(application=application, user=author, has_conflict=False)
    return save_review(
        application=application,
        author=author,
        kind=kind,
        scores=scores(application, score),
        opinion=opinion,
        amounts_by_year=application.requested_by_year() if amounts is None else amounts,
        comment=COMMENT,
        submit=submit,
    )


def reviewed_application(code="11", *, caf_score=4, ddets_score=4, caf=None, ddets=None, **fields):
    """A submitted file instructed by both bodies, hence at `reviewed`."""
    application = ApplicationFactory(submitted=True, department=department(code), **fields)
    review(application, caf or caf_instructor(code), score=caf_score)
    review(application, ddets or ddets_instructor(code), score=ddets_score)
    application.refresh_from_db()
    assert application.status == Status.REVIEWED
    return application


def meeting(code="11", *, secretary=None, members=1, call=None):
    """An open CDSF meeting of the department, with `members` members present, and the departmental
    prefect in office to sign its minutes."""
    secretary = secretary or committee_secretary(code)
    departmental_signatory(code)
    opened = create_meeting(
        call=call or CallFactory(),
        department=department(code),
        date=datetime.date(2023, 11, 20),
        place="Préfecture",
        by=secretary,
    )
    if members:
        record_members(
            meeting=opened,
            by=secretary,
            members=[
                MemberEntry(name=f"Membre Numéro{n}", organisation=f"Organisme {n}", capacity="Directrice")
                for n in range(1, members + 1)
            ],
        )
    opened.secretary = secretary
    return opened


def propose(meeting, application, *, rank=1, amounts=None, reasons="Projet structurant."):
    return record_proposal(
        meeting=meeting,
        application=application,
        by=meeting.secretary,
        decision=ProposalDecision.PROPOSED,
        rank=rank,
        amounts_by_year=amounts or {year: Decimal("5000.00") for year in application.call.programme_years},
        reasons=reasons,
    )


def not_propose(meeting, application, *, reasons="Projet peu innovant."):
    return record_proposal(
        meeting=meeting,
        application=application,
        by=meeting.secretary,
        decision=ProposalDecision.NOT_PROPOSED,
        rank=None,
        amounts_by_year={},
        reasons=reasons,
    )
