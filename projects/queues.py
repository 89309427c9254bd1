"""What waits for the regional prefecture and the administrators on their home page.

Each provider reads its counts in one aggregate query, whatever the number of files.
"""

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from departments.enums import Action
from departments.models import Department
from departments.permissions import get_scope
from fipe.workqueue import QueueItem, QueueSection
from projects.enums import ACCEPTING_CALL_STATUSES, AWARDED_STATUSES, CallStatus, LetterKind, Status
from projects.models import Application, Call, DecisionLetter
from projects.money import format_euros

# A call closing within this many days is announced on the administrators' home page.
CLOSING_SOON_DAYS = 15


def approval_queue(user) -> list[QueueSection]:
    """Proposals of the committees waiting for approval, per call and department, with the amounts proposed."""
    ids = get_scope(user).department_ids(Action.APPROVE)
    if not ids:
        return []
    rows = (
        Application.objects.filter(department_id__in=ids, status=Status.PROPOSED)
        .values("call__reference", "department__code", "department__name")
        .annotate(count=Count("pk"), amount=Sum("proposal__proposed_total"))
        .order_by("call__reference", "department__code")
    )
    items = [
        QueueItem(
            label=_("Propositions à valider — %(code)s %(name)s")
            % {"code": row["department__code"], "name": row["department__name"]},
            count=row["count"],
            url=reverse("projects:approval", kwargs={"reference": row["call__reference"]}),
            amount=row["amount"],
            hint=f"{row['call__reference']} — {format_euros(row['amount'])}",
        )
        for row in rows
    ]
    if not items:
        items = [QueueItem(_("Propositions à valider"), 0, reverse("projects:approval_calls"))]
    return [QueueSection(_("Validation des lauréats"), items)]


def letters_queue(user) -> list[QueueSection]:
    """Award and refusal letters to generate, award letters generated and not yet sent."""
    ids = get_scope(user).department_ids(Action.ISSUE_LETTERS)
    if not ids:
        return []
    letters = DecisionLetter.objects.filter(application=OuterRef("pk"))
    has_award = Exists(letters.filter(kind=LetterKind.AWARD))
    has_refusal = Exists(letters.filter(kind=LetterKind.REFUSAL))
    award_to_send = Exists(DecisionLetter.objects.to_send().filter(application=OuterRef("pk"), kind=LetterKind.AWARD))
    counts = Application.objects.filter(
        department_id__in=ids, status__in=AWARDED_STATUSES | {Status.REJECTED}
    ).aggregate(
        to_generate=Count(
            "pk",
            filter=(Q(status__in=AWARDED_STATUSES) & ~Q(has_award)) | (Q(status=Status.REJECTED) & ~Q(has_refusal)),
        ),
        to_send=Count("pk", filter=Q(award_to_send)),
    )
    url = reverse("projects:letters")
    return [
        QueueSection(
            _("Courriers de décision"),
            [
                QueueItem(_("Courriers à produire"), counts["to_generate"], url),
                QueueItem(_("Lettres d’attribution à envoyer"), counts["to_send"], url),
            ],
        )
    ]


def administration_queue(user) -> list[QueueSection]:
    """Calls open and closing soon, files to import into open calls, decisions ready to export."""
    scope = get_scope(user)
    if not (scope.can_anywhere(Action.MANAGE) or scope.can_anywhere(Action.EXPORT)):
        return []
    today = timezone.localdate()
    regions = Department.objects.filter(pk__in=scope.department_ids(Action.VIEW)).values("region_id")
    awarded = Exists(Application.objects.filter(call=OuterRef("pk"), status__in=AWARDED_STATUSES))
    counts = Call.objects.filter(region_id__in=regions).aggregate(
        open=Count("pk", filter=Q(status=CallStatus.OPEN)),
        closing=Count(
            "pk",
            filter=Q(
                status=CallStatus.OPEN,
                closes_on__gte=today,
                closes_on__lte=today + datetime.timedelta(days=CLOSING_SOON_DAYS),
            ),
        ),
        importable=Count("pk", filter=Q(status__in=ACCEPTING_CALL_STATUSES)),
        exportable=Count("pk", filter=Q(awarded)),
    )
    calls_url = reverse("projects:call_list")
    items = [
        QueueItem(_("Appels à projets ouverts"), counts["open"], calls_url),
        QueueItem(
            _("Appels qui se clôturent dans les %(days)s jours") % {"days": CLOSING_SOON_DAYS},
            counts["closing"],
            calls_url,
        ),
    ]
    if scope.can_anywhere(Action.MANAGE) and user.is_staff:
        items.append(
            QueueItem(
                _("Appels qui reçoivent des dossiers à importer"),
                counts["importable"],
                reverse("admin:projects_application_import"),
            )
        )
    if scope.can_anywhere(Action.EXPORT):
        items.append(
            QueueItem(_("Appels dont les décisions sont à exporter"), counts["exportable"], reverse("projects:exports"))
        )
    return [QueueSection(_("Appels, imports et exports"), items)]


def register() -> None:
    from fipe.workqueue import add_queue

    add_queue(approval_queue, order=40)
    add_queue(letters_queue, order=50)
    add_queue(administration_queue, order=60)
