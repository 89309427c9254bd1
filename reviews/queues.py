"""What waits for instructors and CDSF secretariats: the home page's queue, the list's filters and columns.

The same rules pick the files counted on the home page and those the list shows under the
matching « à faire » filter, so a count and the list it links to always agree.
"""

from functools import cache

from django.db.models import Case, Count, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.permissions import get_scope
from fipe.workqueue import QueueItem, QueueSection
from projects.enums import Status
from projects.models import Application
from projects.worklists import ListColumn, WorkFilter, work_list_url
from reviews.enums import MeetingStatus, Opinion, ReviewerKind
from reviews.instruction.services import REVIEWABLE_STATUSES
from reviews.models import CommitteeMeeting, CommitteeProposal, ConflictDeclaration, Review

# Instruction ----------------------------------------------------------------------

# key -> (label of the list filter, label on the home page)
INSTRUCTION_QUEUES = {
    "declaration": (_("À déclarer par moi (conflit d’intérêts)"), _("Dossiers attendant votre déclaration d’intérêts")),
    "review": (_("À instruire par moi"), _("Dossiers attendant l’avis de votre organisme")),
    "draft": (_("Mes brouillons d’avis"), _("Avis laissés en brouillon")),
    "other_answered": (
        _("L’autre organisme a rendu son avis"),
        _("Dossiers où l’autre organisme a rendu son avis, pas encore le vôtre"),
    ),
}


def _kind_departments(user) -> dict[ReviewerKind, list[int]]:
    """For each body the user instructs for, the departments where they do (usually one body, one department)."""
    scope = get_scope(user)
    found: dict[ReviewerKind, list[int]] = {}
    for department_id in sorted(scope.department_ids(Action.REVIEW)):
        for kind in ReviewerKind:
            if kind.value in scope.organisation_kinds(Action.REVIEW, department_id):
                found.setdefault(kind, []).append(department_id)
    return found


def _instruction_conditions(user, kind: ReviewerKind) -> tuple[dict, dict[str, Q]]:
    """The annotations one body's instructor needs, and the condition of each queue on them."""
    files = {"application": OuterRef("pk")}
    prefix = f"_{kind.value}"
    annotations = {
        f"{prefix}_declared": Exists(ConflictDeclaration.objects.filter(**files, user=user)),
        f"{prefix}_conflict": Exists(ConflictDeclaration.objects.filter(**files, user=user, has_conflict=True)),
        f"{prefix}_own": Exists(Review.objects.filter(**files, kind=kind)),
        f"{prefix}_own_submitted": Exists(Review.objects.filter(**files, kind=kind, submitted_at__isnull=False)),
        f"{prefix}_draft": Exists(Review.objects.filter(**files, kind=kind, author=user, submitted_at__isnull=True)),
        f"{prefix}_other_submitted": Exists(
            Review.objects.filter(**files, submitted_at__isnull=False).exclude(kind=kind)
        ),
    }

    def flag(name, value=True):
        return Q(**{f"{prefix}_{name}": value})

    usable = flag("declared") & flag("conflict", False)
    conditions = {
        "declaration": flag("declared", False),
        "review": usable & flag("own", False),
        "draft": usable & flag("draft"),
        "other_answered": usable & flag("other_submitted") & flag("own_submitted", False),
    }
    return annotations, conditions


def _instruction_queryset(queryset: QuerySet, user) -> tuple[QuerySet, dict[str, Q]]:
    """The files under instruction in the user's departments, annotated; and each queue's condition, all bodies."""
    combined = {key: Q(pk__in=[]) for key in INSTRUCTION_QUEUES}
    in_scope = Q(pk__in=[])
    for kind, department_ids in _kind_departments(user).items():
        annotations, conditions = _instruction_conditions(user, kind)
        queryset = queryset.annotate(**annotations)
        here = Q(department_id__in=department_ids)
        in_scope |= here
        for key, condition in conditions.items():
            combined[key] |= here & condition
    return queryset.filter(in_scope, status__in=REVIEWABLE_STATUSES), combined


def instructs(user) -> bool:
    return get_scope(user).can_anywhere(Action.REVIEW) and bool(_kind_departments(user))


def instruction_filter(key: str):
    def apply(queryset: QuerySet, user) -> QuerySet:
        queryset, conditions = _instruction_queryset(queryset, user)
        return queryset.filter(conditions[key])

    return apply


def next_waiting_file(user, *, after: Application) -> Application | None:
    """The next file (by reference, from `after`, round the end) waiting for the instructor's declaration,
    review or draft: where « Dossier suivant » leads."""
    queryset, conditions = _instruction_queryset(Application.objects.exclude(pk=after.pk), user)
    waiting = queryset.filter(conditions["declaration"] | conditions["review"] | conditions["draft"])
    after_current = Case(When(reference__gt=after.reference, then=Value(0)), default=Value(1))
    return waiting.order_by(after_current, "reference").only("reference", "title").first()


def instruction_queue(user) -> list[QueueSection]:
    """Files waiting for the instructor's declaration, their body's review or draft; those the other body answered."""
    if not instructs(user):
        return []
    queryset, conditions = _instruction_queryset(Application.objects.all(), user)
    counts = queryset.aggregate(**{key: Count("pk", filter=condition) for key, condition in conditions.items()})
    items = [
        QueueItem(label=home_label, count=counts[key], url=work_list_url(key))
        for key, (_filter_label, home_label) in INSTRUCTION_QUEUES.items()
    ]
    return [QueueSection(_("Instruction"), items)]


def review_column(kind: ReviewerKind):
    """The opinion of one body's submitted review of each listed file (drafts are not disclosed)."""

    def annotate(queryset: QuerySet, user) -> QuerySet:
        submitted = Review.objects.filter(application=OuterRef("pk"), kind=kind, submitted_at__isnull=False)
        return queryset.annotate(**{f"{kind.value}_opinion": Subquery(submitted.values("opinion")[:1])})

    return annotate


OPINION_COLOURS = {Opinion.FAVOURABLE: "success", Opinion.RESERVED: "warning", Opinion.UNFAVOURABLE: "error"}


def opinion_badge(opinion: str | None) -> str:
    """A submitted review's opinion as a coloured badge; a dash while it is not submitted."""
    return _opinion_badge(opinion, get_language())


# Written once per opinion and language: the application list shows a hundred.
@cache
def _opinion_badge(opinion: str | None, language: str | None) -> str:
    if opinion not in Opinion.values:
        return format_html(
            '<span aria-hidden="true">—</span><span class="fr-sr-only">{}</span>', gettext("Pas d’avis transmis")
        )
    colour, label = OPINION_COLOURS[opinion], Opinion(opinion).label
    return format_html('<p class="fr-badge fr-badge--sm fr-badge--no-icon fr-badge--{}">{}</p>', colour, label)


def opinion_cell(kind: ReviewerKind):
    def cell(application) -> str:
        return opinion_badge(getattr(application, f"{kind.value}_opinion"))

    return cell


def sees_reviews(user) -> bool:
    return get_scope(user).can_anywhere(Action.VIEW)


# Committee ------------------------------------------------------------------------


def runs_a_committee(user) -> bool:
    return get_scope(user).can_anywhere(Action.RUN_COMMITTEE)


def waiting_for_committee(queryset: QuerySet, user) -> QuerySet:
    """Reviewed files of the secretariat's departments that no committee has decided on yet."""
    ids = get_scope(user).department_ids(Action.RUN_COMMITTEE)
    return queryset.filter(department_id__in=ids, status=Status.REVIEWED).exclude(
        Exists(CommitteeProposal.objects.filter(application=OuterRef("pk")))
    )


def committee_queue(user) -> list[QueueSection]:
    """Reviewed files waiting for a committee; open meetings to hold (date to come) or to close (date passed)."""
    if not runs_a_committee(user):
        return []
    ids = get_scope(user).department_ids(Action.RUN_COMMITTEE)
    waiting = waiting_for_committee(Application.objects.all(), user).count()
    today = timezone.localdate()
    meetings = CommitteeMeeting.objects.filter(department_id__in=ids, status=MeetingStatus.OPEN).aggregate(
        to_hold=Count("pk", filter=Q(date__gte=today)), to_close=Count("pk", filter=Q(date__lt=today))
    )
    meetings_url = reverse("reviews:meeting_list")
    return [
        QueueSection(
            _("Comité départemental (CDSF)"),
            [
                QueueItem(_("Dossiers instruits attendant un comité"), waiting, work_list_url("committee")),
                QueueItem(_("Séances à tenir"), meetings["to_hold"], meetings_url),
                QueueItem(_("Séances tenues à clore"), meetings["to_close"], meetings_url),
            ],
        )
    ]


def register() -> None:
    """Fill the home page's queue and the application list's filters and columns."""
    from fipe.workqueue import add_queue
    from projects.worklists import add_list_column, add_work_filter

    add_queue(instruction_queue, order=20)
    add_queue(committee_queue, order=30)
    for order, (key, (label, _home_label)) in enumerate(INSTRUCTION_QUEUES.items()):
        add_work_filter(WorkFilter(key, label, 20 + order, instructs, instruction_filter(key)))
    add_work_filter(WorkFilter("committee", _("À proposer en comité"), 30, runs_a_committee, waiting_for_committee))
    for order, kind in enumerate(ReviewerKind):
        add_list_column(
            ListColumn(
                f"review_{kind.value}",
                _("Avis %(body)s") % {"body": kind.label},
                50 + order,
                sees_reviews,
                review_column(kind),
                opinion_cell(kind),
            )
        )
