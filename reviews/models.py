"""The app's models, each defined in its capability's sub-package; Django finds them here."""

from reviews.committee.models import (
    CommitteeMeeting,
    CommitteeMember,
    CommitteeProposal,
    ProposalDraft,
    ProposedAmount,
    minutes_path,
    with_submitted_reviews,
)
from reviews.instruction.models import (
    ConflictDeclaration,
    Criterion,
    RecommendedAmount,
    Review,
    ReviewQuerySet,
    ReviewScore,
    grid_is_locked,
    weighted_total,
)

__all__ = [
    "CommitteeMeeting",
    "CommitteeMember",
    "CommitteeProposal",
    "ProposalDraft",
    "ConflictDeclaration",
    "Criterion",
    "ProposedAmount",
    "RecommendedAmount",
    "Review",
    "ReviewQuerySet",
    "ReviewScore",
    "grid_is_locked",
    "minutes_path",
    "weighted_total",
    "with_submitted_reviews",
]
