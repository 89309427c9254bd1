"""Telling people by e-mail: every capability calls `notify`, which writes the messages to the outbox.

`notify` is called inside the transaction of the change it announces, so a change that rolls
back leaves no message. The task worker delivers the outbox over SMTP (projects.notifications.delivery).
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.exceptions import DomainError
from projects.notifications.delivery import one_line
from projects.notifications.enums import STAFF_EVENTS, Event
from projects.notifications.models import (
    Frequency,
    Message,
    MessageAttachment,
    MessageStatus,
    NotificationPreference,
)
from projects.notifications.tasks import enqueue_delivery

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


def absolute_url(path: str) -> str:
    """A link for an e-mail: the site's address (SITE_URL) and the path."""
    return settings.SITE_URL.rstrip("/") + path


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
