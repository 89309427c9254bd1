"""The proposals the region's approver decides on, which the app that runs the committees makes.

`projects` defines no proposal and never imports that app: the app sets the approval screen's
source in its `ready()` with `set_proposal_source`, and the screen asks `waiting_proposals`.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from projects.models import Call


@dataclass(frozen=True)
class WaitingProposal:
    """A file proposed for approval, as the approval screen shows it.

    `proposal` carries the file as `application` (with its department and applicant read), its
    `rank`, `reasons`, `proposed_total` and per-year `amounts` (prefetched). `opinions` holds the
    Caf's review, then the DDETS's (None when missing), for the table's two columns.
    """

    proposal: Any
    opinions: list


ProposalSource = Callable[[Call, Collection[int]], list[WaitingProposal]]

_source: list[ProposalSource] = []


def set_proposal_source(source: ProposalSource) -> None:
    """`source(call, department_ids)` lists the call's files proposed in those departments, still to approve.

    It must run a constant number of queries and order the files by department code, rank and reference.
    """
    _source[:] = [source]


def waiting_proposals(call: Call, department_ids: Collection[int]) -> list[WaitingProposal]:
    """The call's files waiting for approval in those departments; none where no app proposes any."""
    return _source[0](call, department_ids) if _source else []
