"""The application workflow: the one table saying which moves exist and who may make them.

Status changes only through Application.<transition>() (or the services that call them),
which check this table, the actor's scope and write the StatusChange row; or, for many
applications at once, through the QuerySet's Application.objects.<transition>(), which checks
this table and writes the same rows but leaves the actor's scope to its caller.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from projects.enums import OPEN_STATUSES, Status


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[Status]
    target: Status
    action: Action  # what the actor must be allowed to do on the application's department
    label: Promise
    needs_comment: bool = False
    # Whether the applicant, from their space, may make the move on a file they hold (see
    # Application.applicant_transition); `action` is what staff need to make it.
    by_applicant: bool = False
    # The move starts reading the whole file: refused to whoever must see only its summary
    # (an instructor who has not declared the absence of a conflict of interest).
    needs_full_file: bool = False


TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "submit",
            frozenset({Status.DRAFT}),
            Status.SUBMITTED,
            Action.MANAGE,
            _("Déposer le dossier"),
            by_applicant=True,
        ),
        Transition(
            "start_review",
            frozenset({Status.SUBMITTED}),
            Status.IN_REVIEW,
            Action.REVIEW,
            _("Commencer l’instruction"),
            needs_full_file=True,
        ),
        Transition(
            "request_information",
            frozenset({Status.IN_REVIEW}),
            Status.AWAITING_INFORMATION,
            Action.REVIEW,
            _("Demander des compléments"),
            # Knowing what is missing takes reading the whole file.
            needs_full_file=True,
        ),
        Transition(
            "information_provided",
            frozenset({Status.AWAITING_INFORMATION}),
            Status.IN_REVIEW,
            Action.REVIEW,
            _("Reprendre l’instruction"),
            by_applicant=True,
        ),
        Transition(
            "mark_reviewed", frozenset({Status.IN_REVIEW}), Status.REVIEWED, Action.REVIEW, _("Clore l’instruction")
        ),
        Transition(
            "reopen_review",
            frozenset({Status.REVIEWED}),
            Status.IN_REVIEW,
            Action.RUN_COMMITTEE,
            _("Rouvrir l’instruction"),
            needs_comment=True,
        ),
        Transition("propose", frozenset({Status.REVIEWED}), Status.PROPOSED, Action.RUN_COMMITTEE, _("Proposer")),
        Transition(
            "not_propose", frozenset({Status.REVIEWED}), Status.NOT_PROPOSED, Action.RUN_COMMITTEE, _("Ne pas proposer")
        ),
        Transition(
            "approve", frozenset({Status.PROPOSED}), Status.LAUREATE, Action.APPROVE, _("Retenir comme lauréat")
        ),
        Transition(
            "reject",
            frozenset({Status.PROPOSED, Status.NOT_PROPOSED}),
            Status.REJECTED,
            Action.APPROVE,
            _("Rejeter"),
            needs_comment=True,
        ),
        Transition(
            "notify",
            frozenset({Status.LAUREATE}),
            Status.NOTIFIED,
            Action.ISSUE_LETTERS,
            _("Envoyer la lettre d’attribution"),
        ),
        Transition(
            "withdraw",
            OPEN_STATUSES,
            Status.WITHDRAWN,
            Action.MANAGE,
            _("Retirer le dossier"),
            needs_comment=True,
            by_applicant=True,
        ),
    ]
}
