"""Telling people by e-mail: every capability calls `notify`, which knows how messages leave.

Called inside the transaction of the change it announces: nothing is sent when that change
rolls back.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str = "application/pdf"


def _address(recipient) -> str:
    return recipient if isinstance(recipient, str) else recipient.email


def notify(
    *,
    event: str,
    recipients: Iterable,
    subject: str,
    template: str,
    context: dict,
    about=None,
    attachments: Iterable[Attachment] = (),
) -> None:
    """Send `template` (`<template>.txt` and `<template>.html`) to each recipient (a user or an address).

    `event` names what happened (« application_submitted »…) and `about` the object concerned.
    """
    attachments = list(attachments)
    messages = []
    for recipient in recipients:
        address = _address(recipient)
        if not address:
            continue
        body = render_to_string(f"{template}.txt", {**context, "recipient": recipient})
        html = render_to_string(f"{template}.html", {**context, "recipient": recipient})
        message = EmailMultiAlternatives(" ".join(subject.split()), body, settings.DEFAULT_FROM_EMAIL, [address])
        message.attach_alternative(html, "text/html")
        for attachment in attachments:
            message.attach(attachment.filename, attachment.content, attachment.mimetype)
        messages.append(message)
    transaction.on_commit(lambda: [message.send() for message in messages])
