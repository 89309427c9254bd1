"""Delivering the outbox over SMTP: each message is claimed before it is sent, so that two workers
never send the same one, and one that fails waits for its retry.
"""

import logging
import smtplib
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.notifications.models import MAX_ATTEMPTS, Message, MessageStatus, retry_delay

logger = logging.getLogger(__name__)

SUBJECT_MAX_LENGTH = Message._meta.get_field("subject").max_length
# A message claimed this long ago whose worker never said how it went was cut off mid-send.
SENDING_STALE_AFTER = 15 * 60
# SMTP answers that concern this message only; any other error means the server is unreachable.
MESSAGE_REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError)


def one_line(text: str, max_length: int = SUBJECT_MAX_LENGTH) -> str:
    """Whitespace (newlines included) collapsed to single spaces: no header can be injected through it."""
    text = " ".join(str(text).split())
    return text if len(text) <= max_length else text[: max_length - 1] + "…"


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
