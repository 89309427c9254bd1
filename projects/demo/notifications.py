"""Demo step of the notifications: the earlier steps' services wrote the outbox; here, one user's
preferences show the daily digest and « jamais », and the newcomer is told where to read the e-mails."""

from django.contrib.auth import get_user_model

from projects.notifications.enums import Event
from projects.notifications.models import Frequency, Message, MessageStatus, NotificationPreference

# The Haute-Garonne secretariat takes the submissions in its daily digest and no rejection at all.
DEMO_PREFERENCES = {
    "cdsf-31": {Event.REVIEWS_COMPLETE: Frequency.DAILY, Event.APPLICATION_REJECTED: Frequency.NEVER},
}


def load_notifications(stdout) -> None:
    users = get_user_model().objects.filter(username__in=DEMO_PREFERENCES)
    for user in users:
        for event, frequency in DEMO_PREFERENCES[user.username].items():
            NotificationPreference.objects.get_or_create(user=user, event=event, defaults={"frequency": frequency})
    queued = Message.objects.filter(status=MessageStatus.QUEUED).count()
    stdout.write(
        f"Boîte d’envoi : {Message.objects.count()} courriels, dont {queued} en attente ; le worker les remet au "
        "serveur SMTP local de « make run », visibles sur la page « Courriels envoyés »."
    )
