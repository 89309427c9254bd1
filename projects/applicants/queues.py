"""What the exchanges with applicants leave to the instructors: the home page's queue and the list's filters.

The same conditions count the files on the home page and pick them in the list, so a count and
the list it links to agree.
"""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.permissions import get_scope
from fipe.workqueue import QueueItem, QueueSection, add_queue
from projects.applicants.models import InformationRequest
from projects.enums import Status
from projects.models import Application
from projects.notifications.recipients import INSTRUCTING_BODIES
from projects.worklists import WorkFilter, add_work_filter, work_list_url

# key -> (label of the list filter, label on the home page)
EXCHANGE_QUEUES = {
    "information_answered": (
        _("Compléments reçus du porteur"),
        _("Dossiers en instruction où le porteur a répondu à une demande de compléments"),
    ),
    "information_awaited": (
        _("En attente de compléments"),
        _("Dossiers attendant les compléments demandés au porteur"),
    ),
}


def instructed_departments(user) -> list[int]:
    """The departments where the user instructs files for a Caf or a DDETS."""
    scope = get_scope(user)
    return [
        department_id
        for department_id in scope.department_ids(Action.REVIEW)
        if scope.organisation_kinds(Action.REVIEW, department_id).intersection(INSTRUCTING_BODIES)
    ]


def instructs(user) -> bool:
    return bool(instructed_departments(user))


def conditions(user) -> dict[str, Q]:
    here = Q(department_id__in=instructed_departments(user))
    answered = Exists(InformationRequest.objects.filter(application=OuterRef("pk"), answered_at__isnull=False))
    return {
        "information_answered": here & Q(status=Status.IN_REVIEW) & answered,
        "information_awaited": here & Q(status=Status.AWAITING_INFORMATION),
    }


def exchange_filter(key: str):
    def apply(queryset: QuerySet, user) -> QuerySet:
        return queryset.filter(conditions(user)[key])

    return apply


def exchange_queue(user) -> list[QueueSection]:
    if not instructs(user):
        return []
    counts = Application.objects.aggregate(
        **{key: Count("pk", filter=condition) for key, condition in conditions(user).items()}
    )
    items = [
        QueueItem(label=home_label, count=counts[key], url=work_list_url(key))
        for key, (_filter_label, home_label) in EXCHANGE_QUEUES.items()
    ]
    return [QueueSection(_("Échanges avec les porteurs de projet"), items)]


def register() -> None:
    add_queue(exchange_queue, order=25)
    for order, (key, (label, _home_label)) in enumerate(EXCHANGE_QUEUES.items()):
        add_work_filter(WorkFilter(key, label, 25 + order, instructs, exchange_filter(key)))
