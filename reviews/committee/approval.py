"""The committees' proposals as the region's approval screen lists them (see `projects.awards.approval`)."""

from collections.abc import Collection

from django.db.models import Prefetch

from projects.awards.approval import WaitingProposal
from projects.enums import Status
from projects.models import Call
from reviews.enums import ProposalDecision, ReviewerKind
from reviews.models import CommitteeProposal, Review


def proposals_to_approve(call: Call, department_ids: Collection[int]) -> list[WaitingProposal]:
    """The call's files that a committee proposed in those departments and that nobody has approved or rejected yet."""
    proposals = (
        CommitteeProposal.objects.filter(
            application__call=call,
            application__department_id__in=department_ids,
            application__status=Status.PROPOSED,
            decision=ProposalDecision.PROPOSED,
        )
        .select_related("application__department", "application__applicant", "meeting")
        .prefetch_related("amounts", Prefetch("application__reviews", queryset=Review.objects.order_by("kind")))
        .order_by("application__department__code", "rank", "application__reference")
    )
    waiting = []
    for proposal in proposals:
        reviews = {review.kind: review for review in proposal.application.reviews.all()}
        waiting.append(WaitingProposal(proposal, [reviews.get(ReviewerKind.CAF), reviews.get(ReviewerKind.DDETS)]))
    return waiting
