"""The exchanges between a file's applicant and its instructors: requests for more information, their
answers and reminders, and the message thread (with the instructors' internal notes).

Only an instructor who reads the full file (who declared no conflict of interest) asks or writes:
the same rule as the « Échanges » tab that shows them.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from departments.enums import Action
from departments.permissions import get_scope
from projects.applicants.models import InformationRequest, ThreadMessage
from projects.applicants.services import (
    applicant_recipients,
    applications_of,
    normalise_email,
    store_applicant_file,
)
from projects.enums import Status
from projects.exceptions import PermissionRefused, TransitionNotAllowed
from projects.models import Application
from projects.notifications.recipients import instructors
from projects.notifications.services import notify
from projects.tabs import summary_only

# The reminder goes out this many days before a request's deadline.
REMINDER_DAYS_BEFORE = 2


# Requests for more information ------------------------------------------------------------------


def request_information(
    *, application: Application, by, message: str, pieces: str, deadline: datetime.date, today: datetime.date
) -> InformationRequest:
    """An instructor asks for missing pieces or answers; the file waits for them.

    The move is refused (PermissionRefused) to an instructor who must see only the file's summary
    (no « no conflict of interest » declaration): the transition needs the full file.
    """
    errors = {}
    if not message.strip():
        errors["message"] = _("Écrivez le message adressé au porteur de projet.")
    if deadline <= today:
        errors["deadline"] = _("La date limite doit suivre aujourd’hui.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        application.request_information(by=by, comment=message.strip())
        # A new request replaces any left unanswered when the review resumed without it.
        application.information_requests.filter(answered_at__isnull=True, closed_at__isnull=True).update(
            closed_at=timezone.now()
        )
        request = InformationRequest.objects.create(
            application=application, message=message.strip(), pieces=pieces.strip(), deadline=deadline, asked_by=by
        )
        notify(
            event="information_requested",
            recipients=applicant_recipients(application),
            subject=_("Dossier %(reference)s : des compléments vous sont demandés")
            % {"reference": application.reference},
            template="projects/applicants/mail/information_request",
            context={"application": application, "request": request},
            about=application,
        )
    return request


def answer_information_request(
    *, request: InformationRequest, email: str, answer: str, files: Iterable = ()
) -> InformationRequest:
    """The applicant answers; the file goes back to its instructors."""
    application = request.application
    if not applications_of(email).filter(pk=application.pk).exists():
        raise PermissionRefused(_("Ce dossier n’est pas le vôtre."))
    if not request.is_pending or application.status != Status.AWAITING_INFORMATION:
        raise TransitionNotAllowed(_("Cette demande n’attend plus de réponse."))
    if not answer.strip():
        raise ValidationError({"answer": _("Écrivez votre réponse.")})
    with transaction.atomic():
        for uploaded in files:
            store_applicant_file(
                application=application, uploaded_file=uploaded, email=email, information_request=request
            )
        request.answer = answer.strip()
        request.answered_by = normalise_email(email)
        request.answered_at = timezone.now()
        request.save(update_fields=["answer", "answered_by", "answered_at"])
        application.applicant_transition(
            "information_provided", email=normalise_email(email), comment=_("Réponse du porteur de projet")
        )
        notify(
            event="information_provided",
            recipients=[request.asked_by],
            subject=_("Dossier %(reference)s : le porteur a répondu") % {"reference": application.reference},
            template="projects/applicants/mail/information_answered",
            context={"application": application, "request": request},
            about=application,
        )
    return request


def send_information_reminders(*, today: datetime.date) -> int:
    """Remind, once, the applicants whose deadline comes in REMINDER_DAYS_BEFORE days or less."""
    due = (
        InformationRequest.objects.pending()
        .filter(
            reminded_at__isnull=True,
            application__status=Status.AWAITING_INFORMATION,
            deadline__gte=today,
            deadline__lte=today + datetime.timedelta(days=REMINDER_DAYS_BEFORE),
        )
        .select_related("application__applicant")
    )
    sent = 0
    for request in due:
        with transaction.atomic():
            if not InformationRequest.objects.filter(pk=request.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            ):
                continue
            notify(
                event="information_reminder",
                recipients=applicant_recipients(request.application),
                subject=_("Rappel : dossier %(reference)s, compléments attendus avant le %(date)s")
                % {"reference": request.application.reference, "date": request.deadline.strftime("%d/%m/%Y")},
                template="projects/applicants/mail/information_reminder",
                context={"application": request.application, "request": request},
                about=request.application,
            )
            sent += 1
    return sent


# Messages ------------------------------------------------------------------------------------------


def post_staff_message(*, application: Application, by, body: str, internal: bool) -> ThreadMessage:
    """An instructor writes to the applicant, or leaves an internal note the applicant never sees."""
    if not get_scope(by).can(Action.REVIEW, application.department_id):
        raise PermissionRefused(_("Seuls les instructeurs du département écrivent dans ce fil."))
    # The thread is part of the full file, as the « Échanges » tab that shows it.
    if summary_only(by, application):
        raise PermissionRefused(
            _(
                "Déclarez d’abord n’avoir aucun conflit d’intérêts avec le dossier %(reference)s "
                "pour écrire dans ce fil."
            )
            % {"reference": application.reference}
        )
    if not body.strip():
        raise ValidationError({"body": _("Écrivez votre message.")})
    with transaction.atomic():
        message = ThreadMessage.objects.create(application=application, author=by, body=body.strip(), internal=internal)
        if not internal:
            notify(
                event="applicant_message",
                recipients=applicant_recipients(application),
                subject=_("Dossier %(reference)s : nouveau message") % {"reference": application.reference},
                template="projects/applicants/mail/message",
                context={"application": application, "message": message},
                about=application,
            )
    return message


def post_applicant_message(*, application: Application, email: str, body: str) -> ThreadMessage:
    if not applications_of(email).filter(pk=application.pk).exists():
        raise PermissionRefused(_("Ce dossier n’est pas le vôtre."))
    if application.reference is None:
        raise TransitionNotAllowed(_("Déposez d’abord votre dossier : le fil d’échanges s’ouvre avec le dépôt."))
    if not body.strip():
        raise ValidationError({"body": _("Écrivez votre message.")})
    with transaction.atomic():
        message = ThreadMessage.objects.create(
            application=application, author_email=normalise_email(email), body=body.strip()
        )
        notify(
            event="applicant_message_received",
            recipients=instructors(application.department_id),
            subject=_("Dossier %(reference)s : message du porteur de projet") % {"reference": application.reference},
            template="projects/applicants/mail/applicant_message",
            context={"application": application},
            about=application,
        )
    return message
