"""The applicant's space: sign-in links, the documents each call requires, co-contacts,
requests for more information, the message thread and acknowledgements of receipt."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SIGN_IN_LINK_LIFETIME = datetime.timedelta(minutes=30)


class SignInLink(models.Model):
    """A link sent by e-mail: only the SHA-256 of its token is stored, so a copy of the database opens nothing."""

    email = models.EmailField(_("courriel"), db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    ip = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now, db_index=True)
    used_at = models.DateTimeField(_("utilisé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("lien de connexion")
        verbose_name_plural = _("liens de connexion")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} — {self.created_at:%d/%m/%Y %H:%M}"

    def expires_at(self) -> datetime.datetime:
        return self.created_at + SIGN_IN_LINK_LIFETIME

    def is_expired(self, now: datetime.datetime) -> bool:
        return now >= self.expires_at()


class RequiredDocument(models.Model):
    """A document every online application to the call must carry (budget prévisionnel, statuts, RIB…)."""

    call = models.ForeignKey("projects.Call", on_delete=models.CASCADE, related_name="required_documents")
    label = models.CharField(_("pièce"), max_length=150)
    help_text = models.CharField(_("précision"), max_length=255, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)

    class Meta:
        verbose_name = _("pièce à fournir")
        verbose_name_plural = _("pièces à fournir")
        ordering = ["call", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["call", "label"], name="one_required_document_per_label")]

    def __str__(self):
        return self.label


class CoContact(models.Model):
    """The second person a file's contact invited to follow it and act on it from the applicant's space."""

    application = models.OneToOneField("projects.Application", on_delete=models.CASCADE, related_name="co_contact")
    email = models.EmailField(_("courriel"))
    invited_by = models.EmailField(_("invité par"))
    invited_at = models.DateTimeField(_("invité le"), default=timezone.now)

    class Meta:
        verbose_name = _("co-contact")
        verbose_name_plural = _("co-contacts")

    def __str__(self):
        return self.email


class InformationRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(answered_at__isnull=True, closed_at__isnull=True)


class InformationRequest(models.Model):
    """An instructor asks the applicant for missing pieces or answers, by a deadline."""

    application = models.ForeignKey(
        "projects.Application", on_delete=models.CASCADE, related_name="information_requests"
    )
    message = models.TextField(_("message"))
    pieces = models.TextField(_("pièces demandées"), blank=True, help_text=_("Une pièce par ligne."))
    deadline = models.DateField(_("à fournir avant le"))
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("demandé le"), default=timezone.now)
    answer = models.TextField(_("réponse"), blank=True)
    answered_by = models.EmailField(_("réponse de"), blank=True)
    answered_at = models.DateTimeField(_("répondu le"), null=True, blank=True)
    # When an instructor resumed the review without waiting for the answer.
    closed_at = models.DateTimeField(_("close le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("relance envoyée le"), null=True, blank=True)

    objects = InformationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("demande de compléments")
        verbose_name_plural = _("demandes de compléments")
        ordering = ["asked_at", "pk"]

    def __str__(self):
        return f"{self.application.reference} — {self.asked_at:%d/%m/%Y}"

    @property
    def piece_list(self) -> list[str]:
        return [line.strip() for line in self.pieces.splitlines() if line.strip()]

    @property
    def is_pending(self) -> bool:
        return self.answered_at is None and self.closed_at is None


class ThreadMessageQuerySet(models.QuerySet):
    def for_applicant(self):
        """What the applicant reads: internal notes stay with the instructors."""
        return self.filter(internal=False)


class ThreadMessage(models.Model):
    """One message of a file's thread, by the applicant (author empty) or a member of staff."""

    application = models.ForeignKey("projects.Application", on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_email = models.EmailField(_("courriel du porteur"), blank=True)
    body = models.TextField(_("message"))
    internal = models.BooleanField(_("note interne"), default=False)
    created_at = models.DateTimeField(_("envoyé le"), default=timezone.now)

    objects = ThreadMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="message_by_staff_or_applicant",
                condition=Q(author__isnull=False, author_email="")
                | Q(author__isnull=True, internal=False) & ~Q(author_email=""),
            )
        ]

    def __str__(self):
        return f"{self.application_id} — {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def from_applicant(self) -> bool:
        return self.author_id is None


def acknowledgement_path(instance, filename):
    return f"acknowledgements/{instance.application_id}/{instance.sha256[:16]}.pdf"


class Acknowledgement(models.Model):
    """The acknowledgement of receipt sent when an application is filed online: its file is the signed
    PDF of its issued document (see projects.applicants.acknowledgement)."""

    application = models.OneToOneField("projects.Application", on_delete=models.PROTECT, related_name="acknowledgement")
    file = models.FileField(_("fichier PDF"), upload_to=acknowledgement_path)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    generated_at = models.DateTimeField(_("émis le"), default=timezone.now)
    document = models.OneToOneField(
        "projects.IssuedDocument", on_delete=models.PROTECT, null=True, blank=True, related_name="acknowledgement"
    )

    class Meta:
        verbose_name = _("accusé de réception")
        verbose_name_plural = _("accusés de réception")

    def __str__(self):
        return f"{self.application.reference} — {self.generated_at:%d/%m/%Y}"
