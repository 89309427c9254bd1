"""Telling people by e-mail: every capability calls `notify`, which writes the messages to the outbox.

`notify` is called inside the transaction of the change it announces, so a change that rolls
back leaves no message. The task worker delivers the outbox over SMTP (`deliver_due_messages`),
claiming each message before sending it, so that two workers never send the same one.
"""

import logging
import smtplib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.exceptions import DomainError
from projects.notifications.models import (
    MAX_ATTEMPTS,
    Frequency,
    Message,
    MessageAttachment,
    MessageStatus,
    NotificationPreference,
    retry_delay,
)

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = Message._meta.get_field("subject").max_length
# A message claimed this long ago whose worker never said how it went was cut off mid-send.
SENDING_STALE_AFTER = 15 * 60
# SMTP answers that concern this message only; any other error means the server is unreachable.
MESSAGE_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


def absolute_url(path: str) -> str:
    """A link for an e-mail: the site's address (SITE_URL) and the path."""
    return settings.SITE_URL.rstrip("/") + path


def one_line(text: str, max_length: int = SUBJECT_MAX_LENGTH) -> str:
    """Whitespace (newlines included) collapsed to single spaces: no header can be injected through it."""
    text = " ".join(str(text).split())
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


def frequency_for(user, event: str) -> str:
    preference = NotificationPreference.objects.filter(user=user, event=event).values_list("frequency", flat=True)
    return preference.first() or Frequency.IMMEDIATE


def notify(
    *,
    event: str,
    recipients: Iterable,
    subject: str,
    template: str,
    context: dict,
    about=None,
    attachments: Iterable[Attachment] = (),
    always: bool = False,
) -> list[Message]:
    """Write `template` (`<template>.txt` and `<template>.html`) for each recipient (a user or an address).

    `event` names what happened (« application_submitted »…) and `about` the object concerned.
    A user receives it as their preference for `event` says (immediately, in the daily digest, or
    never); `always` (decisions sent to applicants) ignores preferences. The same address is
    written to once. An invalid address gives a failed message that says so, never an exception.
    """
    attachments = list(attachments)
    subject = one_line(subject)
    about_type = ContentType.objects.get_for_model(about) if about is not None else None
    seen: set[str] = set()
    written = []
    for recipient in recipients:
        user = None if isinstance(recipient, str) else recipient
        if user is not None and not user.is_active:
            continue
        address = (recipient if user is None else user.email or "").strip()
        if not address or address.lower() in seen:
            continue
        seen.add(address.lower())
        frequency = Frequency.IMMEDIATE if always or user is None else frequency_for(user, event)
        if frequency == Frequency.NEVER:
            continue
        message = Message(
            event=event,
            recipient=address,
            recipient_user=user,
            subject=subject,
            about_type=about_type,
            about_id=about.pk if about is not None else None,
            status=MessageStatus.HELD if frequency == Frequency.DAILY else MessageStatus.QUEUED,
        )
        try:
            validate_email(address)
        except ValidationError:
            message.status = MessageStatus.FAILED
            message.last_error = _("Adresse électronique invalide : le message ne peut pas partir.")
            message.recipient = one_line(address, 254)
        render_context = {**context, "recipient": recipient, "subject": subject}
        message.body_text = render_to_string(f"{template}.txt", render_context)
        message.body_html = render_to_string(f"{template}.html", render_context)
        message.save()
        for attachment in attachments:
            stored = MessageAttachment(
                message=message, filename=one_line(attachment.filename), mimetype=attachment.mimetype
            )
            stored.file.save("attachment", ContentFile(attachment.content), save=False)
            stored.save()
        written.append(message)
    if any(message.status == MessageStatus.QUEUED for message in written) and not _delivery_pending():
        transaction.on_commit(enqueue_delivery)
    return written


def _delivery_pending() -> bool:
    """Whether this transaction already asks for a delivery on commit: one task delivers all its messages.

    A callback registered in a savepoint that rolled back is gone from the list, so it is asked again.
    """
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        callback is enqueue_delivery for _savepoints, callback, _robust in connection.run_on_commit
    )


def messages_about(model, ids: list[int]) -> dict[int, list[Message]]:
    """The messages written about each of these objects (by id), oldest first; no query without ids."""
    if not ids:
        return {}
    found: dict[int, list[Message]] = {}
    about_type = ContentType.objects.get_for_model(model)
    for message in Message.objects.filter(about_type=about_type, about_id__in=ids).order_by("created_at", "pk"):
        found.setdefault(message.about_id, []).append(message)
    return found


# Delivery -------------------------------------------------------------------


def enqueue_delivery(run_after: datetime | None = None) -> None:
    """Ask the task worker to deliver the outbox (now, or at `run_after` when the backend can wait)."""
    from django_tasks import default_task_backend

    from projects.notifications.tasks import deliver_messages

    task = deliver_messages
    if run_after is not None:
        if not default_task_backend.supports_defer:
            return
        task = task.using(run_after=run_after)
    try:
        task.enqueue()
    except Exception:
        # The messages wait in the outbox; the next delivery (or `send_digests`) takes them.
        logger.exception("could not enqueue the delivery of the outbox")


def build_email(message: Message, connection=None) -> EmailMultiAlternatives:
    email = EmailMultiAlternatives(
        one_line(message.subject),
        message.body_text,
        settings.DEFAULT_FROM_EMAIL,
        [message.recipient],
        connection=connection,
        headers={"Auto-Submitted": "auto-generated"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as stored:
            email.attach(attachment.filename, stored.read(), attachment.mimetype)
    return email


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _claim(now: datetime, limit: int) -> list[Message]:
    """Take up to `limit` due messages for this worker alone.

    The rows are locked with SKIP LOCKED (PostgreSQL), so two workers take different messages
    without waiting; the UPDATE re-checks that each is still due and marks it with this claim's
    token, so even where rows cannot be locked (SQLite) a message is taken by one worker only.
    """
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Message.objects.due(now)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)[:limit]
        )
        Message.objects.due(now).filter(pk__in=ids).update(
            status=MessageStatus.SENDING,
            claim=token,
            claimed_at=now,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
        )
    return list(Message.objects.filter(claim=token).prefetch_related("attachments").order_by("pk"))


def _failed(message: Message, error: str, now: datetime) -> None:
    retry = now + retry_delay(message.attempts) if message.attempts < MAX_ATTEMPTS else None
    Message.objects.filter(pk=message.pk).update(
        status=MessageStatus.FAILED, last_error=error[:2000], next_attempt_at=retry
    )


def _close_interrupted(now: datetime) -> None:
    """A message left « sending » by a worker that died may have left: it is not sent again on its own."""
    Message.objects.filter(
        status=MessageStatus.SENDING, claimed_at__lt=now - timedelta(seconds=SENDING_STALE_AFTER)
    ).update(
        status=MessageStatus.FAILED,
        next_attempt_at=None,
        last_error=_("Envoi interrompu (le traitement s’est arrêté) : vérifiez avant de renvoyer."),
    )


def deliver_due_messages(*, limit: int = 100) -> DeliveryReport:
    """Send the due messages over one SMTP connection; each sent or failed is recorded at once.

    A refusal of one message fails that message; a server that cannot be reached fails the
    rest of the claim with the same error. Failed messages are retried with back-off.
    """
    now = timezone.now()
    _close_interrupted(now)
    report = DeliveryReport()
    claimed = _claim(now, limit)
    if not claimed:
        return report
    connection = get_connection(fail_silently=False)
    unreachable = ""
    try:
        for message in claimed:
            if unreachable:
                _failed(message, unreachable, now)
                report.failed += 1
                continue
            try:
                email = build_email(message, connection)
            except OSError as error:
                # An attachment's file is missing: this message cannot leave, the others can.
                _failed(message, f"{type(error).__name__}: {error}", now)
                report.failed += 1
                report.errors.append(str(error))
                continue
            try:
                email.send()
            except MESSAGE_REFUSALS as error:
                _failed(message, f"{type(error).__name__}: {error}", now)
                report.failed += 1
                report.errors.append(str(error))
            except Exception as error:
                unreachable = f"{type(error).__name__}: {error}"
                logger.warning("SMTP delivery failed: %s", unreachable)
                _failed(message, unreachable, now)
                report.failed += 1
                report.errors.append(unreachable)
            else:
                Message.objects.filter(pk=message.pk).update(
                    status=MessageStatus.SENT, sent_at=timezone.now(), last_error=""
                )
                report.sent += 1
    finally:
        try:
            connection.close()
        except Exception:
            logger.warning("SMTP connection did not close cleanly", exc_info=True)
    return report


def next_retry_at() -> datetime | None:
    return (
        Message.objects.filter(status=MessageStatus.FAILED, attempts__lt=MAX_ATTEMPTS, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )


def resend_message(*, message: Message, by) -> Message:
    """Put a failed message back in the queue (« Renvoyer »), for a new round of attempts."""
    if not (by.is_superuser or by.is_staff):
        raise DomainError(_("Seule l’administration peut renvoyer un courriel."))
    with transaction.atomic():
        locked = Message.objects.select_for_update().get(pk=message.pk)
        if locked.status != MessageStatus.FAILED:
            raise DomainError(
                _("Seul un courriel en échec se renvoie (celui-ci est « %(status)s »).")
                % {"status": locked.get_status_display()}
            )
        try:
            validate_email(locked.recipient)
        except ValidationError:
            raise DomainError(_("L’adresse %(address)s est invalide.") % {"address": locked.recipient}) from None
        locked.status = MessageStatus.QUEUED
        locked.attempts = 0
        locked.next_attempt_at = None
        locked.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(enqueue_delivery)
    return locked


# Preferences and digests ----------------------------------------------------------------


def set_preferences(*, user, frequencies: dict[str, str]) -> None:
    """Record how often `user` wants each event's e-mails (`frequencies`: event → Frequency)."""
    from projects.notifications.events import STAFF_EVENTS

    unknown = sorted(set(frequencies) - set(STAFF_EVENTS))
    if unknown:
        raise ValidationError(_("Évènements inconnus : %(events)s.") % {"events": ", ".join(unknown)})
    with transaction.atomic():
        for event, frequency in frequencies.items():
            NotificationPreference.objects.update_or_create(
                user=user, event=event, defaults={"frequency": Frequency(frequency)}
            )


def send_digests(*, now: datetime | None = None) -> int:
    """Bundle each user's held messages into one digest message; returns the number of digests."""
    from projects.notifications.events import Event

    now = now or timezone.now()
    held = (
        Message.objects.filter(status=MessageStatus.HELD, created_at__lte=now)
        .select_related("recipient_user")
        .order_by("recipient", "created_at", "pk")
    )
    by_recipient: dict[str, list[Message]] = {}
    for message in held:
        by_recipient.setdefault(message.recipient, []).append(message)
    count = 0
    for address, messages in by_recipient.items():
        with transaction.atomic():
            user = messages[0].recipient_user
            day = timezone.localdate(now)
            [digest] = notify(
                event=Event.DIGEST,
                recipients=[address],
                subject=ngettext(
                    "FIPE — résumé du %(date)s : %(count)d notification",
                    "FIPE — résumé du %(date)s : %(count)d notifications",
                    len(messages),
                )
                % {"date": day.strftime("%d/%m/%Y"), "count": len(messages)},
                template="projects/notifications/email/digest",
                context={"messages": messages, "user": user, "site_url": absolute_url("/")},
            )
            digest.recipient_user = user
            digest.save(update_fields=["recipient_user"])
            Message.objects.filter(pk__in=[message.pk for message in messages], status=MessageStatus.HELD).update(
                status=MessageStatus.BUNDLED, digest=digest
            )
        count += 1
    return count
