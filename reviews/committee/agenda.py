"""What a committee meeting has before it: its files, ranked, with both reviews and the proposals.

Shared by the meeting page and the minutes, in a fixed number of queries whatever the number of files.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from projects.models import Application
from reviews.enums import ProposalDecision, ReviewerKind
from reviews.models import (
    CommitteeMeeting,
    CommitteeMember,
    CommitteeProposal,
    ConflictDeclaration,
    Review,
    with_submitted_reviews,
)


@dataclass
class AgendaRow:
    position: int  # place in the ranking by average weighted score
    application: Application
    average: Decimal | None
    reviews: dict[str, Review]
    proposal: CommitteeProposal | None
    member_conflicts: list[str] = field(default_factory=list)
    instructor_conflicts: list[str] = field(default_factory=list)
    # Filled by the pages that show them: recommended total per body, proposed amount per programme year.
    recommended: dict[str, Decimal | None] = field(default_factory=dict)
    proposed_by_year: list[Decimal | None] = field(default_factory=list)

    @property
    def caf(self) -> Review | None:
        return self.reviews.get(ReviewerKind.CAF)

    @property
    def ddets(self) -> Review | None:
        return self.reviews.get(ReviewerKind.DDETS)

    @property
    def is_proposed(self) -> bool:
        return self.proposal is not None and self.proposal.decision == ProposalDecision.PROPOSED


def recommended_total(review: Review | None) -> Decimal | None:
    if review is None:
        return None
    return sum((row.amount for row in review.recommended_amounts.all()), Decimal("0"))


def average(value) -> Decimal | None:
    """The average weighted score to 0.1 point (the databases return floats or long decimals)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def agenda_rows(meeting: CommitteeMeeting) -> list[AgendaRow]:
    """The meeting's files, best average weighted score first (see CommitteeMeeting.agenda)."""
    applications = with_submitted_reviews(
        meeting.agenda()
        .select_related("applicant", "proposal")
        .prefetch_related("requested_amounts", "proposal__amounts")
    )
    rows = [
        AgendaRow(
            position=position,
            application=application,
            average=average(application.average_score),
            reviews={review.kind: review for review in application.submitted_reviews},
            proposal=getattr(application, "proposal", None),
        )
        for position, application in enumerate(applications, start=1)
    ]
    by_id = {row.application.pk: row for row in rows}
    for member in CommitteeMember.objects.filter(meeting=meeting).prefetch_related("declared_conflicts"):
        for application in member.declared_conflicts.all():
            if application.pk in by_id:
                by_id[application.pk].member_conflicts.append(member.name)
    declarations = ConflictDeclaration.objects.filter(application_id__in=by_id, has_conflict=True).select_related(
        "user"
    )
    for declaration in declarations:
        by_id[declaration.application_id].instructor_conflicts.append(
            declaration.user.get_full_name() or declaration.user.username
        )
    return rows


def decision_order(rows: list[AgendaRow]) -> list[AgendaRow]:
    """Proposed files by the committee's rank, then the others by average score: the order of the minutes."""
    proposed = sorted((row for row in rows if row.is_proposed), key=lambda row: row.proposal.rank)
    others = [row for row in rows if row.proposal is not None and not row.is_proposed]
    return proposed + others
