"""The outbox: every e-mail the application sends is a Message row first, delivered by the task worker."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("En attente d’envoi")
    SENDING = "sending", _("En cours d’envoi")
    SENT = "sent", _("Envoyé")
    FAILED = "failed", _("En échec")
    # Waiting for the recipient's daily digest, then bundled into it.
    HELD = "held", _("Pour le résumé quotidien")
    BUNDLED = "bundled", _("Inclus dans un résumé")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immédiatement")
    DAILY = "daily", _("Résumé quotidien")
    NEVER = "never", _("Jamais")


# Attempts the worker makes on its own; after them a message waits for « Renvoyer ».
MAX_ATTEMPTS = 5


def retry_delay(attempts: int) -> timedelta:
    """Back-off after the n-th failed attempt: 1, 4, 16, 64 minutes."""
    return timedelta(minutes=4 ** (attempts - 1))


class MessageQuerySet(models.QuerySet):
    def due(self, now):
        """Messages the worker should try now: queued ones, and failed ones whose retry time has come."""
        return self.filter(
            models.Q(status=MessageStatus.QUEUED)
            | models.Q(status=MessageStatus.FAILED, next_attempt_at__lte=now, attempts__lt=MAX_ATTEMPTS)
        )


class Message(models.Model):
    event = models.CharField(_("évènement"), max_length=60, db_index=True)
    recipient = models.CharField(_("destinataire"), max_length=254)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte du destinataire"),
    )
    subject = models.CharField(_("objet"), max_length=255)
    body_text = models.TextField(_("texte"))
    body_html = models.TextField(_("HTML"), blank=True)
    # The object the message is about (an application, a letter, a meeting, a batch…).
    about_type = models.ForeignKey(ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    status = models.CharField(
        _("statut"), max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)
    # The token of the worker's claim that took the message (see services._claim).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    digest = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bundled",
        verbose_name=_("résumé"),
    )

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("courriel")
        verbose_name_plural = _("courriels (boîte d’envoi)")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["about_type", "about_id"])]

    def __str__(self):
        return f"{self.recipient} — {self.subject}"


def message_attachment_path(instance, filename):
    # A generated folder: the file name shown to the recipient is kept in `filename`.
    return f"outbox/{instance.message_id}/{uuid.uuid4().hex}"


class MessageAttachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("fichier"), upload_to=message_attachment_path)
    filename = models.CharField(_("nom du fichier"), max_length=255)
    mimetype = models.CharField(_("type"), max_length=100)

    class Meta:
        verbose_name = _("pièce jointe du courriel")
        verbose_name_plural = _("pièces jointes du courriel")

    def __str__(self):
        return self.filename


class NotificationPreference(models.Model):
    """How often one staff user wants the e-mails of one event; absent means immediately."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    event = models.CharField(_("évènement"), max_length=60)
    frequency = models.CharField(_("fréquence"), max_length=10, choices=Frequency.choices)

    class Meta:
        verbose_name = _("préférence de notification")
        verbose_name_plural = _("préférences de notification")
        constraints = [models.UniqueConstraint(fields=["user", "event"], name="one_preference_per_user_event")]

    def __str__(self):
        return f"{self.user} — {self.event} — {self.get_frequency_display()}"
