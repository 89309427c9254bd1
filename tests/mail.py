"""What the outbox has sent: tests deliver the due messages as the task worker would, then read them."""

from django.core import mail

from projects.notifications.delivery import deliver_due_messages


def sent_mail() -> list:
    """The messages sent so far (Django's test mailbox), once every due message of the outbox is delivered."""
    deliver_due_messages(limit=1000)
    return mail.outbox
